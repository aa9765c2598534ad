//! Cameras: which of the listed devices are of any use for photos.

/// Whether a camera's label names one that is no use for photos (infrared, depth,
/// greyscale), as some Windows laptops and Android phones list them.
pub fn unsuitable_camera(label: &str) -> bool {
    let l = label.to_ascii_lowercase();
    [
        "infrared",
        " ir ",
        "(ir)",
        "depth",
        "greyscale",
        "grayscale",
    ]
    .iter()
    .any(|w| super::text::contains(&l, w))
        || l.ends_with(" ir")
        || l.starts_with("ir ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infrared_and_depth_cameras_are_recognised_by_label() {
        for bad in [
            "Integrated IR Camera",
            "IR Camera",
            "HP IR Camera (04f2:b6c1)",
            "Intel RealSense Depth",
            "Infrared sensor",
            "camera (IR)",
        ] {
            assert!(unsuitable_camera(bad), "{bad}");
        }
        for good in [
            "Integrated Camera",
            "camera2 0, facing back",
            "FaceTime HD Camera",
            "Iris webcam",
            "",
        ] {
            assert!(!unsuitable_camera(good), "{good}");
        }
    }
}
