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
    let padding = |current: usize| sample.pad_to.map_or(0, |p| p.saturating_sub(current + 64));
    if sample.png {
        let mut chunks = Vec::new();
        if let Some(h) = &sample.hints {
            let mut data = HINT_KEY.as_bytes().to_vec();
            data.push(0);
            data.extend_from_slice(h.as_bytes());
            chunks.push(png_chunk(b"tEXt", &data));
        }
        let size = encoded.len() + chunks.iter().map(Vec::len).sum::<usize>();
        let pad = padding(size);
        if pad > 0 {
            chunks.push(png_chunk(b"paDd", &vec![0x5a; pad]));
        }
        Ok(png_insert(encoded, &chunks))
    } else {
        let mut comments = Vec::new();
        if let Some(h) = &sample.hints {
            comments.push(format!("{HINT_KEY}:{h}").into_bytes());
        }
        let size = encoded.len() + comments.iter().map(Vec::len).sum::<usize>();
        let pad = padding(size);
        if pad > 0 {
            comments.push(vec![b'.'; pad - pad / 65_533 * 4]);
        }
        Ok(jpeg_insert(encoded, &comments))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::{jpeg_comment, png_text};

    #[test]
    fn samples_decode_and_carry_their_hints() {
        for png in [true, false] {
            let bytes = render(&Sample {
                png,
                width: 400,
                height: 300,
                hints: Some("{\"name\":\"DUPONT\"}".into()),
                pad_to: Some(300_000),
            })
            .unwrap_or_default();
            assert!(
                bytes.len() >= 299_000 && bytes.len() <= 301_000,
                "size {}",
                bytes.len()
            );
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
}
