//! The library's quality analysis (`core::image::quality::analyze`) behind two plain exports:
//! `frame(len)` gives a buffer of `len` grey bytes, `run(w, h)` analyses it and returns the
//! sharpness (-1 when the analysis refuses the frame).
use id360_flow::core::image::quality::{analyze, QualityConfig, Scratch};

static mut BUF: Vec<u8> = Vec::new();
static mut SCRATCH: Option<Scratch> = None;

/// # Safety
/// Single-threaded wasm: no other reference to the buffer is alive.
#[no_mangle]
pub unsafe extern "C" fn frame(len: usize) -> *mut u8 {
    let buf = &mut *core::ptr::addr_of_mut!(BUF);
    buf.clear();
    buf.resize(len, 0);
    buf.as_mut_ptr()
}

/// # Safety
/// As `frame`.
#[no_mangle]
pub unsafe extern "C" fn run(w: usize, h: usize) -> f64 {
    let buf = &*core::ptr::addr_of!(BUF);
    let scratch = (*core::ptr::addr_of_mut!(SCRATCH)).get_or_insert_with(Scratch::default);
    analyze(buf, w, h, None, 2000, &QualityConfig::default(), scratch).map_or(-1.0, |r| r.sharpness)
}
