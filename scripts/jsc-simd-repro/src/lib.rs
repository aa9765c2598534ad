//! The simd128 loop of `laplacian_row` (src/core/image/quality.rs), alone, with no allocator and
//! no wasm-bindgen: `frame()` gives a buffer the page fills with f32 block values, `run(w, h)`
//! returns the sum of squared 4-neighbour Laplacians over the interior. The page compares it to
//! its own computation in plain JS (scripts/jsc-simd-repro/repro.html).
#![no_std]
use core::arch::wasm32::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

const MAX: usize = 1024 * 512;
static mut FRAME: [f32; MAX] = [0.0; MAX];

#[no_mangle]
pub extern "C" fn frame() -> *mut f32 {
    core::ptr::addr_of_mut!(FRAME).cast()
}

#[inline(always)]
unsafe fn at(p: *const f32, i: usize) -> v128 {
    v128_load(p.add(i).cast())
}

/// # Safety
/// `w * h <= MAX`, `w >= 6`, `h >= 3`.
#[no_mangle]
pub unsafe extern "C" fn run(w: usize, h: usize) -> f32 {
    let b: *const f32 = core::ptr::addr_of!(FRAME).cast();
    let four = f32x4_splat(4.0);
    let mut q = 0.0f32;
    for y in 1..h - 1 {
        let (up, mid, down) = (b.add((y - 1) * w), b.add(y * w), b.add((y + 1) * w));
        let mut vq = f32x4_splat(0.0);
        let mut x = 1;
        while x + 4 < w {
            let lap = f32x4_sub(
                f32x4_mul(at(mid, x), four),
                f32x4_add(
                    f32x4_add(at(mid, x - 1), at(mid, x + 1)),
                    f32x4_add(at(up, x), at(down, x)),
                ),
            );
            vq = f32x4_add(vq, f32x4_mul(lap, lap));
            x += 4;
        }
        q += f32x4_extract_lane::<0>(vq)
            + f32x4_extract_lane::<1>(vq)
            + f32x4_extract_lane::<2>(vq)
            + f32x4_extract_lane::<3>(vq);
        while x < w - 1 {
            let i = y * w + x;
            let l = 4.0 * *b.add(i) - *b.add(i - 1) - *b.add(i + 1) - *b.add(i - w) - *b.add(i + w);
            q += l * l;
            x += 1;
        }
    }
    q
}
