//! What the flow tells the caller: upload progress, retries, steps of `run`, and the snapshot of
//! `flow.state`. Plain data; the JS layer turns each into a plain object (serde-wasm-bindgen)
//! and its TypeScript declaration is derived from the same struct (tsify).

use super::error::{ErrorCode, Step};
use super::state::FlowState;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use tsify::Tsify;

/// Upload progress: bytes of this page and of the whole document; monotonic, ends at the totals.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct UploadProgress {
    /// The step uploading.
    #[tsify(type = "\"document\" | \"selfie\"")]
    pub step: Step,
    /// Upload name of the document.
    pub document: String,
    /// 0-based page index.
    pub page: u32,
    /// Pages of the document.
    pub pages: u32,
    /// Bytes of this page sent.
    pub loaded: f64,
    /// Bytes of this page.
    pub total: f64,
    /// Bytes of the document sent (pages before this one, and this one's).
    pub document_loaded: f64,
    /// Bytes of the document.
    pub document_total: f64,
}

/// A retry about to happen.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RetryEvent {
    /// The step retried.
    #[tsify(type = "Id360Step")]
    pub step: Step,
    /// The page retried, for uploads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// The attempt about to be made (2 for the first retry).
    pub attempt: u32,
    /// The wait before it, in ms.
    pub delay_ms: u64,
    /// Why the previous attempt failed.
    #[tsify(type = "Id360ErrorCode")]
    pub code: ErrorCode,
    /// Its HTTP status, when ID360 answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Its message.
    pub message: String,
}

/// A step starting or done, in `run`.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
pub struct StepEvent {
    /// The step.
    #[tsify(type = "Id360Step")]
    pub step: Step,
    /// `"start"` or `"done"`.
    #[tsify(type = "\"start\" | \"done\"")]
    pub status: &'static str,
}

/// A document's pages in `flow.state`.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct DocumentPages {
    /// Pages the document was started with.
    pub total_pages: u32,
    /// 0-based indexes of the pages ID360 accepted.
    pub uploaded_pages: Vec<u32>,
}

/// `flow.state`: what has been done so far.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
#[tsify(missing_as_null, hashmap_as_object)]
pub struct FlowSnapshot {
    /// The selected route; null before `selectRoute`.
    pub route_id: Option<u64>,
    /// Whether consent was given.
    pub terms_accepted: bool,
    /// Whether biometry was consented to.
    pub biometry: bool,
    /// Documents begun, by upload name (sorted; a JS object, not a `Map`).
    #[serde(serialize_with = "as_object")]
    #[tsify(type = "Record<string, DocumentPages>")]
    pub documents: Vec<(String, DocumentPages)>,
    /// Whether finalize succeeded.
    pub finalized: bool,
}

impl FlowSnapshot {
    /// The snapshot of `state`.
    pub fn of(state: &FlowState) -> FlowSnapshot {
        let documents = state
            .documents
            .iter()
            .map(|(name, progress)| {
                let uploaded_pages = (0u32..)
                    .zip(progress.accepted.iter())
                    .filter(|(_, accepted)| **accepted)
                    .map(|(i, _)| i)
                    .collect();
                let pages = DocumentPages {
                    total_pages: progress.total_pages,
                    uploaded_pages,
                };
                (name.as_str().to_string(), pages)
            })
            .collect();
        FlowSnapshot {
            route_id: state.route,
            terms_accepted: state.biometry.is_some(),
            biometry: state.biometry.unwrap_or(false),
            documents,
            finalized: state.finalized,
        }
    }
}

/// Name → value pairs as a map (serde-wasm-bindgen makes a plain object of it).
fn as_object<S: Serializer>(entries: &[(String, DocumentPages)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(entries.len()))?;
    for (name, pages) in entries {
        map.serialize_entry(name, pages)?;
    }
    map.end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::image::quality::Reason;
    use serde_json::{json, to_value};

    #[test]
    fn codes_steps_and_reasons_serialize_as_their_js_strings() {
        for code in ErrorCode::ALL {
            assert_eq!(to_value(code).unwrap(), json!(code.as_str()));
        }
        let steps = {
            use Step::*;
            [Info, Route, Consent, Document, Selfie, Finalize, Capture]
        };
        for step in steps {
            assert_eq!(to_value(step).unwrap(), json!(step.as_str()));
        }
        let reasons = {
            use Reason::*;
            [
                Blurry,
                Glare,
                TooDark,
                TooBright,
                LowContrast,
                LowResolution,
                NoDocument,
                PartlyOutside,
                TooFar,
                TooClose,
                Tilted,
                NoFace,
                MultipleFaces,
                FaceTooSmall,
                FaceOffCenter,
                SameSide,
            ]
        };
        for reason in reasons {
            assert_eq!(to_value(reason).unwrap(), json!(reason.as_str()));
        }
    }

    #[test]
    fn events_have_the_documented_js_shape() {
        let retry = RetryEvent {
            step: Step::Document,
            page: Some(1),
            attempt: 2,
            delay_ms: 500,
            code: ErrorCode::Server,
            status: Some(503),
            message: "m".into(),
        };
        assert_eq!(
            to_value(&retry).unwrap(),
            json!({ "step": "document", "page": 1, "attempt": 2, "delayMs": 500,
                    "code": "server", "status": 503, "message": "m" })
        );
        let bare = RetryEvent {
            page: None,
            status: None,
            ..retry
        };
        let v = to_value(&bare).unwrap();
        assert!(v.get("page").is_none() && v.get("status").is_none(), "{v}");
        let progress = UploadProgress {
            step: Step::Selfie,
            document: "selfie".into(),
            page: 0,
            pages: 1,
            loaded: 5.0,
            total: 10.0,
            document_loaded: 5.0,
            document_total: 10.0,
        };
        let v = to_value(&progress).unwrap();
        assert_eq!(v["step"], "selfie");
        assert_eq!(v["documentLoaded"], 5.0);
        assert_eq!(v["documentTotal"], 10.0);
    }

    #[test]
    fn the_snapshot_lists_accepted_pages_by_document_name() {
        let mut state = FlowState {
            route: Some(7),
            biometry: Some(true),
            ..FlowState::default()
        };
        state.page_accepted(&crate::core::DocumentName::id_document(), 2, 1);
        assert_eq!(
            to_value(FlowSnapshot::of(&state)).unwrap(),
            json!({ "routeId": 7, "termsAccepted": true, "biometry": true, "finalized": false,
                    "documents": { "id_document_image": { "totalPages": 2, "uploadedPages": [1] } } })
        );
        let fresh = to_value(FlowSnapshot::of(&FlowState::default())).unwrap();
        assert_eq!(fresh["routeId"], serde_json::Value::Null);
        assert_eq!(fresh["termsAccepted"], false);
    }
}
