"""The parts a chaos run starts and breaks: Redis, the V7 stand-in, receivers and worker
processes, each a real process on a free loopback port (or on a network namespace's address),
with its log in the run's folder. Only processes started here are ever signalled, by pid.
"""
import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.request


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_until(what, condition, timeout_s, interval_s=0.05):
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("%s: not within %.0f s" % (what, timeout_s))
        time.sleep(interval_s)


class Resp:
    """A minimal Redis client (RESP2) with pipelining; enough for the reconciliation."""

    def __init__(self, host, port, timeout_s=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout_s)
        self.buf = b""

    def close(self):
        self.sock.close()

    @staticmethod
    def encode(args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(max(65536, n))
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise ConnectionError("unexpected reply %r" % line)

    def pipeline(self, commands):
        replies = []
        for start in range(0, len(commands), 1000):
            part = commands[start:start + 1000]
            self.sock.sendall(b"".join(self.encode(c) for c in part))
            replies.extend(self._reply() for _ in part)
        return replies

    def call(self, *args):
        reply = self.pipeline([list(args)])[0]
        if isinstance(reply, RedisError):
            raise reply
        return reply


class RedisError(Exception):
    pass


def http_json(method, url, body=None, timeout_s=10.0):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout_s) as r:
        raw = r.read()
    return json.loads(raw) if raw else None


class Proc:
    """One child process with its log file; `netns` runs it inside a network namespace."""

    def __init__(self, name, argv, log_dir, env=None, netns=None):
        self.name, self.argv, self.log_dir, self.env, self.netns = name, argv, log_dir, env, netns
        self.popen = None
        self.starts = 0

    def start(self):
        argv = self.argv if self.netns is None else ["ip", "netns", "exec", self.netns] + self.argv
        env = dict(os.environ)
        env.update(self.env or {})
        log = open(os.path.join(self.log_dir, "%s.log" % self.name), "ab")
        # stdout too: the stand-in prints its listening line there.
        self.popen = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                      env=env)
        log.close()
        self.starts += 1
        return self

    @property
    def pid(self):
        return self.popen.pid if self.popen else None

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def send(self, sig):
        if self.alive():
            os.kill(self.popen.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout_s=15.0):
        if self.popen is None:
            return None
        if self.alive():
            os.kill(self.popen.pid, sig)
            try:
                self.popen.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        return self.popen.returncode


class Stack:
    """Redis + the V7 stand-in + receivers + single-process workers, for one scenario."""

    API_KEY = "chaos-key-7f3a9c2e"
    TOKEN = "chaos-token-51d0b7aa"

    def __init__(self, bin_dir, work_dir, appendfsync="always", host="127.0.0.1"):
        self.bin, self.dir, self.host = bin_dir, work_dir, host
        os.makedirs(os.path.join(work_dir, "redis"), exist_ok=True)
        self.redis_port = free_port()
        self.sim_port = free_port(host)
        self.appendfsync = appendfsync
        self.redis_binds = ["127.0.0.1"] + ([host] if host != "127.0.0.1" else [])
        self.redis = None
        self.sim = None
        self.receivers = []
        self.workers = []
        self.lock = threading.Lock()
        self.counts = {"worker_kills": 0, "worker_restarts": 0, "receiver_restarts": 0,
                       "redis_kills": 0}

    # Redis -------------------------------------------------------------------------------
    def start_redis(self):
        argv = ["redis-server", "--port", str(self.redis_port), "--bind"] + self.redis_binds + [
            "--protected-mode", "no", "--dir", os.path.join(self.dir, "redis"),
            "--appendonly", "yes", "--appendfsync", self.appendfsync, "--save", "",
            "--maxmemory-policy", "noeviction", "--daemonize", "no"]
        self.redis = Proc("redis", argv, self.dir).start()
        wait_until("redis answers", self._redis_ping, 20)

    def _redis_ping(self):
        try:
            c = Resp("127.0.0.1", self.redis_port, 1.0)
            try:
                return c.call("PING") == "PONG" and self._loaded(c)
            finally:
                c.close()
        except (OSError, ConnectionError, RedisError):
            return False

    @staticmethod
    def _loaded(c):
        info = c.call("INFO", "persistence").decode()
        return "loading:0" in info

    def redis_client(self):
        return Resp("127.0.0.1", self.redis_port)

    def kill_redis(self):
        self.redis.stop(signal.SIGKILL)
        self.counts["redis_kills"] += 1

    def redis_url(self, host=None):
        return "redis://%s:%d/0" % (host or "127.0.0.1", self.redis_port)

    # V7 stand-in -------------------------------------------------------------------------
    def start_sim(self):
        argv = [os.path.join(self.bin, "patchq-v7sim"), "--listen",
                "%s:%d" % (self.host, self.sim_port), "--team", "chaos-team",
                "--data-dir", os.path.join(self.dir, "v7"), "--threads", "2",
                "--log-level", "warn"]
        self.sim = Proc("v7sim", argv, self.dir, env={"V7_API_KEY": self.API_KEY}).start()
        wait_until("the V7 stand-in answers", self._sim_up, 20)

    @property
    def sim_url(self):
        return "http://%s:%d" % (self.host, self.sim_port)

    def _sim_up(self):
        try:
            return http_json("GET", self.sim_url + "/_sim/health", timeout_s=1)["ok"]
        except OSError:
            return False

    def set_faults(self, rule):
        http_json("POST", self.sim_url + "/_sim/faults", {"clear": True})
        if rule:
            http_json("POST", self.sim_url + "/_sim/faults", rule)

    def sim_stats(self):
        return http_json("GET", self.sim_url + "/_sim/stats")

    # Receivers ---------------------------------------------------------------------------
    def add_receiver(self, listen_host="127.0.0.1", redis_host=None, netns=None):
        port = free_port() if netns is None else random.randint(20000, 60000)
        argv = [os.path.join(self.bin, "patchq-receiver"), "--listen", "%s:%d" % (listen_host, port),
                "--threads", "1", "--redis", self.redis_url(redis_host),
                "--webhook-token", self.TOKEN, "--shutdown-grace", "3s", "--redis-timeout", "2s",
                "--log-level", "warn"]
        rx = Proc("receiver%d" % len(self.receivers), argv, self.dir, netns=netns)
        rx.url = "http://%s:%d/webhook" % (listen_host, port)
        rx.ready_url = "http://%s:%d/healthz" % (listen_host, port)
        self.receivers.append(rx.start())
        wait_until("receiver answers", lambda: self._http_up(rx.ready_url), 20)
        return rx

    @staticmethod
    def _http_up(url):
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                return r.status < 500
        except OSError:
            return False

    def restart_receiver(self, rx, sig):
        rx.stop(sig, timeout_s=10)
        rx.start()
        self.counts["receiver_restarts"] += 1
        wait_until("receiver answers again", lambda: self._http_up(rx.ready_url), 20)

    # Workers -----------------------------------------------------------------------------
    def add_worker(self, lease="2s", redis_host=None, netns=None, extra=()):
        argv = [os.path.join(self.bin, "patchq-worker"), "--processes", "1",
                "--redis", self.redis_url(redis_host), "--v7-api-url", self.sim_url,
                "--allow-private-hosts", "--create-target", "--lease", lease, "--block", "250ms",
                "--v7-rate", "100000", "--v7-rate-burst", "10000", "--shutdown-grace", "3s",
                "--log-level", "warn"] + list(extra)
        w = Proc("worker%d" % len(self.workers), argv, self.dir,
                 env={"V7_API_KEY": self.API_KEY}, netns=netns)
        self.workers.append(w.start())
        return w

    def check_alive(self):
        """Raises with the log's tail if a process this stack started has exited by itself."""
        for p in self.workers + self.receivers + [self.sim, self.redis]:
            if p is not None and not p.alive():
                with open(os.path.join(self.dir, "%s.log" % p.name), "rb") as f:
                    tail = f.read()[-400:].decode(errors="replace")
                raise RuntimeError("%s exited (%s): %s" % (p.name, p.popen.returncode, tail))

    def kill_random_worker(self, rng, restart_after_s=0.2):
        """SIGKILLs one live worker process and starts it again (the supervisor's job)."""
        live = [w for w in self.workers if w.alive()]
        if not live:
            return None
        w = rng.choice(live)
        w.stop(signal.SIGKILL)
        self.counts["worker_kills"] += 1
        time.sleep(restart_after_s)
        w.start()
        self.counts["worker_restarts"] += 1
        return w

    def stop_all(self):
        for p in self.workers + self.receivers:
            p.stop(signal.SIGTERM, timeout_s=8)
        if self.sim:
            self.sim.stop(signal.SIGTERM, timeout_s=8)
        if self.redis:
            self.redis.stop(signal.SIGTERM, timeout_s=8)
