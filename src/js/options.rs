//! Decoding JS option objects: every wrong type, unknown key or out-of-range value becomes an
//! `invalid_input` error that names the option (never a trap).

use crate::core::error::sanitize_detail;
use crate::core::{ApiKey, BaseUrl, Environment, FlowError, RetryPolicy};
use crate::web::blob::describe;
use crate::web::media::{array_items, call, field, is_array};
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

/// A JS object whose keys are checked against a known list.
pub struct Options<'a> {
    value: JsValue,
    what: &'a str,
}

impl<'a> Options<'a> {
    /// `value` must be an object (or, when `optional`, undefined/null) with only `known` keys:
    /// a plain one, unless it is a `shape` (a region may be a `DOMRect`).
    pub fn new(
        value: &JsValue,
        what: &'a str,
        known: &[&str],
        optional: bool,
    ) -> Result<Self, FlowError> {
        Self::checked(value, what, known, optional, false)
    }

    /// [`Options::new`] for a shape of numbers, which may be any object with them.
    pub fn shape(value: &JsValue, what: &'a str, known: &[&str]) -> Result<Self, FlowError> {
        Self::checked(value, what, known, false, true)
    }

    fn checked(
        value: &JsValue,
        what: &'a str,
        known: &[&str],
        optional: bool,
        shape: bool,
    ) -> Result<Self, FlowError> {
        if optional && (value.is_undefined() || value.is_null()) {
            return Ok(Options {
                value: Object::new().into(),
                what,
            });
        }
        if !value.is_object() || is_array(value) != Some(false) || value.is_function() {
            return Err(FlowError::invalid_input(format!(
                "{what} must be an object; got {}.",
                describe(value)
            )));
        }
        // a plain object, not a File, Map, Date, Promise or AbortSignal, whose keys would all
        // be missing options (uploadIdDocument(front, back) sent the front alone)
        let object = field(&js_sys::global(), "Object");
        if !shape {
            let to_string = field(&field(&object, "prototype"), "toString");
            let tag = call(&to_string, "call", &[value])
                .and_then(|t| t.as_string())
                .unwrap_or_default();
            if tag != "[object Object]" {
                let kind = tag.get(8..tag.len().saturating_sub(1)).unwrap_or("object");
                return Err(FlowError::invalid_input(format!(
                    "{what} must be a plain object; got a {kind}."
                )));
            }
        }
        // `Object.keys` through a call that cannot throw into wasm (a Proxy's ownKeys can)
        let keys = call(&object, "keys", &[value])
            .as_ref()
            .and_then(|k| array_items(k).ok().flatten())
            .ok_or_else(|| {
                FlowError::invalid_input(format!("{what} could not be read (a Proxy threw)."))
            })?;
        for key in keys {
            let key = key.as_string().unwrap_or_default();
            if !known.contains(&key.as_str()) {
                let shown: String = key.chars().take(40).collect();
                return Err(FlowError::invalid_input(format!(
                    "{what} has an unknown option '{shown}' (known: {}).",
                    known.join(", ")
                )));
            }
        }
        Ok(Options {
            value: value.clone(),
            what,
        })
    }

    /// The raw value of `key` (undefined when absent).
    pub fn get(&self, key: &str) -> JsValue {
        Reflect::get(&self.value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    fn wrong(&self, key: &str, expected: &str, got: &JsValue) -> FlowError {
        FlowError::invalid_input(format!(
            "{}.{key} must be {expected}; got {}.",
            self.what,
            describe(got)
        ))
    }

    /// An optional string.
    pub fn string(&self, key: &str) -> Result<Option<String>, FlowError> {
        let v = self.get(key);
        if v.is_undefined() {
            return Ok(None);
        }
        v.as_string()
            .map(Some)
            .ok_or_else(|| self.wrong(key, "a string", &v))
    }

    /// An optional boolean.
    pub fn boolean(&self, key: &str) -> Result<Option<bool>, FlowError> {
        let v = self.get(key);
        if v.is_undefined() {
            return Ok(None);
        }
        v.as_bool()
            .map(Some)
            .ok_or_else(|| self.wrong(key, "a boolean", &v))
    }

    /// An optional integer in `min..=max`.
    pub fn integer(&self, key: &str, min: u64, max: u64) -> Result<Option<f64>, FlowError> {
        let (lo, hi) = (min as f64, max as f64);
        let v = self.get(key);
        if v.is_undefined() {
            return Ok(None);
        }
        let expected = format!("an integer from {min} to {max}");
        match v.as_f64() {
            Some(n) if n.is_finite() && n.fract() == 0.0 && (lo..=hi).contains(&n) => Ok(Some(n)),
            // a whole number out of range is quoted (these options hold no secret), without f64
            // formatting, whose code the package does without
            Some(n) if n.fract() == 0.0 && n.abs() < 9e15 => {
                Err(FlowError::invalid_input(format!(
                    "{}.{key} must be {expected}; got {}{}.",
                    self.what,
                    if n < 0.0 { "-" } else { "" },
                    n.abs() as u64
                )))
            }
            _ => Err(self.wrong(key, &expected, &v)),
        }
    }

    /// An optional function.
    pub fn function(&self, key: &str) -> Result<Option<Function>, FlowError> {
        let v = self.get(key);
        if v.is_undefined() {
            return Ok(None);
        }
        v.dyn_into::<Function>()
            .map(Some)
            .map_err(|v| self.wrong(key, "a function", &v))
    }

    /// An optional AbortSignal.
    pub fn signal(&self, key: &str) -> Result<Option<AbortSignal>, FlowError> {
        let v = self.get(key);
        if v.is_undefined() {
            return Ok(None);
        }
        v.dyn_into::<AbortSignal>()
            .map(Some)
            .map_err(|v| self.wrong(key, "an AbortSignal", &v))
    }
}

/// Default timeout of one attempt of a small call.
pub const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;
/// Default timeout of one attempt of an upload (a 9.5 MB page on a slow mobile link).
pub const DEFAULT_UPLOAD_TIMEOUT_MS: f64 = 120_000.0;

/// `new Id360Flow(options)`, decoded.
pub struct FlowOptions {
    /// The api_key.
    pub api_key: ApiKey,
    /// Where to send requests.
    pub environment: Environment,
    /// Per-attempt timeout of small calls.
    pub timeout_ms: f64,
    /// Per-attempt timeout of uploads.
    pub upload_timeout_ms: f64,
    /// Retry schedule.
    pub policy: RetryPolicy,
    /// Caller's AbortSignal.
    pub signal: Option<AbortSignal>,
    /// Retry listener.
    pub on_retry: Option<Function>,
}

const FLOW_KEYS: [&str; 7] = [
    "apiKey",
    "environment",
    "timeoutMs",
    "uploadTimeoutMs",
    "retries",
    "signal",
    "onRetry",
];

/// Decodes the constructor's options.
pub fn flow_options(value: &JsValue) -> Result<FlowOptions, FlowError> {
    let o = Options::new(value, "options", &FLOW_KEYS, false)?;
    let raw_key = o.get("apiKey");
    if raw_key.is_undefined() {
        return Err(FlowError::invalid_input(
            "options.apiKey is missing: pass the api_key your server got when it created the enrollment.",
        ));
    }
    let api_key = raw_key
        .as_string()
        .ok_or_else(|| {
            FlowError::invalid_input(format!(
                "options.apiKey must be a string; got {}.",
                describe(&raw_key)
            ))
        })
        .and_then(|k| ApiKey::parse(&k))?;
    let env = o.get("environment");
    // an environment or baseUrl is quoted in its error; the api_key put there by mistake is not
    let quoted = |mut e: FlowError| {
        e.message = sanitize_detail(&e.message, api_key.expose());
        e
    };
    let environment = if env.is_undefined() {
        return Err(FlowError::invalid_input(
            "options.environment is missing: pass 'production', 'preproduction' or { baseUrl } (the api_key belongs to one of them).",
        ));
    } else if let Some(name) = env.as_string() {
        Environment::from_name(&name).map_err(quoted)?
    } else {
        let e = Options::new(&env, "options.environment", &["baseUrl"], false)?;
        let url = e
            .string("baseUrl")?
            .ok_or_else(|| FlowError::invalid_input("options.environment.baseUrl is missing."))?;
        Environment::Custom(BaseUrl::parse(&url).map_err(quoted)?)
    };
    let retries = o.integer("retries", 0, 10)?.map_or(3, |n| n as u32);
    Ok(FlowOptions {
        api_key,
        environment,
        timeout_ms: o
            .integer("timeoutMs", 1, 600_000)?
            .unwrap_or(DEFAULT_TIMEOUT_MS),
        upload_timeout_ms: o
            .integer("uploadTimeoutMs", 1, 3_600_000)?
            .unwrap_or(DEFAULT_UPLOAD_TIMEOUT_MS),
        policy: RetryPolicy {
            retries,
            ..RetryPolicy::default()
        },
        signal: o.signal("signal")?,
        on_retry: o.function("onRetry")?,
    })
}
