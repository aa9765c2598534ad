//! The JS facade: thin `#[wasm_bindgen]` types that decode their arguments, delegate to `core`
//! and `web`, and turn every failure into an `Id360Error`.

mod capture;
mod error;
mod flow;
mod options;
mod types;

pub use capture::{crop_document, guide_rect, prepare_file, Camera, QualityAnalyzer, QualityWatch};
pub use error::Id360Error;
pub use flow::Id360Flow;
