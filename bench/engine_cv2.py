#!/usr/bin/python3
"""The engine benchmark's baseline: what a user writes with OpenCV from Python (Debian's
python3-opencv). One imdecode of the whole file, then per tile an ROI view and imencode with
OpenCV's defaults (PNG: no parameters, its fastest setting; JPEG and WebP: quality 90, as
patchq-tile's default), each tile written to OUTDIR under the name patchq gives it.
Usage: engine_cv2.py IMAGE TILES.json OUTDIR png|jpeg|webp
TILES.json: [{"name": ..., "x": ..., "y": ..., "w": ..., "h": ...}, ...]
"""
import json
import os
import sys

import cv2
import numpy as np


def main():
    image_path, tiles_path, out_dir, fmt = sys.argv[1:5]
    with open(tiles_path) as f:
        tiles = json.load(f)
    with open(image_path, "rb") as f:
        data = np.frombuffer(f.read(), np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    ext, params = {"png": (".png", []), "jpeg": (".jpg", [cv2.IMWRITE_JPEG_QUALITY, 90]),
                   "webp": (".webp", [cv2.IMWRITE_WEBP_QUALITY, 90])}[fmt]
    total = 0
    for t in tiles:
        ok, encoded = cv2.imencode(ext, image[t["y"]:t["y"] + t["h"], t["x"]:t["x"] + t["w"]], params)
        if not ok:
            sys.exit("engine_cv2.py: imencode failed for " + t["name"])
        with open(os.path.join(out_dir, t["name"]), "wb") as f:
            f.write(encoded.tobytes())
        total += len(encoded)
    print(json.dumps({"tiles": len(tiles), "bytes": total}))


if __name__ == "__main__":
    main()
