#!/usr/bin/python3
"""Engine benchmark (scripts/bench engine): patchq-tile against the Python cv2 loop and
sharp/libvips, on generated images, every engine measured in the same run, runs interleaved so
the machine's load falls on all of them alike. Prints the docs/BENCHMARKS.md engine section.

Per engine and scenario: tiles/s, s/job (wall), CPU s/job (user + sys: what the job costs a
worker's core budget), peak RSS, bytes per tile; medians of --runs runs; ratios to the cv2 loop.
Images are cached in --cache (generation of the 400 Mpx one takes minutes).
Usage: engine.py --bin DIR --cache DIR [--runs 5] [--budget-s 2400] [--no-400]
                 [--scenarios KEY,...] [--engines KEY,...] [--previous docs/BENCHMARKS.md]
With --scenarios, only those are run and the other scenarios keep their text from --previous's
engine section. --engines keeps only those engines (cv2, sharp, sharp1, j1, j2, full) in every
scenario run (a ratio needs both of its engines).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import cv2

HERE = os.path.dirname(os.path.abspath(__file__))


def image(cache, kind, width, height):
    path = os.path.join(cache, "%s_%dx%d.jpg" % (kind, width, height))
    if not os.path.exists(path):
        print("engine bench: generating %s" % path, file=sys.stderr)
        tmp = path + ".tmp.jpg"
        subprocess.run(["nice", "-n", "10", "/usr/bin/python3", os.path.join(HERE, "engine_images.py"),
                        kind, str(width), str(height), tmp], check=True)
        os.replace(tmp, path)
    return path


def payload(width, height, annotations):
    return {"version": "2.0",
            "item": {"name": "bench.jpg", "path": "/",
                     "source_info": {"item_id": "0192c338-0000-7000-8000-00000000bench",
                                     "team": {"slug": "bench"}, "dataset": {"slug": "bench"}},
                     "slots": [{"type": "image", "slot_name": "0", "width": width, "height": height,
                                "source_files": [{"file_name": "bench.jpg", "url": "http://127.0.0.1/x"}]}]},
            "annotations": annotations}


def grid(aid, rows, cols, x, y, w, h):
    name = "patch (%dx%d)" % (rows, cols) if rows * cols > 1 else "patch"
    return {"id": aid, "name": name, "bounding_box": {"x": x, "y": y, "w": w, "h": h}}


def keypoint(aid, x, y):
    return {"id": aid, "name": "patch", "keypoint": {"x": x, "y": y}}


def tile_rects(p, ext):
    """The tiles patchq cuts (docs/ENGINE.md: boxes and grids), for the comparison engines.
    The bench payloads keep every box inside the image with whole-pixel edges."""
    out = []
    for a in p["annotations"]:
        rows, cols = 1, 1
        if "(" in a["name"]:
            rows, cols = [int(v) for v in a["name"].split("(")[1].rstrip(")").split("x")]
        if "keypoint" in a:
            x, y, w, h = a["keypoint"]["x"] - 250, a["keypoint"]["y"] - 250, 500, 500
        else:
            b = a["bounding_box"]
            x, y, w, h = b["x"], b["y"], b["w"], b["h"]
        for r in range(rows):
            for c in range(cols):
                x0, x1 = x + c * w // cols, x + (c + 1) * w // cols
                y0, y1 = y + r * h // rows, y + (r + 1) * h // rows
                out.append({"name": "bench_%s_r%dc%d.%s" % (a["id"], r, c, ext),
                            "x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0})
    return out


def run_once(cmd, out_dir, env=None):
    """Runs cmd once into an emptied out_dir: wall s, CPU s, peak RSS bytes, tile bytes, tiles,
    and from patchq-tile's summary its decode and encode wall ms (0 for the other engines)."""
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    summary = tempfile.TemporaryFile()
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=summary, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    summary.seek(0)
    try:
        phases = json.loads(summary.read().decode(errors="replace"))
    except ValueError:
        phases = {}
    summary.close()
    if not isinstance(phases, dict):
        phases = {}
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit("engine bench: %s failed (%d): %s" % (" ".join(cmd), proc.returncode, err[-2000:]))
    files = os.listdir(out_dir)
    size = sum(os.path.getsize(os.path.join(out_dir, f)) for f in files)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss * 1024,
            "bytes": size, "tiles": len(files), "decode_ms": float(phases.get("decode_ms", 0)),
            "encode_ms": float(phases.get("encode_ms", 0)), "total_ms": float(phases.get("total_ms", 0))}


def ours_by_name(ours_dir):
    """patchq's tile files by the comparison engines' names: patchq's carry the patch's box key
    (`bench_<id>_<8 hex>_r<row>c<col>.<ext>`), the others' do not."""
    return {re.sub(r"_[0-9a-f]{8}(_r\d+c\d+\.)", r"\1", f): os.path.join(ours_dir, f) for f in os.listdir(ours_dir)}


def check_identical(ours_dir, theirs_dir, tiles):
    """Every patchq tile decodes to the same pixels as the cv2 loop's tile of the same name."""
    same = 0
    ours = ours_by_name(ours_dir)
    for t in tiles:
        if t["name"] not in ours:
            continue
        a = cv2.imread(ours[t["name"]], cv2.IMREAD_UNCHANGED)
        b = cv2.imread(os.path.join(theirs_dir, t["name"]), cv2.IMREAD_UNCHANGED)
        if a is not None and b is not None and a.shape == b.shape and (a == b).all():
            same += 1
    return same


def same_content(a, b):
    return os.path.exists(a) and os.path.exists(b) and open(a, "rb").read() == open(b, "rb").read()


def same_bytes(ours_dir, theirs_dir, tiles):
    """Tiles whose files are byte for byte the cv2 loop's (JPEG and WebP: the same encoders)."""
    ours = ours_by_name(ours_dir)
    return sum(1 for t in tiles if same_content(ours.get(t["name"], ""), os.path.join(theirs_dir, t["name"])))


def same_files(a_dir, b_dir):
    """Files of a_dir whose bytes equal b_dir's file of the same name."""
    return sum(1 for f in os.listdir(a_dir) if same_content(os.path.join(a_dir, f), os.path.join(b_dir, f)))


def pngcheck_ok(out_dir):
    files = [os.path.join(out_dir, f) for f in os.listdir(out_dir) if f.endswith(".png")]
    if not files or not shutil.which("pngcheck"):
        return None
    return subprocess.run(["pngcheck", "-q"] + files, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


class Bench:
    def __init__(self, args, work):
        self.args, self.work = args, work
        self.started = time.monotonic()
        self.lines = []
        self.sharp_ok = os.path.exists(os.path.join(HERE, "sharp", "node_modules", "sharp"))

    def engines(self, img, pay, fmt, which):
        if self.args.engines:
            which = [k for k in which if k in self.args.engines]
        tiles_json = os.path.join(self.work, "tiles.json")
        pay_json = os.path.join(self.work, "payload.json")
        ext = {"png": "png", "jpeg": "jpg", "webp": "webp"}[fmt]
        tiles = tile_rects(pay, ext)
        json.dump(tiles, open(tiles_json, "w"))
        json.dump(pay, open(pay_json, "w"))
        tile = [os.path.join(self.args.bin, "patchq-tile"), "--payload", pay_json, "--image", img,
                "--format", fmt]
        table = {
            "cv2": ("Python cv2 loop (imdecode + ROI + imencode, defaults)",
                    ["/usr/bin/python3", os.path.join(HERE, "engine_cv2.py"), img, tiles_json, "{out}", fmt]),
            "sharp": ("sharp/libvips, PNG defaults (level 6), tiles in parallel",
                      ["node", os.path.join(HERE, "sharp", "engine_sharp.js"), img, tiles_json, "{out}", "default"]),
            "sharp1": ("sharp/libvips, PNG level 1, tiles in parallel",
                       ["node", os.path.join(HERE, "sharp", "engine_sharp.js"), img, tiles_json, "{out}", "level1"]),
            "j1": ("patchq-tile --jobs 1", tile + ["--jobs", "1", "--out", "{out}"]),
            "j2": ("patchq-tile --jobs 2", tile + ["--jobs", "2", "--out", "{out}"]),
            "full": ("patchq-tile --jobs 1 --partial-decode=false (full decode)",
                     tile + ["--jobs", "1", "--partial-decode=false", "--out", "{out}"]),
        }
        return [(k, table[k][0], table[k][1]) for k in which if self.sharp_ok or not k.startswith("sharp")], tiles

    def scenario(self, title, img, pay, fmt, which, decoded_bytes=None, shared_decode=False):
        engines, tiles = self.engines(img, pay, fmt, which)
        results = {k: [] for k, _, _ in engines}
        dirs = {k: os.path.join(self.work, "out_" + k) for k, _, _ in engines}
        load = " ".join(open("/proc/loadavg").read().split()[:3])
        started = time.monotonic()
        for run in range(self.args.runs):
            for k, _, cmd in engines:  # interleaved: load changes hit every engine alike
                results[k].append(run_once([c.replace("{out}", dirs[k]) for c in cmd], dirs[k]))
        med = {k: {m: statistics.median(r[m] for r in rs) for m in rs[0]} for k, rs in results.items()}
        base = med.get("cv2")
        self.lines += ["", "### " + title, "",
                       "%d tiles a job, %s tiles; %d runs each, interleaved, in %.0f s; load average before: %s." % (
                           len(tiles), fmt.upper(), self.args.runs, time.monotonic() - started, load), "",
                       "| engine | tiles/s | s/job | CPU s/job | tiles per CPU s | peak RSS MB | bytes/tile | tiles/s vs cv2 | tiles per CPU s vs cv2 | bytes vs cv2 |",
                       "|---|---|---|---|---|---|---|---|---|---|"]
        for k, label, _ in engines:
            m = med[k]
            ratio = "%.2fx" % (base["wall"] / m["wall"]) if base else ""
            cpu_ratio = "%.2fx" % (base["cpu"] / m["cpu"]) if base else ""
            size = "%.3f" % (m["bytes"] / base["bytes"]) if base else ""
            self.lines.append("| %s | %.1f | %.3f | %.3f | %.1f | %.0f | %.0f | %s | %s | %s |" % (
                label, m["tiles"] / m["wall"], m["wall"], m["cpu"], m["tiles"] / m["cpu"], m["rss"] / 1e6,
                m["bytes"] / m["tiles"], ratio, cpu_ratio, size))
        notes = []
        if "j1" in med and "j2" in med:
            notes.append("one job on 2 threads takes **%.2fx** its 1-thread time (wall; CPU %.2fx)" % (
                med["j2"]["wall"] / med["j1"]["wall"], med["j2"]["cpu"] / med["j1"]["cpu"]))
            dec, enc = med["j1"]["decode_ms"], med["j1"]["encode_ms"]
            if dec + enc > 0:
                # Two threads overlap encoding with the decode and share the encoding: at best
                # the longer of the decode and half of all the work, or just the half when the
                # decode is shared too.
                best = (dec + enc) / 2 if shared_decode else max(dec, (dec + enc) / 2)
                notes.append("`--jobs 1` spends %.0f %% of its decode + encode time decoding, so 2 threads "
                             "could take at best %.2fx of it%s" % (
                                 100 * dec / (dec + enc), best / (dec + enc),
                                 " (the decode is split between them too)" if shared_decode else ""))
                t1, t2 = med["j1"]["total_ms"], med["j2"]["total_ms"]
                if t1 > 0 and t2 > 0:
                    # The process around the tiling (start-up, reading the file, writing the
                    # summary, exit) is serial: the wall ratio can at best be this much.
                    rest = 1000 * med["j1"]["wall"] - t1
                    notes.append("inside the process (patchq-tile's `total_ms`, header check to the last tile) 2 threads "
                                 "take **%.2fx** of 1 thread's %.0f ms; the rest of a job's wall time, %.0f ms, is the "
                                 "process around it (start-up, reading the file, exit), one thread, so the wall ratio "
                                 "can at best be %.2fx" % (
                                     t2 / t1, t1, rest, (rest + best) / (rest + dec + enc)))
                notes.append("the 2-thread job had %.2f cores on average (CPU s / wall s; 2.00 would be both "
                             "cores the whole time)" % (med["j2"]["cpu"] / med["j2"]["wall"]))
        if "j1" in med and "full" in med:
            notes.append("partial decode is **%.2fx** faster than the full decode in CPU time (%.2fx wall; peak RSS %.0f vs %.0f MB)" % (
                med["full"]["cpu"] / med["j1"]["cpu"], med["full"]["wall"] / med["j1"]["wall"],
                med["j1"]["rss"] / 1e6, med["full"]["rss"] / 1e6))
        if decoded_bytes and "j1" in med:
            notes.append("peak RSS of `--jobs 1` is %.0f MB against the bound 1.5 x %.0f MB decoded + 64 MiB = %.0f MB" % (
                med["j1"]["rss"] / 1e6, decoded_bytes / 1e6, (1.5 * decoded_bytes + (64 << 20)) / 1e6))
        if "j1" in dirs and "j2" in dirs:
            notes.append("`--jobs 2` wrote the same tiles as `--jobs 1`, byte for byte: %d of %d" % (
                same_files(dirs["j2"], dirs["j1"]), len(tiles)))
        if "cv2" in dirs and "j1" in dirs and fmt != "png":
            notes.append("patchq's tiles are byte for byte the cv2 loop's (same encoder): %d of %d" % (
                same_bytes(dirs["j1"], dirs["cv2"], tiles), len(tiles)))
        if "cv2" in dirs and "j1" in dirs and fmt == "png":
            same = check_identical(dirs["j1"], dirs["cv2"], tiles)
            notes.append("patchq's tiles decode pixel-identical to the cv2 loop's: %d of %d" % (same, len(tiles)))
            ok = pngcheck_ok(dirs["j1"])
            if ok is not None:
                notes.append("pngcheck on patchq's tiles: %s" % ("all pass" if ok else "**FAILED**"))
        if notes:
            self.lines += [""] + ["- " + n + "." for n in notes]
        print("engine bench: %s done (%.0f s so far)" % (title, time.monotonic() - self.started), file=sys.stderr)

    def over_budget(self):
        return time.monotonic() - self.started > self.args.budget_s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--budget-s", type=float, default=2400,
                    help="start no scenario after the first two once this many seconds have passed")
    ap.add_argument("--no-400", action="store_true")
    ap.add_argument("--scenarios", type=lambda v: v.split(","), default=None,
                    help="comma-separated scenario keys to run (default: all): " + ", ".join(SCENARIO_KEYS))
    ap.add_argument("--engines", type=lambda v: v.split(","), default=None,
                    help="comma-separated engine keys to keep: cv2, sharp, sharp1, j1, j2, full")
    ap.add_argument("--previous", default=os.path.join(HERE, "..", "docs", "BENCHMARKS.md"),
                    help="where the scenarios not run keep their text from (its engine section)")
    args = ap.parse_args()
    unknown = [k for k in (args.scenarios or []) if k not in SCENARIO_KEYS]
    if unknown:
        ap.error("unknown scenario %s (known: %s)" % (", ".join(unknown), ", ".join(SCENARIO_KEYS)))
    os.makedirs(args.cache, exist_ok=True)
    work = tempfile.mkdtemp(prefix="patchq-engine-bench-")
    try:
        bench = Bench(args, work)
        std = lambda w, h: payload(w, h, [grid("a-grid", 4, 6, 200, 150, 4800, 3200), grid("a-one", 1, 1, 5000, 3000, 900, 900),
                                          grid("a-two", 2, 2, 100, 3300, 1200, 600), keypoint("a-key", 3000, 2000)])
        all_png = ["cv2", "sharp", "sharp1", "j1", "j2"]
        big = payload(20000, 20000, [grid("a-grid", 2, 2, 8000, 8000, 4000, 4000), grid("a-one", 1, 1, 1000, 15000, 2000, 2000),
                                     keypoint("a-key", 17000, 3000)])
        sparse = payload(20000, 20000, [keypoint("k%d" % i, 1000 + (i * 7919) % 18000, 1000 + i * 1990) for i in range(10)])
        n24, s24 = (6000, 4000), (6000, 4000)
        # In order of importance: later ones are left out when the time budget is spent.
        scenarios = [
            ("noisy photo-like 24 Mpx JPEG (6000x4000), PNG tiles", "noisy", n24, std(*n24), "png", all_png),
            ("smooth photo-like 24 Mpx JPEG (6000x4000), PNG tiles", "smooth", s24, std(*s24), "png", all_png),
            ("sparse: 10 keypoint patches (500x500) on a noisy 400 Mpx JPEG (20000x20000), PNG tiles",
             "noisy", (20000, 20000), sparse, "png", ["j1", "full"]),
            ("sparse: the same on the noisy 400 Mpx JPEG with a restart marker after every MCU row, PNG tiles",
             "noisy-rst", (20000, 20000), sparse, "png", ["j1", "full"]),
            ("noisy 24 Mpx JPEG, JPEG tiles (quality 90)", "noisy", n24, std(*n24), "jpeg", ["cv2", "j1", "j2"]),
            ("noisy 24 Mpx JPEG, WebP tiles (quality 90)", "noisy", n24, std(*n24), "webp", ["cv2", "j1", "j2"]),
            ("noisy 24 Mpx JPEG with a restart marker after every MCU row, PNG tiles",
             "noisy-rst", n24, std(*n24), "png", ["cv2", "j1", "j2"]),
            ("sparse: 10 keypoint patches (500x500) on a smooth 400 Mpx JPEG, PNG tiles",
             "smooth", (20000, 20000), sparse, "png", ["j1", "full"]),
            ("noisy 400 Mpx JPEG, a 2x2 grid of a 4000 px box and two more patches, PNG tiles",
             "noisy", (20000, 20000), big, "png", ["cv2", "sharp1", "j1", "j2"]),
            ("the same on the noisy 400 Mpx JPEG with a restart marker after every MCU row (2 threads decode its bands at once)",
             "noisy-rst", (20000, 20000), big, "png", ["j1", "j2"]),
        ]
        assert len(scenarios) == len(SCENARIO_KEYS)
        previous = previous_blocks(args.previous) if args.scenarios else {}
        kept = []
        skipped = []
        for i, (title, kind, size, pay, fmt, which) in enumerate(scenarios):
            if args.scenarios and SCENARIO_KEYS[i] not in args.scenarios:
                if title in previous:
                    bench.lines += previous[title]
                    kept.append(title)
                continue
            if size[0] * size[1] > 100_000_000 and args.no_400:
                skipped.append(title + " (--no-400)")
                continue
            if i >= 2 and bench.over_budget():
                skipped.append(title + " (time budget)")
                continue
            bench.scenario(title, image(args.cache, kind, *size), pay, fmt, which,
                           size[0] * size[1] * 3 if fmt == "png" else None,
                           SCENARIO_KEYS[i] in SHARED_DECODE)
        print("## Engine: patchq-tile against the Python cv2 loop and sharp/libvips")
        print()
        print("Written by `scripts/bench engine` (bench/engine.py) on %s, %d cores; Python cv2 %s (Debian), sharp %s." % (
            time.strftime("%Y-%m-%d"), os.cpu_count(), cv2.__version__, sharp_version() if bench.sharp_ok else "not installed"))
        print("The images are generated (bench/engine_images.py): photo-like colour waves, noisy with grain of sigma 12 or smooth, JPEG")
        print("quality 92 (`noisy-rst`: the noisy pixels with a restart marker after every MCU row). Wall and CPU times are per job (one process: read, decode, cut, encode, write the tiles); medians.")
        print("CPU s/job is what a job costs a worker's cores; tiles per CPU s is the one-core throughput, and the fair")
        print("measure when the box is loaded (then wall time mostly measures the scheduler). Compare ratios within one table.")
        if kept:
            print("Only some scenarios were re-run on %s (%s); the others' text is from the previous run: %s." % (
                time.strftime("%Y-%m-%d"), ", ".join(args.scenarios), "; ".join(kept)))
        print("\n".join(bench.lines))
        if skipped:
            print()
            print("Not run: " + "; ".join(skipped) + ".")
    finally:
        shutil.rmtree(work, ignore_errors=True)


# Scenarios whose decode both threads share (restart excerpts of a region decode, decoded at once).
SHARED_DECODE = {"big-rst-png"}
SCENARIO_KEYS = ["noisy-png", "smooth-png", "sparse-noisy", "sparse-noisy-rst", "noisy-jpeg", "noisy-webp",
                 "noisy-rst-png", "sparse-smooth", "big-png", "big-rst-png"]


def previous_blocks(doc):
    """The engine section's scenario blocks in doc, by title: each `### title` and its lines up to
    the next heading."""
    if not os.path.exists(doc):
        return {}
    text = open(doc).read()
    begin, end = "<!-- engine:begin -->", "<!-- engine:end -->"
    if begin not in text or end not in text:
        return {}
    blocks, title = {}, None
    for line in text[text.index(begin) + len(begin):text.index(end)].split("\n"):
        if line.startswith("### "):
            title = line[4:]
            blocks[title] = ["", line]
        elif line.startswith("Not run: ") or line.startswith("#"):
            title = None
        elif title is not None:
            blocks[title].append(line)
    for lines in blocks.values():
        while lines and not lines[-1].strip():
            lines.pop()
    return blocks


def sharp_version():
    out = subprocess.run(["node", "-e", "const s=require('sharp');console.log(s.versions.sharp+' (libvips '+s.versions.vips+')')"],
                         cwd=os.path.join(HERE, "sharp"), capture_output=True, text=True)
    return out.stdout.strip() or "?"


if __name__ == "__main__":
    main()
