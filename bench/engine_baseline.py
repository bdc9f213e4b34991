#!/usr/bin/python3
"""Baseline for the engine benchmark: the original Flask patch server's algorithm in Pillow.

Decode the image, and for every annotation whose name contains "patch" (or "crop") crop the box
(shifted inside the image, as the original did), split it into the (NxM) grid with truncated
tile sizes, and save each tile as PNG. Same image, same boxes, same tile count as patchq-tile.
Usage: engine_baseline.py PAYLOAD IMAGE OUTDIR
"""
import io
import json
import os
import re
import sys

from PIL import Image


def main():
    payload_path, image_path, out_dir = sys.argv[1:4]
    with open(payload_path) as f:
        payload = json.load(f)
    with open(image_path, "rb") as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
    width, height = image.size
    tiles = 0
    for ann in payload["annotations"]:
        name = ann["name"].lower()
        if "patch" not in name and "crop" not in name:
            continue
        if "bounding_box" in ann:
            b = ann["bounding_box"]
            x, y, w, h = b["x"], b["y"], b["w"], b["h"]
        else:
            k = ann["keypoint"]
            x, y, w, h = k["x"] - 250, k["y"] - 250, 500, 500
        x = min(max(0, x), width - w)
        y = min(max(0, y), height - h)
        crop = image.crop((int(x), int(y), int(x + w), int(y + h)))
        rows, cols = 1, 1
        m = re.search(r"\((\d+)\s*x\s*(\d+)\)", name)
        if m:
            rows, cols = int(m.group(1)), int(m.group(2))
        tw, th = int(w) // cols, int(h) // rows
        for r in range(rows):
            for c in range(cols):
                tile = crop.crop((c * tw, r * th, (c + 1) * tw, (r + 1) * th))
                tile.save(os.path.join(out_dir, "%s_r%dc%d.png" % (ann["id"], r, c)))
                tiles += 1
    print(json.dumps({"tiles": tiles}))


if __name__ == "__main__":
    main()
