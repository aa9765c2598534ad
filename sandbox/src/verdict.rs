//! The deterministic "verification engines": what the sandbox decides after finalize.
//!
//! Rules, in order (no randomness):
//! 1. Every JPEG/PNG page must decode and be at least [`MIN_SIDE`] px on its short side, else
//!    `KO` with `MDL_INPUT_INVALID` (where = the step of that document). PDF and HEIC pages are
//!    taken as readable without decoding.
//! 2. "Extracted" identity: the JSON carried by a PNG `tEXt` chunk with keyword `id360-sandbox`,
//!    or a JPEG comment (COM segment) starting `id360-sandbox:`, in the ID document's pages;
//!    without one, [`default_identity`]. The same JSON may force an outcome:
//!    `"verdict": "KO"|"FAILED"` with an optional `"status_code"` (default `VLD_DOCUMENT_INVALID`
//!    for KO, `UNKNOWN_ERROR` for FAILED).
//! 3. The selfie's JSON may say `"face_match": false` (→ KO `MDL_CHALLENGE_NOT_MET` at
//!    `facecomparison`) or `"liveness": false` (→ KO `MDL_CHALLENGE_NOT_MET` at `liveness$0`).
//! 4. Data comparison: each value sent through `control/data/` is compared with the extracted
//!    identity (case and accents-insensitive; dates as YYYY-MM-DD or DD/MM/YYYY); a mismatch, or
//!    a field the process expects that was never sent, gives KO `VLD_VALIDATION_KO`.
//!
//! Result: FAILED if anything failed, else KO if any status code, else OK.

use crate::config::{ID_DOCUMENT, SELFIE_DOCUMENT};
use crate::model::{Page, Status};
use crate::sniff::Format;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Smallest accepted short side of an image, in pixels.
pub const MIN_SIDE: u32 = 200;
/// Keyword of the PNG text chunk / prefix of the JPEG comment carrying test hints.
pub const HINT_KEY: &str = "id360-sandbox";

/// The identity "read" from the document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// Last name.
    pub name: String,
    /// First names.
    pub first_names: Vec<String>,
    /// YYYY-MM-DD.
    pub birth_date: String,
    /// `M` / `F`.
    pub gender: String,
}

/// Identity extracted when a document carries no hint.
pub fn default_identity() -> Identity {
    Identity {
        name: "MARTIN".into(),
        first_names: vec!["Camille".into(), "Marie".into()],
        birth_date: "1990-04-12".into(),
        gender: "F".into(),
    }
}

/// What a test can put in an image to steer the verdict.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Hints {
    /// Extracted last name.
    pub name: Option<String>,
    /// Extracted first names.
    pub first_names: Option<Vec<String>>,
    /// Extracted birth date.
    pub birth_date: Option<String>,
    /// Extracted gender.
    pub gender: Option<String>,
    /// Forced outcome: `KO` or `FAILED`.
    pub verdict: Option<String>,
    /// Status code of a forced outcome.
    pub status_code: Option<String>,
    /// Selfie: whether the face matches the document.
    pub face_match: Option<bool>,
    /// Selfie: whether the liveness check passes.
    pub liveness: Option<bool>,
}

/// One entry of `status_codes`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusCodeEntry {
    /// e.g. `MDL_INPUT_INVALID`.
    pub code: String,
    /// Human message.
    pub message: String,
    /// Step it comes from.
    pub r#where: String,
}

/// One verification step.
#[derive(Clone, Debug, Serialize)]
pub struct StepResult {
    /// Step key (`id_document`, `facecomparison`, `liveness$0`).
    pub key: String,
    /// `OK` / `KO`.
    pub status: String,
    /// Hashes of its input files.
    pub input_files: Vec<String>,
    /// Step-specific results.
    pub results: serde_json::Value,
}

/// One validation of the validator report.
#[derive(Clone, Debug, Serialize)]
pub struct Validation {
    /// Validation id.
    pub id: String,
    /// What it checks.
    pub description: String,
    /// Outcome message.
    pub message: String,
    /// Fields involved.
    pub fields: Vec<String>,
    /// Outcome.
    pub is_valid: bool,
}

/// The outcome of verification.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    /// OK, KO or FAILED.
    pub status: Status,
    /// First status code, if any.
    pub reason: Option<String>,
    /// Extracted identity (None when the document could not be read).
    pub identity: Option<Identity>,
    /// Every status code raised.
    pub status_codes: Vec<StatusCodeEntry>,
    /// Steps run.
    pub steps: Vec<StepResult>,
    /// Validator report entries.
    pub validations: Vec<Validation>,
}

/// What the verdict is computed from.
#[derive(Clone, Debug, Default)]
pub struct VerdictInput {
    /// Pages of each uploaded document, in order.
    pub documents: BTreeMap<String, Vec<Page>>,
    /// Values recorded through data comparison.
    pub expected: BTreeMap<String, String>,
    /// Data fields the process expects.
    pub process_expected: Vec<String>,
}

fn step_key(document: &str) -> String {
    match document {
        ID_DOCUMENT => "id_document".to_string(),
        SELFIE_DOCUMENT => "facecomparison".to_string(),
        other => other.to_string(),
    }
}

fn code(code: &str, message: impl Into<String>, at: &str) -> StatusCodeEntry {
    StatusCodeEntry {
        code: code.to_string(),
        message: message.into(),
        r#where: at.to_string(),
    }
}

/// Decides the verdict.
pub fn evaluate(input: &VerdictInput) -> Verdict {
    let mut codes = Vec::new();
    let mut failed = false;
    let mut unreadable_id = false;

    // 1. readability
    for (name, pages) in &input.documents {
        for (index, page) in pages.iter().enumerate() {
            if let Some(problem) = readability_problem(page) {
                if name == ID_DOCUMENT {
                    unreadable_id = true;
                }
                codes.push(code(
                    "MDL_INPUT_INVALID",
                    format!("Page {index} of {name}: {problem}"),
                    &step_key(name),
                ));
            }
        }
    }

    // 2. identity and forced outcomes
    let id_hints = first_hints(input.documents.get(ID_DOCUMENT));
    let identity = if unreadable_id {
        None
    } else {
        let d = default_identity();
        let h = id_hints.clone().unwrap_or_default();
        Some(Identity {
            name: h.name.unwrap_or(d.name),
            first_names: h.first_names.unwrap_or(d.first_names),
            birth_date: h.birth_date.unwrap_or(d.birth_date),
            gender: h.gender.unwrap_or(d.gender),
        })
    };
    if let Some(h) = &id_hints {
        match h.verdict.as_deref() {
            Some("FAILED") => {
                failed = true;
                let c = h.status_code.as_deref().unwrap_or("UNKNOWN_ERROR");
                codes.push(code(c, "The verification engine failed.", "id_document"));
            }
            Some("KO") => {
                let c = h.status_code.as_deref().unwrap_or("VLD_DOCUMENT_INVALID");
                codes.push(code(
                    c,
                    "The identity document is not valid.",
                    "id_document",
                ));
            }
            _ => {}
        }
    }

    // 3. selfie
    let selfie_hints = first_hints(input.documents.get(SELFIE_DOCUMENT)).unwrap_or_default();
    let has_selfie = input.documents.contains_key(SELFIE_DOCUMENT);
    if has_selfie && selfie_hints.face_match == Some(false) {
        codes.push(code(
            "MDL_CHALLENGE_NOT_MET",
            "The face on the selfie does not match the identity document.",
            "facecomparison",
        ));
    }
    if has_selfie && selfie_hints.liveness == Some(false) {
        codes.push(code(
            "MDL_CHALLENGE_NOT_MET",
            "The liveness check was not passed.",
            "liveness$0",
        ));
    }

    // 4. data comparison
    let mut validations = Vec::new();
    let mut names: Vec<&String> = input.process_expected.iter().collect();
    names.extend(
        input
            .expected
            .keys()
            .filter(|k| !input.process_expected.contains(k)),
    );
    for name in names {
        let (is_valid, message) = match (input.expected.get(name), &identity) {
            (None, _) => (false, format!("No expected value was sent for {name}.")),
            (Some(_), None) => (false, "The document could not be read.".to_string()),
            (Some(expected), Some(id)) => match extracted_field(id, name) {
                Some(actual) if same_value(name, expected, &actual) => {
                    (true, format!("{name} matches the document."))
                }
                Some(_) => (false, format!("{name} does not match the document.")),
                None => (
                    false,
                    format!("{name} is not read from identity documents."),
                ),
            },
        };
        if !is_valid {
            codes.push(code(
                "VLD_VALIDATION_KO",
                message.clone(),
                "data_comparison",
            ));
        }
        validations.push(Validation {
            id: format!("data_comparison_{name}"),
            description: format!("Compares the expected {name} with the document."),
            message,
            fields: vec![name.clone()],
            is_valid,
        });
    }

    let steps = input
        .documents
        .iter()
        .map(|(name, pages)| {
            let key = step_key(name);
            let ko = codes.iter().any(|c| c.r#where == key);
            StepResult {
                status: if ko { "KO" } else { "OK" }.to_string(),
                input_files: pages.iter().map(|p| p.sha256.clone()).collect(),
                results: if name == ID_DOCUMENT {
                    serde_json::to_value(&identity).unwrap_or(serde_json::Value::Null)
                } else {
                    serde_json::json!({})
                },
                key,
            }
        })
        .collect();

    let status = if failed {
        Status::Failed
    } else if codes.is_empty() {
        Status::Ok
    } else {
        Status::Ko
    };
    Verdict {
        status,
        reason: codes.first().map(|c| c.code.clone()),
        identity,
        status_codes: codes,
        steps,
        validations,
    }
}

fn readability_problem(page: &Page) -> Option<String> {
    match page.format {
        Format::Pdf | Format::Heic => None,
        Format::Jpeg | Format::Png => match image::load_from_memory(&page.bytes) {
            Err(e) => Some(format!("the image cannot be decoded ({e}).")),
            Ok(img) if img.width().min(img.height()) < MIN_SIDE => Some(format!(
                "the image is too small ({}x{}, at least {MIN_SIDE} px on the short side).",
                img.width(),
                img.height()
            )),
            Ok(_) => None,
        },
    }
}

fn first_hints(pages: Option<&Vec<Page>>) -> Option<Hints> {
    pages?.iter().find_map(|p| {
        let text = match p.format {
            Format::Png => png_text(&p.bytes, HINT_KEY),
            Format::Jpeg => jpeg_comment(&p.bytes, HINT_KEY),
            _ => None,
        }?;
        serde_json::from_str(&text).ok()
    })
}

/// The text of the first PNG `tEXt` chunk with this keyword.
pub fn png_text(bytes: &[u8], keyword: &str) -> Option<String> {
    let mut rest = bytes.get(8..)?;
    while rest.len() >= 12 {
        let len = u32::from_be_bytes(rest.get(0..4)?.try_into().ok()?) as usize;
        let kind = rest.get(4..8)?;
        let data = rest.get(8..8usize.checked_add(len)?)?;
        if kind == b"tEXt" {
            let mut parts = data.splitn(2, |b| *b == 0);
            if parts.next() == Some(keyword.as_bytes()) {
                return parts
                    .next()
                    .map(|t| String::from_utf8_lossy(t).into_owned());
            }
        }
        if kind == b"IEND" {
            return None;
        }
        rest = rest.get(12usize.checked_add(len)?..)?;
    }
    None
}

/// The text after `prefix:` of the first JPEG comment segment that starts with it.
pub fn jpeg_comment(bytes: &[u8], prefix: &str) -> Option<String> {
    let mut i = 2usize;
    loop {
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(i + 1)?;
        if marker == 0xD8 || marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            i += 2;
            continue;
        }
        if marker == 0xDA || marker == 0xD9 {
            return None; // start of scan / end of image: no more headers
        }
        let len = u16::from_be_bytes([*bytes.get(i + 2)?, *bytes.get(i + 3)?]) as usize;
        let data = bytes.get(i + 4..(i + 2).checked_add(len)?)?;
        if marker == 0xFE {
            let text = String::from_utf8_lossy(data);
            if let Some(rest) = text.strip_prefix(prefix).and_then(|r| r.strip_prefix(':')) {
                return Some(rest.to_string());
            }
        }
        i = (i + 2).checked_add(len)?;
    }
}

fn extracted_field(id: &Identity, name: &str) -> Option<String> {
    match name {
        "name" | "last_name" => Some(id.name.clone()),
        "first_name" | "first_names" => Some(id.first_names.join(" ")),
        "birth_date" => Some(id.birth_date.clone()),
        "gender" => Some(id.gender.clone()),
        _ => None,
    }
}

fn normalise(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => 'A',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'î' | 'ï' | 'Î' | 'Ï' => 'I',
            'ô' | 'ö' | 'Ô' | 'Ö' => 'O',
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => 'U',
            'ç' | 'Ç' => 'C',
            '-' | '\'' => ' ',
            c => c.to_ascii_uppercase(),
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn iso_date(s: &str) -> String {
    let s = s.trim();
    let parts: Vec<&str> = s.split('/').collect();
    match parts.as_slice() {
        [d, m, y] if y.len() == 4 => format!("{y}-{m:0>2}-{d:0>2}"),
        _ => s.to_string(),
    }
}

fn same_value(name: &str, expected: &str, actual: &str) -> bool {
    if name == "birth_date" {
        return iso_date(expected) == iso_date(actual);
    }
    if name == "first_name" {
        // The first given first name is enough.
        let actual = normalise(actual);
        let expected = normalise(expected);
        return actual == expected || actual.split(' ').next() == Some(expected.as_str());
    }
    normalise(expected) == normalise(actual)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_ignore_case_accents_and_date_style() {
        assert!(same_value("name", "Lefèvre", "LEFEVRE"));
        assert!(same_value("first_name", "camille", "CAMILLE MARIE"));
        assert!(!same_value("first_name", "Marie", "CAMILLE MARIE"));
        assert!(same_value("birth_date", "12/04/1990", "1990-04-12"));
        assert!(!same_value("birth_date", "13/04/1990", "1990-04-12"));
        assert!(!same_value("name", "DUPONT", "MARTIN"));
    }

    #[test]
    fn hint_readers_survive_truncated_input() {
        assert_eq!(png_text(b"\x89PNG\r\n\x1a\n\0\0\0\x10tEXt", HINT_KEY), None);
        assert_eq!(
            jpeg_comment(&[0xFF, 0xD8, 0xFF, 0xFE, 0x00], HINT_KEY),
            None
        );
        assert_eq!(
            jpeg_comment(&[0xFF, 0xD8, 0xFF, 0xFE, 0xFF, 0xFF, 1], HINT_KEY),
            None
        );
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x00];
        let text = b"id360-sandbox:{\"name\":\"X\"}";
        let len = u16::try_from(text.len() + 2).unwrap_or(0).to_be_bytes();
        jpeg[4] = len[0];
        jpeg[5] = len[1];
        jpeg.extend_from_slice(text);
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        assert_eq!(
            jpeg_comment(&jpeg, HINT_KEY).as_deref(),
            Some("{\"name\":\"X\"}")
        );
    }
}
