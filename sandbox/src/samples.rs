//! Sample images for tests, demos and benchmarks (`GET /_sandbox/samples/{file}`): a PNG or JPEG
//! of the asked size that carries verdict hints (see `verdict`), optionally padded to a byte
//! size with an ancillary chunk / comment that decoders ignore.

use crate::verdict::HINT_KEY;
use image::{ImageBuffer, ImageFormat, Rgb};
use std::io::Cursor;

/// Largest sample side in pixels.
pub const MAX_SIDE: u32 = 4000;
/// Largest padded sample size.
pub const MAX_PAD: usize = 32 * 1024 * 1024;

/// A sample request.
#[derive(Clone, Debug, Default)]
pub struct Sample {
    /// PNG (true) or JPEG.
    pub png: bool,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Hint JSON to embed, if any.
    pub hints: Option<String>,
    /// Pad the file to at least this many bytes.
    pub pad_to: Option<usize>,
    /// JPEG only: an EXIF orientation tag (1..=8) to write.
    pub exif_orientation: Option<u16>,
}

/// A textured test pattern (so it decodes and compresses like a photo, not like a flat fill).
fn pattern(width: u32, height: u32) -> ImageBuffer<Rgb<u8>, Vec<u8>> {
    ImageBuffer::from_fn(width, height, |x, y| {
        let v = ((x * 7 + y * 13) ^ (x / 9 * y / 11)) as u8;
        let card = x > width / 10 && x < width * 9 / 10 && y > height / 8 && y < height * 7 / 8;
        if card {
            Rgb([v / 2 + 90, v / 3 + 120, 200u8.wrapping_sub(v / 4)])
        } else {
            Rgb([v / 4 + 20, v / 4 + 20, v / 4 + 30])
        }
    })
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    let mut chunk = Vec::with_capacity(data.len() + 12);
    chunk.extend_from_slice(&len.to_be_bytes());
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    chunk.extend_from_slice(&crc.finalize().to_be_bytes());
    chunk
}

/// Inserts extra chunks right after IHDR (8-byte signature + 25-byte IHDR chunk).
fn png_insert(png: Vec<u8>, chunks: &[Vec<u8>]) -> Vec<u8> {
    let split = 33.min(png.len());
    let (head, tail) = png.split_at(split);
    let mut out = head.to_vec();
    for c in chunks {
        out.extend_from_slice(c);
    }
    out.extend_from_slice(tail);
    out
}

/// JPEG comment segments inserted after SOI (a segment holds at most 65 533 bytes).
fn jpeg_insert(jpeg: Vec<u8>, comments: &[Vec<u8>]) -> Vec<u8> {
    let split = 2.min(jpeg.len());
    let (head, tail) = jpeg.split_at(split);
    let mut out = head.to_vec();
    for text in comments {
        for piece in text.chunks(65_533) {
            let len = u16::try_from(piece.len() + 2).unwrap_or(u16::MAX);
            out.extend_from_slice(&[0xFF, 0xFE]);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(piece);
        }
    }
    out.extend_from_slice(tail);
    out
}

/// An APP1 body (`Exif\0\0` + little-endian TIFF) with one IFD entry: Orientation.
pub fn exif_orientation_app1(orientation: u16) -> Vec<u8> {
    let mut body = b"Exif\0\0II".to_vec();
    body.extend_from_slice(&42u16.to_le_bytes());
    body.extend_from_slice(&8u32.to_le_bytes());
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&0x0112u16.to_le_bytes());
    body.extend_from_slice(&3u16.to_le_bytes());
    body.extend_from_slice(&1u32.to_le_bytes());
    body.extend_from_slice(&orientation.to_le_bytes());
    body.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    body
}

fn jpeg_insert_segment(jpeg: Vec<u8>, marker: u8, body: &[u8]) -> Vec<u8> {
    let split = 2.min(jpeg.len());
    let (head, tail) = jpeg.split_at(split);
    let mut out = head.to_vec();
    let len = u16::try_from(body.len() + 2).unwrap_or(u16::MAX);
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(tail);
    out
}

/// A synthetic ID card on a darker desk, as grey levels: text lines, a photo, an MRZ band
/// (sharp, well exposed: what the quality check should accept).
pub fn card_luma(width: usize, height: usize) -> Vec<u8> {
    let mut img = vec![70u8; width * height];
    let (cx, cy, cw, ch) = (width / 8, height / 7, width * 6 / 8, height * 5 / 7);
    for y in cy..cy + ch {
        for x in cx..cx + cw {
            let u = (x - cx) * 1000 / cw.max(1);
            let v = (y - cy) * 630 / ch.max(1);
            let text = (v / 30) % 2 == 1 && u > 350 && u < 950 && (u / 12) % 3 != 0;
            let photo = u > 50 && u < 300 && v > 100 && v < 450;
            let mrz = v > 520 && v < 600 && u > 50 && u < 950 && (u / 9) % 2 == 0;
            let value = if text || mrz {
                35
            } else if photo {
                (100 + (u * 7 + v * 3) % 80) as u8
            } else {
                200
            };
            if let Some(p) = img.get_mut(y * width + x) {
                *p = value;
            }
        }
    }
    img
}

/// A face-like oval on a plain background, as grey levels.
pub fn selfie_luma(width: usize, height: usize) -> Vec<u8> {
    let mut img = vec![150u8; width * height];
    let (cx, cy) = (width as f64 / 2.0, height as f64 / 2.0);
    let (rx, ry) = (width as f64 * 0.22, height as f64 * 0.32);
    for y in 0..height {
        for x in 0..width {
            let (dx, dy) = ((x as f64 - cx) / rx, (y as f64 - cy) / ry);
            let d = dx * dx + dy * dy;
            let eye = ((dx.abs() - 0.35).powi(2) + (dy + 0.25).powi(2)) < 0.012;
            let mouth = dy > 0.35 && dy < 0.45 && dx.abs() < 0.3;
            let value = if d > 1.0 {
                if (x / 24 + y / 24) % 2 == 0 {
                    120
                } else {
                    165
                }
            } else if eye || mouth {
                40
            } else {
                205
            };
            if let Some(p) = img.get_mut(y * width + x) {
                *p = value;
            }
        }
    }
    img
}

/// A YUV4MPEG2 (4:2:0) file of `frames` identical frames of a grey picture, for Chromium's
/// `--use-file-for-fake-video-capture`.
pub fn y4m(luma: &[u8], width: usize, height: usize, frames: usize) -> Vec<u8> {
    let mut out = format!("YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n").into_bytes();
    let chroma = vec![128u8; width.div_ceil(2) * height.div_ceil(2)];
    for _ in 0..frames {
        out.extend_from_slice(b"FRAME\n");
        out.extend_from_slice(luma);
        out.extend_from_slice(&chroma);
        out.extend_from_slice(&chroma);
    }
    out
}

/// Encodes the sample.
pub fn render(sample: &Sample) -> Result<Vec<u8>, String> {
    if sample.width == 0
        || sample.height == 0
        || sample.width > MAX_SIDE
        || sample.height > MAX_SIDE
    {
        return Err(format!("width and height must be between 1 and {MAX_SIDE}"));
    }
    if sample.pad_to.is_some_and(|p| p > MAX_PAD) {
        return Err(format!("pad_to must be at most {MAX_PAD}"));
    }
    let img = pattern(sample.width, sample.height);
    let mut encoded = Vec::new();
    let format = if sample.png {
        ImageFormat::Png
    } else {
        ImageFormat::Jpeg
    };
    img.write_to(&mut Cursor::new(&mut encoded), format)
        .map_err(|e| e.to_string())?;
    // Padding is sized from a first try, then corrected by what the container adds around it
    // (chunk and segment headers), so that the file is exactly `pad_to` bytes when it can be.
    let build = |pad: usize| -> Vec<u8> {
        if sample.png {
            let mut chunks = Vec::new();
            if let Some(h) = &sample.hints {
                let mut data = HINT_KEY.as_bytes().to_vec();
                data.push(0);
                data.extend_from_slice(h.as_bytes());
                chunks.push(png_chunk(b"tEXt", &data));
            }
            if pad > 0 {
                chunks.push(png_chunk(b"paDd", &vec![0x5a; pad]));
            }
            png_insert(encoded.clone(), &chunks)
        } else {
            let mut jpeg = encoded.clone();
            if let Some(o) = sample.exif_orientation {
                jpeg = jpeg_insert_segment(jpeg, 0xE1, &exif_orientation_app1(o));
            }
            let mut comments = Vec::new();
            if let Some(h) = &sample.hints {
                comments.push(format!("{HINT_KEY}:{h}").into_bytes());
            }
            if pad > 0 {
                comments.push(vec![b'.'; pad]);
            }
            jpeg_insert(jpeg, &comments)
        }
    };
    let mut out = build(0);
    if let Some(target) = sample.pad_to {
        let mut pad = target.saturating_sub(out.len());
        for _ in 0..4 {
            if out.len() == target || pad == 0 {
                break;
            }
            let tried = build(pad);
            let next = (pad + target).saturating_sub(tried.len());
            out = tried;
            if next == pad {
                break;
            }
            pad = next;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::{jpeg_comment, png_text};

    #[test]
    fn pad_to_gives_the_exact_size_across_segment_boundaries() {
        for png in [true, false] {
            for target in [65_600, 131_075, 2_000_000, 9_500_000] {
                let bytes = render(&Sample {
                    png,
                    width: 64,
                    height: 48,
                    hints: None,
                    pad_to: Some(target),
                    exif_orientation: None,
                })
                .unwrap_or_default();
                assert_eq!(bytes.len(), target, "png {png}");
            }
        }
    }

    #[test]
    fn samples_decode_and_carry_their_hints() {
        for png in [true, false] {
            let bytes = render(&Sample {
                png,
                width: 400,
                height: 300,
                hints: Some("{\"name\":\"DUPONT\"}".into()),
                pad_to: Some(300_000),
                exif_orientation: if png { None } else { Some(6) },
            })
            .unwrap_or_default();
            assert_eq!(bytes.len(), 300_000, "padded to the byte");
            let img = image::load_from_memory(&bytes).map_err(|e| e.to_string());
            assert_eq!(img.map(|i| (i.width(), i.height())), Ok((400, 300)));
            let text = if png {
                png_text(&bytes, HINT_KEY)
            } else {
                jpeg_comment(&bytes, HINT_KEY)
            };
            assert_eq!(text.as_deref(), Some("{\"name\":\"DUPONT\"}"));
        }
    }

    #[test]
    fn y4m_files_have_a_header_and_whole_frames() {
        let (w, h) = (64, 48);
        let file = y4m(&card_luma(w, h), w, h, 2);
        assert!(file.starts_with(b"YUV4MPEG2 W64 H48 F30:1"));
        let header = file.iter().position(|b| *b == b'\n').unwrap_or(0) + 1;
        assert_eq!(file.len() - header, 2 * (6 + w * h * 3 / 2));
        assert!(card_luma(w, h).contains(&35) && selfie_luma(w, h).contains(&40));
    }
}
