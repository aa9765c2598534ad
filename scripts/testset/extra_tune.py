#!/usr/bin/env python3
"""More frames to tune the document detector on, without looking at the holdout: 60 frames of
each of six positive cases, drawn like the `tune` split (its six backgrounds) with seeds from
700 000, and 20 of each of the nine aligned cases on the white table (which `tune` has only
under pale cards, in `white_on_white`) with seeds from 800 000, and 80 of each negative case
drawn like `tune`'s with seeds from 900 000 (a change that finds more cards must not accept more
look-alikes) — all disjoint from every seed of documents.py. Not part of the test set: the tests
and the benchmark never read it.

Usage: target/venv/bin/python scripts/testset/extra_tune.py OUT_DIR, then
ID360_TESTSET=OUT_DIR cargo run --release --example accuracy (its `tune` tables)."""
import os
import sys
from multiprocessing import get_context

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import documents as d  # noqa: E402

CASES = ("clean", "rotated", "tilted", "noise", "jpeg", "blur")
PER_CASE = 60
SEED = 700_000
WHITE_CASES = ("clean", "rotated", "tilted", "far_edge", "blur", "noise", "jpeg", "thumb", "glare")
WHITE_PER_CASE = 20
WHITE_SEED = 800_000
NEGATIVE_PER_CASE = 80
NEGATIVE_SEED = 900_000


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: extra_tune.py OUT_DIR")
    out = os.path.join(sys.argv[1], "documents")
    common.ensure_dir(os.path.join(out, "frames"))
    for name in d.PHOTO_BACKGROUNDS:  # load once, before the workers fork
        d.photo_texture(name)
    d.lfw_faces()
    cases = [(c, i) for c in CASES for i in range(PER_CASE)]
    todo = [(d.make_frame, (out, "tune", c, i, SEED + k)) for k, (c, i) in enumerate(cases)]
    white = [(c, i) for c in WHITE_CASES for i in range(WHITE_PER_CASE)]
    todo += [(d.make_frame, (out, "tune", c, i, WHITE_SEED + k, "white"))
             for k, (c, i) in enumerate(white)]
    negative = [(c, i) for c in d.NEGATIVE_CASES for i in range(NEGATIVE_PER_CASE)]
    todo += [(d.make_frame, (out, "tune", c, i, NEGATIVE_SEED + k))
             for k, (c, i) in enumerate(negative)]
    with get_context("fork").Pool(4) as pool:
        results = pool.map(d.run, todo, chunksize=4)
    manifest = {"frames": [e for _, e in results], "sequences": [], "photos": [],
                "videos": None}
    common.write_json(os.path.join(out, "manifest.json"), manifest)
    print(f"{len(results)} frames in {out}")


if __name__ == "__main__":
    main()
