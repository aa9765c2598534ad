//! `prepareFile`: photos and PDFs the user already has, made ready to upload.

use super::{encode_options, invalid, promise, PrepareOptionsArg};
use crate::core::exif::{orientation, EXIF_SCAN_LEN};
use crate::core::sniff::{sniff, Format};
use crate::core::{ErrorCode, FlowError, Step, MAX_PAGE_BYTES};
use crate::web::blob::describe;
use crate::web::canvas::{decode, encode_jpeg};
use crate::web::media::field;
use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

/// Size above which `prepareFile` re-encodes a JPEG/PNG even when its size in pixels is fine.
pub const REENCODE_ABOVE_BYTES: f64 = 3_000_000.0;

/// Makes a picked file ready to upload: JPEG/PNG with an EXIF rotation, a long edge over
/// `maxEdge` (2000) or over 3 MB are decoded (rotation applied) and re-encoded as JPEG; other
/// JPEG/PNG files, PDFs and HEIC pass unchanged (HEIC/PDF over 9.5 MB: `payload_too_large`);
/// anything else is `unsupported_format`.
#[wasm_bindgen(js_name = prepareFile, unchecked_return_type = "Promise<Blob>")]
pub fn prepare_file(
    #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
    options: Option<PrepareOptionsArg>,
) -> Promise {
    let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
    promise(async move {
        let (max_edge, quality, _) = encode_options(&options, "options", &[])?;
        let blob: Blob = file.dyn_into().map_err(|v| {
            invalid(format!(
                "prepareFile needs a Blob or File; got {}.",
                describe(&v)
            ))
        })?;
        let size = blob.size();
        if size < 1.0 {
            return Err(invalid("The file is empty."));
        }
        let scan = blob
            .slice_with_f64_and_f64(0.0, f64::from(EXIF_SCAN_LEN).min(size))
            .map_err(|_| invalid("The file could not be read."))?;
        let head = JsFuture::from(scan.array_buffer())
            .await
            .map(|b| Uint8Array::new(&b).to_vec())
            .map_err(|_| invalid("The file could not be read."))?;
        let format = sniff(&head).ok_or_else(|| {
            FlowError::new(
                ErrorCode::UnsupportedFormat,
                "This file is not a JPEG, PNG, PDF or HEIC: take a photo or choose another file.",
            )
            .at(Step::Capture)
        })?;
        match format {
            Format::Pdf | Format::Heic => {
                if size > MAX_PAGE_BYTES as f64 {
                    return Err(FlowError::new(
                        ErrorCode::PayloadTooLarge,
                        "This PDF or HEIC file is over 9.5 MB and cannot be made smaller here: choose a smaller file or a photo.",
                    )
                    .at(Step::Capture));
                }
                Ok(blob.into())
            }
            Format::Jpeg | Format::Png => {
                let rotated = format == Format::Jpeg && orientation(&head).is_some_and(|o| o != 1);
                let bitmap = decode(&blob).await?;
                let (w, h) = (
                    field(&bitmap, "width").as_f64().unwrap_or(0.0) as u32,
                    field(&bitmap, "height").as_f64().unwrap_or(0.0) as u32,
                );
                let needs = rotated || w.max(h) > max_edge || size > REENCODE_ABOVE_BYTES;
                let result = if needs {
                    encode_jpeg(&bitmap, w, h, max_edge, quality)
                        .await
                        .map(JsValue::from)
                } else {
                    Ok(blob.into())
                };
                if let Some(close) = Reflect::get(&bitmap, &JsValue::from_str("close"))
                    .ok()
                    .and_then(|f| f.dyn_into::<Function>().ok())
                {
                    let _ = close.call0(&bitmap);
                }
                result
            }
        }
    })
}
