//! What a photo's first bytes say: the EXIF orientation of a JPEG (the APP1 segment comes
//! first) and the size in pixels of a JPEG or PNG, before anything is decoded.

/// How many leading bytes [`orientation`] and [`image_size`] may need.
pub const EXIF_SCAN_LEN: u32 = 128 * 1024;

/// A JPEG's segments before the image data: (marker, body).
fn segments(jpeg: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    let mut i = 2usize;
    let mut done = !jpeg.starts_with(&[0xFF, 0xD8]);
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let segment = (|| {
            let marker = *jpeg.get(i + 1)?;
            if *jpeg.get(i)? != 0xFF || marker == 0xDA || marker == 0xD9 {
                return None;
            }
            let len = usize::from(u16::from_be_bytes([*jpeg.get(i + 2)?, *jpeg.get(i + 3)?]));
            let body = jpeg.get(i + 4..(i + 2).checked_add(len)?)?;
            i = i.checked_add(2 + len)?;
            (len >= 2).then_some((marker, body))
        })();
        done = segment.is_none();
        segment
    })
}

/// The EXIF orientation (1..=8) of a JPEG, if it has one.
pub fn orientation(jpeg: &[u8]) -> Option<u16> {
    segments(jpeg)
        .find_map(|(marker, body)| {
            (marker == 0xE1)
                .then(|| body.strip_prefix(b"Exif\0\0"))
                .flatten()
        })
        .and_then(tiff_orientation)
}

/// Width and height in pixels of a JPEG (its frame header) or a PNG (its IHDR), as stored
/// (before any EXIF rotation); None when the first bytes do not say.
pub fn image_size(head: &[u8]) -> Option<(u32, u32)> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") && head.get(12..16) == Some(b"IHDR") {
        let be = |o: usize| -> Option<u32> {
            Some(u32::from_be_bytes(head.get(o..o + 4)?.try_into().ok()?))
        };
        return Some((be(16)?, be(20)?));
    }
    if !head.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    match jpeg_scan(head.get(2..)?, 2) {
        Scan::Size(w, h) => Some((w, h)),
        _ => None,
    }
}

/// Where a walk along a JPEG's segments got to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scan {
    /// The frame header: width and height.
    Size(u32, u32),
    /// The bytes ran out at the segment starting at this offset of the file: read on from there.
    ReadFrom(u64),
    /// The segments end (image data, a broken chain) without a frame header.
    Unknown,
}

/// Walks a JPEG's segments in `bytes`, the file's bytes from offset `at` (where a segment
/// starts) on, for its frame header. A segment is skipped by its length, read from its own
/// first 4 bytes: a walk past large metadata (XMP of a depth map, several MB) needs only the
/// few bytes at the start of each segment.
pub fn jpeg_scan(bytes: &[u8], at: u64) -> Scan {
    let mut i = 0usize;
    loop {
        let here = at.saturating_add(i as u64);
        let Some(&[ff, marker, a, b]) = bytes.get(i..i + 4) else {
            return Scan::ReadFrom(here);
        };
        let len = usize::from(u16::from_be_bytes([a, b]));
        if ff != 0xFF || marker == 0xDA || marker == 0xD9 || len < 2 {
            return Scan::Unknown;
        }
        // SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC): height, then width
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            return match bytes.get(i + 5..i + 9) {
                Some(&[h1, h0, w1, w0]) => Scan::Size(
                    u32::from(u16::from_be_bytes([w1, w0])),
                    u32::from(u16::from_be_bytes([h1, h0])),
                ),
                _ => Scan::ReadFrom(here),
            };
        }
        i += 2 + len;
    }
}

fn tiff_orientation(tiff: &[u8]) -> Option<u16> {
    let little = match tiff.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |o: usize| -> Option<u16> {
        let b = [*tiff.get(o)?, *tiff.get(o + 1)?];
        Some(if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u32_at = |o: usize| -> Option<u32> {
        let b = [
            *tiff.get(o)?,
            *tiff.get(o + 1)?,
            *tiff.get(o + 2)?,
            *tiff.get(o + 3)?,
        ];
        Some(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for n in 0..count.min(512) {
        let entry = ifd + 2 + n * 12;
        if u16_at(entry)? == 0x0112 {
            let value = u16_at(entry + 8)?;
            return (1..=8).contains(&value).then_some(value);
        }
    }
    None
}

/// Whether an orientation swaps width and height (5 to 8: a quarter turn).
pub fn swaps_sides(orientation: u16) -> bool {
    (5..=8).contains(&orientation)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal JPEG header with an APP1 EXIF segment carrying `orientation`.
    pub fn jpeg_with_orientation(orientation: u16, little: bool) -> Vec<u8> {
        let mut tiff: Vec<u8> = Vec::new();
        let w16 = |v: u16| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let w32 = |v: u32| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        tiff.extend_from_slice(if little { b"II" } else { b"MM" });
        tiff.extend_from_slice(&w16(42));
        tiff.extend_from_slice(&w32(8));
        tiff.extend_from_slice(&w16(2));
        // an unrelated tag, then orientation
        tiff.extend_from_slice(&w16(0x010F));
        tiff.extend_from_slice(&w16(2));
        tiff.extend_from_slice(&w32(4));
        tiff.extend_from_slice(b"Cam\0");
        tiff.extend_from_slice(&w16(0x0112));
        tiff.extend_from_slice(&w16(3));
        tiff.extend_from_slice(&w32(1));
        tiff.extend_from_slice(&w16(orientation));
        tiff.extend_from_slice(&[0, 0]);
        tiff.extend_from_slice(&w32(0));
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let len = u16::try_from(app1.len() + 2).unwrap_or(0);
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xE1];
        jpeg.extend_from_slice(&len.to_be_bytes());
        jpeg.extend_from_slice(&app1);
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02]);
        jpeg
    }

    #[test]
    fn reads_the_orientation_in_both_byte_orders() {
        for o in 1..=8 {
            assert_eq!(orientation(&jpeg_with_orientation(o, true)), Some(o));
            assert_eq!(orientation(&jpeg_with_orientation(o, false)), Some(o));
        }
        assert!(swaps_sides(6) && swaps_sides(8) && !swaps_sides(3) && !swaps_sides(1));
    }

    #[test]
    fn missing_invalid_or_truncated_exif_gives_none() {
        assert_eq!(orientation(b"\x89PNG"), None);
        assert_eq!(orientation(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]), None);
        assert_eq!(orientation(&jpeg_with_orientation(9, true)), None);
        let full = jpeg_with_orientation(6, true);
        for cut in 0..full.len() - 4 {
            let _ = orientation(&full[..cut]); // never panics
        }
        assert_eq!(orientation(&full[..30]), None);
        let mut bad_len = full.clone();
        bad_len[5] = 0; // APP0 length 0
        assert_eq!(orientation(&bad_len), None);
    }

    #[test]
    fn the_size_comes_from_the_jpeg_frame_header_or_the_png_ihdr() {
        // EXIF first, a DHT (C4, not a frame header), then SOF2 of 4000 × 3000
        let mut jpeg = jpeg_with_orientation(6, true);
        jpeg.truncate(jpeg.len() - 4);
        jpeg.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x03, 0x00]);
        jpeg.extend_from_slice(&[
            0xFF, 0xC2, 0x00, 0x0B, 8, 0x0B, 0xB8, 0x0F, 0xA0, 3, 0, 0, 0,
        ]);
        assert_eq!(image_size(&jpeg), Some((4000, 3000)));
        assert_eq!(
            orientation(&jpeg),
            Some(6),
            "the same walk still finds the EXIF"
        );
        // cut before the frame header's width: nothing; after it, the size
        let dims_end = jpeg.len() - 13 + 9;
        for cut in 0..jpeg.len() {
            assert_eq!(
                image_size(&jpeg[..cut]),
                (cut >= dims_end).then_some((4000, 3000)),
                "cut at {cut}"
            );
        }
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        png.extend_from_slice(&8160u32.to_be_bytes());
        png.extend_from_slice(&6120u32.to_be_bytes());
        assert_eq!(image_size(&png), Some((8160, 6120)));
        assert_eq!(image_size(&png[..20]), None);
        assert_eq!(image_size(b"GIF89a"), None);
        assert_eq!(
            image_size(&jpeg_with_orientation(1, false)),
            None,
            "no frame header yet"
        );
    }

    #[test]
    fn a_walk_past_large_metadata_reads_on_where_the_bytes_end() {
        // three APP1 segments of 65 535 bytes (an extended XMP), then SOF0 of 8000 × 6000
        let mut jpeg = vec![0xFF, 0xD8];
        for _ in 0..3 {
            jpeg.extend_from_slice(&[0xFF, 0xE1, 0xFF, 0xFF]);
            jpeg.resize(jpeg.len() + 65_533, b'x');
        }
        let sof = jpeg.len();
        jpeg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 8, 0x17, 0x70, 0x1F, 0x40, 3]);
        let head = &jpeg[..128 * 1024];
        assert_eq!(image_size(head), None, "not within the first 128 KB");
        let third = 2 + 2 * 65_537;
        assert_eq!(jpeg_scan(&head[2..], 2), Scan::ReadFrom(third as u64));
        // from there, a few bytes per segment are enough
        assert_eq!(
            jpeg_scan(&jpeg[third..third + 4], third as u64),
            Scan::ReadFrom(sof as u64)
        );
        assert_eq!(
            jpeg_scan(&jpeg[sof..sof + 8], sof as u64),
            Scan::ReadFrom(sof as u64)
        );
        assert_eq!(jpeg_scan(&jpeg[sof..], sof as u64), Scan::Size(8000, 6000));
        assert_eq!(image_size(&jpeg), Some((8000, 6000)));
        // image data, a broken chain, a length under 2: nothing more to find
        assert_eq!(jpeg_scan(&[0xFF, 0xDA, 0, 8], 2), Scan::Unknown);
        assert_eq!(jpeg_scan(b"Exif", 2), Scan::Unknown);
        assert_eq!(jpeg_scan(&[0xFF, 0xE1, 0, 1], 2), Scan::Unknown);
    }
}
