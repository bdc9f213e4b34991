"""The work a chaos run sends and the books it keeps: small source images in the stand-in,
one webhook delivery per unique patch annotation, a sender that retries like V7's webhook
stage (the same body until a 2xx), and the reconciliation of what was acknowledged against
the job records and the tiles in the target datasets.
"""
import hashlib
import http.client
import json
import os
import random
import re
import struct
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import zlib

from chaos_stack import http_json

GRID = (1, 2)  # "patch (1x2)": two tiles a delivery
BOX = {"x": 8.0, "y": 8.0, "w": 64.0, "h": 40.0}
TILE_NAME = re.compile(r"^(?P<stem>.+)_(?P<ann>chaos-[0-9a-z]+-\d+)_(?P<box>[0-9a-f]{8})"
                       r"_r(?P<r>\d+)c(?P<c>\d+)\.png$")


def make_png(width, height, seed):
    """A deterministic RGB noise image, so every tile of it has its own bytes."""
    rng = random.Random(seed)
    rows = []
    for _ in range(height):
        rows.append(b"\x00" + bytes(rng.getrandbits(8) for _ in range(width * 3)))
    raw = zlib.compress(b"".join(rows), 6)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


class Workload:
    """Source items in the stand-in and the reference tiles the engine cuts from each."""

    def __init__(self, stack, run_id, images, bin_dir):
        self.stack, self.run_id = stack, run_id
        ref_dir = os.path.join(stack.dir, "reference")
        os.makedirs(ref_dir, exist_ok=True)
        templates, cuts = [], []
        for i in range(images):
            png = make_png(96, 64, seed=i)
            name = "src%02d.png" % i
            req = urllib.request.Request(
                "%s/_sim/datasets/chaos-source/images?name=%s" % (stack.sim_url, name),
                data=png, method="POST", headers={"Content-Type": "image/png"})
            with urllib.request.urlopen(req, timeout=10) as r:
                templates.append(json.loads(r.read()))
            cuts.append(self._cut(templates[-1], png, ref_dir, i, bin_dir))
        self.items = []  # (payload template, {(r, c): sha256})
        for template, (proc, out) in zip(templates, cuts):
            if proc.wait() != 0:
                raise RuntimeError("patchq-tile failed on the reference image (%s)" % out)
            self.items.append((template, self._reference(out)))

    @staticmethod
    def _cut(template, png, ref_dir, i, bin_dir):
        """Starts patchq-tile offline on this image and box: every delivered tile of the
        image must have exactly the bytes it writes."""
        payload = dict(template)
        payload["annotations"] = [annotation(0, "reference-%d" % i)]
        payload_path = os.path.join(ref_dir, "p%d.json" % i)
        image_path = os.path.join(ref_dir, "i%d.png" % i)
        out = os.path.join(ref_dir, "t%d" % i)
        with open(payload_path, "w") as f:
            json.dump(payload, f)
        with open(image_path, "wb") as f:
            f.write(png)
        proc = subprocess.Popen([os.path.join(bin_dir, "patchq-tile"), "--payload", payload_path,
                                 "--image", image_path, "--out", out], stdout=subprocess.DEVNULL)
        return proc, out

    @staticmethod
    def _reference(out):
        shas = {}
        for name in os.listdir(out):
            m = re.search(r"_r(\d+)c(\d+)\.png$", name)
            if m:
                with open(os.path.join(out, name), "rb") as f:
                    shas[(int(m.group(1)), int(m.group(2)))] = hashlib.sha256(f.read()).hexdigest()
        if len(shas) != GRID[0] * GRID[1]:
            raise RuntimeError("patchq-tile cut %d reference tiles, expected %d" %
                               (len(shas), GRID[0] * GRID[1]))
        return shas

    def deliveries(self, count, targets, first=0):
        out = []
        for n in range(first, first + count):
            item_index = n % len(self.items)
            template, _ = self.items[item_index]
            payload = dict(template)
            ann_id = "chaos-%s-%d" % (self.run_id, n)
            payload["annotations"] = [annotation(n, ann_id)]
            out.append(Delivery(n, ann_id, item_index, targets[n % len(targets)],
                                json.dumps(payload).encode()))
        return out


def annotation(_n, ann_id):
    return {"id": ann_id, "name": "patch (%dx%d)" % GRID, "slot_names": ["0"],
            "bounding_box": dict(BOX)}


class Delivery:
    __slots__ = ("n", "ann_id", "item_index", "target", "body", "job_id", "acked_at",
                 "attempts", "status")

    def __init__(self, n, ann_id, item_index, target, body):
        self.n, self.ann_id, self.item_index, self.target, self.body = (
            n, ann_id, item_index, target, body)
        self.job_id = None
        self.acked_at = None
        self.attempts = 0
        self.status = None


class Sender:
    """Threads that POST deliveries to the receivers and retry each one, same body, until a
    2xx (V7's stage retries a failed delivery; the delay here is short to keep runs short)."""

    def __init__(self, receivers, token, threads=8, retry_delay_s=0.2):
        self.receivers, self.token, self.threads = receivers, token, threads
        self.retry_delay_s = retry_delay_s
        self.lock = threading.Lock()
        self.queue = []
        self.answers = {}  # status (or error kind) -> count, every attempt
        self.workers = []
        self.closing = False

    def submit(self, deliveries):
        with self.lock:
            self.queue.extend(deliveries)

    def start(self):
        for i in range(self.threads):
            t = threading.Thread(target=self._run, args=(i,), daemon=True)
            t.start()
            self.workers.append(t)

    def idle(self):
        with self.lock:
            return not self.queue

    def close(self):
        self.closing = True
        for t in self.workers:
            t.join()

    def _count(self, key):
        with self.lock:
            self.answers[key] = self.answers.get(key, 0) + 1

    def _run(self, index):
        conns = {}
        rng = random.Random(index)
        while True:
            with self.lock:
                d = self.queue.pop(0) if self.queue else None
            if d is None:
                if self.closing:
                    return
                time.sleep(0.02)
                continue
            while d.acked_at is None:
                rx = self.receivers[(d.n + d.attempts) % len(self.receivers)]
                d.attempts += 1
                status, body = self._post(conns, rx.url, d)
                self._count(status)
                if isinstance(status, int) and 200 <= status < 300:
                    d.status = status
                    d.job_id = json.loads(body)["job_id"]
                    d.acked_at = time.time()
                    break
                time.sleep(self.retry_delay_s * (0.5 + rng.random()))

    def _post(self, conns, url, d):
        parsed = urllib.parse.urlsplit(url)
        key = (parsed.hostname, parsed.port)
        try:
            conn = conns.get(key)
            if conn is None:
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
                conns[key] = conn
            conn.request("POST", parsed.path + "?target=" + d.target, body=d.body,
                         headers={"Authorization": "Bearer " + self.token,
                                  "Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conns.pop(key, None)
            return r.status, data
        except (OSError, http.client.HTTPException) as e:
            conns.pop(key, None)
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - a broken connection is closed as well as it can be
                pass
            return type(e).__name__, b""



def job_states(stack, job_ids):
    c = stack.redis_client()
    try:
        replies = c.pipeline([["HGET", "patchq:job:" + j, "status"] for j in job_ids])
    finally:
        c.close()
    return {j: (r.decode() if isinstance(r, bytes) else None) for j, r in zip(job_ids, replies)}


def wait_settled(stack, deliveries, timeout_s, progress=None):
    """Waits until every acknowledged delivery's job is done or dead (or the time is up)."""
    deadline = time.monotonic() + timeout_s
    while True:
        ids = sorted({d.job_id for d in deliveries if d.job_id})
        try:
            states = job_states(stack, ids)
        except (OSError, ConnectionError):
            states = {}
        open_jobs = [j for j in ids if states.get(j) not in ("done", "dead")]
        if progress:
            progress(len(ids) - len(open_jobs), len(ids))
        if not open_jobs or time.monotonic() > deadline:
            return len(open_jobs)
        time.sleep(1.0)


def reconcile(stack, workload, deliveries, targets):
    """The books: every figure the pass/fail rule needs."""
    acked = [d for d in deliveries if d.acked_at is not None]
    c = stack.redis_client()
    try:
        records = []
        cursor = b"0"
        while True:
            cursor, keys = c.call("SCAN", cursor, "MATCH", "patchq:job:*", "COUNT", 5000)
            records.extend(keys)
            if cursor in (b"0", 0, "0"):
                break
        statuses = c.pipeline([["HGET", k, "status"] for k in records])
        dead_len = c.call("XLEN", "patchq:dead")
    finally:
        c.close()
    status_of = {k.decode()[len("patchq:job:"):]: (s.decode() if s else None)
                 for k, s in zip(records, statuses)}
    acked_ids = {d.job_id for d in acked}
    by_status = {}
    for s in status_of.values():
        by_status[s] = by_status.get(s, 0) + 1

    tiles = {}  # name -> listing entry, per target
    listing_dups = 0
    for t in targets:
        try:
            items = http_json("GET", "%s/_sim/datasets/%s/items" % (stack.sim_url, t),
                              timeout_s=60)["items"]
        except urllib.error.HTTPError as e:
            if e.code != 404:
                raise
            items = []
        for it in items:
            key = (t, it["name"])
            if key in tiles:
                listing_dups += 1
            tiles[key] = it

    expected = {}
    for d in acked:
        for r in range(GRID[0]):
            for col in range(GRID[1]):
                expected[(d.target, d.ann_id, r, col)] = d
    found = {}
    unexpected = 0
    for (t, name), it in tiles.items():
        m = TILE_NAME.match(name)
        if not m:
            unexpected += 1
            continue
        key = (t, m.group("ann"), int(m.group("r")), int(m.group("c")))
        if key in found:
            listing_dups += 1
        found[key] = it
    missing = [k for k in expected if k not in found]
    stray = [k for k in found if k not in expected]  # every delivery is acked before this
    wrong_bytes = 0
    for k, it in found.items():
        d = expected.get(k)
        if d is None:
            continue
        want = workload.items[d.item_index][1][(k[2], k[3])]
        if it.get("sha256") != want:
            wrong_bytes += 1
    lost_records = sorted(j for j in acked_ids if status_of.get(j) is None)
    not_done = sorted(j for j in acked_ids if status_of.get(j) not in (None, "done"))
    extra_jobs = sorted(j for j in status_of if j not in acked_ids)
    delivered_ann = {}
    for d in acked:
        delivered_ann.setdefault(d.ann_id, set()).add(d.job_id)
    split = sum(1 for ids in delivered_ann.values() if len(ids) > 1)
    return {
        "deliveries_sent": len(deliveries),
        "deliveries_acked_2xx": len(acked),
        "acked_202": sum(1 for d in acked if d.status == 202),
        "acked_200_duplicate": sum(1 for d in acked if d.status == 200),
        "delivery_attempts": sum(d.attempts for d in deliveries),
        "distinct_job_ids_acked": len(acked_ids),
        "job_records": len(status_of),
        "job_records_by_status": by_status,
        "dead_letters": dead_len,
        "tiles_expected": len(expected),
        "tiles_found": len(found),
        "lost_tiles": len(missing),
        "lost_job_records": len(lost_records),
        "acked_jobs_not_done": len(not_done),
        "duplicated_tiles": listing_dups,
        "duplicated_jobs": len(extra_jobs) + split,
        "stale_tiles": wrong_bytes + unexpected + len(stray),
        "examples": {"missing": [list(k[:2]) for k in missing[:3]],
                     "not_done": [(j, status_of.get(j)) for j in not_done[:3]],
                     "extra_jobs": extra_jobs[:3]},
    }


def verdict(books):
    lost = books["lost_tiles"] + books["lost_job_records"] + books["acked_jobs_not_done"]
    dup = books["duplicated_tiles"] + books["duplicated_jobs"]
    stale = books["stale_tiles"]
    return lost, dup, stale
