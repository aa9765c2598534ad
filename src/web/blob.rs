//! Pages as Blobs: whatever the caller gives (Blob, File, ArrayBuffer, typed array) becomes a
//! Blob handle that goes to the network untouched. Only the first 16 bytes ever enter wasm
//! memory, to check the format — and not even those for a Blob this library had the browser
//! encode (`capture`, `cropDocument`, `prepareFile`'s re-encodes): its format was noted when it
//! was made, and a Blob's bytes cannot change. Reading them costs about a millisecond per upload
//! in Chromium (BENCHMARKS §1), whatever the Blob's size.

use super::abort::Wake;
use super::media::call;
use crate::core::sniff::{sniff, SNIFF_LEN};
use crate::core::{FlowError, Format};
use js_sys::{Array, ArrayBuffer, Promise, Uint8Array, WeakMap};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Blob};

/// A caller's Blob's `size`, read through a call that cannot throw into wasm (a subclass or a
/// redefined getter may throw: the exception would skip the Rust code after it and leave the
/// flow's queue held for good); None when it throws or is not a size.
pub fn size_of(blob: &Blob) -> Option<f64> {
    js_sys::Reflect::get(blob, &JsValue::from_str("size"))
        .ok()?
        .as_f64()
        .filter(|s| *s >= 0.0 && s.is_finite())
}

/// The bytes of a caller's Blob, as a promise, through calls that cannot throw into wasm (as
/// [`size_of`]): `blob.slice(start, end).arrayBuffer()`.
pub fn bytes_of(blob: &Blob, start: f64, end: f64) -> Option<Promise> {
    let part = call(blob, "slice", &[&JsValue::from(start), &JsValue::from(end)])?;
    Some(Promise::resolve(&call(&part, "arrayBuffer", &[])?))
}

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
/// A read that has not ended after `timeout_ms`, or when one of `signals` fires, ends the wait
/// (`timeout`, `aborted`): a Blob whose read never settles must not hold the flow for good.
pub async fn formats(
    blobs: &[Blob],
    timeout_ms: f64,
    signals: &[Option<AbortSignal>],
) -> Result<Vec<Option<Format>>, FlowError> {
    let unreadable =
        || FlowError::invalid_input("A page could not be read (was the file removed?).");
    // each entry: the known format's place in ENCODINGS, or the read of the first bytes
    let reads = Array::new();
    for blob in blobs {
        let known = ENCODED.with(|m| m.get(blob));
        match known.as_f64() {
            Some(_) => reads.push(&known),
            None => reads.push(
                &bytes_of(blob, 0.0, SNIFF_LEN as f64)
                    .ok_or_else(unreadable)?
                    .into(),
            ),
        };
    }
    // the reads, or the deadline (a timer resolving it with undefined, or an abort)
    let all = Promise::all(&reads);
    let global = js_sys::global();
    let first = match Wake::new(signals) {
        Some(wake) => {
            let w = wake.resolver();
            let timer = call(&global, "setTimeout", &[w, &JsValue::from(timeout_ms)]);
            let first = JsFuture::from(Promise::race(&Array::of2(&all, &wake.promise()))).await;
            let _ = call(&global, "clearTimeout", &[&timer.unwrap_or_default()]);
            first
        }
        None => JsFuture::from(all).await,
    };
    if signals.iter().flatten().any(AbortSignal::aborted) {
        return Err(super::http::aborted());
    }
    let done = first.map_err(|_| unreadable())?;
    if done.is_undefined() {
        return Err(FlowError::new(
            crate::core::ErrorCode::Timeout,
            "A page could not be read in time (its first bytes did not come).",
        ));
    }
    Ok(Array::from(&done)
        .iter()
        .map(|v| match v.as_f64() {
            Some(i) => ENCODINGS.get(i as usize).copied(),
            None => sniff(&Uint8Array::new(&v).to_vec()),
        })
        .collect())
}
