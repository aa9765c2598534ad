//! Photos the user already has: `prepareFile` makes them ready to upload, `cropDocument` keeps
//! only the document, flat. Both read the first bytes first (format, size in pixels, EXIF) and
//! decode only what they must; pixels stay in the browser's canvases.

use super::analysis::kind;
use super::{encode_options, invalid, recall, remember, CropOptionsArg, PrepareOptionsArg};
use crate::core::exif::{image_size, jpeg_scan, orientation, Scan, EXIF_SCAN_LEN};
use crate::core::image::check::CheckConfig;
use crate::core::image::document::Signature;
use crate::core::image::framing::GuideKind;
use crate::core::image::geometry::{crop_plan, Point, Quad};
use crate::core::sniff::Format;
use crate::core::{ErrorCode, FlowError, Step, MAX_PAGE_BYTES};
use crate::js::error::promise;
use crate::js::options::Options;
use crate::web::blob::{bytes_of, describe, formats, size_of};
use crate::web::canvas::{decode, encode_jpeg};
use crate::web::frames::{FrameAnalyzer, Region};
use crate::web::media::{array_items, field};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

/// Share of the document's width and height kept around a crop.
pub const CROP_MARGIN: f64 = 0.02;

/// The largest photo decoded: 40 megapixels (a 50 MP photo decodes to 200 MB, which a phone's
/// tab may not survive). Checked from the file's header, before decoding.
pub const MAX_PHOTO_PIXELS: u64 = 40_000_000;

/// How long a file's bytes may take to come, by default (a picked file's read ends in
/// milliseconds, a file a cloud provider fetches first in seconds).
pub const DEFAULT_READ_TIMEOUT_MS: f64 = 30_000.0;

const TIMEOUT_MS: &str = "timeoutMs";

/// The `timeoutMs` option: 1 ms to an hour, else `invalid_input`.
fn read_timeout(o: &Options<'_>) -> Result<f64, FlowError> {
    Ok(o.integer(TIMEOUT_MS, 1, 3_600_000)?
        .unwrap_or(DEFAULT_READ_TIMEOUT_MS))
}

/// A photo file, its first bytes read.
struct Photo {
    blob: Blob,
    head: Vec<u8>,
    format: Format,
    size: f64,
}

/// Reads the first bytes of a Blob and judges them: not a Blob or empty → `invalid_input`;
/// not JPEG, PNG, PDF or HEIC → `unsupported_format`; its first bytes not read within
/// `timeout_ms` → `timeout`.
async fn read_photo(file: JsValue, what: &str, timeout_ms: f64) -> Result<Photo, FlowError> {
    let blob: Blob = file.dyn_into().map_err(|v| {
        invalid(format!(
            "{what} needs a Blob or File; got {}.",
            describe(&v)
        ))
    })?;
    let size =
        size_of(&blob).ok_or_else(|| invalid(format!("{what}: the file could not be read.")))?;
    if size < 1.0 {
        return Err(invalid("The file is empty."));
    }
    // its format first, from a read bounded by `timeout_ms` (a Blob whose read never settles
    // must not hold the call for good); a Blob that gave its first bytes gives the rest. Those
    // 16 bytes are read again with the head: about a millisecond, against +200 B gzipped for a
    // bounded read of the head itself (BENCHMARKS §6)
    let format = formats(core::slice::from_ref(&blob), timeout_ms, &[])
        .await
        .map_err(|e| e.at(Step::Capture))?
        .first()
        .copied()
        .flatten()
        .ok_or_else(|| {
            FlowError::new(
                ErrorCode::UnsupportedFormat,
                "This file is not a JPEG, PNG, PDF or HEIC: take a photo or choose another file.",
            )
            .at(Step::Capture)
        })?;
    let head = read(&blob, 0.0, f64::from(EXIF_SCAN_LEN).min(size))
        .await
        .ok_or_else(|| invalid("The file could not be read."))?;
    Ok(Photo {
        blob,
        head,
        format,
        size,
    })
}

/// The bytes of `blob` from `start` to `end`; None when they cannot be read.
async fn read(blob: &Blob, start: f64, end: f64) -> Option<Vec<u8>> {
    let bytes = JsFuture::from(bytes_of(blob, start, end)?).await.ok()?;
    Some(Uint8Array::new(&bytes).to_vec())
}

/// A decoded image, closed when dropped.
struct Bitmap(JsValue);

impl Drop for Bitmap {
    fn drop(&mut self) {
        if let Some(close) = Reflect::get(&self.0, &JsValue::from_str("close"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
        {
            let _ = close.call0(&self.0);
        }
    }
}

impl Bitmap {
    fn size(&self) -> (u32, u32) {
        (
            field(&self.0, "width").as_f64().unwrap_or(0.0) as u32,
            field(&self.0, "height").as_f64().unwrap_or(0.0) as u32,
        )
    }
}

/// Segments read one by one past a JPEG's first bytes, at most: 64 of metadata (an extended
/// XMP carries up to 64 KB each; a depth map, a few MB).
const MAX_SEGMENT_READS: usize = 64;

/// The photo's size in pixels from its header. A JPEG whose frame header lies past the first
/// bytes read (after large metadata) is followed segment by segment, reading 16 bytes at the
/// start of each; None when the header does not say.
async fn photo_size(photo: &Photo) -> Option<(u32, u32)> {
    if photo.format != Format::Jpeg {
        return image_size(&photo.head);
    }
    let mut scan = jpeg_scan(photo.head.get(2..)?, 2);
    for _ in 0..MAX_SEGMENT_READS {
        let at = match scan {
            Scan::Size(w, h) => return Some((w, h)),
            Scan::Unknown => return None,
            Scan::ReadFrom(at) => at,
        };
        let from = at as f64;
        let bytes = read(&photo.blob, from, (from + 16.0).min(photo.size)).await?;
        let next = jpeg_scan(&bytes, at);
        if next == scan {
            return None; // the file ends there
        }
        scan = next;
    }
    None
}

/// Decodes a JPEG or PNG with its EXIF rotation applied, after checking its size in pixels.
async fn decode_photo(photo: &Photo) -> Result<Bitmap, FlowError> {
    if let Some((w, h)) = photo_size(photo).await {
        let pixels = u64::from(w) * u64::from(h);
        if pixels > MAX_PHOTO_PIXELS {
            return Err(invalid(format!(
                "This photo has {} megapixels; at most 40 are accepted: take it at a lower resolution (12 megapixels are plenty).",
                pixels / 1_000_000
            )));
        }
    }
    let bitmap = Bitmap(decode(&photo.blob).await?);
    let (w, h) = bitmap.size();
    if w == 0 || h == 0 || u64::from(w) * u64::from(h) > MAX_PHOTO_PIXELS {
        return Err(invalid(
            "This image is empty or over 40 megapixels: take it at a lower resolution.",
        ));
    }
    Ok(bitmap)
}

/// The document a region frames; `invalid_input` (naming `what`) for the selfie, a rectangle
/// or the whole frame.
pub(crate) fn document_kind(region: Region, what: &str) -> Result<GuideKind, FlowError> {
    match region {
        Region::Guide(kind) if kind != GuideKind::Selfie => Ok(kind),
        _ => Err(invalid(format!(
            "{what} needs a document region: 'id_card', 'passport' or 'paper_licence'."
        ))),
    }
}

/// `no_document`: nothing to crop.
pub(crate) fn no_document() -> FlowError {
    FlowError::new(
        ErrorCode::NoDocument,
        "No document was found in the picture: hold it inside the guide, give its corners, or use the whole picture.",
    )
    .at(Step::Capture)
}

/// The signature of the document in a previous capture: kept by this library when it made the
/// capture, else found by decoding it and looking for the document of `region`.
pub(crate) async fn previous_signature(
    capture: &JsValue,
    region: Region,
) -> Result<Signature, FlowError> {
    let kind = document_kind(region, "differentFrom")?;
    if let Some(s) = recall(capture) {
        return Ok(s);
    }
    let photo = read_photo(capture.clone(), "differentFrom", DEFAULT_READ_TIMEOUT_MS).await?;
    if !matches!(photo.format, Format::Jpeg | Format::Png) {
        return Err(invalid("differentFrom must be a JPEG or PNG capture."));
    }
    let bitmap = decode_photo(&photo).await?;
    let (_, signature) = find_document(&bitmap.0, bitmap.size(), kind)?;
    signature.ok_or_else(|| invalid("differentFrom shows no document to compare with."))
}

/// The document of `kind` in a picture (`width × height`): its corners (picture pixels) and
/// content signature.
fn find_document(
    source: &JsValue,
    (w, h): (u32, u32),
    kind: GuideKind,
) -> Result<(Quad, Option<Signature>), FlowError> {
    let mut analyzer = FrameAnalyzer::new()?;
    let corners = analyzer
        .analyze(
            source,
            f64::from(w),
            f64::from(h),
            Region::Guide(kind),
            &CheckConfig::default(),
        )
        .and_then(|r| r.document)
        .and_then(|d| d.corners)
        .ok_or_else(no_document)?;
    Ok((corners, analyzer.signature(&corners)))
}

/// Four `{ x, y }` points, finite and not negative.
fn corners_of(value: &JsValue) -> Result<Quad, FlowError> {
    let wrong = || {
        invalid("corners must be four { x, y } points in the image's pixels: top-left, top-right, bottom-right, bottom-left.")
    };
    // read through calls that cannot throw into wasm (a revoked Proxy, a throwing getter)
    let list = array_items(value).ok().flatten().ok_or_else(wrong)?;
    let point = |i: usize| -> Result<Point, FlowError> {
        let p = list.get(i).ok_or_else(wrong)?;
        let n = |k: &str| field(p, k).as_f64().filter(|v| v.is_finite() && *v >= 0.0);
        match (n("x"), n("y")) {
            (Some(x), Some(y)) => Ok(Point::new(x, y)),
            _ => Err(wrong()),
        }
    };
    if list.len() != 4 {
        return Err(wrong());
    }
    Ok([point(0)?, point(1)?, point(2)?, point(3)?])
}

/// The intrinsic size of something `drawImage` takes (`<img>`, `<video>`, canvas, bitmap).
fn drawable_size(source: &JsValue) -> Option<(u32, u32)> {
    ["natural", "video", ""].iter().find_map(|prefix| {
        let (wk, hk) = if prefix.is_empty() {
            ("width".to_string(), "height".to_string())
        } else {
            (format!("{prefix}Width"), format!("{prefix}Height"))
        };
        let w = field(source, &wk).as_f64()?;
        let h = field(source, &hk).as_f64()?;
        (w >= 1.0 && h >= 1.0 && w.is_finite() && h.is_finite()).then_some((w as u32, h as u32))
    })
}

/// Keeps only the document of a photo, flat and upright, as a JPEG Blob. `source` is a Blob
/// (JPEG or PNG; its EXIF rotation applied) or anything a canvas draws (`ImageBitmap`, `<img>`,
/// `<canvas>`, `<video>`); `corners` the document's four corners in its pixels (top-left,
/// top-right, bottom-right, bottom-left) — left out, the document is found as in the
/// `kind`'s guide (`no_document` when it is not). Options: `kind` (`'id_card'`, `'passport'`,
/// `'paper_licence'`; the output's proportions), `maxEdge` (2000), `quality` (0.92), `margin`
/// (share kept around it, 0.02), `timeoutMs` (30 000: a Blob whose bytes have not come by then
/// is `timeout`).
#[wasm_bindgen(js_name = cropDocument, unchecked_return_type = "Promise<Blob>")]
pub fn crop_document(
    #[wasm_bindgen(
        unchecked_param_type = "Blob | ImageBitmap | HTMLImageElement | HTMLCanvasElement | HTMLVideoElement"
    )]
    source: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Corner[] | null")] corners: Option<JsValue>,
    #[wasm_bindgen(unchecked_optional_param_type = "CropOptions | null")] options: Option<
        CropOptionsArg,
    >,
) -> Promise {
    let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
    promise(async move {
        let (max_edge, quality, o) =
            encode_options(&options, "crop options", &["kind", "margin", TIMEOUT_MS])?;
        let timeout_ms = read_timeout(&o)?;
        let kind = match o.string("kind")? {
            None => GuideKind::IdCard,
            Some(k) => match kind(&k)? {
                GuideKind::Selfie => {
                    return Err(invalid(
                        "kind must be a document: 'id_card', 'passport' or 'paper_licence'.",
                    ))
                }
                k => k,
            },
        };
        let margin = match o.get("margin").as_f64() {
            None if o.get("margin").is_undefined() => CROP_MARGIN,
            Some(m) if (0.0..=0.2).contains(&m) => m,
            _ => return Err(invalid("margin must be a number from 0 to 0.2.")),
        };
        let corners = corners
            .filter(|c| !c.is_undefined() && !c.is_null())
            .map(|c| corners_of(&c))
            .transpose()?;
        // a Blob is decoded (kept alive until the end); anything else is drawn as it is
        let (bitmap, drawable) = if source.is_instance_of::<Blob>() {
            let photo = read_photo(source, "cropDocument", timeout_ms).await?;
            if !matches!(photo.format, Format::Jpeg | Format::Png) {
                return Err(FlowError::new(
                    ErrorCode::UnsupportedFormat,
                    "cropDocument needs a JPEG or PNG photo (not a PDF or HEIC).",
                )
                .at(Step::Capture));
            }
            let b = decode_photo(&photo).await?;
            let d = b.0.clone();
            (Some(b), d)
        } else {
            (None, source)
        };
        let size = match &bitmap {
            Some(b) => Some(b.size()),
            None => drawable_size(&drawable),
        }
        .ok_or_else(|| {
            invalid("cropDocument needs a Blob, ImageBitmap, <img>, <canvas> or <video> with a picture.")
        })?;
        let (corners, signature) = match corners {
            Some(c) => (c, None),
            None => find_document(&drawable, size, kind)?,
        };
        let plan = crop_plan(
            &corners,
            f64::from(size.0),
            f64::from(size.1),
            Some(kind.aspect()),
            max_edge,
            margin,
        )
        .ok_or_else(|| {
            invalid("corners must lie inside the image and make a convex shape (top-left, top-right, bottom-right, bottom-left).")
        })?;
        let blob: JsValue = crate::web::crop::crop(&drawable, &plan, quality)
            .await?
            .into();
        drop(bitmap);
        if let Some(s) = signature {
            remember(&blob, &s);
        }
        Ok(blob)
    })
}

/// Size above which `prepareFile` re-encodes a JPEG/PNG even when its size in pixels is fine.
pub const REENCODE_ABOVE_BYTES: f64 = 3_000_000.0;

/// Makes a picked file ready to upload: JPEG/PNG with an EXIF rotation, a long edge over
/// `maxEdge` (2000) or over 3 MB are decoded (rotation applied) and re-encoded as JPEG; other
/// JPEG/PNG files, PDFs and HEIC pass unchanged (HEIC/PDF over 9.5 MB: `payload_too_large`);
/// anything else is `unsupported_format`; a file whose bytes have not come after `timeoutMs`
/// (30 000) is `timeout`.
#[wasm_bindgen(js_name = prepareFile, unchecked_return_type = "Promise<Blob>")]
pub fn prepare_file(
    #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
    options: Option<PrepareOptionsArg>,
) -> Promise {
    let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
    promise(async move {
        let (max_edge, quality, o) = encode_options(&options, "options", &[TIMEOUT_MS])?;
        let timeout_ms = read_timeout(&o)?;
        let photo = read_photo(file, "prepareFile", timeout_ms).await?;
        match photo.format {
            Format::Pdf | Format::Heic => {
                if photo.size > MAX_PAGE_BYTES as f64 {
                    return Err(FlowError::new(
                        ErrorCode::PayloadTooLarge,
                        "This PDF or HEIC file is over 9.5 MB and cannot be made smaller here: choose a smaller file or a photo.",
                    )
                    .at(Step::Capture));
                }
                Ok(photo.blob.into())
            }
            Format::Jpeg | Format::Png => {
                let rotated = photo.format == Format::Jpeg
                    && orientation(&photo.head).is_some_and(|o| o != 1);
                let bitmap = decode_photo(&photo).await?;
                let (w, h) = bitmap.size();
                let needs = rotated || w.max(h) > max_edge || photo.size > REENCODE_ABOVE_BYTES;
                if needs {
                    encode_jpeg(&bitmap.0, w, h, max_edge, quality)
                        .await
                        .map(JsValue::from)
                } else {
                    Ok(photo.blob.into())
                }
            }
        }
    })
}
