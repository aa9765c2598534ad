//! The flow's state machine: what has been done, and whether the next step may run. Every
//! check here happens before a byte is sent.

use super::endpoint::{DocumentName, ID_DOCUMENT, SELFIE};
use super::error::FlowError;
use super::info::{route_id, EnrollmentInfo};

/// Pages accepted so far for one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentProgress {
    /// `total_pages` the document was started with.
    pub total_pages: u32,
    /// Which pages ID360 accepted.
    pub accepted: Vec<bool>,
}

impl DocumentProgress {
    /// Whether every page is accepted.
    pub fn is_complete(&self) -> bool {
        self.accepted.iter().all(|a| *a)
    }
}

/// Most pages of a document when `enrollment_info` does not say.
pub fn default_max_pages(document: &str) -> u32 {
    match document {
        ID_DOCUMENT => 2,
        SELFIE => 1,
        _ => 10,
    }
}

/// What the flow has done so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlowState {
    /// `enrollment_info`, once read (read once, then reused).
    pub info: Option<EnrollmentInfo>,
    /// Selected route.
    pub route: Option<u64>,
    /// Consent given, with or without biometry.
    pub biometry: Option<bool>,
    /// Documents begun, sorted by name: a list, not a map (a handful of entries; the standard
    /// library's B-tree code, with the snapshot's map, weighed 2.6 KB gzipped in the package).
    pub documents: Vec<(DocumentName, DocumentProgress)>,
    /// Whether finalize succeeded.
    pub finalized: bool,
}

fn already_finalized() -> FlowError {
    FlowError::out_of_order("The enrollment is already finalized: nothing can be sent any more.")
}

impl FlowState {
    /// The route to select: `requested`, or the only one offered.
    pub fn choose_route(&self, requested: Option<f64>) -> Result<u64, FlowError> {
        if self.finalized {
            return Err(already_finalized());
        }
        let info = self.info.as_ref().ok_or_else(|| {
            FlowError::out_of_order("Read enrollmentInfo() before selecting a route.")
        })?;
        let offered = || {
            info.routes
                .iter()
                .map(|r| r.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match requested {
            Some(value) => {
                let id = route_id(value).ok_or_else(|| {
                    FlowError::invalid_input("routeId must be a non-negative integer taken from enrollmentInfo().routes.")
                })?;
                if info.routes.iter().any(|r| r.id == id) {
                    Ok(id)
                } else {
                    Err(FlowError::invalid_input(format!(
                        "Route {id} is not offered by this enrollment (offered: {}).",
                        offered()
                    )))
                }
            }
            None => match info.routes.as_slice() {
                [only] => Ok(only.id),
                _ => Err(FlowError::invalid_input(format!(
                    "This process offers {} routes ({}): call selectRoute(id) with the one the user chose.",
                    info.routes.len(),
                    offered()
                ))),
            },
        }
    }

    /// Whether consent may be given now.
    pub fn check_consent(&self) -> Result<(), FlowError> {
        if self.finalized {
            return Err(already_finalized());
        }
        Ok(())
    }

    /// Most pages of `document`, from `enrollment_info` when it says, else the default.
    pub fn max_pages(&self, document: &DocumentName) -> u32 {
        self.info
            .as_ref()
            .and_then(|i| i.document(document.as_str()))
            .and_then(|d| d.max_pages)
            .unwrap_or_else(|| default_max_pages(document.as_str()))
    }

    /// Checks an upload of `page_count` pages of `document`; returns `total_pages`.
    pub fn plan_upload(
        &self,
        document: &DocumentName,
        page_count: usize,
    ) -> Result<u32, FlowError> {
        if self.finalized {
            return Err(already_finalized());
        }
        if self.route.is_none() {
            return Err(FlowError::out_of_order(
                "Select the route (selectRoute) before uploading documents.",
            ));
        }
        let biometry = self.biometry.ok_or_else(|| {
            FlowError::out_of_order("Accept the terms (acceptTerms) before uploading documents.")
        })?;
        if document.is_selfie() && !biometry {
            return Err(FlowError::out_of_order(
                "A selfie needs biometric consent: call acceptTerms({ biometry: true }) first.",
            ));
        }
        self.check_page_count(document, page_count)
    }

    /// The page count of an upload of `document` (1 to its maximum, the same as a part already
    /// sent): what [`FlowState::plan_upload`] checks beyond the order of the steps, so that
    /// `run()` can check it before sending anything.
    pub fn check_page_count(
        &self,
        document: &DocumentName,
        page_count: usize,
    ) -> Result<u32, FlowError> {
        let max = self.max_pages(document);
        if page_count == 0 {
            return Err(FlowError::invalid_input(format!(
                "No page given for {}: pass 1 to {max} pages.",
                document.as_str()
            )));
        }
        let total = u32::try_from(page_count).unwrap_or(u32::MAX);
        if total > max {
            return Err(FlowError::invalid_input(format!(
                "{} takes at most {max} page(s); {page_count} given.",
                document.as_str()
            )));
        }
        if let Some(progress) = self.progress(document) {
            if progress.total_pages != total && progress.accepted.iter().any(|a| *a) {
                return Err(FlowError::out_of_order(format!(
                    "{} was started with {} page(s); upload the same number of pages.",
                    document.as_str(),
                    progress.total_pages
                )));
            }
        }
        Ok(total)
    }

    /// Whether page `index` of `document` (with this total) was already accepted.
    pub fn is_accepted(&self, document: &DocumentName, total_pages: u32, index: u32) -> bool {
        self.progress(document)
            .filter(|p| p.total_pages == total_pages)
            .and_then(|p| p.accepted.get(index as usize))
            .copied()
            .unwrap_or(false)
    }

    /// Where `document` began, if it did.
    pub fn progress(&self, document: &DocumentName) -> Option<&DocumentProgress> {
        self.documents
            .iter()
            .find(|(n, _)| n == document)
            .map(|(_, p)| p)
    }

    /// Records that ID360 accepted a page.
    pub fn page_accepted(&mut self, document: &DocumentName, total_pages: u32, index: u32) {
        let fresh = || DocumentProgress {
            total_pages,
            accepted: vec![false; total_pages as usize],
        };
        // the first entry not before `document`: that one, or where it goes to keep the order
        let at = self
            .documents
            .iter()
            .position(|(n, _)| n >= document)
            .unwrap_or(self.documents.len());
        if self.documents.get(at).is_none_or(|(n, _)| n != document) {
            self.documents.insert(at, (document.clone(), fresh()));
        }
        let Some((_, progress)) = self.documents.get_mut(at) else {
            return;
        };
        if progress.total_pages != total_pages {
            *progress = fresh();
        }
        if let Some(slot) = progress.accepted.get_mut(index as usize) {
            *slot = true;
        }
    }

    /// Whether finalize may run: route, consent, every page of every begun document, the
    /// selfie when biometry was accepted, and every document `enrollment_info` marks required.
    pub fn check_finalize(&self) -> Result<(), FlowError> {
        if self.finalized {
            return Err(already_finalized());
        }
        if self.route.is_none() {
            return Err(FlowError::out_of_order(
                "Select the route (selectRoute) before finalizing.",
            ));
        }
        let biometry = self.biometry.ok_or_else(|| {
            FlowError::out_of_order("Accept the terms (acceptTerms) before finalizing.")
        })?;
        let mut missing: Vec<String> = Vec::new();
        for (name, progress) in &self.documents {
            for (i, accepted) in progress.accepted.iter().enumerate() {
                if !accepted {
                    missing.push(format!(
                        "{} page {} of {}",
                        name.as_str(),
                        i + 1,
                        progress.total_pages
                    ));
                }
            }
        }
        let mut required: Vec<&str> = self
            .info
            .iter()
            .flat_map(|i| i.documents.iter())
            .filter(|d| d.required)
            .map(|d| d.name.as_str())
            .collect();
        if biometry {
            required.push(SELFIE);
        }
        if self.documents.is_empty() && !required.contains(&ID_DOCUMENT) {
            required.push(ID_DOCUMENT);
        }
        for name in required {
            let begun = self.documents.iter().any(|(d, _)| d.as_str() == name);
            if !begun && !missing.iter().any(|m| m == name) {
                missing.push(name.to_string());
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let mut message = format!("Upload before finalizing: {}.", missing.join(", "));
        if !biometry && missing.iter().any(|m| m == SELFIE) {
            message.push_str(" A selfie needs acceptTerms({ biometry: true }) first.");
        }
        Err(FlowError::out_of_order(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorCode;
    use crate::core::info::{DocumentSpec, Route};

    fn info(routes: &[u64]) -> EnrollmentInfo {
        EnrollmentInfo {
            routes: routes
                .iter()
                .map(|id| Route {
                    id: *id,
                    name: None,
                })
                .collect(),
            ..EnrollmentInfo::default()
        }
    }

    fn ready(biometry: bool) -> FlowState {
        FlowState {
            info: Some(info(&[275128])),
            route: Some(275128),
            biometry: Some(biometry),
            ..FlowState::default()
        }
    }

    fn code<T: std::fmt::Debug>(r: Result<T, FlowError>) -> Option<ErrorCode> {
        r.err().map(|e| e.code)
    }

    #[test]
    fn the_single_route_is_chosen_and_an_ambiguous_choice_is_refused() {
        let mut s = FlowState {
            info: Some(info(&[275128])),
            ..FlowState::default()
        };
        assert_eq!(s.choose_route(None), Ok(275128));
        assert_eq!(s.choose_route(Some(275128.0)), Ok(275128));
        assert_eq!(
            code(s.choose_route(Some(1.0))),
            Some(ErrorCode::InvalidInput)
        );
        for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 1e20] {
            assert_eq!(
                code(s.choose_route(Some(bad))),
                Some(ErrorCode::InvalidInput),
                "{bad}"
            );
        }
        s.info = Some(info(&[1, 2]));
        let err = s
            .choose_route(None)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(err.contains("2 routes (1, 2)"), "{err}");
        assert_eq!(s.choose_route(Some(2.0)), Ok(2));
        let no_info = FlowState::default();
        assert_eq!(
            code(no_info.choose_route(None)),
            Some(ErrorCode::OutOfOrder)
        );
    }

    #[test]
    fn uploads_need_route_consent_and_biometry_for_a_selfie() {
        let id = DocumentName::id_document();
        let selfie = DocumentName::selfie();
        let mut s = FlowState {
            info: Some(info(&[1])),
            ..FlowState::default()
        };
        assert_eq!(code(s.plan_upload(&id, 1)), Some(ErrorCode::OutOfOrder));
        s.route = Some(1);
        assert_eq!(code(s.plan_upload(&id, 1)), Some(ErrorCode::OutOfOrder));
        s.biometry = Some(false);
        assert_eq!(s.plan_upload(&id, 2), Ok(2));
        assert_eq!(code(s.plan_upload(&selfie, 1)), Some(ErrorCode::OutOfOrder));
        s.biometry = Some(true);
        assert_eq!(s.plan_upload(&selfie, 1), Ok(1));
    }

    #[test]
    fn page_counts_are_bounded_by_the_process_or_defaults() {
        let mut s = ready(true);
        let id = DocumentName::id_document();
        assert_eq!(code(s.plan_upload(&id, 0)), Some(ErrorCode::InvalidInput));
        assert_eq!(code(s.plan_upload(&id, 3)), Some(ErrorCode::InvalidInput));
        assert_eq!(
            code(s.plan_upload(&DocumentName::selfie(), 2)),
            Some(ErrorCode::InvalidInput)
        );
        let other =
            DocumentName::parse("proof_of_address").unwrap_or_else(|_| DocumentName::id_document());
        assert_eq!(s.plan_upload(&other, 10), Ok(10));
        if let Some(i) = s.info.as_mut() {
            i.documents.push(DocumentSpec {
                name: "proof_of_address".into(),
                required: false,
                max_pages: Some(3),
            });
        }
        assert_eq!(
            code(s.plan_upload(&other, 4)),
            Some(ErrorCode::InvalidInput)
        );
    }

    #[test]
    fn a_document_keeps_its_page_count_once_a_page_is_accepted() {
        let mut s = ready(false);
        let id = DocumentName::id_document();
        s.page_accepted(&id, 2, 0);
        assert!(s.is_accepted(&id, 2, 0));
        assert!(!s.is_accepted(&id, 2, 1));
        assert!(!s.is_accepted(&id, 1, 0));
        assert_eq!(code(s.plan_upload(&id, 1)), Some(ErrorCode::OutOfOrder));
        assert_eq!(s.plan_upload(&id, 2), Ok(2));
    }

    #[test]
    fn documents_stay_one_entry_each_sorted_by_name() {
        let mut s = ready(true);
        let names = [
            "selfie_image_upload",
            "id_document_image",
            "proof_of_address",
        ];
        for (round, name) in names.iter().chain(names.iter()).enumerate() {
            let doc = DocumentName::parse(name).unwrap_or_else(|e| unreachable!("{e:?}"));
            s.page_accepted(&doc, 2, u32::from(round >= names.len()));
        }
        let listed: Vec<&str> = s.documents.iter().map(|(n, _)| n.as_str()).collect();
        let mut sorted = names.to_vec();
        sorted.sort_unstable();
        assert_eq!(listed, sorted);
        assert!(s.documents.iter().all(|(_, p)| p.is_complete()));
        // a new page count starts the document again, in its place
        let id = DocumentName::id_document();
        s.page_accepted(&id, 3, 2);
        assert_eq!(s.documents.len(), 3);
        assert_eq!(
            s.progress(&id).map(|p| p.accepted.clone()),
            Some(vec![false, false, true])
        );
    }

    #[test]
    fn finalize_needs_every_page_and_the_selfie_when_biometry_was_accepted() {
        let id = DocumentName::id_document();
        let mut s = ready(true);
        let msg = s
            .check_finalize()
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(
            msg.contains("selfie_image_upload") && msg.contains("id_document_image"),
            "{msg}"
        );
        s.page_accepted(&id, 2, 0);
        let msg = s
            .check_finalize()
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(msg.contains("id_document_image page 2 of 2"), "{msg}");
        s.page_accepted(&id, 2, 1);
        assert_eq!(
            code(s.check_finalize()),
            Some(ErrorCode::OutOfOrder),
            "selfie still missing"
        );
        s.page_accepted(&DocumentName::selfie(), 1, 0);
        assert_eq!(s.check_finalize(), Ok(()));
        s.finalized = true;
        assert_eq!(
            code(s.check_finalize()),
            Some(ErrorCode::OutOfOrder),
            "no second finalize"
        );
        assert_eq!(code(s.plan_upload(&id, 2)), Some(ErrorCode::OutOfOrder));
        assert_eq!(code(s.check_consent()), Some(ErrorCode::OutOfOrder));
    }

    #[test]
    fn finalize_without_biometry_needs_only_the_document_unless_the_process_requires_more() {
        let mut s = ready(false);
        s.page_accepted(&DocumentName::id_document(), 1, 0);
        assert_eq!(s.check_finalize(), Ok(()));
        if let Some(i) = s.info.as_mut() {
            i.documents.push(DocumentSpec {
                name: SELFIE.into(),
                required: true,
                max_pages: Some(1),
            });
        }
        let msg = s
            .check_finalize()
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(msg.contains("biometry: true"), "{msg}");
        let none = FlowState {
            route: Some(1),
            biometry: Some(false),
            ..FlowState::default()
        };
        assert_eq!(
            code(none.check_finalize()),
            Some(ErrorCode::OutOfOrder),
            "nothing uploaded"
        );
    }
}
