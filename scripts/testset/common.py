"""Shared helpers of the test-set generator: grey conversion identical to the library's,
PGM/JSON writing, the framing guide identical to core::image::framing::guide."""
import json
import os

import numpy as np

# Aspect (width / height) of each guide, as in src/core/image/framing.rs.
ASPECT = {"id_card": 85.6 / 54.0, "passport": 1.42, "paper_licence": 2.05, "selfie": 0.75}
GUIDE_MARGIN = 0.08


def guide(kind, width, height, margin=GUIDE_MARGIN):
    """The framing guide {x, y, width, height} in a width × height frame (framing::guide)."""
    aw, ah = width * (1 - 2 * margin), height * (1 - 2 * margin)
    a = ASPECT[kind]
    if aw / ah > a:
        w, h = ah * a, ah
    else:
        w, h = aw, aw / a
    return {"x": (width - w) / 2, "y": (height - h) / 2, "width": w, "height": h}


def to_grey(rgb):
    """RGB uint8 (H, W, 3) → grey uint8 with the library's BT.601 integer weights
    ((77 R + 150 G + 29 B) >> 8, as core::image::quality::rgba_to_grey)."""
    rgb = rgb.astype(np.uint32)
    return ((77 * rgb[..., 0] + 150 * rgb[..., 1] + 29 * rgb[..., 2]) >> 8).astype(np.uint8)


def write_pgm(path, grey):
    """Binary PGM (P5), 8-bit."""
    h, w = grey.shape
    with open(path, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (w, h))
        f.write(np.ascontiguousarray(grey, dtype=np.uint8).tobytes())


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")


def ensure_dir(path):
    os.makedirs(path, exist_ok=True)
    return path


def homography(src, dst):
    """The 3 × 3 projective map sending the four points src[i] to dst[i] (exact, h33 = 1)."""
    a, b = [], []
    for (x, y), (u, v) in zip(np.asarray(src, float), np.asarray(dst, float)):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    return np.append(np.linalg.solve(np.array(a), np.array(b)), 1.0).reshape(3, 3)


def apply_homography(h, points):
    """Maps (N, 2) points through the 3 × 3 matrix h."""
    p = np.asarray(points, float)
    q = p @ h[:, :2].T + h[:, 2]
    return q[:, :2] / q[:, 2:]


def polygon_area(points):
    """Area of a simple polygon (shoelace), whatever its orientation."""
    x, y = np.asarray(points, float).T
    return abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2


def clip_polygon(points, width, height):
    """The part of a convex polygon inside [0, width] × [0, height] (Sutherland–Hodgman)."""
    poly = [tuple(p) for p in np.asarray(points, float)]
    edges = ((0, 0, False), (0, width, True), (1, 0, False), (1, height, True))
    for axis, limit, keep_below in edges:
        inside = (lambda p: p[axis] <= limit) if keep_below else (lambda p: p[axis] >= limit)
        out = []
        for i, p in enumerate(poly):
            q = poly[i - 1]
            if inside(p) != inside(q):
                t = (limit - q[axis]) / (p[axis] - q[axis])
                out.append((q[0] + t * (p[0] - q[0]), q[1] + t * (p[1] - q[1])))
            if inside(p):
                out.append(p)
        poly = out
        if not poly:
            break
    return np.array(poly).reshape(-1, 2)
