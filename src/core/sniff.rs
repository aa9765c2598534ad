//! What ID360 accepts, checked before any byte is sent: JPEG, PNG, PDF or HEIC/HEIF by magic
//! bytes (never by file name or MIME type), 1 byte to 9.5 MB.

use super::error::{ErrorCode, FlowError};

/// Largest page ID360 accepts. ID360 says "9.5 MB"; we read it as 9 500 000 bytes, the
/// stricter reading, so that a page we accept is never refused for its size.
pub const MAX_PAGE_BYTES: u64 = 9_500_000;

/// How many leading bytes [`sniff`] needs.
pub const SNIFF_LEN: u32 = 16;

/// An accepted format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// PDF.
    Pdf,
    /// HEIC / HEIF.
    Heic,
}

impl Format {
    /// The `Content-Type` sent with the page.
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

/// The format of a file from its first bytes, if accepted.
pub fn sniff(head: &[u8]) -> Option<Format> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if head.starts_with(b"%PDF-") {
        Some(Format::Pdf)
    } else if head.get(4..8) == Some(b"ftyp")
        && head.get(8..12).is_some_and(|b| HEIF_BRANDS.contains(&b))
    {
        Some(Format::Heic)
    } else {
        None
    }
}

/// Checks one page from its size and its format (`sniff` of its first bytes, or known because
/// this library encoded it). `label` names it in messages ("page 2 of the document").
pub fn check_page(size: f64, format: Option<Format>, label: &str) -> Result<Format, FlowError> {
    if !(size.is_finite() && size >= 1.0) {
        return Err(FlowError::invalid_input(format!(
            "{label} is empty (0 bytes): capture or choose the file again."
        )));
    }
    if size > MAX_PAGE_BYTES as f64 {
        return Err(FlowError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "{label} is {} bytes; ID360 accepts 9.5 MB (9500000 bytes) at most: resize or compress it.",
                size as u64
            ),
        ));
    }
    format.ok_or_else(|| {
        FlowError::new(
            ErrorCode::UnsupportedFormat,
            format!("{label} is not a JPEG, PNG, PDF or HEIC file (judged by its content, not its name)."),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_accepted_format_is_recognised_by_its_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE1]), Some(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some(Format::Png));
        assert_eq!(sniff(b"%PDF-1.4"), Some(Format::Pdf));
        assert_eq!(sniff(b"\0\0\0\x1cftypheic\0\0\0\0"), Some(Format::Heic));
        assert_eq!(sniff(b"\0\0\0\x1cftypmif1\0\0\0\0"), Some(Format::Heic));
    }

    #[test]
    fn disguised_and_truncated_files_are_refused() {
        for bad in [
            &b"GIF89a\x01\x00"[..],
            b"RIFF\x00\x00\x00\x00WEBPVP8 ",
            b"BM\x00\x00",
            b"<!DOCTYPE html>",
            b"hello world",
            &[0xFF, 0xD8],
            b"\x89PNG",
            b"\0\0\0\x1cftypisom",
            b"",
        ] {
            assert_eq!(sniff(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn sizes_from_one_byte_to_exactly_nine_and_a_half_megabytes_pass() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0];
        assert_eq!(check_page(1.0, sniff(&jpeg), "p"), Ok(Format::Jpeg));
        assert_eq!(check_page(9_500_000.0, sniff(&jpeg), "p"), Ok(Format::Jpeg));
        assert_eq!(
            check_page(9_500_001.0, sniff(&jpeg), "p").map_err(|e| e.code),
            Err(ErrorCode::PayloadTooLarge)
        );
        assert_eq!(
            check_page(0.0, sniff(&jpeg), "p").map_err(|e| e.code),
            Err(ErrorCode::InvalidInput)
        );
        assert_eq!(
            check_page(f64::NAN, sniff(&jpeg), "p").map_err(|e| e.code),
            Err(ErrorCode::InvalidInput)
        );
        assert_eq!(
            check_page(10.0, sniff(b"GIF89a"), "p").map_err(|e| e.code),
            Err(ErrorCode::UnsupportedFormat)
        );
    }
}
