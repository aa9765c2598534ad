//! The web layer: fetch and XMLHttpRequest transport, timers, abort signals, Blobs, camera, canvas
//! drawing, frame analysis and the crop. Everything that touches JS lives here or in `js`; none
//! of it can panic.

pub mod abort;
pub mod blob;
pub mod canvas;
pub mod convert;
pub mod crop;
pub mod frames;
pub mod http;
pub mod media;
pub mod timer;
pub mod transport;
