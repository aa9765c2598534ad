//! Pages as Blobs: whatever the caller gives (Blob, File, ArrayBuffer, typed array) becomes a
//! Blob handle that goes to the network untouched. Only the first 16 bytes ever enter wasm
//! memory, to check the format — and not even those for a Blob this library had the browser
//! encode (`capture`, `cropDocument`, `prepareFile`'s re-encodes): its format was noted when it
//! was made, and a Blob's bytes cannot change. Reading them costs about a millisecond per upload
//! in Chromium (BENCHMARKS §1), whatever the Blob's size.

use crate::core::sniff::{sniff, SNIFF_LEN};
use crate::core::{FlowError, Format};
use js_sys::{Array, ArrayBuffer, Uint8Array, WeakMap};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

/// Describes a JS value's type for an error message (never its content).
pub fn describe(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if value.is_undefined() {
        "undefined".into()
    } else if super::media::is_array(value) != Some(false) {
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

/// The formats a Blob this library encoded can have: the one asked for, or PNG where the
/// browser could not write that.
const ENCODINGS: [Format; 2] = [Format::Jpeg, Format::Png];

thread_local! {
    /// The Blobs the browser encoded for this library (`canvas.toBlob`) → their format's place in
    /// `ENCODINGS`, from the type the browser gave the Blob before the library handed it out.
    static ENCODED: WeakMap = WeakMap::new();
}

/// Notes a Blob the browser has just encoded for this library (before anyone else holds it).
pub fn encoded(blob: &Blob) {
    let mime = super::media::field(blob, "type");
    if let Some(i) = ENCODINGS.iter().position(|f| mime == f.mime()) {
        ENCODED.with(|m| {
            m.set(blob, &JsValue::from(i));
        });
    }
}

/// The format of each Blob: known for those this library encoded, else sniffed from its first
/// bytes (read in parallel: one wait, not one per page). None for a format ID360 does not take.
pub async fn formats(blobs: &[Blob]) -> Result<Vec<Option<Format>>, FlowError> {
    let unreadable =
        || FlowError::invalid_input("A page could not be read (was the file removed?).");
    let end = i32::try_from(SNIFF_LEN).unwrap_or(16);
    // each entry: the known format's place in ENCODINGS, or the read of the first bytes
    let reads = Array::new();
    for blob in blobs {
        let known = ENCODED.with(|m| m.get(blob));
        match known.as_f64() {
            Some(_) => reads.push(&known),
            None => reads.push(
                &blob
                    .slice_with_i32_and_i32(0, end)
                    .map_err(|_| unreadable())?
                    .array_buffer(),
            ),
        };
    }
    let done = JsFuture::from(js_sys::Promise::all(&reads))
        .await
        .map_err(|_| unreadable())?;
    Ok(Array::from(&done)
        .iter()
        .map(|v| match v.as_f64() {
            Some(i) => ENCODINGS.get(i as usize).copied(),
            None => sniff(&Uint8Array::new(&v).to_vec()),
        })
        .collect())
}
