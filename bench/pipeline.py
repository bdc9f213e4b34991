#!/usr/bin/python3
"""Pipeline benchmark: N webhooks through receiver -> Redis -> 2 worker processes -> the V7
stand-in with V7's rate limit enforced, once per upload mode, and in the same run the engine
alone (patchq-tile on the same images, the same number of processes).

Reports per mode: tiles/s end to end, V7 API calls per tile (counted by the stand-in: every
request to its API, image downloads included; storage PUTs are not API calls), queued->done
p50/p99, and the fleet ceiling one API key allows (1000 calls/min / calls per tile). Prints a
Markdown section (scripts/bench puts it into docs/BENCHMARKS.md).

Usage: bench/pipeline.py [--bin DIR] [--jobs N] [--modes register,direct,...] [--rows R --cols C]
                         [--then-jobs M [--then-modes s3,azure]]  (a second run, M webhooks)
Needs redis-server and a built patchq (build/bin). Storage modes (s3, azure) also need the
emulators of tests/storage (npm, see docs/STORAGE.md); they are skipped with a note otherwise.
"""
import argparse
import datetime
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
API_KEY = "bench-key"
TOKEN = "bench-token"
TEAM = "bench-team"


# What each part of the stack spent of the machine's CPU: on 2 shared cores the storage
# emulators and the stand-in (V7's and the bucket's side, not patchq's) take CPU the workers
# would otherwise have, so the end-to-end ratio alone understates what the workers can do.
CPU_PARTS = {"patchq-worker": "workers", "patchq-v7sim": "stand-in", "node": "emulator",
             "patchq-bench-bu": "emulator",  # patchq-bench-bucket (comm is 15 characters)
             "patchq-receiver": "receiver", "redis-server": "redis"}


def cpu_snapshot():
    """CPU seconds (user + system) of every live descendant of this process, by pid."""
    ticks = os.sysconf("SC_CLK_TCK")
    procs = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = open("/proc/%s/stat" % pid).read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        procs[int(pid)] = (int(fields[1]), comm, (int(fields[11]) + int(fields[12])) / ticks)
    mine, frontier = {}, [os.getpid()]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, comm, seconds) in procs.items():
            if ppid == parent and pid not in mine:
                mine[pid] = (comm, seconds)
                frontier.append(pid)
    return mine


def cpu_by_part(before, after):
    parts = {}
    for pid, (comm, seconds) in after.items():
        part = CPU_PARTS.get(comm, "other")
        parts[part] = parts.get(part, 0.0) + seconds - before.get(pid, (comm, 0.0))[1]
    return parts


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None, timeout=30):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_until(what, check, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit("bench/pipeline: %s did not happen within %d s" % (what, timeout))


SIM_TMPFS = "/dev/shm"


class Stack:
    """Redis + stand-in + receiver + worker pool, in one temp dir, stopped on exit."""

    def __init__(self, bindir, work, mode, worker_args, sim_args, env):
        self.bindir, self.work, self.procs = bindir, work, []
        self.redis_port, self.sim_port, self.recv_port = free_port(), free_port(), free_port()
        self.sim = "http://127.0.0.1:%d" % self.sim_port
        self.receiver = "http://127.0.0.1:%d" % self.recv_port
        self.redis_url = "redis://127.0.0.1:%d/0" % self.redis_port
        base_env = dict(os.environ, V7_API_KEY=API_KEY, **env)
        self.start("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                             "--dir", work, "--appendonly", "yes", "--appendfsync", "everysec",
                             "--save", ""], base_env)
        # The stand-in's files are V7's side of the run: in memory where the machine has a
        # tmpfs, so its file-system work does not take the workers' cores.
        self.sim_dir = tempfile.mkdtemp(prefix="patchq-bench-v7-", dir=SIM_TMPFS if os.path.isdir(SIM_TMPFS) else None)
        self.start("v7sim", [os.path.join(bindir, "patchq-v7sim"), "--listen",
                             "127.0.0.1:%d" % self.sim_port, "--team", TEAM, "--data-dir",
                             self.sim_dir, "--enforce-rate-limit"] + sim_args, base_env)
        wait_until("redis", lambda: subprocess.run(
            ["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True).returncode == 0)
        self.start("receiver", [os.path.join(bindir, "patchq-receiver"), "--listen",
                                "127.0.0.1:%d" % self.recv_port, "--threads", "2", "--redis",
                                self.redis_url, "--webhook-token", TOKEN], base_env)
        self.start("worker", [os.path.join(bindir, "patchq-worker"), "--processes", "2",
                              "--redis", self.redis_url, "--v7-api-url", self.sim,
                              "--allow-private-hosts", "--create-target", "--upload-mode", mode,
                              "--metrics-listen", "127.0.0.1:%d" % free_port()] + worker_args,
                   base_env)
        wait_until("the stand-in", lambda: http("GET", self.sim + "/_sim/health")[0] == 200)
        wait_until("the receiver", lambda: http("GET", self.receiver + "/readyz")[0] == 200)

    def start(self, name, argv, env):
        log = open(os.path.join(self.work, name + ".log"), "w")
        self.procs.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env))

    def stop(self):
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.sim_dir, ignore_errors=True)

    def stats(self):
        out = subprocess.run([os.path.join(self.bindir, "patchqctl"), "--redis", self.redis_url,
                              "stats", "--json"], capture_output=True, text=True, check=True)
        return json.loads(out.stdout)

    def job_times(self, job_id):
        out = subprocess.run(["redis-cli", "-p", str(self.redis_port), "HMGET",
                              "patchq:job:" + job_id, "received_at", "finished_at", "status"],
                             capture_output=True, text=True, check=True).stdout.split("\n")
        return int(out[0]), int(out[1]), out[2]


def make_payloads(stack, image, jobs, rows, cols, width, height):
    payloads = []
    data = open(image, "rb").read()
    for i in range(jobs):
        status, body = http("POST", stack.sim + "/_sim/datasets/source/images?name=img%03d.jpg" % i,
                            data, {"Content-Type": "image/jpeg"})
        if status != 201:
            raise SystemExit("bench/pipeline: the stand-in refused the image: %d %s" % (status, body[:200]))
        payload = json.loads(body)
        payload["annotations"] = [{
            "id": "0192c338-bbbb-7000-8000-%012d" % i, "name": "patch (%dx%d)" % (rows, cols),
            "slot_names": ["0"],
            "bounding_box": {"x": 50, "y": 50, "w": width - 100, "h": height - 100}}]
        payloads.append(payload)
    return payloads


def jobs_in_flight(worker_log):
    """The workers' --jobs-in-flight as their worker_started lines say (the mode's default)."""
    seen = set()
    for line in open(worker_log, errors="replace"):
        if '"worker_started"' in line:
            try:
                seen.add(json.loads(line).get("jobs_in_flight"))
            except ValueError:
                pass
    return "/".join(str(n) for n in sorted(n for n in seen if n is not None)) or "?"


def run_mode(args, mode, image, storage):
    work = tempfile.mkdtemp(prefix="patchq-bench-pipeline-")
    worker_args, sim_args, env = [], [], {}
    if storage is not None:
        worker_args, sim_args, env = storage(work)
    upload_mode = mode if mode in ("register", "direct") else "direct"
    stack = Stack(args.bin, work, upload_mode, worker_args, sim_args, env)
    try:
        payloads = make_payloads(stack, image, args.jobs, args.rows, args.cols, args.width, args.height)
        http("POST", stack.sim + "/_sim/stats/reset")
        cpu_before = cpu_snapshot()
        started = time.monotonic()
        job_ids = []
        for payload in payloads:
            status, body = http("POST", stack.receiver + "/webhook?target=patches",
                                json.dumps(payload).encode(),
                                {"Authorization": "Bearer " + TOKEN,
                                 "Content-Type": "application/json"})
            if status != 202:
                raise SystemExit("bench/pipeline: receiver answered %d: %s" % (status, body[:200]))
            job_ids.append(json.loads(body)["job_id"])

        def finished():
            s = stack.stats()
            if s.get("dead", 0):
                raise SystemExit("bench/pipeline: %s: a job died; see %s" % (mode, work))
            return s.get("done", 0) >= len(job_ids)
        wait_until("%s: every job done" % mode, finished, timeout=args.timeout)
        elapsed = time.monotonic() - started
        cpu = cpu_by_part(cpu_before, cpu_snapshot())
        in_flight = jobs_in_flight(os.path.join(work, "worker.log"))
        sim_stats = json.loads(http("GET", stack.sim + "/_sim/stats")[1])
        items = json.loads(http("GET", stack.sim + "/_sim/datasets/patches/items")[1])["items"]
        tiles = len(items)
        expected = args.jobs * args.rows * args.cols
        if tiles != expected:
            raise SystemExit("bench/pipeline: %s: %d tiles arrived, %d expected" % (mode, tiles, expected))
        latencies = []
        for job_id in job_ids:
            received, finished_at, status = stack.job_times(job_id)
            latencies.append(finished_at - received)
        endpoints = sim_stats["endpoints"]
        calls = sum(v["total"] for k, v in endpoints.items() if not k.startswith("storage") and k != "unmatched")
        upload_calls = sum(endpoints.get(k, {}).get("total", 0) for k in
                           ("register_upload", "sign", "confirm", "direct_upload",
                            "register_existing", "register_existing_readonly"))
        registration_calls = sum(endpoints.get(k, {}).get("total", 0) for k in
                                 ("register_existing", "register_existing_readonly"))
        limited = sum(int(v["by_status"].get("429", 0)) for v in endpoints.values())
        registration_ms = sum(endpoints.get(k, {}).get("handling_ms", 0) for k in
                              ("register_existing", "register_existing_readonly"))
        mean_bytes = statistics.mean(i["bytes"] for i in items)
        return {"mode": mode, "tiles": tiles, "seconds": elapsed, "tiles_per_s": tiles / elapsed,
                "calls": calls, "calls_per_tile": calls / tiles, "upload_calls_per_tile": upload_calls / tiles,
                "p50_ms": statistics.median(latencies),
                "p99_ms": sorted(latencies)[min(len(latencies) - 1, int(0.99 * len(latencies)))],
                "registration_calls_per_tile": registration_calls / tiles,
                "registration_calls": registration_calls, "registration_s": registration_ms / 1000.0,
                "rejected_429": limited, "tile_bytes": mean_bytes, "jobs_in_flight": in_flight, "cpu": cpu,
                "endpoints": {k: v["total"] for k, v in endpoints.items()}}
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)


def engine_alone(args, image, payload_dir, processes=2):
    """patchq-tile on the same jobs, `processes` at a time: what the workers' CPUs can do."""
    outs = tempfile.mkdtemp(prefix="patchq-bench-engine-")
    files = sorted(os.listdir(payload_dir))
    started = time.monotonic()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    running, tiles = [], 0
    for i, name in enumerate(files):
        out = os.path.join(outs, str(i))
        os.makedirs(out)
        running.append(subprocess.Popen([os.path.join(args.bin, "patchq-tile"), "--payload",
                                         os.path.join(payload_dir, name), "--image", image,
                                         "--out", out], stdout=subprocess.DEVNULL))
        if len(running) == processes:
            running.pop(0).wait()
    for p in running:
        p.wait()
    elapsed = time.monotonic() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (children.ru_utime - children_before.ru_utime) + (children.ru_stime - children_before.ru_stime)
    for d in os.listdir(outs):
        tiles += len(os.listdir(os.path.join(outs, d)))
    shutil.rmtree(outs, ignore_errors=True)
    return {"tiles": tiles, "seconds": elapsed, "tiles_per_s": tiles / elapsed,
            "cpu_per_tile": cpu / tiles}


def measure(args):
    """Runs the engine and every mode of args.modes with args.jobs webhooks."""
    work = tempfile.mkdtemp(prefix="patchq-bench-")
    try:
        image = os.path.join(work, "photo.jpg")
        subprocess.run([os.path.join(args.bin, "patchq-demo-kit"), "make-image", "--out", image,
                        "--width", str(args.width), "--height", str(args.height)], check=True)
        # The engine's payloads: the same annotations the webhooks carry.
        payload_dir = os.path.join(work, "payloads")
        os.makedirs(payload_dir)
        for i in range(args.jobs):
            payload = {"version": "2.0", "item": {
                "name": "img%03d.jpg" % i, "path": "/",
                "source_info": {"item_id": "0192c338-cccc-7000-8000-%012d" % i,
                                "team": {"slug": TEAM}, "dataset": {"slug": "source"}},
                "slots": [{"type": "image", "slot_name": "0", "width": args.width, "height": args.height,
                           "source_files": [{"file_name": "img.jpg", "url": "http://127.0.0.1/x"}]}]},
                "annotations": [{"id": "0192c338-bbbb-7000-8000-%012d" % i,
                                 "name": "patch (%dx%d)" % (args.rows, args.cols),
                                 "bounding_box": {"x": 50, "y": 50, "w": args.width - 100,
                                                  "h": args.height - 100}}]}
            json.dump(payload, open(os.path.join(payload_dir, "%03d.json" % i), "w"))

        storage_modes = {}
        try:
            sys.path.insert(0, os.path.join(REPO, "bench"))
            import pipeline_storage  # noqa: E402  (the emulators; absent until installed)
            storage_modes = pipeline_storage.modes(REPO)
            storage_modes.update(pipeline_storage.memory_modes(args.bin))
        except ImportError:
            pass

        # The engine runs between the modes too: on a shared machine its rate drifts, and the
        # median of the runs around the modes is the fairest baseline for all of them.
        engines = [engine_alone(args, image, payload_dir)]
        results, skipped = [], []
        for mode in args.modes.split(","):
            if mode in ("register", "direct"):
                results.append(run_mode(args, mode, image, None))
            elif mode in storage_modes:
                results.append(run_mode(args, mode, image, storage_modes[mode]))
            else:
                skipped.append(mode)
                continue
            engines.append(engine_alone(args, image, payload_dir))
            print("bench/pipeline: %s done" % mode, file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return engines, results, skipped


def report(args, engines, results, skipped, first):
    """Prints one run's figures: the section's head and tables (first), or a sub-section."""
    engine_rate = statistics.median(e["tiles_per_s"] for e in engines)
    if first:
        print("## Pipeline: webhooks to tiles in V7 under V7's API budget")
    else:
        print("### The same with %d webhooks (%s)" % (args.jobs, args.modes.replace(",", ", ")))
    print()
    print("Measured %s on %d cores; load average before the run: %s. %d webhooks, each a %dx%d JPEG "
          "with one `patch (%dx%d)` box (%d PNG tiles a job), through receiver -> Redis -> 2 worker "
          "processes -> the V7 stand-in enforcing 1000 requests/min per key (the workers' fleet "
          "limiter at its default 900/min). API calls are counted by the stand-in: every request to "
          "its API, the image download included; storage PUTs are not API calls. The fleet "
          "ceiling is 1000 calls/min / calls per tile (the storage modes here register read-write "
          "storage, whose registrations count like any call; V7's 100 a minute are for "
          "read-only storage)." % (
              datetime.date.today(), os.cpu_count(), " ".join(open("/proc/loadavg").read().split()[:3]),
              args.jobs, args.width, args.height, args.rows, args.cols, args.rows * args.cols))
    if args.note and first:
        print()
        print(args.note)
    print()
    print("Engine alone (patchq-tile, 2 processes at a time, the same jobs, run before and after "
          "each mode): %s tiles/s; ratios use the median, %.1f tiles/s." % (
              ", ".join("%.1f" % e["tiles_per_s"] for e in engines), engine_rate))
    print()
    print("| mode | tiles/s | vs engine | API calls/tile | upload calls/tile | registrations/tile (tiles a call) | queued->done p50 / p99 | fleet ceiling per key | 429s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        # The key's 1000 calls a minute (read-write registrations among them).
        ceiling = 1000.0 / 60.0 / r["calls_per_tile"]
        registrations = "-"
        if r["registration_calls_per_tile"] > 0:
            registrations = "%.3f (%.1f)" % (r["registration_calls_per_tile"],
                                             1.0 / r["registration_calls_per_tile"])
        print("| %s | %.1f | %.2fx | %.3f | %.3f | %s | %.0f / %.0f ms | %.0f tiles/s | %d |" % (
            r["mode"], r["tiles_per_s"], r["tiles_per_s"] / engine_rate, r["calls_per_tile"],
            r["upload_calls_per_tile"], registrations, r["p50_ms"], r["p99_ms"], ceiling,
            r["rejected_429"]))
    print()
    print("Jobs in flight per worker process (`--jobs-in-flight`, each mode's default unless "
          "PATCHQ_JOBS_IN_FLIGHT was set): %s." % ", ".join(
              "%s %s" % (r["mode"], r["jobs_in_flight"]) for r in results))
    print()
    print("Mean tile size %.0f KB. API calls by endpoint: %s." % (
        statistics.mean(r["tile_bytes"] for r in results) / 1000 if results else 0,
        "; ".join("%s: %s" % (r["mode"], ", ".join("%s %d" % kv for kv in sorted(r["endpoints"].items()) if kv[1]))
                  for r in results)))
    engine_cpu = statistics.median(e["cpu_per_tile"] for e in engines)
    print()
    print("Where the CPU went (CPU seconds in each mode's measured window, from /proc). The "
          "workers' CPU per tile against the engine's (%.1f ms a tile, median) tells what the "
          "workers would do with the cores to themselves, as beside real V7 and a real bucket; "
          "the bucket (an emulator, or for the -memory modes patchq-bench-bucket, an object store "
          "in memory) and the stand-in are the bucket's and V7's side, here on the same 2 "
          "cores." % (engine_cpu * 1000))
    print()
    print("| mode | workers ms/tile | engine / workers CPU | workers s | stand-in s | bucket s | receiver + redis s | other s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        c = r["cpu"]
        workers = c.get("workers", 0.0)
        print("| %s | %.1f | %.2fx | %.1f | %.1f | %.1f | %.1f | %.1f |" % (
            r["mode"], workers / r["tiles"] * 1000, engine_cpu * r["tiles"] / workers if workers else 0,
            workers, c.get("stand-in", 0.0), c.get("emulator", 0.0),
            c.get("receiver", 0.0) + c.get("redis", 0.0), c.get("other", 0.0)))
    stored = [r for r in results if r["cpu"].get("emulator", 0.0) > 0 and r["cpu"].get("workers")]
    if stored:
        print()
        print("In the storage modes the bucket (the emulators are single-threaded Node "
              "processes) spent %s the workers' CPU on the same two cores; compare the workers' "
              "ms/tile with direct mode's above to see what the storage modes cost patchq "
              "itself." % ", ".join(
                  "%.1fx (%s)" % (r["cpu"]["emulator"] / r["cpu"]["workers"], r["mode"]) for r in stored))
    registering = [r for r in results if r["registration_calls"]]
    if registering:
        print()
        print("Time the stand-in spent answering register_existing, which checks every registered "
              "object in the bucket (a ranged read of its first bytes): %s. The "
              "registration desk makes one call at a time and a job is acknowledged only after "
              "its call, so this time is on the jobs' path; V7 documents no such check inside the "
              "call (it makes thumbnails of read-write storage afterwards), so against V7 "
              "this part is V7's own time, not the emulator's." % "; ".join(
                  "%s %d calls, %.1f s of the run's %.1f s (%.0f %%)" % (
                      r["mode"], r["registration_calls"], r["registration_s"], r["seconds"],
                      100.0 * r["registration_s"] / r["seconds"]) for r in registering))
    if first and any(r["registration_calls_per_tile"] > 0 for r in results):
        print()
        print("Storage modes share registrations across jobs (the registration desk in Redis, "
              "docs/STORAGE.md): a call carries up to 100 tiles of any job, and read-write "
              "registrations spend the key's budget like any call (read-only ones also V7's 100 "
              "a minute, paced at 90/min). Each worker process keeps "
              "several jobs in flight in these modes, so while some wait for their registration "
              "the process tiles the others and their tiles fill the same calls; with 2 "
              "processes up to 2 x jobs in flight jobs wait at a time.")
        per_job = args.rows * args.cols
        if all(r["registration_calls_per_tile"] * per_job >= 0.95
               for r in results if r["registration_calls_per_tile"] > 0):
            print()
            print("In this run every registration call carried one job's tiles: jobs finished "
                  "more slowly than tokens came, so each found a token at once and none had to "
                  "wait for another; the budget did not limit this run.")
    if skipped:
        print()
        print("Not measured in this run: %s (the storage emulators were not available)." % ", ".join(skipped))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.environ.get("PATCHQ_BIN", os.path.join(REPO, "build", "bin")))
    ap.add_argument("--jobs", type=int, default=12)
    ap.add_argument("--rows", type=int, default=4)
    ap.add_argument("--cols", type=int, default=5)
    ap.add_argument("--width", type=int, default=2400)
    ap.add_argument("--height", type=int, default=1800)
    ap.add_argument("--modes", default="register,direct,s3,azure")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--then-jobs", type=int, default=0,
                    help="after the run, measure --then-modes again with this many webhooks")
    ap.add_argument("--then-modes", default="s3,azure")
    ap.add_argument("--note", default="", help="a sentence on the run's conditions, printed after the first paragraph")
    args = ap.parse_args()
    engines, results, skipped = measure(args)
    report(args, engines, results, skipped, first=True)
    if args.then_jobs:
        args.jobs, args.modes = args.then_jobs, args.then_modes
        engines, results, skipped = measure(args)
        print()
        report(args, engines, results, skipped, first=False)



if __name__ == "__main__":
    main()
