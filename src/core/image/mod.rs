//! Image maths on grey frames, one concern per file: the quality scores ([`quality`]), where a
//! document and a face are ([`document`], [`face`]), plane geometry and homographies
//! ([`geometry`]), and the framing guides ([`framing`]). Pure Rust, allocation-free per frame
//! once their scratch buffers have grown.

pub mod framing;
pub mod quality;
