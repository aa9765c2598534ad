//! The camera through `navigator.mediaDevices`: constraints that work on iOS and Android (as
//! peers learned), a looser retry after `OverconstrainedError`, and DOM errors mapped to codes.

use crate::core::{ErrorCode, FlowError, Step};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MediaDevices, MediaStream, MediaStreamConstraints, MediaStreamTrack};

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// A field of a JS object (undefined when missing).
pub fn field(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `target.name(args…)` for a method web-sys does not bind for every argument type; None when
/// it is missing or throws.
pub fn call(target: &JsValue, name: &str, args: &[&JsValue]) -> Option<JsValue> {
    let f: js_sys::Function = field(target, name).dyn_into().ok()?;
    let args: Array = args.iter().copied().collect();
    f.apply(target, &args).ok()
}

/// Calls a caller's callback with `arg`. A throwing callback must not break the library's
/// work, nor vanish: its exception is reported as an uncaught one would be (`reportError`: the
/// page's `error` event and the console), or logged where that does not exist (Node). So is the
/// rejection of the promise an `async` callback returns (it was left unhandled: an
/// `unhandledrejection`, which ends a Node process by default).
pub fn call_back(f: &js_sys::Function, arg: &JsValue) {
    let returned = f.call1(&JsValue::NULL, arg);
    // the usual answer (undefined, a value) needs no reporter: not looked up per progress event
    if matches!(&returned, Ok(v) if !v.is_object()) {
        return;
    }
    let global = js_sys::global();
    let mut report = field(&global, "reportError");
    if !report.is_function() {
        report = field(&field(&global, "console"), "error");
    }
    match returned {
        Err(e) => {
            if let Some(report) = report.dyn_ref::<js_sys::Function>() {
                let _ = report.call1(&global, &e);
            }
        }
        Ok(returned) => {
            let _ = call(&returned, "then", &[&JsValue::UNDEFINED, &report]);
        }
    }
}

/// Whether `value` is an array (`Array.isArray`); None when asking throws (a revoked Proxy).
/// A JS exception must never cross into wasm: it would skip the Rust code after the call,
/// leaving a borrow or a flow's queue held for good.
pub fn is_array(value: &JsValue) -> Option<bool> {
    call(&field(&js_sys::global(), "Array"), "isArray", &[value]).map(|v| v.is_truthy())
}

/// The most items `array_items` reads (pages take a handful; an array's `length` can claim
/// four billion).
pub const MAX_ITEMS: u32 = 1000;

/// The items of `value` when it is an array (None when it is not), read through calls that
/// cannot throw into wasm (a Proxy or a getter that throws: `Err`); an array claiming more than
/// `MAX_ITEMS` items is `Err` too.
pub fn array_items(value: &JsValue) -> Result<Option<Vec<JsValue>>, ()> {
    if !is_array(value).ok_or(())? {
        return Ok(None);
    }
    let length = Reflect::get(value, &JsValue::from_str("length"))
        .map_err(|_| ())?
        .as_f64()
        .filter(|n| *n <= f64::from(MAX_ITEMS))
        .ok_or(())?;
    let mut items = Vec::new();
    for i in 0..length as u32 {
        items.push(Reflect::get_u32(value, i).map_err(|_| ())?);
    }
    Ok(Some(items))
}

/// What the page asked for.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// `"environment"` (rear) or `"user"` (front).
    pub facing: Option<String>,
    /// A specific camera.
    pub device_id: Option<String>,
    /// Wanted width in pixels.
    pub ideal_width: u32,
}

/// `navigator.mediaDevices`, or why it is missing.
pub fn media_devices() -> Result<MediaDevices, FlowError> {
    let global = js_sys::global();
    if field(&global, "isSecureContext").as_bool() == Some(false) {
        return Err(FlowError::new(
            ErrorCode::InsecureContext,
            "The camera needs a secure page (https, or localhost while developing).",
        )
        .at(Step::Capture));
    }
    let navigator = field(&global, "navigator");
    let devices = field(&navigator, "mediaDevices");
    if devices.is_undefined()
        || devices.is_null()
        || !Reflect::has(&devices, &JsValue::from_str("getUserMedia")).unwrap_or(false)
    {
        return Err(FlowError::new(
            ErrorCode::Unsupported,
            "This browser gives no camera access (navigator.mediaDevices): offer the file upload instead.",
        )
        .at(Step::Capture));
    }
    Ok(devices.unchecked_into())
}

/// The constraint sets tried in order: the asked camera at the asked width (width only: with
/// a height too, some iPhones over-expose and Safari throws OverconstrainedError), then the
/// camera without size, then any camera.
pub fn constraint_sets(request: &Request) -> Vec<JsValue> {
    let video = |with_width: bool, with_camera: bool| {
        let v = Object::new();
        if with_camera {
            if let Some(id) = &request.device_id {
                let exact = Object::new();
                set(&exact, "exact", &JsValue::from_str(id));
                set(&v, "deviceId", &exact);
            } else if let Some(f) = &request.facing {
                let ideal = Object::new();
                set(&ideal, "ideal", &JsValue::from_str(f));
                set(&v, "facingMode", &ideal);
            }
        }
        if with_width {
            let ideal = Object::new();
            set(&ideal, "ideal", &JsValue::from(request.ideal_width));
            set(&v, "width", &ideal);
        }
        let c = Object::new();
        set(&c, "audio", &JsValue::FALSE);
        set(&c, "video", &v);
        JsValue::from(c)
    };
    let mut sets = vec![video(true, true), video(false, true)];
    if request.device_id.is_none() {
        let c = Object::new();
        set(&c, "audio", &JsValue::FALSE);
        set(&c, "video", &JsValue::TRUE);
        sets.push(c.into());
    }
    sets
}

/// Maps a getUserMedia failure to an error with a code.
pub fn camera_error(error: &JsValue) -> FlowError {
    let name = field(error, "name").as_string().unwrap_or_default();
    let (code, message) = match name.as_str() {
        "NotAllowedError" | "SecurityError" | "PermissionDeniedError" => (
            ErrorCode::PermissionDenied,
            "Camera access was refused: allow the camera in the browser's settings (and allow=\"camera\" on an iframe), or upload a photo instead.",
        ),
        "NotFoundError" | "DevicesNotFoundError" | "OverconstrainedError" => {
            (ErrorCode::NoCamera, "No camera was found: upload a photo instead.")
        }
        "NotReadableError" | "TrackStartError" | "AbortError" => (
            ErrorCode::CameraInUse,
            "The camera could not start: close other applications using it, then try again.",
        ),
        "TypeError" | "NotSupportedError" => {
            (ErrorCode::Unsupported, "This browser cannot open the camera with these settings.")
        }
        _ => (ErrorCode::CameraInUse, "The camera could not start: try again, or upload a photo."),
    };
    FlowError::new(code, message).at(Step::Capture)
}

/// Opens a stream, loosening the constraints after an `OverconstrainedError`.
pub async fn open_stream(request: &Request) -> Result<MediaStream, FlowError> {
    let devices = media_devices()?;
    let mut last = JsValue::UNDEFINED;
    for constraints in constraint_sets(request) {
        let promise = match devices
            .get_user_media_with_constraints(constraints.unchecked_ref::<MediaStreamConstraints>())
        {
            Ok(p) => p,
            Err(e) => return Err(camera_error(&e)),
        };
        match JsFuture::from(promise).await {
            Ok(stream) => {
                return stream.dyn_into::<MediaStream>().map_err(|_| {
                    FlowError::new(ErrorCode::Unsupported, "getUserMedia gave no MediaStream.")
                        .at(Step::Capture)
                })
            }
            Err(e) => {
                let name = field(&e, "name").as_string().unwrap_or_default();
                if name != "OverconstrainedError" {
                    return Err(camera_error(&e));
                }
                last = e;
            }
        }
    }
    Err(camera_error(&last))
}

/// The video tracks of a stream.
pub fn video_tracks(stream: &MediaStream) -> Vec<MediaStreamTrack> {
    stream
        .get_video_tracks()
        .iter()
        .filter_map(|t| t.dyn_into().ok())
        .collect()
}

/// A camera of `Camera.list()` (`enumerateDevices`, infrared and depth cameras left out when
/// their label says so).
#[derive(serde::Serialize, tsify::Tsify)]
#[tsify(rename = "CameraDevice")]
pub struct Device {
    /// `deviceId`.
    #[serde(rename = "deviceId")]
    pub id: String,
    /// `label` (empty until the user allowed the camera once).
    pub label: String,
}

/// The video inputs.
pub async fn list_devices() -> Result<Vec<Device>, FlowError> {
    let devices = media_devices()?;
    let promise = devices.enumerate_devices().map_err(|_| {
        FlowError::new(ErrorCode::Unsupported, "enumerateDevices is not available.")
            .at(Step::Capture)
    })?;
    let list = JsFuture::from(promise)
        .await
        .map_err(|e| camera_error(&e))?;
    Ok(Array::from(&list)
        .iter()
        .filter(|d| field(d, "kind").as_string().as_deref() == Some("videoinput"))
        .map(|d| Device {
            id: field(&d, "deviceId").as_string().unwrap_or_default(),
            label: field(&d, "label").as_string().unwrap_or_default(),
        })
        .filter(|d| !crate::core::camera::unsuitable_camera(&d.label))
        .collect())
}
