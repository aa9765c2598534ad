//! Flow side (`x-api-key`): the state machine of one enrollment as the end user's browser
//! drives it. Pure state transitions; `api::flow` parses requests and answers.
//!
//! Ordering rules (ID360 leaves them unknown; these are the plausible ones we enforce):
//! route and consent before any upload; biometry consent before a selfie; finalize once, after
//! every page of every required document (and of any document begun) is in.

use crate::callbacks::Event;
use crate::config::{Config, ProcessConfig, MAX_PAGE_BYTES, SELFIE_DOCUMENT};
use crate::error::ApiError;
use crate::model::{secret_digest, Consent, Enrollment, Page, State, Status, UploadedDocument};
use crate::sniff::sniff;
use axum::http::StatusCode;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

/// Parsed query of an upload.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageSlot {
    /// `total_pages`.
    pub total_pages: u32,
    /// `uploaded_page` (0-based).
    pub uploaded_page: u32,
}

fn process<'a>(config: &'a Config, e: &Enrollment) -> Result<&'a ProcessConfig, ApiError> {
    config.process(&e.process_uuid).ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "unknown_process",
            "The enrollment's process is gone.",
        )
    })
}

/// Parses a strict `true` / `false` query value.
pub fn parse_bool(name: &str, value: Option<&str>) -> Result<Option<bool>, ApiError> {
    match value {
        None => Ok(None),
        Some("true") | Some("True") => Ok(Some(true)),
        Some("false") | Some("False") => Ok(Some(false)),
        Some(_) => Err(ApiError::bad_request(
            "invalid_query",
            format!("{name} must be true or false."),
        )),
    }
}

/// Parses `total_pages` and `uploaded_page`.
pub fn parse_slot(
    total_pages: Option<&str>,
    uploaded_page: Option<&str>,
) -> Result<PageSlot, ApiError> {
    let parse = |name: &str, v: Option<&str>| -> Result<u32, ApiError> {
        v.ok_or_else(|| ApiError::bad_request("invalid_query", format!("{name} is required.")))?
            .parse::<u32>()
            .map_err(|_| {
                ApiError::bad_request(
                    "invalid_query",
                    format!("{name} must be a non-negative integer."),
                )
            })
    };
    Ok(PageSlot {
        total_pages: parse("total_pages", total_pages)?,
        uploaded_page: parse("uploaded_page", uploaded_page)?,
    })
}

impl State {
    /// Finds the enrollment of an api_key. The first flow call moves NEW → STARTED (and
    /// returns the callback event). Finished enrollments answer 403 unless `allow_finished`.
    pub fn flow_enrollment(
        &mut self,
        api_key: Option<&str>,
        allow_finished: bool,
        now: DateTime<Utc>,
    ) -> Result<(u64, Option<Event>), ApiError> {
        let key = api_key.filter(|k| !k.is_empty()).ok_or_else(|| {
            ApiError::unauthorized("Missing api_key: send it in the x-api-key header.")
        })?;
        let id = *self
            .by_api_key
            .get(&secret_digest(key))
            .ok_or_else(|| ApiError::unauthorized("Unknown api_key."))?;
        let e = self
            .enrollments
            .get_mut(&id)
            .ok_or_else(|| ApiError::unauthorized("Unknown api_key."))?;
        if !(e.api_key.expose().len() == key.len()
            && bool::from(e.api_key.expose().as_bytes().ct_eq(key.as_bytes())))
        {
            return Err(ApiError::unauthorized("Unknown api_key."));
        }
        e.flow_requests += 1;
        if e.status.is_final() && !allow_finished {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "enrollment_finished",
                format!(
                    "This enrollment is {}: its api_key can no longer be used.",
                    e.status.as_str()
                ),
            ));
        }
        let mut event = None;
        if e.status == Status::New {
            e.status = Status::Started;
            e.starting_time = Some(now);
            event = Some(Event::intermediate(e, "started"));
        }
        Ok((id, event))
    }

    fn open_enrollment(&mut self, id: u64) -> Result<&mut Enrollment, ApiError> {
        let e = self
            .enrollments
            .get_mut(&id)
            .ok_or_else(|| ApiError::unauthorized("Unknown api_key."))?;
        if e.finalize_count > 0 {
            return Err(ApiError::conflict(
                "already_finalized",
                "The enrollment is already finalized: nothing can be changed any more.",
            ));
        }
        Ok(e)
    }

    /// `GET enrollment/flow/enrollment_info/`.
    pub fn enrollment_info(&self, config: &Config, id: u64) -> Result<Value, ApiError> {
        let e = self
            .enrollments
            .get(&id)
            .ok_or_else(|| ApiError::unauthorized("Unknown api_key."))?;
        let p = process(config, e)?;
        let consent = e.consent.unwrap_or_default();
        let documents: Vec<Value> = p
            .documents
            .iter()
            .map(|d| {
                let uploaded: Vec<u32> = e
                    .documents
                    .get(&d.name)
                    .map(|u| {
                        u.pages
                            .iter()
                            .enumerate()
                            .filter(|(_, p)| p.is_some())
                            .filter_map(|(i, _)| u32::try_from(i).ok())
                            .collect()
                    })
                    .unwrap_or_default();
                json!({
                    "name": d.name,
                    "category": d.category,
                    "required": d.required,
                    "max_pages": d.max_pages,
                    "total_pages": e.documents.get(&d.name).map(|u| u.total_pages),
                    "uploaded_pages": uploaded,
                    "needs_biometry": d.name == SELFIE_DOCUMENT,
                })
            })
            .collect();
        Ok(json!({
            "id": e.id,
            "status": e.status,
            "process": e.process_uuid,
            "level": p.level,
            "routes": p.routes.iter().map(|r| json!({"id": r.id, "name": r.name})).collect::<Vec<_>>(),
            "selected_route": e.selected_route,
            "consent": {"accepted_cgu": consent.accepted_cgu, "accepted_biometry": consent.accepted_biometry},
            "documents": documents,
            "data": p.expected_data.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(),
            "finalized": e.finalize_count > 0,
            "max_file_size": MAX_PAGE_BYTES,
            "accepted_formats": ["image/jpeg", "image/png", "application/pdf", "image/heic"],
        }))
    }

    /// `POST enrollment/flow/route/{route_id}/select/`.
    pub fn select_route(
        &mut self,
        config: &Config,
        id: u64,
        route: &str,
    ) -> Result<Option<Event>, ApiError> {
        let e = self.open_enrollment(id)?;
        let p = process(config, e)?;
        let route_id = route
            .parse::<u64>()
            .ok()
            .filter(|r| p.routes.iter().any(|x| x.id == *r))
            .ok_or_else(|| {
                ApiError::not_found(
                    "unknown_route",
                    "This process offers no such route: read the routes from enrollment_info.",
                )
            })?;
        let first = e.selected_route.is_none();
        e.selected_route = Some(route_id);
        Ok(first.then(|| Event::intermediate(e, "route")))
    }

    /// `POST enrollment/flow/consent/?accepted_cgu=true[&accepted_biometry=true]`.
    pub fn consent(
        &mut self,
        id: u64,
        cgu: Option<bool>,
        biometry: Option<bool>,
    ) -> Result<Option<Event>, ApiError> {
        let e = self.open_enrollment(id)?;
        if cgu != Some(true) {
            return Err(ApiError::bad_request(
                "cgu_not_accepted",
                "accepted_cgu=true is required: the terms must be accepted to go on.",
            ));
        }
        let first = e.consent.is_none();
        e.consent = Some(Consent {
            accepted_cgu: true,
            accepted_biometry: biometry.unwrap_or(false),
        });
        Ok(first.then(|| Event::intermediate(e, "consent")))
    }

    /// Everything an upload is checked against before its body is read.
    pub fn check_upload(
        &mut self,
        config: &Config,
        id: u64,
        document: &str,
        slot: PageSlot,
    ) -> Result<(), ApiError> {
        let e = self.open_enrollment(id)?;
        let p = process(config, e)?;
        let spec = p
            .documents
            .iter()
            .find(|d| d.name == document)
            .ok_or_else(|| {
                ApiError::not_found(
                    "unknown_document",
                    format!("This process accepts no document named {document}."),
                )
            })?;
        if document == SELFIE_DOCUMENT && (slot.total_pages != 1 || slot.uploaded_page != 0) {
            return Err(ApiError::bad_request(
                "invalid_page",
                "A selfie is one page: total_pages=1 and uploaded_page=0.",
            ));
        }
        if slot.total_pages == 0 || slot.total_pages > spec.max_pages {
            return Err(ApiError::bad_request(
                "invalid_page",
                format!(
                    "total_pages must be between 1 and {} for {document}.",
                    spec.max_pages
                ),
            ));
        }
        if slot.uploaded_page >= slot.total_pages {
            return Err(ApiError::bad_request(
                "page_out_of_range",
                "uploaded_page is 0-based and must be less than total_pages.",
            ));
        }
        if e.selected_route.is_none() {
            return Err(ApiError::conflict(
                "route_not_selected",
                "Select a route before uploading documents.",
            ));
        }
        let consent = e.consent.ok_or_else(|| {
            ApiError::conflict(
                "consent_missing",
                "Accept the terms (consent) before uploading documents.",
            )
        })?;
        if document == SELFIE_DOCUMENT && !consent.accepted_biometry {
            return Err(ApiError::conflict(
                "biometry_consent_missing",
                "A selfie needs accepted_biometry=true in the consent call.",
            ));
        }
        if let Some(existing) = e.documents.get(document) {
            if existing.total_pages != slot.total_pages {
                return Err(ApiError::conflict(
                    "total_pages_mismatch",
                    format!(
                        "{document} was started with total_pages={}; every page must declare the same total.",
                        existing.total_pages
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `POST enrollment/flow/document/{document_name}/?total_pages=N&uploaded_page=I` with the
    /// raw bytes. A page received again replaces the previous one.
    pub fn store_page(
        &mut self,
        config: &Config,
        id: u64,
        document: &str,
        slot: PageSlot,
        body: Bytes,
        now: DateTime<Utc>,
    ) -> Result<Option<Event>, ApiError> {
        self.check_upload(config, id, document, slot)?;
        if body.is_empty() {
            return Err(ApiError::bad_request(
                "empty_body",
                "The body is empty: send the file's bytes.",
            ));
        }
        let format = sniff(&body).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_format",
                "The file is not a JPEG, PNG, PDF or HEIC (checked by its content, not its name).",
            )
        })?;
        let next_doc_id = self.next_document_id;
        let stored_bytes = self.stored_bytes;
        let e = self.open_enrollment(id)?;
        let slot_index = slot.uploaded_page as usize;
        let old_size = e
            .documents
            .get(document)
            .and_then(|d| d.pages.get(slot_index))
            .and_then(|p| p.as_ref())
            .map_or(0, |p| p.bytes.len());
        if stored_bytes - old_size + body.len() > config.max_stored_bytes {
            return Err(ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "sandbox_full",
                "The sandbox holds its maximum of uploaded bytes: restart it or raise --max-stored-mb.",
            ));
        }
        let new_doc = !e.documents.contains_key(document);
        let doc = e
            .documents
            .entry(document.to_string())
            .or_insert_with(|| UploadedDocument {
                doc_id: next_doc_id,
                total_pages: slot.total_pages,
                pages: vec![None; slot.total_pages as usize],
            });
        let was_complete = doc.is_complete();
        let previous_uploads = doc
            .pages
            .get(slot_index)
            .and_then(|p| p.as_ref())
            .map_or(0, |p| p.uploads);
        let page = Page {
            sha256: crate::model::sha256_hex(&body),
            format,
            uploads: previous_uploads + 1,
            received_at: now,
            bytes: body,
        };
        let new_size = page.bytes.len();
        match doc.pages.get_mut(slot_index) {
            Some(cell) => *cell = Some(page),
            None => {
                return Err(ApiError::bad_request(
                    "page_out_of_range",
                    "uploaded_page is out of range.",
                ))
            }
        }
        let completed = !was_complete && doc.is_complete();
        let doc_id = doc.doc_id;
        let event = completed.then(|| Event::intermediate(e, document));
        self.stored_bytes = stored_bytes - old_size + new_size;
        if new_doc {
            self.next_document_id += 1;
            self.documents.insert(doc_id, (id, document.to_string()));
        }
        Ok(event)
    }

    /// `POST enrollment/flow/finalize_enrollment`.
    pub fn finalize(&mut self, config: &Config, id: u64) -> Result<Event, ApiError> {
        let e = self
            .enrollments
            .get_mut(&id)
            .ok_or_else(|| ApiError::unauthorized("Unknown api_key."))?;
        if e.finalize_count > 0 {
            e.finalize_refused += 1;
            return Err(ApiError::conflict(
                "already_finalized",
                "The enrollment is already finalized.",
            ));
        }
        let p = process(config, e)?;
        if e.selected_route.is_none() {
            return Err(ApiError::conflict(
                "route_not_selected",
                "Select a route before finalizing.",
            ));
        }
        let consent = e.consent.ok_or_else(|| {
            ApiError::conflict(
                "consent_missing",
                "Accept the terms (consent) before finalizing.",
            )
        })?;
        let mut missing = Vec::new();
        for spec in &p.documents {
            match e.documents.get(&spec.name) {
                None if spec.required => {
                    if spec.name == SELFIE_DOCUMENT && !consent.accepted_biometry {
                        missing.push(format!(
                            "{} (needs accepted_biometry=true first)",
                            spec.name
                        ));
                    } else {
                        missing.push(spec.name.clone());
                    }
                }
                None => {}
                Some(doc) => {
                    for (i, page) in doc.pages.iter().enumerate() {
                        if page.is_none() {
                            missing.push(format!("{} page {i} of {}", spec.name, doc.total_pages));
                        }
                    }
                }
            }
        }
        if !missing.is_empty() {
            return Err(ApiError::conflict(
                "missing_documents",
                format!("Upload these before finalizing: {}.", missing.join(", ")),
            ));
        }
        e.finalize_count = 1;
        Ok(Event::intermediate(e, "finalize"))
    }

    /// `GET document/{doc_id}/file_contents/?page_number=N` (0-based, like `uploaded_page`).
    pub fn file_contents(&self, doc_id: u64, page_number: u32) -> Result<Page, ApiError> {
        let not_found = || ApiError::not_found("unknown_document", "No such document or page.");
        let (enrollment_id, name) = self.documents.get(&doc_id).ok_or_else(not_found)?;
        self.enrollments
            .get(enrollment_id)
            .and_then(|e| e.documents.get(name))
            .and_then(|d| d.pages.get(page_number as usize))
            .and_then(Option::clone)
            .ok_or_else(not_found)
    }
}
