//! Rust data to plain JS objects: serde-wasm-bindgen, with the settings tsify derived for each
//! type (`null` for missing values where its declaration says `| null`, objects for maps where
//! it says `Record`), so that what crosses to JS is what the TypeScript declaration says.

use crate::core::{ErrorCode, FlowError};
use serde::Serialize;
use tsify::Tsify;
use wasm_bindgen::JsValue;

/// `value` as a plain JS object. Fails only on a number no JS number holds (a u64 above
/// 2^53), which none of the library's types can carry: ids are checked on the way in.
pub fn plain_object<T: Tsify + Serialize>(value: &T) -> Result<JsValue, FlowError> {
    value.into_js().map(Into::into).map_err(|_| {
        FlowError::new(
            ErrorCode::InvalidResponse,
            "A value could not be passed to JavaScript (a number beyond 2^53).",
        )
    })
}
