//! id360-flow: run a Docaposte ID360 identity verification from a web page.
//!
//! The browser library is built in later steps; for now the crate only exposes its version.
#![deny(missing_docs)]

use wasm_bindgen::prelude::wasm_bindgen;

/// The version of this library, as published on npm.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
