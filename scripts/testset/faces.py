"""Face frames of the capture test set (the selfie step): 640×480 grey PNGs with zero, one or
two faces in or near the selfie oval, and OUT_DIR/manifest.json describing them.

Cases (fixed seeds: the same files on every run):
- lfw: the 200 crops of skimage.data.lfw_subset() (100 faces, then 100 non-faces, 25×25)
  upscaled (bicubic) to 0.55–0.8 × the oval's width near the oval's centre, over a background;
- astronaut: skimage.data.astronaut() scaled so that her face sits in the oval;
- empty: backgrounds only;
- two_faces: two lfw faces, or the astronaut and an lfw face, side by side in the oval;
- small: one face at 0.25–0.35 × the oval's width;
- off_center: one face of good size whose centre is 0.3–0.45 × the oval's size off its centre.
Backgrounds: a skimage photo blurred like an out-of-focus room, or a wall with a gradient. Every
frame gets mild noise and a JPEG round trip (quality 85–95). Every third frame of each case is
split "tune" (the detector's search parameters were chosen on those), the others "holdout".
"""
import io
import os

import numpy as np
from PIL import Image
import skimage.data
import skimage.filters

import common

W, H = 640, 480
SEED = 3600
# Her face in skimage.data.astronaut() (512 × 512), as x, y, size: what skimage's Cascade finds
# (detect_multi_scale(scale_factor=1.2, step_ratio=1, min_size=(60, 60), max_size=(123, 123))
# gives r=74, c=178, 87 × 87), checked by eye: eyebrows to below the mouth.
ASTRONAUT_FACE = (178.0, 74.0, 87.0)
# Photos without faces, blurred into out-of-focus rooms.
PHOTOS = ["coffee", "rocket", "brick", "grass", "gravel", "moon", "retina", "page", "text",
          "immunohistochemistry"]

_photos = {}


def _photo(name):
    if name not in _photos:
        img = np.asarray(getattr(skimage.data, name)())
        if img.ndim == 3:
            img = common.to_grey(img[..., :3])
        _photos[name] = img.astype(np.float32)
    return _photos[name]


def _resize(grey, width, height, resample=Image.BICUBIC):
    img = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8), "L")
    return np.asarray(img.resize((width, height), resample), dtype=np.float32)


def background(rng):
    """A W × H float background: a plain wall with a gradient (1 in 3) or a blurred photo."""
    if rng.random() < 1 / 3:
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        angle = rng.uniform(0, 2 * np.pi)
        ramp = (np.cos(angle) * (xx - W / 2) + np.sin(angle) * (yy - H / 2)) / W
        r2 = ((xx - W / 2) / W) ** 2 + ((yy - H / 2) / H) ** 2
        return rng.uniform(70, 190) + rng.uniform(20, 60) * ramp - rng.uniform(0, 60) * r2
    src = _photo(PHOTOS[rng.integers(len(PHOTOS))])
    zoom = max(W / src.shape[1], H / src.shape[0]) * rng.uniform(1.0, 1.4)
    sw, sh = int(np.ceil(src.shape[1] * zoom)), int(np.ceil(src.shape[0] * zoom))
    big = _resize(src, sw, sh)
    x0, y0 = rng.integers(0, sw - W + 1), rng.integers(0, sh - H + 1)
    img = big[y0:y0 + H, x0:x0 + W]
    if rng.random() < 0.5:
        img = img[:, ::-1]
    img = skimage.filters.gaussian(img, sigma=rng.uniform(6, 12), preserve_range=True)
    mean = img.mean()
    return mean + (img - mean) * rng.uniform(0.5, 0.9) + rng.uniform(-20, 20)


def paste_face(frame, crop, x, y, size, rng):
    """Upscales a 25 × 25 lfw crop (0..1) to size × size (bicubic) at (x, y), in place."""
    lo, hi = rng.uniform(5, 40), rng.uniform(190, 245)
    face = _resize(lo + crop * (hi - lo), size, size)
    frame[y:y + size, x:x + size] = face


def paste_astronaut(frame, face_size, cx, cy):
    """Pastes the astronaut scaled so that her face box is face_size wide with its centre at
    (cx, cy) (clipped to the frame); returns her face box (x, y, width, height)."""
    fx, fy, fs = ASTRONAUT_FACE
    s = face_size / fs
    grey = common.to_grey(skimage.data.astronaut()).astype(np.float32)
    n = int(round(grey.shape[0] * s))
    s = n / grey.shape[0]
    big = _resize(grey, n, n)
    ox = int(round(cx - (fx + fs / 2) * s))
    oy = int(round(cy - (fy + fs / 2) * s))
    x0, y0 = max(ox, 0), max(oy, 0)
    x1, y1 = min(ox + n, W), min(oy + n, H)
    frame[y0:y1, x0:x1] = big[y0 - oy:y1 - oy, x0 - ox:x1 - ox]
    return (ox + fx * s, oy + fy * s, fs * s, fs * s)


def finish(frame, rng):
    """Mild noise and a JPEG round trip; returns the uint8 grey frame."""
    noisy = frame + rng.normal(0, rng.uniform(1.0, 3.0), frame.shape)
    img = Image.fromarray(np.clip(np.round(noisy), 0, 255).astype(np.uint8), "L")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(rng.integers(85, 96)))
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("L"))


def box(x, y, w, h):
    return {"x": float(x), "y": float(y), "width": float(w), "height": float(h)}


def generate(out_dir):
    oval = common.guide("selfie", W, H)
    ow, oh = oval["width"], oval["height"]
    ocx, ocy = oval["x"] + ow / 2, oval["y"] + oh / 2
    crops = skimage.data.lfw_subset()
    faces_idx = list(range(100))
    frames_dir = common.ensure_dir(os.path.join(out_dir, "frames"))
    frames = []

    def emit(case, k, frame, rng, boxes):
        grey = finish(frame, rng)
        name = "frames/%04d.png" % (len(frames) + 1)
        Image.fromarray(grey, "L").save(os.path.join(out_dir, name))
        boxes = sorted(boxes, key=lambda b: -b[2])
        frames.append({
            "file": name, "case": case, "face": bool(boxes), "faces": len(boxes),
            "box": box(*boxes[0]) if boxes else None, "boxes": [box(*b) for b in boxes],
            "split": "tune" if k % 3 == 0 else "holdout",
        })

    def near_centre(rng, size, spread=0.06):
        x = int(round(ocx - size / 2 + rng.uniform(-spread, spread) * ow))
        y = int(round(ocy - size / 2 + rng.uniform(-spread, spread) * oh))
        return x, y

    for i in range(200):
        rng = np.random.default_rng([SEED, 1, i])
        frame = background(rng)
        size = int(round(rng.uniform(0.55, 0.8) * ow))
        x, y = near_centre(rng, size)
        paste_face(frame, crops[i], x, y, size, rng)
        emit("lfw", i, frame, rng, [(x, y, size, size)] if i < 100 else [])

    for k, (share, dx, dy) in enumerate([(0.62, 0.0, 0.0), (0.7, -0.04, 0.03), (0.55, 0.05, -0.04)]):
        rng = np.random.default_rng([SEED, 2, k])
        frame = background(rng)
        b = paste_astronaut(frame, share * ow, ocx + dx * ow, ocy + dy * oh)
        emit("astronaut", k, frame, rng, [b])

    for k in range(20):
        rng = np.random.default_rng([SEED, 3, k])
        emit("empty", k, background(rng), rng, [])

    for k in range(10):
        rng = np.random.default_rng([SEED, 4, k])
        frame = background(rng)
        size = int(round(rng.uniform(0.36, 0.44) * ow))
        gap = rng.uniform(0.04, 0.1) * ow
        y = int(round(ocy - size / 2 + rng.uniform(-0.05, 0.05) * oh))
        right = int(round(ocx + gap / 2))
        a, b = rng.choice(faces_idx, 2, replace=False)
        boxes = []
        if k < 3:
            boxes.append(paste_astronaut(frame, size, ocx - gap / 2 - size / 2, y + size / 2))
        else:
            left = int(round(ocx - gap / 2)) - size
            paste_face(frame, crops[a], left, y, size, rng)
            boxes.append((left, y, size, size))
        paste_face(frame, crops[b], right, y, size, rng)
        boxes.append((right, y, size, size))
        emit("two_faces", k, frame, rng, boxes)

    for k in range(10):
        rng = np.random.default_rng([SEED, 5, k])
        frame = background(rng)
        size = int(round(rng.uniform(0.25, 0.35) * ow))
        x, y = near_centre(rng, size, 0.1)
        paste_face(frame, crops[rng.choice(faces_idx)], x, y, size, rng)
        emit("small", k, frame, rng, [(x, y, size, size)])

    for k in range(10):
        rng = np.random.default_rng([SEED, 6, k])
        frame = background(rng)
        size = int(round(rng.uniform(0.55, 0.7) * ow))
        while True:
            m, t = rng.uniform(0.3, 0.45), rng.uniform(0, 2 * np.pi)
            x = int(round(ocx + m * np.cos(t) * ow - size / 2))
            y = int(round(ocy + m * np.sin(t) * oh - size / 2))
            if 2 <= x <= W - size - 2 and 2 <= y <= H - size - 2:
                break
        paste_face(frame, crops[rng.choice(faces_idx)], x, y, size, rng)
        emit("off_center", k, frame, rng, [(x, y, size, size)])

    common.write_json(os.path.join(out_dir, "manifest.json"), {
        "convention": "continuous pixel coordinates: the image spans [0,W]x[0,H], (0,0) is the "
                      "top-left corner of the top-left pixel; boxes are the pasted face squares "
                      "(lfw crops: forehead to chin) or the astronaut's face as skimage's Cascade "
                      "finds it; box = the largest face, boxes = all of them; oval = the selfie "
                      "guide's bounding box (common.guide)",
        "width": W, "height": H, "oval": oval, "frames": frames,
    })
