//! Pages as Blobs: whatever the caller gives (Blob, File, ArrayBuffer, typed array) becomes a
//! Blob handle that goes to the network untouched. Only the first 16 bytes ever enter wasm
//! memory, to check the format.

use crate::core::sniff::SNIFF_LEN;
use crate::core::FlowError;
use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

/// Describes a JS value's type for an error message (never its content).
pub fn describe(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if value.is_undefined() {
        "undefined".into()
    } else if Array::is_array(value) {
        "an array".into()
    } else {
        format!("a {}", value.js_typeof().as_string().unwrap_or_default())
    }
}

/// The Blob to send for a page given as Blob, File, ArrayBuffer or an ArrayBuffer view.
pub fn to_blob(value: &JsValue, label: &str) -> Result<Blob, FlowError> {
    if let Some(blob) = value.dyn_ref::<Blob>() {
        return Ok(blob.clone());
    }
    if value.is_instance_of::<ArrayBuffer>() || ArrayBuffer::is_view(value) {
        return Blob::new_with_buffer_source_sequence(&Array::of1(value)).map_err(|_| {
            FlowError::invalid_input(format!("{label} could not be read as binary data."))
        });
    }
    Err(FlowError::invalid_input(format!(
        "{label} must be a Blob, File, ArrayBuffer or Uint8Array; got {}.",
        describe(value)
    )))
}

/// The first bytes of each Blob, read in parallel (one wait, not one per page).
pub async fn heads(blobs: &[Blob]) -> Result<Vec<Vec<u8>>, FlowError> {
    let unreadable =
        || FlowError::invalid_input("A page could not be read (was the file removed?).");
    let end = i32::try_from(SNIFF_LEN).unwrap_or(16);
    let reads = Array::new();
    for blob in blobs {
        let slice = blob
            .slice_with_i32_and_i32(0, end)
            .map_err(|_| unreadable())?;
        reads.push(&slice.array_buffer());
    }
    let buffers = JsFuture::from(js_sys::Promise::all(&reads))
        .await
        .map_err(|_| unreadable())?;
    Ok(Array::from(&buffers)
        .iter()
        .map(|b| Uint8Array::new(&b).to_vec())
        .collect())
}
