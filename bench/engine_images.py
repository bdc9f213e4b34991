#!/usr/bin/python3
"""Synthetic photo-like images for the engine benchmark, written as JPEG (quality 92, 4:2:0).

noisy: colour gradients and waves with sensor-like grain (sigma 12): the hard case for PNG and
the JPEG decoder's Huffman stage. smooth: the same without grain (compresses ~15x as PNG).
noisy-rst: the noisy pixels written with a restart marker after every MCU row, as many cameras
write them (the region decode then skips the entropy-coded data between patches).
Generated in strips of rows so a 400 Mpx image needs only its own 1.2 GB, not float copies.
Usage: engine_images.py noisy|smooth|noisy-rst WIDTH HEIGHT OUT.jpg
"""
import sys

import cv2
import numpy as np


def make(kind, width, height):
    rng = np.random.default_rng(15)
    image = np.empty((height, width, 3), np.uint8)
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    for y0 in range(0, height, 1000):
        y = (np.arange(y0, min(height, y0 + 1000), dtype=np.float32) / height)[:, None]
        for c, (a, b) in enumerate([(3.0, 2.0), (5.0, 1.5), (2.0, 4.0)]):
            channel = 128 + 60 * np.sin(a * np.pi * x + c) * np.cos(b * np.pi * y)
            channel = channel + 40 * np.sin(9 * x * y + c)
            if kind.startswith("noisy"):
                channel = channel + rng.standard_normal(channel.shape, dtype=np.float32) * 12
            image[y0:y0 + channel.shape[0], :, c] = np.clip(channel, 0, 255).astype(np.uint8)
    return image


def main():
    kind, width, height, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    if kind not in ("noisy", "smooth", "noisy-rst"):
        sys.exit("engine_images.py: kind must be noisy, smooth or noisy-rst")
    params = [cv2.IMWRITE_JPEG_QUALITY, 92]
    if kind == "noisy-rst":
        params += [cv2.IMWRITE_JPEG_RST_INTERVAL, (width + 15) // 16]  # 4:2:0: 16 px per MCU
    if not cv2.imwrite(out, make(kind, width, height), params):
        sys.exit("engine_images.py: cannot write " + out)


if __name__ == "__main__":
    main()
