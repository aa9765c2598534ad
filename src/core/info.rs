//! `enrollment_info`: the routes (documented) and, where ID360 gives them, the documents and
//! data fields the process expects (shape unknown: read leniently, ignored when absent).

use super::error::FlowError;
use serde::Serialize;
use tsify::Tsify;

/// Largest integer a JS number holds exactly.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A route as ID360 sends it (read by the web layer from the JSON).
#[derive(Clone, Debug, PartialEq)]
pub struct RawRoute {
    /// `id`, as a JSON number.
    pub id: f64,
    /// `name`, when it is a string.
    pub name: Option<String>,
}

/// A document entry, when ID360 (or the sandbox) lists them.
#[derive(Clone, Debug, PartialEq)]
pub struct RawDocument {
    /// Upload name, e.g. `id_document_image`.
    pub name: String,
    /// `required`, when a boolean.
    pub required: Option<bool>,
    /// `max_pages`, when a number.
    pub max_pages: Option<f64>,
}

/// A route the end user can take.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
pub struct Route {
    /// Route id for `selectRoute`.
    pub id: u64,
    /// Name, when ID360 gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A document the process accepts, when ID360 lists them.
#[derive(Clone, Debug, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
#[tsify(rename = "DocumentInfo")]
pub struct DocumentSpec {
    /// Upload name.
    pub name: String,
    /// Whether finalize needs it.
    pub required: bool,
    /// Most pages (left out when not given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_pages: Option<u32>,
}

/// The parts of `enrollment_info` the library relies on.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EnrollmentInfo {
    /// Routes offered (at least one).
    pub routes: Vec<Route>,
    /// Documents, when listed.
    pub documents: Vec<DocumentSpec>,
    /// Expected data fields, when listed.
    pub data: Vec<String>,
    /// Enrollment status, when given.
    pub status: Option<String>,
}

/// A route id from a JS number: a non-negative integer no larger than 2^53 - 1.
pub fn route_id(value: f64) -> Option<u64> {
    (value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= MAX_SAFE_INTEGER)
        .then_some(value as u64)
}

impl EnrollmentInfo {
    /// Validates what was read. `routes` is required (documented); the rest is optional.
    pub fn from_raw(
        routes: Vec<RawRoute>,
        documents: Option<Vec<RawDocument>>,
        data: Option<Vec<String>>,
        status: Option<String>,
    ) -> Result<Self, FlowError> {
        let routes = routes
            .into_iter()
            .map(|r| {
                route_id(r.id)
                    .map(|id| Route { id, name: r.name })
                    .ok_or_else(|| {
                        FlowError::invalid_response(
                            "enrollment_info lists a route whose id is not a non-negative integer.",
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if routes.is_empty() {
            return Err(FlowError::invalid_response(
                "enrollment_info lists no route: the process has no route configured for this enrollment.",
            ));
        }
        let documents = documents
            .unwrap_or_default()
            .into_iter()
            .map(|d| DocumentSpec {
                name: d.name,
                required: d.required.unwrap_or(false),
                max_pages: d
                    .max_pages
                    .and_then(route_id)
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n > 0),
            })
            .collect();
        let data = data.unwrap_or_default();
        Ok(EnrollmentInfo {
            routes,
            documents,
            data,
            status,
        })
    }

    /// The spec of a document, when listed.
    pub fn document(&self, name: &str) -> Option<&DocumentSpec> {
        self.documents.iter().find(|d| d.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Reads JSON the way the web layer reads the JS object.
    fn parse(json: &str) -> Result<EnrollmentInfo, String> {
        let v: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let routes = v["routes"]
            .as_array()
            .ok_or("no routes")?
            .iter()
            .map(|r| RawRoute {
                id: r["id"].as_f64().unwrap_or(f64::NAN),
                name: r["name"].as_str().map(String::from),
            })
            .collect();
        let documents = v["documents"].as_array().map(|a| {
            a.iter()
                .filter_map(|d| {
                    Some(RawDocument {
                        name: d["name"].as_str()?.to_string(),
                        required: d["required"].as_bool(),
                        max_pages: d["max_pages"].as_f64(),
                    })
                })
                .collect()
        });
        let data = v["data"].as_array().map(|a| {
            a.iter()
                .filter_map(|d| d["name"].as_str().map(String::from))
                .collect()
        });
        EnrollmentInfo::from_raw(
            routes,
            documents,
            data,
            v["status"].as_str().map(String::from),
        )
        .map_err(|e| e.message)
    }

    #[test]
    fn reads_the_documented_excerpt() {
        let info = parse(r#"{"routes": [{"id": 275128}]}"#);
        assert_eq!(
            info.map(|i| i.routes),
            Ok(vec![Route {
                id: 275128,
                name: None
            }])
        );
    }

    #[test]
    fn reads_documents_and_data_when_listed_and_tolerates_odd_names() {
        let info = parse(
            r#"{"routes": [{"id": 1, "name": {"fr": "x"}}, {"id": 2, "name": "B"}],
                "documents": [{"name": "id_document_image", "required": true, "max_pages": 2},
                              {"name": "proof_of_address", "max_pages": 0}],
                "data": [{"name": "birth_date"}], "status": "STARTED", "extra": [1,2]}"#,
        )
        .unwrap_or_default();
        assert_eq!(info.routes[0].name, None);
        assert_eq!(info.routes[1].name.as_deref(), Some("B"));
        assert_eq!(
            info.document("id_document_image")
                .map(|d| (d.required, d.max_pages)),
            Some((true, Some(2)))
        );
        assert_eq!(
            info.document("proof_of_address").map(|d| d.max_pages),
            Some(None)
        );
        assert_eq!(info.data, ["birth_date"]);
        assert_eq!(info.status.as_deref(), Some("STARTED"));
    }

    #[test]
    fn refuses_bad_route_lists() {
        assert!(parse(r#"{"routes": []}"#).is_err_and(|e| e.contains("no route")));
        for bad in ["-1", "1.5", "1e300", "9007199254740992", "\"7\"", "null"] {
            let json = format!(r#"{{"routes": [{{"id": {bad}}}]}}"#);
            assert!(
                parse(&json).is_err_and(|e| e.contains("not a non-negative integer")),
                "{bad}"
            );
        }
        assert_eq!(
            route_id(9_007_199_254_740_991.0),
            Some(9_007_199_254_740_991)
        );
    }
}
