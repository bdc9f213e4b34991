#!/usr/bin/python3
"""Decode memory of a worker process with jobs in flight: peak RSS (VmHWM) of each worker
process and wall time, with the decoded-bytes budget at its default (one image's limit) and
at jobs-in-flight x that (what a process could hold before the budget existed).

N webhooks of large JPEGs through receiver -> Redis -> 2 worker processes (4 jobs in flight
each, direct mode) -> the V7 stand-in, built on bench/pipeline.py's Stack. Every job's image
takes nearly all of --max-decoded-bytes, so the budget lets one decode at a time per process.

Usage: bench/decoded_budget.py [--bin DIR] [--jobs N] [--width W --height H]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline  # noqa: E402  (Stack, make_payloads, http, wait_until)


def worker_children(stack):
    """Pids of the supervisor's worker processes."""
    supervisor = next(p.pid for p, argv in zip(stack.procs, stack.argvs) if "patchq-worker" in argv[0])
    out = subprocess.run(["pgrep", "-P", str(supervisor)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def peak_rss_mb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def metric(body, name):
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return -1


class RecordingStack(pipeline.Stack):
    def start(self, name, argv, env):
        self.argvs = getattr(self, "argvs", [])
        self.argvs.append(argv)
        if name == "worker":  # process n of the supervisor listens on port + n
            self.metrics_port = int(argv[argv.index("--metrics-listen") + 1].rsplit(":", 1)[1])
        super().start(name, argv, env)


def run(args, image, budget):
    work = tempfile.mkdtemp(prefix="patchq-bench-budget-")
    worker_args = ["--jobs-in-flight", "4", "--format", "jpeg", "--max-decoded-bytes",
                   str(args.max_decoded), "--decoded-bytes-budget", str(budget),
                   "--v7-rate", "100000", "--v7-rate-burst", "1000"]
    stack = RecordingStack(args.bin, work, "direct", worker_args, [], {})
    try:
        payloads = pipeline.make_payloads(stack, image, args.jobs, 2, 2, args.width, args.height)
        started = time.monotonic()
        for payload in payloads:
            status, body = pipeline.http("POST", stack.receiver + "/webhook?target=patches",
                                         json.dumps(payload).encode(),
                                         {"Authorization": "Bearer " + pipeline.TOKEN,
                                          "Content-Type": "application/json"})
            if status != 202:
                raise SystemExit("bench/decoded_budget: receiver answered %d" % status)
        pipeline.wait_until("every job done", lambda: stack.stats().get("done", 0) >= args.jobs,
                            timeout=600)
        elapsed = time.monotonic() - started
        children = worker_children(stack)
        rss = [peak_rss_mb(pid) for pid in children]
        peaks, waits = [], 0
        for n in range(len(children)):
            body = pipeline.http("GET", "http://127.0.0.1:%d/metrics" % (stack.metrics_port + n))[1].decode()
            peaks.append(metric(body, "patchq_decoded_bytes_reserved_peak") / 1e6)
            waits += int(metric(body, "patchq_decoded_bytes_waits_total"))
        return {"budget_mb": budget / 1e6, "seconds": elapsed, "rss_mb": rss, "reserved_peak_mb": peaks,
                "waits": waits}
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.environ.get("PATCHQ_BIN", os.path.join(pipeline.REPO, "build", "bin")))
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--width", type=int, default=6000)
    ap.add_argument("--height", type=int, default=4000)
    args = ap.parse_args()
    decoded = args.width * args.height * 3
    args.max_decoded = decoded + decoded // 20  # the image is 95 % of one job's limit
    work = tempfile.mkdtemp(prefix="patchq-bench-budget-img-")
    image = os.path.join(work, "big.jpg")
    subprocess.run(["/usr/bin/python3", "-c", """
import cv2, numpy, sys
w, h = int(sys.argv[1]), int(sys.argv[2])
rng = numpy.random.default_rng(7)
img = cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3), dtype=numpy.uint8), (9, 9), 0)
cv2.imwrite(sys.argv[3], img, [cv2.IMWRITE_JPEG_QUALITY, 90])
""", str(args.width), str(args.height), image], check=True)
    file_mb = os.path.getsize(image) / 1e6
    try:
        results = [run(args, image, args.max_decoded), run(args, image, 4 * args.max_decoded)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d jobs of %dx%d JPEG (%.0f MB decoded, file %.1f MB), 2 worker processes x 4 jobs in "
          "flight, --max-decoded-bytes %.0f MB" % (args.jobs, args.width, args.height, decoded / 1e6,
                                                   file_mb,
                                                   args.max_decoded / 1e6))
    print("| --decoded-bytes-budget | peak RSS per worker process | most reserved at once | waits | wall time |")
    print("| --- | --- | --- | --- | --- |")
    for r in results:
        print("| %.0f MB | %s MB | %s MB | %d | %.1f s |" % (
            r["budget_mb"], " / ".join("%.0f" % x for x in r["rss_mb"]),
            " / ".join("%.0f" % x for x in r["reserved_peak_mb"]), r["waits"], r["seconds"]))


if __name__ == "__main__":
    main()
