//! Cancellation: one AbortController per request, fired by the request's timeout, by the
//! caller's AbortSignal, or by dropping the request's future (as reqwest's `AbortGuard`).
//!
//! The caller's signal is never handed to fetch: a caller may abort with any value (a string,
//! say), and we want every rejection we see to be an `Error` we made.

use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal};

use super::timer::Timer;

/// Why a request's controller fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// It did not fire.
    None,
    /// The timeout elapsed.
    Timeout,
    /// The caller's AbortSignal fired.
    Aborted,
}

/// An `abort` event listener, removed when dropped.
pub struct Listener {
    target: AbortSignal,
    callback: Closure<dyn FnMut()>,
}

impl Listener {
    /// Calls `f` when `signal` aborts.
    pub fn new(signal: &AbortSignal, f: impl FnMut() + 'static) -> Listener {
        let callback = Closure::<dyn FnMut()>::new(f);
        let _ = signal.add_event_listener_with_callback("abort", callback.as_ref().unchecked_ref());
        Listener {
            target: signal.clone(),
            callback,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback("abort", self.callback.as_ref().unchecked_ref());
    }
}

/// A signal that aborts when either of two does (the flow's and one call's); dropping it removes
/// its listeners.
pub struct Either {
    controller: AbortController,
    _listeners: [Listener; 2],
}

impl Either {
    /// None when AbortController is unavailable.
    pub fn new(a: &AbortSignal, b: &AbortSignal) -> Option<Either> {
        let controller = AbortController::new().ok()?;
        let fire = || {
            let controller = controller.clone();
            move || controller.abort()
        };
        let listeners = [Listener::new(a, fire()), Listener::new(b, fire())];
        if a.aborted() || b.aborted() {
            controller.abort();
        }
        Some(Either {
            controller,
            _listeners: listeners,
        })
    }

    /// The combined signal.
    pub fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }
}

/// The controller of one request attempt.
pub struct AbortGuard {
    controller: AbortController,
    cause: Rc<Cell<Cause>>,
    _timer: Option<Timer>,
    _listener: Option<Listener>,
    finished: bool,
}

impl AbortGuard {
    /// A guard that fires after `timeout_ms` or when `user` aborts. None when AbortController
    /// is unavailable.
    pub fn new(timeout_ms: f64, user: Option<&AbortSignal>) -> Option<AbortGuard> {
        let controller = AbortController::new().ok()?;
        let cause = Rc::new(Cell::new(Cause::None));
        let fire = |why: Cause| {
            let controller = controller.clone();
            let cause = Rc::clone(&cause);
            move || {
                if cause.get() == Cause::None {
                    cause.set(why);
                }
                let reason = js_sys::Error::new(match why {
                    Cause::Timeout => "id360-flow: request timed out",
                    _ => "id360-flow: request aborted",
                });
                controller.abort_with_reason(&reason);
            }
        };
        let timer = Timer::once(timeout_ms, fire(Cause::Timeout));
        let listener = user.map(|s| Listener::new(s, fire(Cause::Aborted)));
        if user.is_some_and(AbortSignal::aborted) {
            fire(Cause::Aborted)();
        }
        Some(AbortGuard {
            controller,
            cause,
            _timer: timer,
            _listener: listener,
            finished: false,
        })
    }

    /// The signal to hand to fetch / XHR.
    pub fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }

    /// Why it fired, if it did.
    pub fn cause(&self) -> Cause {
        self.cause.get()
    }

    /// The request ended: dropping the guard must not abort anything.
    pub fn finish(&mut self) {
        self.finished = true;
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.controller
                .abort_with_reason(&js_sys::Error::new("id360-flow: request dropped"));
        }
    }
}

/// A pending promise whose resolver also listens for `abort` on each of some signals: awaiting
/// it waits for whatever else is given the resolver (a turn, a timer) or an abort, whichever
/// comes first. The resolver itself is the listener: no closure of ours. Dropped, it stops
/// listening.
pub struct Wake<'a> {
    promise: js_sys::Promise,
    resolve: js_sys::Function,
    signals: &'a [Option<AbortSignal>],
}

impl<'a> Wake<'a> {
    /// None only if the promise could not be made.
    pub fn new(signals: &'a [Option<AbortSignal>]) -> Option<Wake<'a>> {
        let mut resolve = None;
        let promise = js_sys::Promise::new(&mut |r, _| resolve = Some(r));
        let wake = Wake {
            promise,
            resolve: resolve?,
            signals,
        };
        wake.listen("addEventListener");
        Some(wake)
    }

    /// The resolver, to hand to whatever else may end the wait.
    pub fn resolver(&self) -> &js_sys::Function {
        &self.resolve
    }

    /// The promise (resolved with the abort event when a signal fired).
    pub fn promise(&self) -> js_sys::Promise {
        self.promise.clone()
    }

    fn listen(&self, how: &str) {
        let abort = JsValue::from_str("abort");
        for s in self.signals.iter().flatten() {
            let _ = super::media::call(s, how, &[&abort, &self.resolve]);
        }
    }
}

impl Drop for Wake<'_> {
    fn drop(&mut self) {
        self.listen("removeEventListener");
    }
}
