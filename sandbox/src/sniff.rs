//! File formats ID360 accepts, recognised by their magic bytes (never by name or MIME type).

use serde::Serialize;

/// An accepted upload format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JPEG / JPG.
    Jpeg,
    /// PNG.
    Png,
    /// PDF.
    Pdf,
    /// HEIC / HEIF.
    Heic,
}

impl Format {
    /// MIME type served back by `file_contents`.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Pdf => "application/pdf",
            Format::Heic => "image/heic",
        }
    }
}

const HEIF_BRANDS: [&[u8]; 9] = [
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"heif",
];

/// Recognises JPEG, PNG, PDF and HEIC/HEIF from the first bytes of a file.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Format::Jpeg);
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Some(Format::Png);
    }
    if bytes.starts_with(b"%PDF-") {
        return Some(Format::Pdf);
    }
    if bytes.get(4..8) == Some(b"ftyp") {
        if let Some(brand) = bytes.get(8..12) {
            if HEIF_BRANDS.contains(&brand) {
                return Some(Format::Heic);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_accepted_format_and_nothing_else() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Format::Png));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(Format::Pdf));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Some(Format::Heic));
        assert_eq!(sniff(b"\0\0\0\x18ftypmif1\0\0\0\0"), Some(Format::Heic));
        assert_eq!(
            sniff(b"\0\0\0\x18ftypisom\0\0\0\0"),
            None,
            "mp4 is not HEIC"
        );
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), None);
        assert_eq!(sniff(b"BM"), None);
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(sniff(&[0xFF, 0xD8]), None, "truncated JPEG header");
        assert_eq!(sniff(b""), None);
    }
}
