//! Framing guides: where the document (or face) should sit in the preview, for the overlay and
//! for the quality region.

use serde::Serialize;
use tsify::Tsify;

/// What is being framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuideKind {
    /// ID-1 card (French ID card, driving licence, residence permit): 85.6 × 54 mm.
    IdCard,
    /// A passport's data page (~1.42).
    Passport,
    /// French paper driving licence (~2.05).
    PaperLicence,
    /// A face: an upright oval.
    Selfie,
}

impl GuideKind {
    /// `"id_card"`, `"passport"`, `"paper_licence"`, `"selfie"`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "id_card" => Some(GuideKind::IdCard),
            "passport" => Some(GuideKind::Passport),
            "paper_licence" => Some(GuideKind::PaperLicence),
            "selfie" => Some(GuideKind::Selfie),
            _ => None,
        }
    }

    /// Width / height of the guide.
    pub fn aspect(self) -> f64 {
        match self {
            GuideKind::IdCard => 85.6 / 54.0,
            GuideKind::Passport => 1.42,
            GuideKind::PaperLicence => 2.05,
            GuideKind::Selfie => 0.75,
        }
    }
}

/// A framing guide in the video's pixels (for a selfie, the oval's bounding box).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Tsify)]
#[tsify(rename = "GuideRect")]
pub struct Guide {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// Whether to draw an ellipse (selfie) rather than a rectangle.
    pub ellipse: bool,
}

/// The largest guide of `kind`'s aspect that fits in the video with `margin` (a share of each
/// side, 0..0.45) around it, centred.
pub fn guide(kind: GuideKind, video_width: f64, video_height: f64, margin: f64) -> Option<Guide> {
    let ok = |v: f64| v.is_finite() && v > 0.0;
    if !(ok(video_width) && ok(video_height) && margin.is_finite() && (0.0..0.45).contains(&margin))
    {
        return None;
    }
    let (aw, ah) = (
        video_width * (1.0 - 2.0 * margin),
        video_height * (1.0 - 2.0 * margin),
    );
    let aspect = kind.aspect();
    let (width, height) = if aw / ah > aspect {
        (ah * aspect, ah)
    } else {
        (aw, aw / aspect)
    };
    Some(Guide {
        x: (video_width - width) / 2.0,
        y: (video_height - height) / 2.0,
        width,
        height,
        ellipse: kind == GuideKind::Selfie,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_guide_fits_a_landscape_video_with_its_aspect_and_is_centred() {
        let g = guide(GuideKind::IdCard, 1280.0, 720.0, 0.08).unwrap_or_else(|| panic!("none"));
        assert!((g.width / g.height - 1.585).abs() < 0.01);
        assert!((g.height - 720.0 * 0.84).abs() < 1e-9, "height-limited");
        assert!((g.x * 2.0 + g.width - 1280.0).abs() < 1e-9);
        assert!(!g.ellipse);
    }

    #[test]
    fn a_portrait_video_limits_by_width_and_selfies_are_ovals() {
        let g = guide(GuideKind::Passport, 720.0, 1280.0, 0.05).unwrap_or_else(|| panic!("none"));
        assert!((g.width - 720.0 * 0.9).abs() < 1e-9);
        assert!((g.width / g.height - 1.42).abs() < 1e-9);
        let s = guide(GuideKind::Selfie, 720.0, 1280.0, 0.1).unwrap_or_else(|| panic!("none"));
        assert!(s.ellipse && s.height > s.width);
        assert_eq!(
            GuideKind::parse("paper_licence"),
            Some(GuideKind::PaperLicence)
        );
        assert_eq!(GuideKind::parse("card"), None);
    }

    #[test]
    fn bad_sizes_and_margins_give_none() {
        assert!(guide(GuideKind::IdCard, 0.0, 720.0, 0.1).is_none());
        assert!(guide(GuideKind::IdCard, f64::NAN, 720.0, 0.1).is_none());
        assert!(guide(GuideKind::IdCard, 1280.0, 720.0, 0.5).is_none());
        assert!(guide(GuideKind::IdCard, 1280.0, 720.0, -0.1).is_none());
    }
}
