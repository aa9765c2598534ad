#!/usr/bin/env python3
"""Generates the capture test set shared by the tests and the benchmark (fixed seeds: the same
files on every machine). Usage: gen.py OUT_DIR. Writes OUT_DIR/documents/ (documents.py),
OUT_DIR/faces/ (faces.py) and OUT_DIR/stamp (the hash of this folder's sources: a later run
with the same sources does nothing)."""
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def sources_hash():
    h = hashlib.sha256()
    for name in sorted(os.listdir(HERE)):
        if name.endswith((".py", ".txt")):
            with open(os.path.join(HERE, name), "rb") as f:
                h.update(name.encode() + b"\0" + f.read())
    return h.hexdigest()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen.py OUT_DIR")
    out = sys.argv[1]
    stamp = os.path.join(out, "stamp")
    want = sources_hash()
    if os.path.exists(stamp) and open(stamp).read().strip() == want:
        print(f"test set: up to date in {out}")
        return
    os.makedirs(out, exist_ok=True)
    import documents
    import faces

    documents.generate(os.path.join(out, "documents"))
    faces.generate(os.path.join(out, "faces"))
    with open(stamp, "w") as f:
        f.write(want + "\n")
    print(f"test set: written to {out}")


if __name__ == "__main__":
    main()
