//! `setTimeout` as an abortable future (works in windows, workers and Node).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue) -> Result<(), JsValue>;
}

/// A scheduled callback, cancelled when dropped.
pub struct Timer {
    handle: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    /// Calls `callback` once after `ms` milliseconds (None if timers are unavailable).
    pub fn once(ms: f64, callback: impl FnOnce() + 'static) -> Option<Timer> {
        let mut callback = Some(callback);
        let closure = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = callback.take() {
                f();
            }
        });
        let handle = set_timeout(closure.as_ref().unchecked_ref(), ms.max(0.0)).ok()?;
        Some(Timer {
            handle,
            _callback: closure,
        })
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let _ = clear_timeout(&self.handle);
    }
}

/// Waits `ms` milliseconds. Returns false early if `signal` aborts (or is already aborted).
pub async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> bool {
    if signal.is_some_and(AbortSignal::aborted) {
        return false;
    }
    let mut resolver: Option<js_sys::Function> = None;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| resolver = Some(resolve));
    let Some(resolve) = resolver else {
        return false;
    };
    let on_abort = resolve.clone();
    let Some(_timer) = Timer::once(ms, move || {
        let _ = resolve.call1(&JsValue::NULL, &JsValue::TRUE);
    }) else {
        return false;
    };
    let _listener = signal.map(|s| {
        crate::web::abort::Listener::new(s, move || {
            let _ = on_abort.call1(&JsValue::NULL, &JsValue::FALSE);
        })
    });
    matches!(JsFuture::from(promise).await, Ok(v) if v.is_truthy())
}
