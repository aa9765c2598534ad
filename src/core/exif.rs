//! EXIF orientation of a JPEG, read from its first bytes (the APP1 segment comes first).

/// How many leading bytes [`orientation`] may need.
pub const EXIF_SCAN_LEN: u32 = 128 * 1024;

/// The EXIF orientation (1..=8) of a JPEG, if it has one.
pub fn orientation(jpeg: &[u8]) -> Option<u16> {
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2usize;
    loop {
        let marker = *jpeg.get(i + 1)?;
        if *jpeg.get(i)? != 0xFF || marker == 0xDA || marker == 0xD9 {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([*jpeg.get(i + 2)?, *jpeg.get(i + 3)?]));
        if len < 2 {
            return None;
        }
        if marker == 0xE1 {
            let body = jpeg.get(i + 4..i + 2 + len)?;
            if let Some(tiff) = body.strip_prefix(b"Exif\0\0") {
                return tiff_orientation(tiff);
            }
        }
        i = i.checked_add(2 + len)?;
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
}
