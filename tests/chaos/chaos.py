#!/usr/bin/python3
"""patchq's chaos suite: real Redis, the V7 stand-in, receivers and workers, broken on purpose
while webhooks arrive, and a reconciliation at the end of every scenario:

  tiles expected (2 per acknowledged delivery) vs tiles in the target datasets (the stand-in's
  listing, bytes checked against patchq-tile's), and 2xx deliveries vs job records.
  pass = 0 lost, 0 duplicated, 0 stale.

Run through scripts/chaos (it finds the binaries and bounds the run). Scenarios, in order:
  volume   deliveries while a random worker process is SIGKILLed every second and restarted,
           a receiver is restarted (SIGTERM, then SIGKILL) every few seconds, and a share of
           V7 calls fail (429, 5xx, resets) or are slow
  redis    Redis SIGKILLed and restarted under load with appendfsync always, then everysec
  outage   every V7 call answers 503 for a while; jobs retry and finish afterwards
  full     Redis at maxmemory with noeviction: the receiver answers 503, nothing acked is lost
  hosts    receivers and worker pools in network namespaces on one Redis; one worker host's
           link is cut mid-run and its leased jobs are finished by the others
"""
import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from chaos_load import Sender, Workload, reconcile, verdict, wait_settled  # noqa: E402
from chaos_netns import Network, netns_unavailable  # noqa: E402
from chaos_powerloss import AofTrace, surviving_jobs  # noqa: E402
from chaos_stack import Stack, wait_until  # noqa: E402

SCENARIOS = ["volume", "redis", "outage", "full", "hosts"]
FAULTS_15 = {"endpoint": "*", "p429": 0.05, "retry_after_s": 1, "p5xx": 0.07, "preset": 0.03,
             "latency_ms": 5}
INJECTED = ("429", "500", "502", "503", "504", "reset")

# Counts per mode: quick fits scripts/test (about 2 min on a busy 2-core machine).
SIZES = {
    "quick": {"volume": 150, "volume_rate": 10, "volume_backlog": 80, "volume_s": 20,
              "volume_chaos_drain_s": 8, "volume_workers": 6, "images": 4,
              "redis": 100, "redis_s": 7, "redis_modes": ["always"], "outage": 100, "outage_s": 6,
              "full": 100, "full_s": 4, "hosts": 80, "settle_s": 40, "budget_s": 110},
    "full": {"volume": 10000, "volume_rate": 40, "volume_backlog": 300, "volume_s": 660,
             "volume_chaos_drain_s": 60, "volume_workers": 16, "images": 8,
             "redis": 1500, "redis_s": 60, "redis_modes": ["always", "everysec"],
             "outage": 1000, "outage_s": 30,
             "full": 1000, "full_s": 10, "hosts": 600, "settle_s": 300, "budget_s": 1020},
}


def log(msg):
    print("chaos: " + msg, flush=True)


class Every(threading.Thread):
    """Runs `action` every `period_s` (with jitter) until stopped; counts runs."""

    def __init__(self, period_s, action, rng):
        super().__init__(daemon=True)
        self.period_s, self.action, self.rng = period_s, action, rng
        self.stopped = threading.Event()
        self.errors = []

    def run(self):
        due = time.monotonic()
        while True:
            # A steady cadence: the action's own time (a restart) is part of the period.
            due += self.period_s * (0.8 + 0.4 * self.rng.random())
            if self.stopped.wait(max(0.0, due - time.monotonic())):
                return
            try:
                self.action()
            except Exception as e:  # noqa: BLE001 - a failed action is reported, not fatal
                self.errors.append(repr(e))
            due = max(due, time.monotonic() - self.period_s / 2)  # no burst to catch up

    def stop(self):
        self.stopped.set()
        self.join()


class Feeder(threading.Thread):
    """Hands deliveries to the sender at a steady rate (so chaos meets work in flight); with
    `backlog` (a function: jobs acked but not done) it waits while that is over `max_backlog`,
    and with `deadline_s` it stops early: `submitted` says how many went out."""

    def __init__(self, sender, deliveries, per_s, backlog=None, max_backlog=0, deadline_s=None):
        super().__init__(daemon=True)
        self.sender, self.deliveries, self.per_s = sender, deliveries, per_s
        self.backlog, self.max_backlog = backlog, max_backlog
        self.deadline = None if deadline_s is None else time.monotonic() + deadline_s
        self.submitted = 0

    def run(self):
        step = max(1, int(self.per_s / 10))
        for i in range(0, len(self.deliveries), step):
            if self.deadline is not None and time.monotonic() > self.deadline:
                return
            while self.backlog is not None and self.backlog() > self.max_backlog:
                if self.deadline is not None and time.monotonic() > self.deadline:
                    return
                time.sleep(0.2)
            part = self.deliveries[i:i + step]
            self.sender.submit(part)
            self.submitted += len(part)
            time.sleep(step / self.per_s)


def injected_faults(stats):
    total = 0
    for ep in stats.get("endpoints", {}).values():
        for status, n in ep.get("by_status", {}).items():
            if status in INJECTED:
                total += n
    return total


class Scenario:
    def __init__(self, name, args, bin_dir, root_dir, rng):
        self.name, self.args, self.bin, self.rng = name, args, bin_dir, rng
        self.dir = os.path.join(root_dir, name)
        os.makedirs(self.dir)
        self.size = SIZES["quick" if args.quick else "full"]
        self.run_id = "%04x" % rng.getrandbits(16)
        self.figures = {"scenario": name}
        self.started = time.monotonic()

    def stack(self, appendfsync="always", host="127.0.0.1", receivers=1, workers=2, lease="2s",
              after_redis=None):
        st = Stack(self.bin, self.dir, appendfsync=appendfsync, host=host)
        st.start_redis()
        if after_redis:
            after_redis(st)
        st.start_sim()
        for _ in range(receivers):
            st.add_receiver()
        for _ in range(workers):
            st.add_worker(lease=lease)
        time.sleep(0.5)
        st.check_alive()
        return st

    def finish(self, st, workload, deliveries, targets, extra_wait=None, settle_s=None):
        """Waits for the sender and the jobs (up to `settle_s`, then `extra_wait` runs), then
        reconciles."""
        t0 = time.monotonic()
        wait_until("every delivery acknowledged", lambda: all(d.acked_at for d in deliveries),
                   self.size["settle_s"], 0.2)
        self.figures["send_s"] = round(time.monotonic() - self.started, 1)
        open_jobs = wait_settled(st, deliveries, settle_s or self.size["settle_s"],
                                 self._progress())
        if extra_wait:
            extra_wait()
        self.figures["settle_s"] = round(time.monotonic() - t0, 1)
        books = reconcile(st, workload, deliveries, targets)
        books["open_at_deadline"] = open_jobs
        self.figures.update(books)
        self.figures["duration_s"] = round(time.monotonic() - self.started, 1)
        lost, dup, stale = verdict(books)
        self.figures.update({"lost": lost, "duplicated": dup, "stale": stale})
        return lost == 0 and dup == 0 and stale == 0

    def _progress(self):
        last = [0.0]

        def show(done, total):
            if time.monotonic() - last[0] > 10:
                last[0] = time.monotonic()
                log("%s: %d/%d jobs settled" % (self.name, done, total))
        return show


def run_volume(sc):
    st = sc.stack(receivers=2, workers=sc.size["volume_workers"])
    try:
        targets = ["chaos-a", "chaos-b"]
        wl = Workload(st, sc.run_id, sc.size["images"], sc.bin)
        sc.figures["setup_s"] = round(time.monotonic() - sc.started, 1)
        st.set_faults(dict(FAULTS_15, seed=sc.rng.getrandbits(31)))
        deliveries = wl.deliveries(sc.size["volume"], targets)
        sender = Sender(st.receivers, Stack.TOKEN, threads=8)
        sender.start()
        # Spread over the run, so that receiver restarts meet deliveries in flight; paced by
        # the backlog, so that the run ends soon after the last delivery.
        acked_total = lambda: sum(1 for d in deliveries if d.acked_at)  # noqa: E731

        def backlog():
            c = st.redis_client()
            try:
                return acked_total() - int(c.call("GET", "patchq:stats:done") or 0)
            except (OSError, ConnectionError):
                return 0
            finally:
                c.close()
        feeder = Feeder(sender, deliveries, per_s=sc.size["volume_rate"], backlog=backlog,
                        max_backlog=sc.size["volume_backlog"], deadline_s=sc.size["volume_s"])
        feeder.start()
        killer = Every(1.0, lambda: st.kill_random_worker(sc.rng), sc.rng)
        receiver_turn = [0]

        def restart_receiver():
            rx = st.receivers[receiver_turn[0] % len(st.receivers)]
            sig = signal.SIGTERM if receiver_turn[0] % 2 == 0 else signal.SIGKILL
            receiver_turn[0] += 1
            st.restart_receiver(rx, sig)
        restarter = Every(6.0, restart_receiver, sc.rng)
        killer.start()
        restarter.start()

        def stop_chaos():
            restarter.stop()
            killer.stop()
            sc.figures["chaos_errors"] = killer.errors + restarter.errors
            st.set_faults(None)
            # Jobs whose worker was killed last wait for their lease; let them finish.
            sc.figures["open_when_chaos_stopped"] = wait_settled(st, deliveries, 0)
            wait_settled(st, deliveries, sc.size["settle_s"], sc._progress())
        try:
            wait_until("the feeder is through", lambda: not feeder.is_alive(),
                       sc.size["volume_s"] + 60, 0.5)
            sc.figures["feed_s"] = round(time.monotonic() - sc.started, 1)
            if feeder.submitted < len(deliveries):
                sc.figures["note"] = "time budget reached: %d of %d deliveries sent" % (
                    feeder.submitted, len(deliveries))
                del deliveries[feeder.submitted:]
            # The chaos goes on while the backlog drains, for a while.
            ok = sc.finish(st, wl, deliveries, targets, extra_wait=stop_chaos,
                           settle_s=sc.size["volume_chaos_drain_s"])
        finally:
            if killer.is_alive():
                killer.stop()
            if restarter.is_alive():
                restarter.stop()
        sender.close()
        stats = st.sim_stats()
        sc.figures.update(st.counts)
        sc.figures["v7_calls"] = stats.get("requests_total")
        sc.figures["faults_injected"] = injected_faults(stats)
        sc.figures["delivery_answers"] = {str(k): v for k, v in sender.answers.items()}
        sc.figures["rate_limit"] = "off (stand-in without --enforce-rate-limit, worker --v7-rate 100000)"
        return ok
    finally:
        st.stop_all()


def run_redis(sc):
    """SIGKILL Redis under load, restart it from its AOF; count acked deliveries lost."""
    results = {}
    ok = True
    for mode in sc.size["redis_modes"]:
        sub = Scenario.__new__(Scenario)
        sub.__dict__.update(sc.__dict__)
        sub.dir = os.path.join(sc.dir, mode)
        os.makedirs(sub.dir)
        sub.figures = {}
        sub.started = time.monotonic()
        trace = []

        def attach_strace(st):
            if not shutil.which("strace"):
                sub.figures["powerloss"] = "not measured: strace is not installed"
                return
            try:
                trace.append(AofTrace(st.redis.pid, os.path.join(sub.dir, "redis.strace")))
            except TimeoutError as e:  # no ptrace here (not root, or ptrace_scope)
                sub.figures["powerloss"] = "not measured: strace could not attach (%s)" % e
        st = sub.stack(appendfsync=mode, receivers=1, workers=2, after_redis=attach_strace)
        try:
            wl = Workload(st, sc.run_id + mode[0], 4, sc.bin)
            deliveries = wl.deliveries(sc.size["redis"], ["chaos-r"])
            sender = Sender(st.receivers, Stack.TOKEN, threads=8, retry_delay_s=0.1)
            sender.start()
            feeder = Feeder(sender, deliveries, per_s=sc.size["redis"] / sc.size["redis_s"])
            feeder.start()
            windows = []

            def kill_and_restart():
                now = time.time()
                window = {
                    "acked_last_1s": sum(1 for d in deliveries if d.acked_at and d.acked_at > now - 1),
                    "acked_last_2s": sum(1 for d in deliveries if d.acked_at and d.acked_at > now - 2)}
                st.kill_redis()
                time.sleep(0.3)  # answers Redis gave before it died reach the sender
                acked = {d.job_id for d in deliveries if d.acked_at}
                window["acked_before_kill"] = len(acked)
                if trace:
                    # The first kill also stands for a power loss at that instant.
                    t = trace.pop()
                    durable, written = t.durable_offset()
                    kept = surviving_jobs(os.path.realpath(os.path.join(sub.dir, "redis")),
                                          os.path.realpath(t.path), durable, acked, sub.dir)
                    window["powerloss_unsynced_aof_bytes"] = written - durable
                    window["powerloss_acked_lost"] = len(acked - kept)
                    sub.figures["powerloss_acked_lost"] = len(acked - kept)
                    sub.figures["powerloss_unsynced_aof_bytes"] = written - durable
                windows.append(window)
                st.start_redis()
            kills = Every(3.0, kill_and_restart, sc.rng)
            kills.start()
            wait_until("the feeder is through", lambda: not feeder.is_alive(), sc.size["settle_s"], 0.2)
            kills.stop()
            passed = sub.finish(st, wl, deliveries, ["chaos-r"])
            sender.close()
            sub.figures["redis_kills"] = st.counts["redis_kills"]
            sub.figures["kill_windows"] = windows
            sub.figures["chaos_errors"] = kills.errors
            if windows:
                sub.figures["max_acked_in_1s_before_a_kill"] = max(w["acked_last_1s"] for w in windows)
                sub.figures["max_acked_in_2s_before_a_kill"] = max(w["acked_last_2s"] for w in windows)
            if mode == "always" and sub.figures.get("powerloss_acked_lost", 0) > 0:
                # fsync before every answer: not even a power loss may lose an acked job.
                sub.figures["lost"] += sub.figures["powerloss_acked_lost"]
                passed = False
            results[mode] = sub.figures
            ok = ok and passed
        finally:
            st.stop_all()
    sc.figures.update(results)
    for key in ("lost", "duplicated", "stale"):
        sc.figures[key] = sum(r.get(key, 0) for r in results.values())
    sc.figures["duration_s"] = round(time.monotonic() - sc.started, 1)
    return ok


def run_outage(sc):
    st = sc.stack(receivers=1, workers=2)
    try:
        wl = Workload(st, sc.run_id, 4, sc.bin)
        deliveries = wl.deliveries(sc.size["outage"], ["chaos-o"])
        sender = Sender(st.receivers, Stack.TOKEN, threads=4)
        sender.start()
        # The deliveries arrive before, during and after the outage.
        outage_s = sc.size["outage_s"]
        feeder = Feeder(sender, deliveries, per_s=len(deliveries) / (outage_s * 2))
        feeder.start()
        time.sleep(outage_s / 3)
        st.set_faults({"endpoint": "*", "fail_next": 10 ** 9, "status": 503})
        t_out = time.monotonic()
        time.sleep(outage_s)
        st.set_faults(None)
        sc.figures["outage_s"] = round(time.monotonic() - t_out, 1)
        refused = st.sim_stats()
        sc.figures["v7_calls_refused_in_outage"] = injected_faults(refused)
        t_back = time.monotonic()
        ok = sc.finish(st, wl, deliveries, ["chaos-o"])
        sc.figures["drain_after_outage_s"] = round(time.monotonic() - t_back, 1)
        sender.close()
        return ok
    finally:
        st.stop_all()


def run_full(sc):
    st = sc.stack(receivers=1, workers=2)
    try:
        wl = Workload(st, sc.run_id, 4, sc.bin)
        deliveries = wl.deliveries(sc.size["full"], ["chaos-f"])
        sender = Sender(st.receivers, Stack.TOKEN, threads=4, retry_delay_s=0.1)
        sender.start()
        feeder = Feeder(sender, deliveries, per_s=len(deliveries) / (sc.size["full_s"] * 2.5))
        feeder.start()
        time.sleep(sc.size["full_s"] / 2)
        c = st.redis_client()
        used = int(dict(line.split(":", 1) for line in c.call("INFO", "memory").decode().split("\r\n")
                        if ":" in line)["used_memory"])
        # Below what Redis holds now: from here on every write that needs memory is refused
        # (noeviction), as when the queue has filled Redis.
        c.call("CONFIG", "SET", "maxmemory", str(max(1, used - 64 * 1024)))
        before = dict(sender.answers)
        time.sleep(sc.size["full_s"])
        c.call("CONFIG", "SET", "maxmemory", "0")
        c.close()
        refused = {str(k): v - before.get(k, 0) for k, v in sender.answers.items()
                   if k != 202 and v - before.get(k, 0) > 0}
        sc.figures["full_s"] = sc.size["full_s"]
        sc.figures["answers_while_full"] = refused
        ok = sc.finish(st, wl, deliveries, ["chaos-f"])
        sender.close()
        sc.figures["delivery_answers"] = {str(k): v for k, v in sender.answers.items()}
        if sender.answers.get(503, 0) == 0:
            sc.figures["note"] = "Redis never refused: the run did not reach maxmemory"
            ok = False
        return ok
    finally:
        st.stop_all()


def run_hosts(sc):
    why = netns_unavailable()
    if why:
        sc.figures["skipped"] = "network namespaces unavailable: " + why
        log("hosts: SKIPPED, " + sc.figures["skipped"])
        return True
    net = Network(sc.run_id, ["rx1", "rx2", "w1", "w2", "w3"])
    st = None
    try:
        st = Stack(sc.bin, sc.dir, host=net.gateway)
        st.start_redis()
        st.start_sim()
        for h in ("rx1", "rx2"):
            st.add_receiver(listen_host=net.address(h), redis_host=net.gateway,
                            netns=net.namespace(h))
        pools = {}
        for h in ("w1", "w2", "w3"):
            pools[h] = [st.add_worker(lease="3s", redis_host=net.gateway, netns=net.namespace(h))
                        for _ in range(2)]
        wl = Workload(st, sc.run_id, 4, sc.bin)
        # Slow V7 calls, so that jobs are in flight (leased) when the link goes.
        st.set_faults({"endpoint": "*", "latency_ms": 150})
        deliveries = wl.deliveries(sc.size["hosts"], ["chaos-h"])
        sender = Sender(st.receivers, Stack.TOKEN, threads=6)
        sender.start()
        feeder = Feeder(sender, deliveries, per_s=len(deliveries) / 12.0)
        feeder.start()
        cut_consumers = {w.pid for w in pools["w1"]}

        def leased_by_w1():
            c = st.redis_client()
            try:
                pending = c.call("XPENDING", "patchq:jobs", "workers", "-", "+", "1000")
                ids = [e[0] for e in pending if int(e[1].decode().rsplit(":", 1)[1]) in cut_consumers]
                jobs = []
                for entry_id in ids:
                    for _, fields in c.call("XRANGE", "patchq:jobs", entry_id, entry_id):
                        kv = dict(zip(fields[::2], fields[1::2]))
                        jobs.append(kv[b"job_id"].decode())
                return jobs
            finally:
                c.close()
        time.sleep(3)
        leased = wait_until("host w1 holds a leased job", leased_by_w1, 30, 0.02)
        net.cut("w1")
        t_cut = time.monotonic()
        log("hosts: cut w1's link while it held %d leased job(s)" % len(leased))
        sc.figures["leased_by_cut_host"] = len(leased)

        def finished_by_others():
            c = st.redis_client()
            try:
                rows = c.pipeline([["HMGET", "patchq:job:" + j, "status", "worker"] for j in leased])
            finally:
                c.close()
            return all(r[0] == b"done" and int(r[1].decode().rsplit(":", 1)[1]) not in cut_consumers
                       for r in rows)
        wait_until("the cut host's jobs finished by the others", finished_by_others,
                   sc.size["settle_s"], 0.1)
        sc.figures["cut_host_jobs_finished_by_others_s"] = round(time.monotonic() - t_cut, 1)

        def restore_then_wait():
            # The cut host comes back: its stale workers must neither ack nor overwrite.
            net.restore("w1")
            time.sleep(4)
        st.set_faults(None)
        ok = sc.finish(st, wl, deliveries, ["chaos-h"], extra_wait=restore_then_wait)
        sender.close()
        sc.figures["namespaces"] = 5
        return ok
    finally:
        if st:
            st.stop_all()
        net.remove()


RUNNERS = {"volume": run_volume, "redis": run_redis, "outage": run_outage, "full": run_full,
           "hosts": run_hosts}


def stop_on_sigterm(_sig, _frame):
    # The bound (scripts/chaos' timeout) ends the run: unwind, so that every process and
    # namespace this run made is removed on the way out.
    raise KeyboardInterrupt("SIGTERM")


def main():
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="folder with the patchq binaries")
    ap.add_argument("--quick", action="store_true", help="smaller counts (scripts/test)")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--out", help="write the figures as JSON here")
    ap.add_argument("--keep", action="store_true", help="keep the run folder (logs)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--volume", type=int, help="deliveries of the volume scenario")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.getrandbits(32)
    rng = random.Random(seed)
    if args.volume:
        SIZES["quick" if args.quick else "full"]["volume"] = args.volume
    root = tempfile.mkdtemp(prefix="patchq-chaos-")
    log("run folder %s, seed %d, mode %s" % (root, seed, "quick" if args.quick else "full"))
    all_figures = []
    failed = []
    run_started = time.monotonic()
    try:
        for name in args.scenarios.split(","):
            if name not in RUNNERS:
                sys.exit("chaos: unknown scenario %r (have %s)" % (name, ", ".join(SCENARIOS)))
            budget = SIZES["quick" if args.quick else "full"]["budget_s"]
            if time.monotonic() - run_started > budget:
                # Bounded: a scenario starts only while there is time for it (a slow machine
                # runs fewer of them, and says so).
                all_figures.append({"scenario": name, "passed": True,
                                    "skipped": "not started: the run's %d s budget is spent" % budget})
                log("%s: SKIPPED (the run's %d s budget is spent)" % (name, budget))
                continue
            sc = Scenario(name, args, args.bin, root, rng)
            log("%s: start" % name)
            try:
                ok = RUNNERS[name](sc)
            except Exception as e:  # noqa: BLE001 - a scenario that breaks is a failed scenario
                ok = False
                sc.figures["error"] = repr(e)
            sc.figures.setdefault("duration_s", round(time.monotonic() - sc.started, 1))
            sc.figures["passed"] = ok
            all_figures.append(sc.figures)
            log("%s: %s %s" % (name, "PASS" if ok else "FAIL", json.dumps(sc.figures, sort_keys=True)))
            if not ok:
                failed.append(name)
    finally:
        if args.out:
            with open(args.out, "w") as f:
                json.dump({"seed": seed, "quick": args.quick, "scenarios": all_figures}, f, indent=1)
        if failed or args.keep:
            log("logs kept in %s" % root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    for f in all_figures:
        if "skipped" in f:
            line = "SKIPPED (%s)" % f["skipped"]
        else:
            line = "lost %s, duplicated %s, stale %s, %s s" % (
                f.get("lost"), f.get("duplicated"), f.get("stale"), f.get("duration_s"))
        log("summary %-7s %s  %s" % (f["scenario"], "pass" if f["passed"] else "FAIL", line))
    if failed:
        log("FAILED: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
