//! Image maths on grey frames, one concern per file: the quality scores ([`quality`]), where a
//! document and a face are ([`document`], [`face`]), plane geometry and homographies
//! ([`geometry`]), the framing guides ([`framing`]) and when to shoot ([`steady`]). Pure Rust,
//! allocation-free per frame once their scratch buffers have grown.

pub mod check;
pub mod document;
pub mod face;
pub mod framing;
pub mod geometry;
pub mod quality;
pub mod steady;
