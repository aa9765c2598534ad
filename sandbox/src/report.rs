//! `GET enrollment/{id}/report`: the structure described in ID360.md.
//!
//! Choice where ID360 is vague: before the verdict, `allow_draft=true` gives a draft (same
//! shape, `"draft": true`, verdict fields null); without it the answer is **409**
//! `report_not_ready` (404 stays for unknown or expired enrollments). Reports expire 7 days after
//! the verdict (the application retention), then answer 404 `report_expired`.

use crate::clock::iso;
use crate::config::ProcessConfig;
use crate::error::ApiError;
use crate::model::{Enrollment, Status};
use crate::verdict::Verdict;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// How long a report stays readable after the verdict.
pub const REPORT_RETENTION_DAYS: i64 = 7;

/// Builds the report, or the reason there is none.
pub fn build(
    e: &Enrollment,
    process: &ProcessConfig,
    base_url: &str,
    allow_draft: bool,
    now: DateTime<Utc>,
) -> Result<Value, ApiError> {
    if let Some(finished) = e.finished_time {
        if now - finished > chrono::Duration::days(REPORT_RETENTION_DAYS) {
            return Err(ApiError::not_found(
                "report_expired",
                "This report is older than 7 days: applications can no longer read it.",
            ));
        }
    }
    let verdict = e.verdict.as_ref();
    if verdict.is_none() && !allow_draft {
        return Err(ApiError::conflict(
            "report_not_ready",
            "No verdict yet: wait for the final callback, or pass allow_draft=true for a draft (not for production).",
        ));
    }
    let consent = e.consent.unwrap_or_default();
    let mut documents: Map<String, Value> = Map::new();
    for (name, doc) in &e.documents {
        let category = process
            .documents
            .iter()
            .find(|d| &d.name == name)
            .map_or("other", |d| d.category.as_str());
        let step = match name.as_str() {
            crate::config::ID_DOCUMENT => "id_document",
            crate::config::SELFIE_DOCUMENT => "facecomparison",
            other => other,
        };
        let status = doc_status(verdict, step);
        let files: Vec<Value> = doc
            .pages
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().map(|p| (i, p)))
            .map(|(i, p)| {
                json!({
                    "hash": p.sha256,
                    "hash_algorithm": "SHA-256",
                    "url": format!("{base_url}/api/1.0.0/document/{}/file_contents/?page_number={i}", doc.doc_id),
                    "page_number": i,
                    "size": p.bytes.len(),
                    "mime_type": p.format.mime(),
                })
            })
            .collect();
        let entry = json!({"name": name, "status": status, "files": files});
        match documents.get_mut(category).and_then(Value::as_array_mut) {
            Some(list) => list.push(entry),
            None => {
                documents.insert(category.to_string(), json!([entry]));
            }
        }
    }
    let steps: Map<String, Value> = verdict
        .map(|v| {
            v.steps
                .iter()
                .map(|s| {
                    (
                        s.key.clone(),
                        json!({
                            "status": s.status,
                            "creation_time": e.finished_time.map(iso),
                            "end_time": e.finished_time.map(iso),
                            "input_files": s.input_files,
                            "results": s.results,
                        }),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let status_codes: Vec<Value> = verdict
        .map(|v| {
            v.status_codes
                .iter()
                .map(|c| json!({"status_code": {"code": c.code, "message": c.message}, "where": c.r#where}))
                .collect()
        })
        .unwrap_or_default();
    let validations = verdict.map(|v| v.validations.clone()).unwrap_or_default();
    Ok(json!({
        "id": e.id,
        "draft": verdict.is_none(),
        "status": e.status,
        "reason": e.reason,
        "identity_status": verdict.map(|v| if v.identity.is_some() && v.status == Status::Ok { "OK" } else { "KO" }),
        "level": process.level,
        "environment": "SANDBOX",
        "creation_time": iso(e.creation_time),
        "starting_time": e.starting_time.map(iso),
        "finished_time": e.finished_time.map(iso),
        "process_uuid": e.process_uuid,
        "client_reference": e.client_reference,
        "accepted_cgu": consent.accepted_cgu,
        "uses_biometry": consent.accepted_biometry,
        "identity": verdict.and_then(|v| v.identity.clone()),
        "documents": documents,
        "steps": steps,
        "status_codes": status_codes,
        "all_status_codes": status_codes,
        "finalizer_reports": {
            "validator_report": {
                "is_valid": verdict.map(|v| validations.iter().all(|x| x.is_valid) && v.status == Status::Ok),
                "validations": validations,
            }
        },
    }))
}

fn doc_status(verdict: Option<&Verdict>, step: &str) -> &'static str {
    match verdict {
        None => "PENDING",
        Some(v) if v.status_codes.iter().any(|c| c.r#where == step) => "KO",
        Some(_) => "OK",
    }
}
