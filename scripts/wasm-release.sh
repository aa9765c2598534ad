# Sourced by build-pkg.sh: the release wasm the npm package ships (bench.sh measures those builds).
#
# std is rebuilt with the crate (-Zbuild-std), its panics aborting at once with no message and
# no source location: the library has no explicit panic (clippy denies unwrap, expect, panic and
# indexing; a RefCell borrow or a dependency could still panic in principle), and a wasm panic
# is a trap either way, but the prebuilt std keeps its panic and formatting paths. core, alloc,
# std and compiler_builtins keep the opt-level 3 they are shipped with (at the crate's "z" a
# new scene cost 4–19 % more): 5.2 KB gzipped less, detection no slower (BENCHMARKS.md §6).
# These are unstable options of the stable compiler, unlocked by RUSTC_BOOTSTRAP for this build
# only (README, Architecture: where the library differs from the design); rust-src comes from
# scripts/setup.sh.
STD_FLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none"
STD_OPT=()
for crate in core alloc std compiler_builtins; do
  STD_OPT+=(--config "profile.release.package.$crate.opt-level=3")
done

# cargo_wasm TARGET_DIR EXTRA_RUSTFLAGS: target/…/wasm32-unknown-unknown/release/id360_flow.wasm
cargo_wasm() {
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="$2 $STD_FLAGS" CARGO_TARGET_DIR="$1" \
    cargo build -q --release --locked --target wasm32-unknown-unknown -p id360-flow \
      -Zbuild-std=std,panic_abort "${STD_OPT[@]}" \
    || { echo "building the wasm with its own std failed: is rust-src installed (bash scripts/setup.sh), and does this toolchain still take $STD_FLAGS?" >&2; return 1; }
}
