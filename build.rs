//! Packs OpenCV's LBP frontal-face cascade (third_party/opencv/lbpcascade_frontalface.xml) into
//! `$OUT_DIR/face_cascade.bin` for `src/core/image/face.rs`. No dependencies: a small, tolerant
//! reader of the few tags the cascade uses.
//!
//! Packed layout (little-endian; `F` features, `S` stages, `N` stumps):
//! - 4 bytes: window size (24), S, F, 0;
//! - F × 4 bytes: each feature's block x, y, width, height (u8; the 3×3 blocks span 3w × 3h);
//! - S × 1 byte: stumps per stage; S × f32: stage thresholds;
//! - N × 1 byte: each stump's feature; N × 2 f32: its leaves (category in subset, not in);
//! - N × 8 u32: each stump's 256-bit category subset.

use std::error::Error;
use std::path::PathBuf;

const XML: &str = "third_party/opencv/lbpcascade_frontalface.xml";

type Res<T> = Result<T, Box<dyn Error>>;

fn main() -> Res<()> {
    println!("cargo:rerun-if-changed={XML}");
    println!("cargo:rerun-if-changed=build.rs");
    let xml = std::fs::read_to_string(XML)?;
    let packed = pack(&strip_comments(&xml))?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("face_cascade.bin");
    std::fs::write(out, packed)?;
    Ok(())
}

fn strip_comments(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find("<!--") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start..).unwrap_or_default();
        rest = after
            .find("-->")
            .and_then(|end| after.get(end + 3..))
            .unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// The texts of every `<tag>…</tag>` in `xml`, in document order (the cascade does not nest a
/// tag in itself).
fn texts<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let body = rest.get(start + open.len()..).unwrap_or_default();
        let Some(end) = body.find(&close) else { break };
        found.push(body.get(..end).unwrap_or_default().trim());
        rest = body.get(end..).unwrap_or_default();
    }
    found
}

fn one<'a>(xml: &'a str, tag: &str) -> Res<&'a str> {
    texts(xml, tag)
        .first()
        .copied()
        .ok_or_else(|| format!("cascade: no <{tag}>").into())
}

fn numbers<T: std::str::FromStr>(text: &str) -> Res<Vec<T>> {
    text.split_whitespace()
        .map(|t| {
            t.parse()
                .map_err(|_| format!("cascade: bad number {t:?}").into())
        })
        .collect()
}

fn check(ok: bool, what: &str) -> Res<()> {
    if ok {
        Ok(())
    } else {
        Err(format!("cascade: {what}").into())
    }
}

fn pack(xml: &str) -> Res<Vec<u8>> {
    check(one(xml, "stageType")? == "BOOST", "stageType is not BOOST")?;
    check(one(xml, "featureType")? == "LBP", "featureType is not LBP")?;
    check(one(xml, "maxCatCount")? == "256", "maxCatCount is not 256")?;
    let window: u8 = one(xml, "width")?.parse()?;
    check(
        one(xml, "height")? == one(xml, "width")?,
        "window not square",
    )?;

    let features = one(xml, "features")?;
    let rects = texts(features, "rect");
    let mut out = vec![window, 0, u8::try_from(rects.len())?, 0];
    for rect in &rects {
        let r: Vec<u8> = numbers(rect)?;
        let &[x, y, w, h] = r.as_slice() else {
            return Err("cascade: a rect has 4 numbers".into());
        };
        let fits = |p: u8, s: u8| u16::from(p) + 3 * u16::from(s) <= u16::from(window);
        check(
            w > 0 && h > 0 && fits(x, w) && fits(y, h),
            "rect outside window",
        )?;
        out.extend_from_slice(&r);
    }

    // Stages: <maxWeakCount> and <stageThreshold> of each, then its stumps, in document order.
    let stages_xml = one(xml, "stages")?;
    let counts: Vec<u8> = texts(stages_xml, "maxWeakCount")
        .iter()
        .map(|t| t.parse::<u8>())
        .collect::<Result<_, _>>()?;
    let thresholds = texts(stages_xml, "stageThreshold");
    let nodes = texts(stages_xml, "internalNodes");
    let leaves = texts(stages_xml, "leafValues");
    let stumps: usize = counts.iter().map(|&c| usize::from(c)).sum();
    check(
        one(xml, "stageNum")?.parse::<usize>()? == counts.len(),
        "stageNum",
    )?;
    check(thresholds.len() == counts.len(), "one threshold per stage")?;
    check(
        nodes.len() == stumps && leaves.len() == stumps,
        "stump count",
    )?;
    *out.get_mut(1).ok_or("header")? = u8::try_from(counts.len())?;
    out.extend_from_slice(&counts);
    for t in thresholds {
        out.extend_from_slice(&t.parse::<f32>()?.to_le_bytes());
    }
    let mut subsets = Vec::with_capacity(stumps * 32);
    for node in &nodes {
        // left, right, feature, 8 subset words; a stump has both children leaves (0, -1).
        let v: Vec<i64> = numbers(node)?;
        let &[0, -1, feature, ref subset @ ..] = v.as_slice() else {
            return Err("cascade: not a categorical stump".into());
        };
        check(subset.len() == 8, "a subset has 8 words")?;
        check(usize::try_from(feature)? < rects.len(), "feature index")?;
        out.push(u8::try_from(feature)?);
        for word in subset {
            subsets.extend_from_slice(&(i32::try_from(*word)? as u32).to_le_bytes());
        }
    }
    for leaf in &leaves {
        let v: Vec<f32> = numbers(leaf)?;
        let &[left, right] = v.as_slice() else {
            return Err("cascade: two leaves per stump".into());
        };
        out.extend_from_slice(&left.to_le_bytes());
        out.extend_from_slice(&right.to_le_bytes());
    }
    out.extend_from_slice(&subsets);
    Ok(out)
}
