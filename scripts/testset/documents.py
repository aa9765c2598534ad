"""Synthetic document test set, shared by the document detector's tests and its benchmark.

Identity documents (ID-1 card fronts and backs, passport data pages) are drawn in colour —
guilloche, a face photo, printed fields, a signature, an MRZ, a barcode — then projected with an
exact homography onto real photographs (skimage.data) and procedural tables, degraded like a
camera frame and stored as 8-bit grey PNGs:

  frames/     single frames: positives (one perturbation `case` each) and negatives;
  sequences/  10-frame clips for auto-capture's temporal gate (static negatives with camera
              shake, steady and shaky positives);
  photos/     4000 × 3000 colour JPEGs and the card's flat rendering, for the flat crop;
  videos/     1280 × 720 Y4M clips for Chromium's fake camera, and each clip's still scenes as
              PNG (front, back, empty, lookalike) for a canvas stream in any engine.

Two splits: `tune` (six backgrounds) and `holdout` (every background, including ones tune never
shows), with disjoint seeds. Every item draws only from numpy.random.default_rng(its seed), so
every run writes the same files. Coordinates are continuous pixels: the image spans
[0, W] × [0, H] and pixel (i, j) covers [i, i + 1] × [j, j + 1]. `corners` are the document's
virtual corners (where its straight sides meet) TL, TR, BR, BL as printed. manifest.json lists
everything. `python3 documents.py --check` verifies the corner convention of the renderer.
"""
import dataclasses
import functools
import io
import math
import os
import shutil
import sys
import time
from collections import Counter
from multiprocessing import get_context

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from PIL.Image import Resampling, Transform, Transpose
from scipy import fft as sfft
from scipy import ndimage as ndi
from skimage import data as skdata

import common

# ---------------------------------------------------------------------------------- the set

SPLITS = ("tune", "holdout")
POSITIVE_CASES = ("clean", "rotated", "tilted", "blur", "noise", "jpeg", "glare", "low_contrast",
                  "thumb", "white_on_white", "far_edge")
NEGATIVE_CASES = ("empty", "too_small", "half_out", "lookalike_aspect", "lookalike_blank")
POSITIVES_PER_CASE = {"tune": 30, "holdout": 60}
NEGATIVES_PER_CASE = {"tune": 40, "holdout": 80}
NEGATIVE_SEQUENCES = {"tune": 40, "holdout": 100}
STEADY_SEQUENCES = {"tune": 15, "holdout": 30}
SHAKY_SEQUENCES = {"tune": 15, "holdout": 30}
SEQUENCE_FRAMES = 10
PHOTOS = 6
SEED_BASE = {"frames/tune": 100_000, "frames/holdout": 200_000, "sequences/tune": 300_000,
             "sequences/holdout": 400_000, "photos": 500_000, "videos": 600_000}

FRAME_SHAPES = ((640, 360), (640, 480), (640, 360), (360, 640))  # cycled: 50 / 25 / 25 %
DOC_WIDTH = 856      # drawing width of a document for frames (px)
SUPERSAMPLE = 2
FOCAL = 1.2          # in frame widths
JPEG_QUALITY = (80, 95)
SENSOR_NOISE = (1.0, 2.0)
PHOTO_SIZE, PHOTO_QUALITY, FLAT_WIDTH = (4000, 3000), 92, 1712
VIDEO_SIZE, VIDEO_FPS, VIDEO_NOISE = (1280, 720), 10, 1.5
VIDEO_PLAN = {"front": [("front", 10)], "empty": [("empty", 10)],  # (still, frames) in turn
              "lookalike": [("lookalike", 10)],
              "flip": [("front", 20), ("empty", 10), ("back", 20), ("empty", 10)]}
RADIUS = {"id_card": 0.037, "passport": 0.012}  # corner radius, share of the width
CARD_ASPECT = common.ASPECT["id_card"]

# Poses: scale against the guide, |in-plane rotation| and |tilt| (degrees), shift (share of guide).
ALIGNED = ((0.85, 1.05), (0, 6), (0, 10), 0.05)
POSES = {
    "rotated": ((0.85, 1.05), (8, 15), (0, 5), 0.05),
    "tilted": ((0.85, 1.05), (0, 6), (12, 22), 0.05),
    "far_edge": (((0.78, 0.85), (1.05, 1.1)), (0, 1.5), (0, 3), 0.02),
    "too_small": ((0.25, 0.5), (0, 20), (0, 10), 0.0),
    "photo": ((0.85, 1.0), (0, 6), (0, 15), 0.05),
}
PERTURBATIONS = ("blur", "noise", "jpeg", "glare", "low_contrast", "thumb")
NEGATIVE_PERTURBATIONS = ("none", "none", "blur", "noise", "jpeg", "glare", "low_contrast")
LOOKALIKES = ("phone", "sticky_note", "paper", "book")

PHOTO_BACKGROUNDS = {"brick": "brick", "grass": "grass", "gravel": "gravel", "coffee": "coffee",
                     "text": "text", "page": "page", "chelsea": "chelsea", "rocket": "rocket",
                     "astronaut": "astronaut", "camera": "camera", "coins": "coins",
                     "hubble": "hubble_deep_field", "motorcycle": "stereo_motorcycle"}
TABLES = ("wood", "grey", "white", "dark")
TUNE_BACKGROUNDS = ("brick", "grass", "coffee", "camera", "wood", "grey")

# ------------------------------------------------------------------------------ sources


@functools.lru_cache(maxsize=None)
def photo_texture(name):
    """A skimage.data photograph as uint8 RGB, or None when it is not available offline."""
    try:
        img = getattr(skdata, PHOTO_BACKGROUNDS[name])()
    except Exception:  # a dataset that needs a download: skipped
        return None
    img = np.asarray(img[0] if isinstance(img, tuple) else img, np.uint8)
    return np.repeat(img[..., None], 3, 2) if img.ndim == 2 else np.ascontiguousarray(img[..., :3])


@functools.lru_cache(maxsize=None)
def lfw_faces():
    try:
        return skdata.lfw_subset()[:100] * 255.0  # the first 100 are faces, the rest are not
    except Exception:
        return None


def background_pool(split):
    names = TUNE_BACKGROUNDS if split == "tune" else tuple(PHOTO_BACKGROUNDS) + TABLES
    return tuple(n for n in names if n in TABLES or photo_texture(n) is not None)


def face_photo(rng, sharp=False):
    """A portrait (aspect 0.78), uint8 RGB, often grey: the astronaut's head, or an LFW face
    unless `sharp` (they are 25 px: too coarse for large drawings)."""
    faces, astro = lfw_faces(), photo_texture("astronaut")
    if astro is not None and (faces is None or sharp or rng.random() < 0.35):
        w = rng.uniform(190, 240)
        cx, top = 228 + rng.uniform(-12, 12), rng.uniform(0, 20)
        img = astro[int(top):int(top + w / 0.78), int(cx - w / 2):int(cx + w / 2)]
        grey = rng.random() < 0.35
    elif faces is not None:
        img = np.repeat(faces[rng.integers(len(faces))][:, 2:23, None], 3, 2)
        grey = True
    else:
        img = np.full((64, 50, 3), 150.0) + rng.normal(0, 20, 3)
        grey = False
    if grey:
        img = np.repeat(img.mean(2, keepdims=True), 3, 2)
    return to_u8(img)


# ------------------------------------------------------------------------------ content

SYLLABLES = ("ma", "ri", "tin", "du", "bois", "le", "roux", "ber", "nard", "pe", "tit", "gar",
             "cia", "san", "chez", "mul", "ler", "ko", "val", "ski", "no", "vak", "an", "na",
             "lou", "is", "el", "en", "ca", "mil", "hen", "ry", "jo", "se", "cla", "ra", "so",
             "fi", "ot", "us", "dre", "ne", "gu", "la", "mo", "ta", "wa", "ke", "zu", "bra")
TITLES = {"id_card": ("IDENTITY CARD", "CARTE D'IDENTITE", "CARTA DI IDENTITA",
                      "PERSONALAUSWEIS", "DOCUMENTO DE IDENTIDAD", "RESIDENCE PERMIT",
                      "DRIVING LICENCE"),
          "passport": ("PASSPORT", "PASSEPORT", "REISEPASS", "PASAPORTE")}
COUNTRIES = ("REPUBLIC OF UTOPIA", "REPUBLIQUE DE ZEPHYRIE", "KINGDOM OF NORLAND",
             "FEDERAL STATE OF OSTRIA", "REPUBBLICA DI VALMORA", "UNITED PROVINCES OF ELDA")
NATIONS = ("UTO", "ZEP", "NOR", "OST", "VAL", "ELD")
TINTS = ((222, 232, 250), (250, 226, 234), (226, 246, 232), (248, 242, 222), (236, 228, 250),
         (226, 242, 246))
ACCENTS = ((28, 58, 130), (122, 30, 58), (20, 98, 70), (88, 40, 120), (36, 88, 122),
           (150, 62, 22), (60, 60, 70))


def word(rng, lo=2, hi=3):
    return "".join(rng.choice(SYLLABLES, int(rng.integers(lo, hi + 1))))


def identity(rng):
    """A fictional holder: names, dates, numbers."""
    def date(y0, y1):
        return int(rng.integers(1, 29)), int(rng.integers(1, 13)), int(rng.integers(y0, y1))
    alnum = "ABCDEFGHJKLMNPRTUVWXYZ0123456789"
    return {"surname": word(rng, 2, 4).upper(),
            "given": [word(rng).capitalize() for _ in range(int(rng.integers(1, 4)))],
            "sex": "F" if rng.random() < 0.5 else "M",
            "birth": date(1940, 2008), "issue": date(2015, 2025), "expiry": date(2026, 2036),
            "number": "".join(rng.choice(list(alnum), 9)),
            "place": word(rng, 2, 4).upper(), "nation": str(rng.choice(NATIONS)),
            "address": [f"{int(rng.integers(1, 200))} RUE {word(rng, 2, 4).upper()}",
                        f"{int(rng.integers(10000, 99999))} {word(rng, 2, 3).upper()}"],
            "authority": "PREFECTURE DE " + word(rng, 2, 3).upper()}


def fmt_date(d, sep=" "):
    return f"{d[0]:02d}{sep}{d[1]:02d}{sep}{d[2]}"


def mrz_date(d):
    return f"{d[2] % 100:02d}{d[1]:02d}{d[0]:02d}"


def check_digit(s):
    val = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
    return str(sum(val.get(c, 0) * (7, 3, 1)[i % 3] for i, c in enumerate(s)) % 10)


def mrz_lines(p, kind):
    """TD1 (3 × 30, ID card back) or TD3 (2 × 44, passport) machine-readable zone."""
    names = (p["surname"] + "<<" + "<".join(g.upper() for g in p["given"]))
    birth, expiry = mrz_date(p["birth"]), mrz_date(p["expiry"])
    if kind == "passport":
        l2 = (p["number"] + check_digit(p["number"]) + p["nation"] + birth + check_digit(birth)
              + p["sex"] + expiry + check_digit(expiry))
        return [("P<" + p["nation"] + names).ljust(44, "<")[:44], l2.ljust(43, "<") + "0"]
    l1 = "ID" + p["nation"] + p["number"] + check_digit(p["number"])
    l2 = birth + check_digit(birth) + p["sex"] + expiry + check_digit(expiry) + p["nation"]
    return [l1.ljust(30, "<"), l2.ljust(29, "<") + "4", names.ljust(30, "<")[:30]]


# ------------------------------------------------------------------------- document specs


def colours(rng, pale):
    """Background tints, guilloche ink, accent, ink and label colours of one document."""
    if pale:
        tint = rng.uniform(244, 252) + rng.uniform(-2, 2, 3)
        tint2 = tint + rng.uniform(-3, 2, 3)
    else:
        tint = np.array(TINTS[rng.integers(len(TINTS))], float) + rng.uniform(-8, 8, 3)
        tint2 = np.array(TINTS[rng.integers(len(TINTS))], float) + rng.uniform(-8, 8, 3)
    accent = np.array(ACCENTS[rng.integers(len(ACCENTS))], float) + rng.uniform(-15, 15, 3)
    return {"tint": tint, "tint2": tint2, "accent": accent,
            "line": tint * rng.uniform(0.55, 0.8) + rng.uniform(-20, 20, 3),
            "ink": rng.uniform(8, 40, 3) * np.array([1, 1, 1.6]),
            "label": accent * 0.6 + tint * 0.15}


def guilloche_params(rng, pale):
    return {"k1": rng.uniform(45, 75), "a1": rng.uniform(0.02, 0.05), "f1": rng.uniform(1, 3),
            "p1": rng.uniform(0, 2 * np.pi), "k2": rng.uniform(45, 75),
            "a2": rng.uniform(0.02, 0.05), "f2": rng.uniform(1, 3),
            "p2": rng.uniform(0, 2 * np.pi), "cx": rng.uniform(0.45, 0.9),
            "cy": rng.uniform(0.3, 0.7), "k3": rng.uniform(30, 60), "a3": rng.uniform(0.002, 0.008),
            "n": rng.uniform(3, 8), "r3": rng.uniform(0.18, 0.35),
            "sharp": int(rng.integers(3, 5)),
            "strength": rng.uniform(0.08, 0.15) if pale else rng.uniform(0.15, 0.35)}


def layout(rng, pale):
    """Random layout choices (shares of the document's width x and height y)."""
    return {"title_bar": not pale and rng.random() < 0.7, "title_h": rng.uniform(0.12, 0.16),
            "photo_x": rng.uniform(0.03, 0.05), "photo_y": rng.uniform(0.2, 0.26),
            "photo_w": rng.uniform(0.25, 0.29), "pitch": rng.uniform(0.115, 0.13),
            "drop_row": int(rng.integers(2, 5)), "signature": rng.random() < 0.85,
            "chip": rng.random() < 0.3, "ghost": rng.random() < 0.5,
            "emblem": rng.random() < 0.6, "strip": not pale and rng.random() < 0.6,
            "code": str(rng.choice(["barcode", "matrix", "chip"])),
            "mrz_top": rng.uniform(0.6, 0.66), "address_rows": int(rng.integers(2, 5))}


def document_spec(rng, kind, side, pale=False, sharp_face=False):
    """Everything random about one document; drawing it is then deterministic at any size."""
    return {"kind": kind, "side": side, "aspect": common.ASPECT[kind], "radius": RADIUS[kind],
            "colours": colours(rng, pale), "guilloche": guilloche_params(rng, pale),
            "layout": layout(rng, pale), "title": str(rng.choice(TITLES[kind])),
            "country": str(rng.choice(COUNTRIES)), "person": identity(rng),
            "face": face_photo(rng, sharp_face), "seed": int(rng.integers(2**31))}


# ------------------------------------------------------------------------------ drawing


@functools.lru_cache(maxsize=None)
def font(px):
    return ImageFont.load_default(size=max(5, px))


def rgb8(c):
    return tuple(min(255, max(0, round(float(v)))) for v in c)


def to_u8(img):
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def rounded_alpha(w, h, radius):
    """Coverage of the rounded rectangle [0, w] × [0, h] (corner radius in px) at pixel centres:
    1 everywhere but in the corner squares (a pixel along a straight side is fully inside)."""
    alpha = np.ones((h, w), np.float32)
    n = min(int(math.ceil(radius)) + 1, w // 2, h // 2)
    if radius <= 0.5 or n <= 0:
        return alpha
    d = radius - (np.arange(n) + 0.5)  # distance of the pixel centres from the arc's centre
    dist = np.sqrt(np.maximum(d, 0)[:, None] ** 2 + np.maximum(d, 0)[None, :] ** 2)
    corner = np.clip(0.5 - (dist - radius), 0, 1).astype(np.float32)  # top-left corner square
    alpha[:n, :n] = corner
    alpha[:n, w - n:] = corner[:, ::-1]
    alpha[h - n:, :n] = corner[::-1, :]
    alpha[h - n:, w - n:] = corner[::-1, ::-1]
    return alpha


def wave_lines(a, b, power):
    """Thin lines where a(y) + b(x) is a multiple of 2π: ((1 + cos) / 2)^power, computed with
    cos(a + b) = cos a cos b - sin a sin b so that only 1-D arrays meet a transcendental."""
    ca, sa, cb, sb = (v.astype(np.float32) for v in (np.cos(a), np.sin(a), np.cos(b), np.sin(b)))
    cos = ca[:, None] * cb[None, :] - sa[:, None] * sb[None, :]
    return sharpen((1 + cos) * np.float32(0.5), power)


def sharpen(v, power):
    for _ in range(power):
        v = v * v
    return v


def guilloche_lines(w, h, g, step):
    """Coverage of three families of fine sinusoidal lines, sampled every `step` px of a
    w × h drawing; lengths in drawing widths, so the pattern is the same at any size."""
    x = (np.arange(-(-w // step)) + 0.5) * step / w
    y = (np.arange(-(-h // step)) + 0.5) * step / w
    tau = 2 * np.pi
    l1 = wave_lines(tau * g["k1"] * y, tau * g["a1"] * np.sin(tau * g["f1"] * x + g["p1"]),
                    g["sharp"])
    l2 = wave_lines(tau * g["k2"] * y, -tau * g["a2"] * np.sin(tau * g["f2"] * x + g["p2"]),
                    g["sharp"])
    cover = 1 - (1 - l1) * (1 - l2)
    # The rosette, inside the disc of radius r3 only (it fades to nothing there).
    dx, dy = x - g["cx"], y - g["cy"] * h / w
    xs, ys = np.nonzero(np.abs(dx) < g["r3"])[0], np.nonzero(np.abs(dy) < g["r3"])[0]
    if len(xs) and len(ys):
        dx, dy = dx[xs[0]:xs[-1] + 1], dy[ys[0]:ys[-1] + 1]
        r2 = dy[:, None] ** 2 + dx[None, :] ** 2
        wobble = g["a3"] * (np.sin(tau * g["n"] * dx + g["p1"])[None, :]
                            + np.sin(tau * g["n"] * dy + g["p2"])[:, None])
        rings = np.cos(tau * g["k3"] * (np.sqrt(r2) + wobble)).astype(np.float32)
        fade = np.clip(1 - r2 / g["r3"] ** 2, 0, 1).astype(np.float32)
        l3 = sharpen((1 + rings) * np.float32(0.5), g["sharp"]) * fade * fade
        box = cover[ys[0]:ys[-1] + 1, xs[0]:xs[-1] + 1]
        box += (1 - box) * l3
    return cover


def guilloche(w, h, c, g):
    """The document's paper: a tint gradient under guilloche lines, as a PIL image. Drawings
    for frames compute the lines at half resolution: in a frame they are finer than a pixel."""
    step = 2 if w <= 1000 else 1
    mask = Image.fromarray(to_u8(guilloche_lines(w, h, g, step) * (g["strength"] * 255)), "L")
    if step > 1:
        mask = mask.resize((w, h), Resampling.BILINEAR, box=(0, 0, w / step, h / step))
    x = (np.arange(w) + 0.5) / w
    row = c["tint"] + (c["tint2"] - c["tint"]) * x[:, None]
    paper = Image.fromarray(to_u8(row)[None]).resize((w, h), Resampling.NEAREST)
    return Image.composite(Image.new("RGB", (w, h), rgb8(c["line"])), paper, mask)


class Sheet:
    """A PIL drawing addressed in shares of the document's width (x) and height (y)."""

    def __init__(self, rgb):
        self.img = rgb if isinstance(rgb, Image.Image) else Image.fromarray(to_u8(rgb))
        self.draw = ImageDraw.Draw(self.img)
        self.w, self.h = self.img.size

    def px(self, x, y):
        return x * self.w, y * self.h

    def rect(self, x0, y0, x1, y1, fill, radius=0.0, outline=None, width=0):
        box = (*self.px(x0, y0), *self.px(x1, y1))
        self.draw.rounded_rectangle(box, radius * self.h, fill=rgb8(fill) if fill is not None
                                    else None, outline=outline and rgb8(outline),
                                    width=max(1, round(width * self.h)) if outline else 0)

    def text(self, x, y, s, size, fill, bold=False, max_w=None, anchor="ls"):
        f = font(round(size * self.h))
        while max_w and len(s) > 1 and f.getlength(s) > max_w * self.w:
            s = s[:-1]
        self.draw.text(self.px(x, y), s, font=f, fill=rgb8(fill), anchor=anchor,
                       stroke_width=round(size * self.h * 0.035) if bold else 0,
                       stroke_fill=rgb8(fill))

    def image(self, img, x, y, w, h, opacity=1.0):
        """Pastes img resized to the box, blended at opacity."""
        x0, y0 = round(x * self.w), round(y * self.h)
        bw, bh = max(1, round(w * self.w)), max(1, round(h * self.h))
        pic = Image.fromarray(img).resize((bw, bh), Resampling.BICUBIC)
        zoom = bw / img.shape[1]
        if zoom > 3:  # a tiny source (LFW): soften its pixel blocks, as a print would
            pic = pic.filter(ImageFilter.GaussianBlur(zoom * 0.3))
        if opacity < 1:
            under = np.asarray(self.img.crop((x0, y0, x0 + bw, y0 + bh)), np.float32)
            pic = Image.fromarray(to_u8(under * (1 - opacity) + np.asarray(pic) * opacity))
        self.img.paste(pic, (x0, y0))

    def line(self, x0, y0, x1, y1, fill, width):
        self.draw.line((*self.px(x0, y0), *self.px(x1, y1)), fill=rgb8(fill),
                       width=max(1, round(width * self.h)))

    def curve(self, xs, ys, fill, width):
        pts = list(zip((np.asarray(xs) * self.w).tolist(), (np.asarray(ys) * self.h).tolist()))
        self.draw.line(pts, fill=rgb8(fill), width=max(1, round(width * self.h)), joint="curve")

    def pixels(self):
        return np.asarray(self.img)


def signature(sh, rng, box, ink):
    x0, y0, x1, y1 = box
    t = np.linspace(0, 1, 240)
    loops = rng.uniform(3, 7)
    xs = t + rng.uniform(0.03, 0.07) * np.cos(2 * np.pi * loops * t)
    ys = (0.5 + 0.3 * np.sin(2 * np.pi * loops * t + rng.uniform(0, 6))
          + 0.15 * np.sin(2 * np.pi * rng.uniform(0.5, 1.5) * t))
    sh.curve(x0 + (x1 - x0) * xs / xs.max(), y0 + (y1 - y0) * np.clip(ys, 0, 1), ink, 0.008)


def barcode(sh, rng, box, ink):
    x0, y0, x1, y1 = box
    widths = rng.integers(1, 4, 60)
    edges = np.concatenate([[0], np.cumsum(widths)]) / widths.sum()
    for i in range(0, 60, 2):
        sh.rect(x0 + (x1 - x0) * edges[i], y0, x0 + (x1 - x0) * edges[i + 1], y1, ink)


def matrix_code(sh, rng, box, ink):
    """A DataMatrix-like square: solid left and bottom edges, dotted top and right."""
    x0, y0, side = box[0], box[1], box[2]
    n = 18
    bits = rng.random((n, n)) < 0.5
    bits[:, 0] = bits[-1, :] = True
    bits[0, ::2] = bits[1::2, -1] = True
    bits[0, 1::2] = bits[::2, -1] = False
    cw, ch = side / n, side * sh.w / sh.h / n
    for r, c in zip(*np.nonzero(bits)):
        sh.rect(x0 + c * cw, y0 + r * ch, x0 + (c + 1) * cw, y0 + (r + 1) * ch, ink)


def chip(sh, x, y, w, h):
    sh.rect(x, y, x + w, y + h, (206, 174, 96), radius=0.025, outline=(140, 110, 50), width=0.006)
    for f in (0.33, 0.66):
        sh.line(x + w * f, y, x + w * f, y + h, (140, 110, 50), 0.005)
    sh.line(x, y + h / 2, x + w, y + h / 2, (140, 110, 50), 0.005)


def mrz(sh, lines, y0, y1, ink):
    """Monospace MRZ: every character centred in its own cell."""
    n, rows = len(lines[0]), len(lines)
    cell = 0.92 / n
    size = min(cell * sh.w * 1.5, (y1 - y0) * sh.h / rows * 0.8) / sh.h
    for i, line in enumerate(lines):
        yb = y0 + (y1 - y0) * (i + 0.78) / rows
        for k, ch in enumerate(line):
            sh.text(0.04 + (k + 0.5) * cell, yb, ch, size, ink, anchor="ms")


def field(sh, x, y, label, value, c, max_w, size=0.058):
    sh.text(x, y, label, size * 0.55, c["label"], max_w=max_w)
    sh.text(x, y + size * 1.1, value, size, c["ink"], bold=True, max_w=max_w)


def lighten(img, y0, y1, amount):
    """Blends the band between heights y0 and y1 towards white."""
    box = (0, round(y0 * img.height), img.width, round(y1 * img.height))
    band = img.crop(box)
    img.paste(Image.blend(band, Image.new("RGB", band.size, (255, 255, 255)), amount), box[:2])


def draw_id_front(sh, s, rng):
    c, lay, p = s["colours"], s["layout"], s["person"]
    tb = lay["title_h"]
    fg = (250, 250, 250) if lay["title_bar"] else c["accent"]
    if lay["title_bar"]:
        sh.rect(0, 0, 1, tb, c["accent"])
    sh.text(0.04, tb * 0.42, s["country"], 0.042, fg, max_w=0.8)
    sh.text(0.04, tb * 0.88, s["title"], 0.06, fg, bold=True, max_w=0.8)
    if lay["emblem"]:
        sh.draw.ellipse((*sh.px(0.9, tb * 0.12), *sh.px(0.9 + tb * 0.7 / s["aspect"], tb * 0.82)),
                        outline=rgb8(fg), width=max(1, round(0.008 * sh.h)))
    px, py, pw = lay["photo_x"], lay["photo_y"], lay["photo_w"]
    ph = pw * s["aspect"] / 0.78
    sh.image(s["face"], px, py, pw, ph)
    sh.text(px, min(py + ph + 0.07, 0.97), p["number"], 0.045, c["ink"])
    x = px + pw + 0.04
    rows = [[("SURNAME / NOM", p["surname"])], [("GIVEN NAMES / PRENOMS", ", ".join(p["given"]))],
            [("SEX", p["sex"]), ("NATIONALITY", p["nation"]),
             ("DATE OF BIRTH", fmt_date(p["birth"]))],
            [("PLACE OF BIRTH", p["place"])],
            [("DOCUMENT NO", p["number"]), ("EXPIRY", fmt_date(p["expiry"], "."))]]
    del rows[lay["drop_row"]]
    y = tb + 0.1
    for row in rows:
        cw = (0.97 - x) / len(row)
        for k, (label, value) in enumerate(row):
            field(sh, x + k * cw, y, label, value, c, cw - 0.01)
        y += lay["pitch"]
    if lay["signature"]:
        signature(sh, rng, (x + 0.25, min(y, 0.8), 0.93, 0.96), c["ink"])
    if lay["chip"]:
        chip(sh, x, min(y + 0.02, 0.8), 0.1, 0.14)
    elif lay["ghost"]:
        sh.image(s["face"], 0.8, 0.62, 0.09, 0.09 * s["aspect"] / 0.78, opacity=0.22)


def draw_id_back(sh, s, rng):
    c, lay, p = s["colours"], s["layout"], s["person"]
    if lay["strip"]:
        sh.rect(0, 0, 1, 0.035, c["accent"])
    rows = [("ADDRESS / ADRESSE", p["address"][0]), ("", p["address"][1]),
            ("ISSUED / DELIVRE LE", fmt_date(p["issue"])), ("AUTHORITY", p["authority"]),
            ("HEIGHT", f"1,{int(rng.integers(50, 95))} m")][:lay["address_rows"] + 1]
    y = 0.1
    for label, value in rows:
        field(sh, 0.04, y, label, value, c, 0.58, size=0.052)
        y += 0.105
    if lay["code"] == "barcode":
        barcode(sh, rng, (0.66, 0.1, 0.96, 0.3), c["ink"])
    elif lay["code"] == "matrix":
        matrix_code(sh, rng, (0.72, 0.08, 0.22), c["ink"])
    else:
        chip(sh, 0.74, 0.14, 0.14, 0.2)
    mrz(sh, mrz_lines(p, "id_card"), lay["mrz_top"] + 0.03, 0.97, c["ink"])


def draw_passport(sh, s, rng):
    c, lay, p = s["colours"], s["layout"], s["person"]
    sh.text(0.04, 0.075, s["country"], 0.04, c["accent"], max_w=0.6)
    sh.text(0.96, 0.075, s["title"], 0.05, c["accent"], bold=True, anchor="rs")
    sh.line(0.04, 0.1, 0.96, 0.1, c["accent"], 0.004)
    pw = lay["photo_w"] - 0.02
    ph = pw * s["aspect"] / 0.78
    sh.image(s["face"], 0.04, 0.15, pw, ph)
    x, pitch = 0.04 + pw + 0.04, 0.093
    cells = [("TYPE", "P"), ("CODE", p["nation"]), ("SURNAME", p["surname"]),
             ("GIVEN NAMES", " ".join(p["given"])), ("NATIONALITY", p["nation"]),
             ("DATE OF BIRTH", fmt_date(p["birth"])), ("SEX", p["sex"]),
             ("PLACE OF BIRTH", p["place"]), ("DATE OF ISSUE", fmt_date(p["issue"])),
             ("DATE OF EXPIRY", fmt_date(p["expiry"])), ("AUTHORITY", p["authority"]),
             ("PASSPORT NO", p["number"])]
    cw = (0.97 - x) / 2
    for i, (label, value) in enumerate(cells):
        field(sh, x + (i % 2) * cw, 0.13 + (i // 2) * pitch, label, value, c, cw - 0.01,
              size=0.042)
    if lay["signature"]:
        signature(sh, rng, (0.06, 0.15 + ph + 0.005, 0.04 + pw, 0.74), c["ink"])
    mrz(sh, mrz_lines(p, "passport"), 0.78, 0.97, c["ink"])


def draw_document(spec, w, h=None):
    """The document at w × h px: (RGB uint8, coverage float32); corners [0, w] × [0, h]."""
    h = h or round(w / spec["aspect"])
    paper = guilloche(w, h, spec["colours"], spec["guilloche"])
    if spec["kind"] == "passport":
        lighten(paper, 0.76, 1.0, 0.6)
    elif spec["side"] == "back":
        lighten(paper, spec["layout"]["mrz_top"], 1.0, 0.65)
    draw = (draw_passport if spec["kind"] == "passport"
            else draw_id_back if spec["side"] == "back" else draw_id_front)
    sh = Sheet(paper)
    draw(sh, spec, np.random.default_rng(spec["seed"]))  # its own draws: the same at any size
    return sh.pixels(), rounded_alpha(w, h, spec["radius"] * w)


# ----------------------------------------------------------------- look-alike objects


def draw_phone(rng, w, aspect=2.05):
    h = round(w / aspect)
    body = rng.uniform(14, 50) + rng.uniform(-4, 4, 3)
    rgb = np.empty((h, w, 3), np.float32)
    rgb[:] = body
    x = (np.arange(w) + 0.5) / w
    y = ((np.arange(h) + 0.5) / h)[:, None]
    inset = 0.07
    screen = (np.abs(x - 0.5) < 0.5 - inset * 0.6 / aspect) & (np.abs(y - 0.5) < 0.5 - inset)
    glow = rng.uniform(3, 12) + rng.uniform(10, 40) * np.exp(-((x - 0.6 * y - rng.uniform(0.1, 0.8))
                                                             / 0.12) ** 2)
    rgb[screen] = np.broadcast_to(glow, screen.shape)[screen][:, None] * [0.9, 0.95, 1.1]
    cam = np.hypot((x - 0.5 * inset / aspect) * aspect, y - 0.5) < 0.025
    rgb[cam] = 5
    return rgb, rounded_alpha(w, h, 0.12 * h)


def draw_sticky_note(rng, w):
    colour = np.array([(250, 236, 120), (250, 180, 200), (190, 240, 170), (170, 215, 250),
                       (252, 200, 120)][rng.integers(5)], float)
    y = ((np.arange(w) + 0.5) / w)[:, None, None]
    rgb = (colour * (1 - rng.uniform(0.03, 0.1) * y) * np.ones((1, w, 1))).astype(np.float32)
    sh = Sheet(rgb)
    for k in range(int(rng.integers(1, 4))):
        signature(sh, rng, (0.12, 0.15 + 0.25 * k, 0.85, 0.35 + 0.25 * k), (30, 40, 110))
    return sh.pixels(), rounded_alpha(w, w, 0)


def draw_paper(rng, w, aspect=1 / math.sqrt(2)):
    h = round(w / aspect)
    rgb = np.full((h, w, 3), rng.uniform(232, 250), np.float32)
    sh = Sheet(rgb)
    sh.text(0.1, 0.08, " ".join(word(rng).upper() for _ in range(3)), 0.02, (20, 20, 20), True)
    y = 0.12
    while y < 0.9:
        for _ in range(int(rng.integers(3, 9))):
            line = " ".join(word(rng, 1, 3) for _ in range(14))
            sh.text(0.1, y, line, 0.013, (30, 30, 30), max_w=rng.uniform(0.6, 0.8))
            y += 0.022
        y += 0.03
    return sh.pixels(), rounded_alpha(w, h, 0)


def draw_book(rng, w, aspect=0.7):
    h = round(w / aspect)
    cover = rng.uniform(20, 200, 3)
    rgb = np.empty((h, w, 3), np.float32)
    rgb[:] = cover
    rgb[:, :max(1, w // 25)] *= 0.7  # the spine's fold
    sh = Sheet(rgb)
    other = 255 - cover * rng.uniform(0.3, 0.9)
    sh.rect(0.12, 0.35, 0.88, 0.7, other * 0.8 + cover * 0.2, radius=0.02)
    sh.draw.ellipse((*sh.px(0.3, 0.4), *sh.px(0.7, 0.65)), fill=rgb8(cover * 0.6 + 60))
    sh.text(0.5, 0.18, word(rng, 2, 3).upper(), 0.07, other, True, max_w=0.85, anchor="ms")
    sh.text(0.5, 0.27, word(rng, 2, 4).upper(), 0.05, other, max_w=0.85, anchor="ms")
    sh.text(0.5, 0.85, word(rng).capitalize() + " " + word(rng).upper(), 0.035, other, anchor="ms")
    return sh.pixels(), rounded_alpha(w, h, 0.01 * w)


def draw_blank(rng, w, kind):
    """A plain card (or sheet) of the guide's aspect, no print: a subtle gradient and grain."""
    h = round(w / common.ASPECT[kind])
    colour = np.array([(246, 246, 244), (240, 234, 218), (222, 232, 248), (248, 226, 232),
                       (200, 200, 205), (170, 40, 40), (40, 70, 150)][rng.integers(7)], float)
    colour += rng.uniform(-6, 6, 3)
    x = ((np.arange(w) + 0.5) / w)[None, :, None]
    rgb = colour * (1 - rng.uniform(0, 0.06) * x) + grain(rng, h, w, 1.2)[..., None]
    return rgb.astype(np.float32), rounded_alpha(w, h, RADIUS[kind] * w)


LOOKALIKE_ASPECT = {"phone": 2.05, "sticky_note": 1.0, "paper": 1 / math.sqrt(2), "book": 0.7}


# ------------------------------------------------------------------------ backgrounds


def lowfreq(rng, h, w, cell, cell_x=None):
    """Smooth noise of about unit amplitude varying over `cell` pixels (cell_x along x)."""
    cx = cell_x or cell
    sh, sw = h // cell + 2, w // cx + 2
    small = Image.fromarray(rng.standard_normal((sh, sw)).astype(np.float32), "F")
    return np.asarray(small.resize((sw * cx, sh * cell), Resampling.BICUBIC))[:h, :w]


def wood(rng, w, h):
    """Planks along x: long, gently bent growth lines of irregular spacing (a thin dark line of
    latewood closing each ring), fibre streaks, a tone per plank, dark seams."""
    plank = rng.uniform(0.2, 0.4) * max(w, h)
    y = np.arange(h)[:, None] + rng.uniform(0, plank)
    idx = (y // plank).astype(int)
    planks = int(idx.max()) + 1
    bend = lowfreq(rng, h, w, 40, 320) * rng.uniform(3, 9)
    # Irregular ring spacing from a smooth phase term (a varying period would fold the lines).
    period = rng.uniform(6, 13)
    phase = (y + bend) / period + 1.2 * lowfreq(rng, h, w, 70, 500) + rng.uniform(0, 1, planks)[idx]
    late = (phase % 1) ** rng.uniform(4, 8)
    streak = ndi.gaussian_filter(rng.standard_normal((h, w)), (0.7, 20)) * 0.5
    tone = 1 + 0.1 * rng.standard_normal(planks)[idx] + 0.04 * lowfreq(rng, h, w, 100, 400)
    light = np.array([rng.uniform(150, 205), rng.uniform(100, 145), rng.uniform(55, 95)])
    dark = light * rng.uniform(0.55, 0.75)
    v = np.clip((1 - late) * tone + streak, 0, 1.3)
    rgb = dark + (light - dark) * v[..., None]
    seam = (y % plank < 2) | (y % plank > plank - 1)
    return (rgb * np.where(seam, 0.45, 1.0)[..., None]).astype(np.float32)


def grain(rng, h, w, amount):
    """Fine texture of a surface."""
    return rng.standard_normal((h, w), dtype=np.float32) * np.float32(amount)


def grey_table(rng, w, h):
    level = rng.uniform(85, 170) + rng.uniform(-6, 6, 3)
    light = 1 + 0.06 * lowfreq(rng, h, w, 160)
    fine = grain(rng, h, w, rng.uniform(1.2, 2.4))
    return (level * light[..., None] + fine[..., None]).astype(np.float32)


def white_table(rng, w, h):
    level = rng.uniform(228, 248) + rng.uniform(-3, 3, 3)
    cx, cy = w * rng.uniform(0.3, 0.7), h * rng.uniform(0.3, 0.7)
    r2 = (((np.arange(w) - cx) / w) ** 2)[None, :] + (((np.arange(h) - cy) / w) ** 2)[:, None]
    vignette = 1 - rng.uniform(0.1, 0.3) * r2
    fine = grain(rng, h, w, 0.9)
    return (level * vignette[..., None] + fine[..., None]).astype(np.float32)


def dark_table(rng, w, h):
    level = rng.uniform(14, 45) + rng.uniform(-3, 3, 3)
    weave = np.sin(np.arange(w) * rng.uniform(1, 2))[None, :] * np.sin(np.arange(h) * 1.3)[:, None]
    fine = grain(rng, h, w, 1.8) + weave * 2
    light = 1 + 0.15 * lowfreq(rng, h, w, 120)
    return (level * light[..., None] + fine[..., None]).astype(np.float32)


TABLE_MAKERS = {"wood": wood, "grey": grey_table, "white": white_table, "dark": dark_table}


def translation(dx, dy):
    return np.array([[1, 0, dx], [0, 1, dy], [0, 0, 1]], float)


def background(rng, name, w, h, pad=0):
    """The backdrop covering [-pad, w + pad] × [-pad, h + pad], as float32 RGB."""
    fw, fh = w + 2 * pad, h + 2 * pad
    if name in TABLE_MAKERS:
        return TABLE_MAKERS[name](rng, fw, fh)
    tex = Image.fromarray(photo_texture(name))
    if rng.random() < 0.5:
        tex = tex.transpose(Transpose.FLIP_LEFT_RIGHT)
    tw, th = tex.size
    k = min(tw / fw, th / fh) * rng.uniform(0.6, 1.0)  # texture pixels per frame pixel
    ox, oy = rng.uniform(0, tw - k * fw), rng.uniform(0, th - k * fh)
    # resize's box is in continuous coordinates, and it anti-aliases when shrinking.
    crop = tex.resize((fw, fh), Resampling.BILINEAR, box=(ox, oy, ox + k * fw, oy + k * fh))
    return np.asarray(crop, np.float32)


# ------------------------------------------------------------------------------ geometry


def rotation(axis, degrees):
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    i, j = [(1, 2), (0, 2), (0, 1)][axis]
    r = np.eye(3)
    r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
    return r


def project(w, h, centre, size, rot, tilt):
    """Corners TL, TR, BR, BL of a size = (width, height) rectangle seen with its centre at
    `centre` (frame pixels) when parallel to the sensor, turned in-plane by rot degrees, its plane
    tilted by tilt = (about x, about y) degrees; pinhole camera of focal FOCAL·w at the centre."""
    f = FOCAL * w
    hw, hh = size[0] / 2, size[1] / 2
    pts = np.array([[-hw, -hh, 0], [hw, -hh, 0], [hw, hh, 0], [-hw, hh, 0]])
    r = rotation(1, tilt[1]) @ rotation(0, tilt[0]) @ rotation(2, rot)
    pts = pts @ r.T + [centre[0] - w / 2, centre[1] - h / 2, f]
    return np.stack([w / 2 + f * pts[:, 0] / pts[:, 2], h / 2 + f * pts[:, 1] / pts[:, 2]], 1)


@dataclasses.dataclass
class Pose:
    scale: float      # width against the largest box of the object's aspect in the guide
    rotation: float   # degrees, in-plane
    tilt: tuple       # degrees about x and y
    shift: tuple      # of the centre, shares of the guide's width and height

    def corners(self, g, aspect, w, h):
        width = self.scale * min(g["width"], g["height"] * aspect)
        centre = (g["x"] + g["width"] * (0.5 + self.shift[0]),
                  g["y"] + g["height"] * (0.5 + self.shift[1]))
        return project(w, h, centre, (width, width / aspect), self.rotation, self.tilt)

    def summary(self):
        return {"scale": r3(self.scale), "rotation": r3(self.rotation),
                "tilt": [r3(t) for t in self.tilt]}


def sample_pose(rng, ranges):
    scale, rot, tilt, shift = ranges
    if isinstance(scale[0], tuple):  # one of several intervals
        scale = scale[rng.integers(len(scale))]
    t, phi = rng.uniform(*tilt), rng.uniform(0, 2 * np.pi)
    return Pose(rng.uniform(*scale), rng.choice([-1, 1]) * rng.uniform(*rot),
                (t * math.cos(phi), t * math.sin(phi)),
                (rng.uniform(-shift, shift), rng.uniform(-shift, shift)))


def fit_in_frame(pose, g, aspect, w, h, margin=2.0):
    """Shrinks the pose until its corners are inside the frame: a positive shows all of them."""
    for _ in range(60):
        c = pose.corners(g, aspect, w, h)
        if c.min() >= margin and (c[:, 0] <= w - margin).all() and (c[:, 1] <= h - margin).all():
            break
        pose.scale *= 0.985
    return pose


def outside_share(corners, w, h):
    inside = common.polygon_area(common.clip_polygon(corners, w, h))
    return 1 - inside / common.polygon_area(corners)


def push_out(pose, g, aspect, w, h, target, angle):
    """Moves the pose along `angle` until `target` of its area is outside the frame."""
    lo, hi = 0.0, 3.0
    for _ in range(40):
        mid = (lo + hi) / 2
        pose.shift = (mid * math.cos(angle), mid * math.sin(angle))
        if outside_share(pose.corners(g, aspect, w, h), w, h) < target:
            lo = mid
        else:
            hi = mid
    return pose


def rect(w, h):
    return [[0, 0], [w, 0], [w, h], [0, h]]


# ------------------------------------------------------------------------------ rendering

@dataclasses.dataclass
class Layer:
    src: Image.Image     # "RGBa" (premultiplied), with a transparent 1-px frame
    h: np.ndarray        # 3 × 3: source continuous coordinates (frame excluded) → frame's
    shadow: tuple = None  # (strength, dx, dy, sigma) of the soft shadow it casts


@dataclasses.dataclass
class Scene:
    backdrop: np.ndarray  # float32 RGB covering the frame and the render's margin
    layers: list


def make_layer(rgb, alpha, corners, shadow=None, gain=1.0):
    """A layer showing the drawing (rgb, coverage alpha) with its corners on `corners`. The
    transparent frame makes bilinear sampling fade the edge as if the outside were empty."""
    h, w = alpha.shape
    if gain != 1 or rgb.dtype != np.uint8:
        rgb = to_u8(np.minimum(rgb * np.float32(gain), 255))
    img = Image.fromarray(rgb)
    img.putalpha(Image.fromarray((alpha * 255 + 0.5).astype(np.uint8)))  # alpha is in [0, 1]
    framed = Image.new("RGBa", (w + 2, h + 2))
    framed.paste(img.convert("RGBa"), (1, 1))
    return Layer(framed, common.homography(rect(w, h), corners), shadow)


def downsample(img, ss):
    """Mean of ss × ss blocks (a pixel's box filter), summed in a fixed order."""
    if ss == 1:
        return img
    acc = sum(img[i::ss, j::ss] for i in range(ss) for j in range(ss))
    return acc * np.float32(1 / ss ** 2)


def blurred(mask, sigma):
    """A [0, 1] mask blurred by a Gaussian (PIL's, on 8 bits: enough for soft shadows)."""
    soft = Image.fromarray(to_u8(mask * 255)).filter(ImageFilter.GaussianBlur(float(sigma)))
    return np.asarray(soft, np.float32) * np.float32(1 / 255)


def paste(dst, src, x, y):
    """dst[y:, x:] = src, clipped to dst."""
    h, w = src.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, dst.shape[1]), min(y + h, dst.shape[0])
    if x1 > x0 and y1 > y0:
        dst[y0:y1, x0:x1] = src[y0 - y:y1 - y, x0 - x:x1 - x]


def render(scene, w, h, margin=0, ss=SUPERSAMPLE):
    """The scene on a (h + 2 margin) × (w + 2 margin) float32 RGB canvas."""
    assert scene.backdrop.shape[:2] == (h + 2 * margin, w + 2 * margin)
    canvas = scene.backdrop.copy()
    for layer in scene.layers:
        composite(canvas, layer, margin, ss)
    return canvas


def composite(canvas, layer, margin, ss):
    """Warps the layer at ss × ss samples per pixel (anti-aliasing) and lays it on the canvas."""
    ch, cw = canvas.shape[:2]
    sw, sh = layer.src.size[0] - 2, layer.src.size[1] - 2
    pts = common.apply_homography(layer.h, rect(sw, sh)) + margin
    x0, y0 = np.clip(np.floor(pts.min(0)), 0, [cw, ch]).astype(int)
    x1, y1 = np.clip(np.ceil(pts.max(0)), 0, [cw, ch]).astype(int)
    if x1 <= x0 or y1 <= y0:
        return
    # PIL maps the centre of output pixel i, at i + 0.5, and samples the source with its pixel
    # centres at +0.5: continuous coordinates on both sides, as in the manifest.
    out_to_frame = np.array([[1 / ss, 0, x0 - margin], [0, 1 / ss, y0 - margin], [0, 0, 1]])
    m = translation(1, 1) @ np.linalg.inv(layer.h) @ out_to_frame
    warped = layer.src.transform(((x1 - x0) * ss, (y1 - y0) * ss), Transform.PERSPECTIVE,
                                 tuple((m / m[2, 2]).ravel()[:8]), Resampling.BILINEAR)
    out = np.asarray(warped.reduce(ss) if ss > 1 else warped, np.float32)  # box filter
    cover = out[..., 3] * np.float32(1 / 255)
    if layer.shadow:
        cast_shadow(canvas, cover, x0, y0, layer.shadow)
    region = canvas[y0:y1, x0:x1]
    region *= 1 - cover[..., None]
    region += out[..., :3]


def cast_shadow(canvas, coverage, x0, y0, shadow):
    """Darkens the canvas under the blurred coverage moved by (dx, dy), near the layer only."""
    strength, dx, dy, sigma = shadow
    reach = int(abs(dx) + abs(dy) + 3 * sigma) + 2
    ch, cw = canvas.shape[:2]
    bx0, by0 = max(x0 - reach, 0), max(y0 - reach, 0)
    bx1, by1 = min(x0 + coverage.shape[1] + reach, cw), min(y0 + coverage.shape[0] + reach, ch)
    mask = np.zeros((by1 - by0, bx1 - bx0), np.float32)
    paste(mask, coverage, x0 - bx0 + round(dx), y0 - by0 + round(dy))
    canvas[by0:by1, bx0:bx1] *= (1 - np.float32(strength) * blurred(mask, sigma))[..., None]


def luminance(rgb, alpha=None):
    lum = rgb.astype(np.float64) @ [0.299, 0.587, 0.114]
    return float(lum.mean()) if alpha is None else float((lum * alpha).sum() / alpha.sum())


# ---------------------------------------------------------------------------- perturbations


def pixel_grid(w, h):
    return (np.arange(w) + 0.5)[None, :], (np.arange(h) + 0.5)[:, None]


def side_frame(corners, k):
    """Midpoint, unit direction, length of side k, inward unit normal and half-depth."""
    p, q = corners[k], corners[(k + 1) % 4]
    length = float(np.linalg.norm(q - p))
    inward = corners.mean(0) - (p + q) / 2
    depth = float(np.linalg.norm(inward))
    return (p + q) / 2, (q - p) / length, length, inward / depth, depth


def glare(img, rng, corners, g):
    """A saturated white elliptical highlight over one side of the card and its edge."""
    h, w = img.shape[:2]
    if corners is None:
        c = np.array([g["x"] + g["width"] * rng.uniform(0.2, 0.8),
                      g["y"] + g["height"] * rng.uniform(0.2, 0.8)])
        u, n, a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0]), g["width"] * 0.3, g["height"] * 0.2
    else:
        mid, u, length, n, depth = side_frame(corners, int(rng.integers(4)))
        a, b = length * rng.uniform(0.22, 0.38), depth * rng.uniform(0.35, 0.6)
        c = mid + u * length * rng.uniform(-0.2, 0.2) + n * b * rng.uniform(0.2, 0.7)
    xs, ys = pixel_grid(w, h)
    du = (xs - c[0]) * u[0] + (ys - c[1]) * u[1]
    dv = (xs - c[0]) * n[0] + (ys - c[1]) * n[1]
    spot = rng.uniform(320, 460) * np.exp(-2 * ((du / a) ** 2 + (dv / b) ** 2))
    return np.minimum(img + spot[..., None].astype(np.float32) * [1.0, 0.99, 0.96], 255)


SKINS = ((232, 184, 152), (214, 160, 122), (178, 120, 86), (122, 80, 56), (242, 200, 176))


def thumb(img, rng, corners):
    """A skin-coloured thumb with its nail and a soft shadow, come over a short side of the card
    as when holding it: it covers one corner and reaches out of the card."""
    h, w = img.shape[:2]
    k = int(rng.integers(4))
    sx, sy = (-1, 1, 1, -1)[k], (-1, -1, 1, 1)[k]
    u = corners[1] - corners[0] + corners[2] - corners[3]
    v = corners[3] - corners[0] + corners[2] - corners[1]
    card_h = np.linalg.norm(v) / 2
    u, v = u / np.linalg.norm(u), v / np.linalg.norm(v)
    r = card_h * rng.uniform(0.16, 0.2)
    tip = corners[k] - sx * u * card_h * rng.uniform(0.15, 0.3) - sy * v * r * rng.uniform(0.3, 0.9)
    d = sx * u + sy * v * rng.uniform(-0.2, 0.7)
    d /= np.linalg.norm(d)
    xs, ys = pixel_grid(w, h)
    along = (xs - tip[0]) * d[0] + (ys - tip[1]) * d[1]
    across = (xs - tip[0]) * -d[1] + (ys - tip[1]) * d[0]
    sd = np.hypot(np.minimum(along, 0), across) - r  # a capsule from the tip out to infinity
    cover = np.clip(0.5 - sd, 0, 1).astype(np.float32)
    shade = 0.72 + 0.28 * np.sqrt(np.clip(1 - (across / r) ** 2, 0, 1))
    skin = np.array(SKINS[rng.integers(len(SKINS))], np.float32) * shade[..., None]
    nail = ((along - r * 0.55) / (r * 0.55)) ** 2 + (across / (r * 0.5)) ** 2 < 1
    skin = np.where(nail[..., None], skin * 0.55 + np.float32(0.45 * 235), skin)
    shadow = np.zeros_like(cover)
    off = d * r * 0.2 + rng.uniform(-3, 3, 2)
    paste(shadow, cover, round(off[0]), round(off[1]))
    img = img * (1 - np.float32(rng.uniform(0.35, 0.5)) * blurred(shadow, r * 0.3))[..., None]
    return img * (1 - cover[..., None]) + skin * cover[..., None]


def low_contrast(img, c):
    m = img.mean(dtype=np.float64)
    return (m + (img - m) * c).astype(np.float32)


def perturb(img, rng, kind, corners, g):
    """Applies one perturbation to a composited float32 RGB frame; returns (img, jpeg quality or
    None for the baseline)."""
    if kind == "blur":
        return ndi.gaussian_filter(img, (rng.uniform(1, 2),) * 2 + (0,)), None
    if kind == "noise":
        return add_noise(img, rng, rng.uniform(6, 12)), None
    if kind == "jpeg":
        return img, int(rng.integers(20, 41))
    if kind == "glare":
        return glare(img, rng, corners, g), None
    if kind == "low_contrast":
        return low_contrast(img, rng.uniform(0.35, 0.55)), None
    if kind == "thumb" and corners is not None:
        return thumb(img, rng, corners), None
    return img, None


def add_noise(img, rng, sigma):
    """Luminance noise: the same in R, G and B, so the grey frame sees sigma."""
    noise = rng.standard_normal(img.shape[:2], dtype=np.float32) * np.float32(sigma)
    return img + (noise[..., None] if img.ndim == 3 else noise)


def jpeg(u8, quality):
    buf = io.BytesIO()
    Image.fromarray(u8).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def finish(img, rng, quality, sigma, low_quality=None):
    """JPEG round trip then sensor noise (or noise then the low-quality JPEG), to grey. The
    noise is the same in R, G and B and to_grey's weights sum to 1: adding it to the grey
    frame is the same, and three times cheaper."""
    if low_quality:
        return common.to_grey(jpeg(to_u8(add_noise(img, rng, sigma)), low_quality))
    grey = common.to_grey(jpeg(to_u8(img), quality)).astype(np.float32)
    return to_u8(add_noise(grey, rng, sigma))


# -------------------------------------------------------------------------------- scenes


def doc_width(corners, limit=DOC_WIDTH):
    """Drawing width: about 1.3 drawing pixels per supersample, so warping never aliases."""
    span = float(np.linalg.norm(corners[1] - corners[0]))
    return int(min(limit, max(320, 2.6 * span))) // 2 * 2


def shadow_for(rng, case):
    if case == "white_on_white":  # the edge is seen mostly through this shadow
        angle = rng.choice([0, 1, 2, 3]) * np.pi / 2 + rng.choice([0, np.pi / 4])
        dist = rng.uniform(3, 6)
        return (rng.uniform(0.18, 0.32), dist * math.cos(angle), dist * math.sin(angle),
                rng.uniform(3, 5))
    return (rng.uniform(0, 0.15), rng.uniform(-4, 4), rng.uniform(1, 4), rng.uniform(2, 5))


def matched_gains(rng, rgb, alpha, backdrop):
    """low_contrast: gains bringing the card and the background to about the same brightness."""
    doc, bg = luminance(rgb, alpha), luminance(backdrop)
    target = (doc + bg) / 2
    return (min(2.5, target / doc * rng.uniform(0.95, 1.05)),
            min(2.5, target / bg * rng.uniform(0.95, 1.05)))


def positive_scene(rng, case, kind, w, h, g, bg, pad=0):
    """(scene, corners, side, pose) of one positive."""
    side = str(rng.choice(["front", "back"])) if kind == "id_card" else None
    spec = document_spec(rng, kind, side, pale=case == "white_on_white")
    aspect = common.ASPECT[kind]
    pose = fit_in_frame(sample_pose(rng, POSES.get(case, ALIGNED)), g, aspect, w, h)
    corners = pose.corners(g, aspect, w, h)
    rgb, alpha = draw_document(spec, doc_width(corners))
    shadow = shadow_for(rng, case)
    backdrop = background(rng, bg, w, h, pad)
    doc_gain = 1.0
    if case == "low_contrast":
        doc_gain, bg_gain = matched_gains(rng, rgb, alpha, backdrop)
        backdrop *= np.float32(bg_gain)
    elif case == "white_on_white":  # the table about as white as the card's paper
        paper = float(np.dot(spec["colours"]["tint"], [0.299, 0.587, 0.114]))
        backdrop *= np.float32(paper * rng.uniform(0.96, 1.0) / luminance(backdrop))
    return Scene(backdrop, [make_layer(rgb, alpha, corners, shadow, doc_gain)]), corners, side, pose


def lookalike(rng, obj, kind, g, w, h):
    """(layer, corners, pose) of an object of the wrong aspect in the guide."""
    aspect = LOOKALIKE_ASPECT[obj]
    if obj == "paper":  # larger than the frame: an edge or a corner crosses it
        pose = Pose(rng.uniform(1.1, 1.5) * max(w, h) / min(g["width"], g["height"] * aspect),
                    rng.uniform(-25, 25), (0.0, 0.0), (0.0, 0.0))
        size = pose.scale * min(g["width"], g["height"] * aspect)
        local = np.array([rng.choice([-0.5, 0.5, rng.uniform(-0.4, 0.4)]),
                          rng.choice([-0.5, 0.5])]) * [size, size / aspect]
        target = np.array([w, h]) * (0.5 + rng.uniform(-0.2, 0.2, 2))
        c, s = math.cos(math.radians(pose.rotation)), math.sin(math.radians(pose.rotation))
        centre = target - [c * local[0] - s * local[1], s * local[0] + c * local[1]]
        pose.shift = ((centre[0] - g["x"]) / g["width"] - 0.5,
                      (centre[1] - g["y"]) / g["height"] - 0.5)
    else:
        scale = (0.7, 1.0) if obj == "sticky_note" else (0.85, 1.05)
        pose = sample_pose(rng, (scale,) + ALIGNED[1:])
    corners = pose.corners(g, aspect, w, h)
    width = int(min(1000, max(320, 2.6 * np.linalg.norm(corners[1] - corners[0]))))
    rgb, alpha = {"phone": draw_phone, "sticky_note": draw_sticky_note, "paper": draw_paper,
                  "book": draw_book}[obj](rng, width)
    return make_layer(rgb, alpha, corners, shadow_for(rng, "")), corners, pose


def negative_scene(rng, case, kind, w, h, g, bg, index, pad=0):
    """(scene, corners, side, pose, object) of one negative."""
    scene = Scene(background(rng, bg, w, h, pad), [])
    if case == "empty":
        return scene, None, None, None, None
    aspect = common.ASPECT[kind]
    if case == "lookalike_aspect":
        obj = LOOKALIKES[index % len(LOOKALIKES)]
        layer, corners, pose = lookalike(rng, obj, kind, g, w, h)
        scene.layers.append(layer)
        return scene, corners, None, pose, obj
    if case == "lookalike_blank":
        pose = sample_pose(rng, ALIGNED)
        corners = pose.corners(g, aspect, w, h)
        width = doc_width(corners)
        rgb, alpha = draw_blank(rng, width, kind)
        scene.layers.append(make_layer(rgb, alpha, corners, shadow_for(rng, "")))
        return scene, corners, None, pose, "blank_card"
    side = str(rng.choice(["front", "back"])) if kind == "id_card" else None
    spec = document_spec(rng, kind, side)
    if case == "too_small":
        pose = sample_pose(rng, POSES["too_small"])
        ext = np.abs(pose.corners(g, aspect, w, h) - [g["x"] + g["width"] / 2,
                                                     g["y"] + g["height"] / 2]).max(0)
        room = np.maximum(0.5 - ext / [g["width"], g["height"]], 0)
        pose.shift = tuple(rng.uniform(-room, room))
    else:  # half_out
        pose = push_out(sample_pose(rng, ALIGNED), g, aspect, w, h, rng.uniform(0.35, 0.65),
                        rng.uniform(0, 2 * np.pi))
    corners = pose.corners(g, aspect, w, h)
    rgb, alpha = draw_document(spec, doc_width(corners))
    scene.layers.append(make_layer(rgb, alpha, corners, shadow_for(rng, "")))
    return scene, corners, side, pose, "document"


# ----------------------------------------------------------------------------- single items


def r3(x):
    return round(float(x), 3)


def corners_json(c):
    return None if c is None else [[r3(x), r3(y)] for x, y in c]


def guide_json(g):
    return {k: r3(v) for k, v in g.items()}


def save_grey(path, grey):
    Image.fromarray(grey, "L").save(path, compress_level=1)


def frame_setting(index):
    """Frame shape and guide kind of the index-th item of a case: 50 / 25 / 25 % shapes, one
    passport in four, spread over the shapes."""
    w, h = FRAME_SHAPES[index % 4]
    return w, h, "passport" if (index // 4) % 4 == 1 else "id_card"


def pick_background(rng, split, case):
    return "white" if case == "white_on_white" else str(rng.choice(background_pool(split)))


def make_frame(job):
    """Renders one single frame; returns its manifest entry."""
    out, split, case, index, seed, *chosen = job  # (a sixth item: the background, chosen)
    rng = np.random.default_rng(seed)
    w, h, kind = frame_setting(index)
    g = common.guide(kind, w, h)
    bg = chosen[0] if chosen else pick_background(rng, split, case)
    positive = case in POSITIVE_CASES
    if positive:
        scene, corners, side, pose = positive_scene(rng, case, kind, w, h, g, bg)
        pert, obj = (case if case in PERTURBATIONS else "none"), None
    else:
        scene, corners, side, pose, obj = negative_scene(rng, case, kind, w, h, g, bg, index)
        pert = str(rng.choice(NEGATIVE_PERTURBATIONS))
    img, low_q = perturb(render(scene, w, h), rng, pert, corners, g)
    grey = finish(img, rng, int(rng.integers(*JPEG_QUALITY, endpoint=True)),
                  rng.uniform(*SENSOR_NOISE), low_q)
    name = f"frames/{seed:06d}.png"
    save_grey(os.path.join(out, name), grey)
    return "frames", {"file": name, "width": w, "height": h, "split": split, "kind": kind,
                      "positive": positive, "case": case, "side": side, "background": bg,
                      "corners": corners_json(corners), "guide": guide_json(g), "seed": seed,
                      "perturbation": pert, "object": obj,
                      "pose": pose.summary() if pose else None}


# -------------------------------------------------------------------------------- sequences


def random_direction(rng):
    a = rng.uniform(0, 2 * np.pi)
    return np.array([math.cos(a), math.sin(a)])


def motions(rng, case):
    """Per frame: (displacement of the scene, blur length, blur direction); the displacement is
    the mid-exposure position, at the centre of the blur trail."""
    n = SEQUENCE_FRAMES
    if case == "steady":  # random walk, at most 0.4 px per frame
        steps = [random_direction(rng) * rng.uniform(0, 0.4) for _ in range(n)]
        return [(p, 0.0, None) for p in np.cumsum([np.zeros(2)] + steps[1:], 0)]
    if case == "shaky":  # 3–8 px per frame, turning back when far from the start
        pos, out = np.zeros(2), []
        for _ in range(n):
            d = random_direction(rng)
            if np.linalg.norm(pos) > 10:
                back = -pos / np.linalg.norm(pos)
                a = rng.uniform(-1, 1)
                d = np.array([back[0] * math.cos(a) - back[1] * math.sin(a),
                              back[0] * math.sin(a) + back[1] * math.cos(a)])
            step = d * rng.uniform(3, 8)
            out.append((pos + step / 2, float(np.linalg.norm(step)), d))
            pos = pos + step
        return out
    return [(random_direction(rng) * rng.uniform(0.3, 1.5), 0.0, None) for _ in range(n)]


def shifted(spectrum, shape, disp, length, direction):
    """The canvas moved by disp and blurred by a box of `length` along `direction`
    (exact band-limited shift in the Fourier domain)."""
    fy = sfft.fftfreq(shape[0])[:, None]
    fx = sfft.rfftfreq(shape[1])[None, :]
    t = np.exp(-2j * np.pi * fy * disp[1]) * np.exp(-2j * np.pi * fx * disp[0])
    if length > 0:
        t = t * np.sinc(length * (fx * direction[0] + fy * direction[1]))
    return sfft.irfft2(spectrum * t.astype(np.complex64)[..., None], s=shape, axes=(0, 1))


def make_sequence(job):
    """Renders one 10-frame sequence; returns its manifest entry."""
    out, split, case, index, number, seed = job
    rng = np.random.default_rng(seed)
    w, h, kind = frame_setting(index)
    g = common.guide(kind, w, h)
    bg = str(rng.choice(background_pool(split)))
    positive = case in ("steady", "shaky")
    moves = motions(rng, case)
    margin = int(max(np.abs(d).max() + length / 2 for d, length, _ in moves)) + 12
    if positive:
        scene, corners, side, _ = positive_scene(rng, "clean", kind, w, h, g, bg, margin)
    else:
        scene, corners, side, _, _ = negative_scene(rng, case, kind, w, h, g, bg, index // 5,
                                                    margin)
    canvas = render(scene, w, h, margin)
    # Zero-padded to FFT-friendly sides: the padding, like the wrap-around seam, lies beyond
    # the margin, farther than any shift reaches.
    shape = tuple(sfft.next_fast_len(n, real=True) for n in canvas.shape[:2])
    spectrum = sfft.rfft2(canvas, s=shape, axes=(0, 1))
    quality, sigma = int(rng.integers(*JPEG_QUALITY, endpoint=True)), rng.uniform(*SENSOR_NOISE)
    frames = []
    for k, (disp, length, direction) in enumerate(moves):
        img = shifted(spectrum, shape, disp, length, direction)
        img = img[margin:margin + h, margin:margin + w]
        name = f"sequences/{number:04d}-{k:02d}.png"
        save_grey(os.path.join(out, name), finish(img, rng, quality, sigma))
        frames.append({"file": name,
                       "corners": corners_json(None if corners is None else corners + disp)})
    return "sequences", {"id": f"seq-{number:04d}", "split": split, "kind": kind,
                         "positive": positive, "case": case, "side": side, "width": w, "height": h,
                         "guide": guide_json(g), "background": bg, "seed": seed, "frames": frames}


# ------------------------------------------------------------------- photos and videos


def make_photo(job):
    """Renders one full-resolution photo and the card's flat image; returns its entry."""
    out, index, seed = job
    rng = np.random.default_rng(seed)
    kind, side = (("id_card", "front"), ("id_card", "back"), ("passport", None))[index % 3]
    w, h = PHOTO_SIZE
    g = common.guide(kind, w, h)
    aspect = common.ASPECT[kind]
    spec = document_spec(rng, kind, side, sharp_face=True)
    fw, fh = FLAT_WIDTH, round(FLAT_WIDTH / aspect)
    rgb, alpha = draw_document(spec, 2 * fw, 2 * fh)
    pose = fit_in_frame(sample_pose(rng, POSES["photo"]), g, aspect, w, h, margin=40)
    corners = pose.corners(g, aspect, w, h)
    bg = str(rng.choice([n for n in background_pool("holdout") if n not in TABLES]))
    shadow = (rng.uniform(0.1, 0.25), rng.uniform(-30, 30), rng.uniform(10, 30),
              rng.uniform(15, 30))
    scene = Scene(background(rng, bg, w, h), [make_layer(rgb, alpha, corners, shadow)])
    # The drawing has about as many pixels as the card in the photo: no supersampling needed.
    img = add_noise(render(scene, w, h, ss=1), rng, rng.uniform(*SENSOR_NOISE))
    name, flat = f"photos/{index:03d}.jpg", f"photos/{index:03d}-flat.png"
    Image.fromarray(to_u8(img)).save(os.path.join(out, name), quality=PHOTO_QUALITY)
    flat_rgba = np.concatenate([downsample(rgb.astype(np.float32), 2),
                                downsample(alpha[..., None], 2) * 255], 2)
    Image.fromarray(to_u8(flat_rgba), "RGBA").save(os.path.join(out, flat), compress_level=1)
    return "photos", {"file": name, "width": w, "height": h, "kind": kind, "side": side,
                      "background": bg, "corners": corners_json(corners), "flat": flat,
                      "flat_width": fw, "flat_height": fh, "seed": seed, "pose": pose.summary()}


def yuv420(rgb):
    """Limited-range (video) BT.601 Y, Cb, Cr planes (chroma: means of 2 × 2 blocks), as bytes.
    Chromium's fake camera reads Y4M as video range whatever the header says: full-range values
    would come out stretched, a white card clipped to 255 (glare)."""
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b
    y, cb, cr = 16 + y * 219 / 255, 128 + cb * 224 / 255, 128 + cr * 224 / 255
    return b"".join(to_u8(p).tobytes() for p in (y, downsample(cb, 2), downsample(cr, 2)))


def write_y4m(path, frames, w, h):
    with open(path, "wb") as f:
        f.write(b"YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n" % (w, h, VIDEO_FPS))
        for rgb in frames:
            f.write(b"FRAME\n" + yuv420(rgb))


def make_videos(job):
    """Front, back, empty table and blank look-alike on one wooden table, in the id_card guide."""
    out, seed = job
    rng = np.random.default_rng(seed)
    w, h = VIDEO_SIZE
    g = common.guide("id_card", w, h)
    table = wood(rng, w, h)
    spec = document_spec(rng, "id_card", "front", sharp_face=True)
    poses = {"front": Pose(0.95, 2.0, (0.0, 0.0), (0.0, 0.0)),
             "back": Pose(0.95, -1.5, (0.0, 0.0), (0.01, -0.01)),
             "lookalike": Pose(0.95, 1.0, (0.0, 0.0), (-0.005, 0.005))}
    corners = {k: p.corners(g, CARD_ASPECT, w, h) for k, p in poses.items()}
    shadow = (0.12, 2.0, 3.0, 4.0)
    drawings = {side: draw_document(dict(spec, side=side), FLAT_WIDTH)
                for side in ("front", "back")}
    drawings["lookalike"] = draw_blank(rng, FLAT_WIDTH, "id_card")
    still = {"empty": table}
    for name, (rgb, alpha) in drawings.items():
        still[name] = render(Scene(table, [make_layer(rgb, alpha, corners[name], shadow)]), w, h)
    entry = {"stills": {}}
    for name, rgb in still.items():  # for engines whose fake camera cannot play a file
        Image.fromarray(to_u8(rgb), "RGB").save(os.path.join(out, f"videos/{name}.png"))
        entry["stills"][name] = f"videos/{name}.png"
    for name, parts in VIDEO_PLAN.items():
        frames = (to_u8(add_noise(still[s], rng, VIDEO_NOISE)) for s, n in parts for _ in range(n))
        write_y4m(os.path.join(out, f"videos/{name}.y4m"), frames, w, h)
        entry[name] = f"videos/{name}.y4m"
    entry.update(width=w, height=h, fps=VIDEO_FPS,
                 card_corners={k: corners_json(v) for k, v in corners.items()})
    return "videos", entry


# ---------------------------------------------------------------------------------- the set


def jobs(out):
    """Every item with its seed; heavy ones first so that the workers finish together."""
    todo = [(make_videos, (out, SEED_BASE["videos"]))]
    todo += [(make_photo, (out, i, SEED_BASE["photos"] + i)) for i in range(PHOTOS)]
    number = 0
    for split in SPLITS:
        seed = SEED_BASE[f"sequences/{split}"]
        cases = ([(NEGATIVE_CASES[i % 5], i) for i in range(NEGATIVE_SEQUENCES[split])]
                 + [("steady", i) for i in range(STEADY_SEQUENCES[split])]
                 + [("shaky", i) for i in range(SHAKY_SEQUENCES[split])])
        for k, (c, i) in enumerate(cases):
            todo.append((make_sequence, (out, split, c, i, number, seed + k)))
            number += 1
    for split in SPLITS:
        seed = SEED_BASE[f"frames/{split}"]
        cases = ([(c, i) for c in POSITIVE_CASES for i in range(POSITIVES_PER_CASE[split])]
                 + [(c, i) for c in NEGATIVE_CASES for i in range(NEGATIVES_PER_CASE[split])])
        todo += [(make_frame, (out, split, c, i, seed + k)) for k, (c, i) in enumerate(cases)]
    return todo


def run(job):
    fn, args = job
    return fn(args)


def generate(out):
    """Writes the document test set into `out` (see the module's docstring)."""
    start = time.time()
    for sub in ("frames", "sequences", "photos", "videos"):  # no stale files from older sets
        shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
        common.ensure_dir(os.path.join(out, sub))
    for name in PHOTO_BACKGROUNDS:  # load once, before the workers fork
        photo_texture(name)
    lfw_faces()
    todo = jobs(out)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = min(cpus or 1, 4)
    if workers > 1:
        with get_context("fork").Pool(workers) as pool:
            results = pool.map(run, todo, chunksize=4)
    else:
        results = [run(j) for j in todo]
    manifest = {"convention": "continuous pixels: the image spans [0,W]x[0,H]; corners TL,TR,BR,BL"
                              " of the document as printed",
                "frames": [], "sequences": [], "photos": [], "videos": None}
    for key, entry in results:
        if key == "videos":
            manifest[key] = entry
        else:
            manifest[key].append(entry)
    common.write_json(os.path.join(out, "manifest.json"), manifest)
    print(summary(manifest, time.time() - start))


def summary(m, seconds):
    frames = Counter((f["split"], f["case"]) for f in m["frames"])
    seqs = Counter((s["split"], s["case"]) for s in m["sequences"])
    parts = []
    for split in SPLITS:
        cases = " ".join(f"{c}={n}" for (s, c), n in frames.items() if s == split)
        sc = " ".join(f"{c}={n}" for (s, c), n in seqs.items() if s == split)
        parts.append(f"{split}: frames {cases}; sequences {sc}")
    return (f"documents: {len(m['frames'])} frames, {len(m['sequences'])} sequences, "
            f"{len(m['photos'])} photos, {len(VIDEO_PLAN)} videos in {seconds:.1f} s | "
            + " | ".join(parts))


# ------------------------------------------------------------------------ convention check


def edge_offsets(coverage, corners, samples=40, reach=4.0):
    """Per side, the fitted line (unit normal n, offset c with n·p = c) of the coverage edge:
    integrating the coverage across an edge gives its position whatever the blur."""
    lines = []
    for k in range(4):
        mid, u, length, n, _ = side_frame(corners, k)
        t = np.linspace(-0.35, 0.35, samples) * length
        s = np.linspace(-reach, reach, 161)
        pts = mid + t[:, None, None] * u + s[None, :, None] * n  # (samples, 161, 2)
        vals = ndi.map_coordinates(coverage, [pts[..., 1] - 0.5, pts[..., 0] - 0.5], order=1)
        shift = np.trapezoid(1 - vals, s, axis=1) - reach  # edge position along n
        on_edge = mid + t[:, None] * u + shift[:, None] * n
        centre = on_edge.mean(0)
        normal = np.linalg.eigh(np.cov((on_edge - centre).T))[1][:, 0]  # least-squares line
        lines.append((normal, float(centre @ normal)))
    return lines


def intersect(l1, l2):
    a = np.array([l1[0], l2[0]])
    return np.linalg.solve(a, [l1[1], l2[1]])


def check_convention(trials=6):
    """Renders an opaque square-cornered card at random poses and finds its corners back from
    the coverage alone: they must match the recorded corners within 0.25 px."""
    rng = np.random.default_rng(0)
    worst = 0.0
    for trial in range(trials):
        w, h = FRAME_SHAPES[trial % 4]
        g = common.guide("id_card", w, h)
        pose = fit_in_frame(sample_pose(rng, POSES["tilted"] if trial % 2 else ALIGNED),
                            g, CARD_ASPECT, w, h, margin=8)
        corners = pose.corners(g, CARD_ASPECT, w, h)
        dw = doc_width(corners)
        dh = round(dw / CARD_ASPECT)
        layer = make_layer(np.full((dh, dw, 3), 255, np.float32), np.ones((dh, dw), np.float32),
                           corners)
        cov = render(Scene(np.zeros((h, w, 3), np.float32), [layer]), w, h) / 255
        lines = edge_offsets(cov[..., 0], corners)
        found = np.array([intersect(lines[(k - 1) % 4], lines[k]) for k in range(4)])
        err = float(np.abs(found - corners).max())
        area = float(cov[..., 0].sum()) / common.polygon_area(corners) - 1
        print(f"trial {trial}: {w}x{h} max corner error {err:.4f} px, area error {area:+.2e}")
        worst = max(worst, err)
    assert worst < 0.25, worst
    print(f"convention ok (worst corner error {worst:.4f} px)")


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        check_convention()
    elif len(sys.argv) == 2:
        generate(sys.argv[1])
    else:
        sys.exit("usage: documents.py OUT_DIR | --check")
