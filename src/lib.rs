//! id360-flow: run a Docaposte ID360 identity verification from a web page.
//!
//! The crate holds only an enrollment's api_key and drives the api_key-scoped flow:
//! `enrollment_info` → route → consent → document pages → selfie → finalize. Token calls
//! (login, enrollment creation, data comparison, report) stay on the integrator's server.
//!
//! Layers (see the README's architecture section):
//! - [`core`]: plain Rust — URLs, validation, sniffing, state machine, retry schedule, errors;
//! - `web` (wasm only): fetch/XHR transport, timers, abort signals, Blobs;
//! - `js` (wasm only): the `#[wasm_bindgen]` facade (`Id360Flow`, `Id360Error`) and TS types.
#![deny(missing_docs)]
// `f64::clamp` can panic (a trap in wasm) and links float formatting: min/max instead.
#![allow(clippy::manual_clamp)]

pub mod core;

/// Talc, smaller and faster than dlmalloc in wasm (no threads here: no atomics).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(target_arch = "wasm32")]
pub use js::{
    crop_document, guide_rect, prepare_file, Camera, Id360Error, Id360Flow, QualityAnalyzer,
    QualityWatch,
};

use wasm_bindgen::prelude::wasm_bindgen;

/// The version of this library, as published on npm.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
