//! When to shoot: the document (or face) must have been found in N consecutive frames with its
//! corners still, and — for a further side — must differ from what was captured before.

use super::geometry::{max_corner_distance, Quad};

/// Consecutive steady good frames `autoCapture` waits for by default.
pub const DEFAULT_STEADY_FRAMES: u32 = 5;
/// How far (pixels of a 640-px analysis frame) a corner may move between two frames that count
/// as still: hand shake moves it 3 px or more, a phone held still under 1 px.
pub const DEFAULT_TOLERANCE: f64 = 1.5;

/// Counts consecutive good frames whose corners moved less than a tolerance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Steadiness {
    needed: u32,
    tolerance: f64,
    count: u32,
    last: Option<Quad>,
}

impl Steadiness {
    /// Fires after `needed` (≥ 1) consecutive good frames whose corners moved at most
    /// `tolerance` pixels from one frame to the next.
    pub fn new(needed: u32, tolerance: f64) -> Self {
        Steadiness {
            needed: needed.max(1),
            tolerance: if tolerance.is_finite() {
                tolerance.max(0.0)
            } else {
                0.0
            },
            count: 0,
            last: None,
        }
    }

    /// Adds a frame: `good` when its checks pass, `corners` where the document (or face) is.
    /// A good frame without corners (whole-frame checks) counts on its goodness alone.
    /// Returns whether to shoot now.
    pub fn push(&mut self, good: bool, corners: Option<Quad>) -> bool {
        if !good {
            self.count = 0;
            self.last = None;
            return false;
        }
        let still = match (self.last, corners) {
            (Some(a), Some(b)) => max_corner_distance(&a, &b) <= self.tolerance,
            (None, _) | (_, None) => corners.is_none() || self.count == 0,
        };
        self.count = if still { self.count + 1 } else { 1 };
        self.last = corners;
        self.count >= self.needed
    }

    /// Consecutive steady good frames so far.
    pub fn count(&self) -> u32 {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::image::geometry::Point;

    fn card(dx: f64) -> Quad {
        [
            Point::new(100.0 + dx, 50.0),
            Point::new(500.0 + dx, 50.0),
            Point::new(500.0 + dx, 300.0),
            Point::new(100.0 + dx, 300.0),
        ]
    }

    #[test]
    fn still_good_frames_fire_after_n_and_a_bad_frame_starts_again() {
        let mut s = Steadiness::new(3, 1.5);
        assert!(!s.push(true, Some(card(0.0))));
        assert!(!s.push(true, Some(card(0.5))));
        assert!(!s.push(false, Some(card(0.5))));
        assert_eq!(s.count(), 0);
        assert!(!s.push(true, Some(card(0.5))));
        assert!(!s.push(true, Some(card(1.0))));
        assert!(s.push(true, Some(card(1.2))));
    }

    #[test]
    fn a_moving_document_never_fires_however_good_its_frames() {
        let mut s = Steadiness::new(3, 1.5);
        for i in 0..30 {
            assert!(!s.push(true, Some(card(f64::from(i) * 4.0))), "frame {i}");
            assert_eq!(s.count(), 1);
        }
    }

    #[test]
    fn whole_frame_checks_count_good_frames() {
        let mut s = Steadiness::new(2, f64::NAN);
        assert!(!s.push(true, None));
        assert!(s.push(true, None));
        let mut one = Steadiness::new(0, 1.0);
        assert!(one.push(true, Some(card(0.0))), "needed is at least 1");
    }
}
