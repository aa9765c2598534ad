//! `Id360Error`: the one error class the library throws or rejects with. A real `Error`
//! (`instanceof Error`, with `name`, `message`, `stack`) carrying `code`, `status`, `retryable`
//! and `step`.

use crate::core::FlowError;
use js_sys::{Object, Reflect};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::prelude::*;

/// The error class of id360-flow (declared for TypeScript in `types.rs`).
#[wasm_bindgen(skip_typescript)]
pub struct Id360Error {
    _private: u8,
}

thread_local! {
    static PROTOTYPE_LINKED: Cell<bool> = const { Cell::new(false) };
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// Makes `Id360Error.prototype` inherit from `Error.prototype`, once.
fn link_prototype(instance: &JsValue) {
    if PROTOTYPE_LINKED.with(Cell::get) {
        return;
    }
    let Some(instance) = instance.dyn_ref::<Object>() else {
        return;
    };
    let ours = Object::get_prototype_of(instance);
    let errors = Object::get_prototype_of(&js_sys::Error::new(""));
    if Reflect::set_prototype_of(&ours, &errors).unwrap_or(false) {
        PROTOTYPE_LINKED.with(|c| c.set(true));
    }
}

/// The JS value of a [`FlowError`].
pub fn to_js(error: &FlowError) -> JsValue {
    let value: JsValue = Id360Error { _private: 0 }.into();
    link_prototype(&value);
    // wasm-bindgen's pointer field, hidden from Object.keys and JSON.stringify (error reporting
    // tools record both); the glue still reads it
    if let Some(o) = value.dyn_ref::<Object>() {
        let hidden = Object::new();
        set(&hidden, "enumerable", &JsValue::FALSE);
        let _ = Reflect::define_property(o, &JsValue::from_str("__wbg_ptr"), &hidden);
    }
    set(&value, "name", &JsValue::from_str("Id360Error"));
    set(&value, "message", &JsValue::from_str(&error.message));
    set(&value, "code", &JsValue::from_str(error.code.as_str()));
    set(&value, "retryable", &JsValue::from_bool(error.retryable()));
    if let Some(status) = error.status {
        set(&value, "status", &JsValue::from(status));
    }
    if let Some(step) = error.step {
        set(&value, "step", &JsValue::from_str(step.as_str()));
    }
    if let Some(code) = &error.server_code {
        set(&value, "serverCode", &JsValue::from_str(code));
    }
    if let Some(ms) = error.retry_after_ms {
        set(&value, "retryAfterMs", &JsValue::from(ms as f64));
    }
    let stack = Reflect::get(
        &js_sys::Error::new(&error.message),
        &JsValue::from_str("stack"),
    )
    .unwrap_or_default();
    if let Some(stack) = stack.as_string() {
        // V8 starts the stack with "Error: message"; other engines list the frames only
        let stack = match stack.strip_prefix("Error:") {
            Some(rest) => format!("Id360Error:{rest}"),
            None => stack,
        };
        set(&value, "stack", &JsValue::from_str(&stack));
    }
    value
}

/// A flow or capture call's work, boxed: one `future_to_promise` (and one error mapping) for
/// every method instead of one per method's future type.
pub(crate) type Work = Pin<Box<dyn Future<Output = Result<JsValue, FlowError>>>>;

/// The Promise a method returns: `work`'s value, or its error as an `Id360Error`. Only the
/// boxing is compiled per method.
pub(crate) fn promise(
    work: impl Future<Output = Result<JsValue, FlowError>> + 'static,
) -> js_sys::Promise {
    boxed_promise(Box::pin(work))
}

#[inline(never)]
fn boxed_promise(work: Work) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move { work.await.map_err(|e| to_js(&e)) })
}
