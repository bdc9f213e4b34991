"""What a power loss of the Redis host would keep of the AOF, measured rather than assumed.

A SIGKILL of redis-server loses nothing that Redis had written: the kernel's page cache keeps
it. A power loss keeps only what was fsync'ed. strace records every write to the AOF and every
fsync/fdatasync Redis makes; at the moment of the kill, the bytes written before the start of
the last completed sync are the ones a power loss would have kept. A copy of the AOF cut there
is loaded into a throwaway Redis, which then says which acknowledged jobs survived.
"""
import os
import re
import shutil
import signal
import subprocess
import time

from chaos_stack import Proc, RedisError, Resp, free_port, wait_until

LINE = re.compile(r"^(?P<tid>\d+)\s+\S+\s+(?P<rest>.*)$")
WRITE = re.compile(r"^write\((?P<fd>\d+),.*\)\s+=\s+(?P<n>-?\d+)")
SYNC_START = re.compile(r"^(?:fdatasync|fsync)\((?P<fd>\d+)")
SYNC_DONE = re.compile(r"^<\.\.\. (?:fdatasync|fsync) resumed>.*=\s+0")


def aof_file(redis_pid):
    """The fd and path of the AOF file Redis appends to (its incremental part)."""
    fd_dir = "/proc/%d/fd" % redis_pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.endswith(".incr.aof"):
            return int(fd), target
    return None


class AofTrace:
    """strace attached to a freshly started Redis, before any client has written."""

    def __init__(self, redis_pid, log_path):
        found = wait_until("redis opened its AOF", lambda: aof_file(redis_pid), 10)
        self.fd, self.path = found
        self.log_path = log_path
        self.strace = subprocess.Popen(
            ["strace", "-f", "-tt", "-s", "0", "-e", "trace=write,fdatasync,fsync",
             "-o", log_path, "-p", str(redis_pid)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # strace says nothing when it is attached; its output file appears at once, and a
        # traced process shows a TracerPid.
        try:
            wait_until("strace attached", lambda: self._traced(redis_pid), 10)
        except TimeoutError:
            self.strace.kill()
            self.strace.wait()
            raise
        self.base = os.path.getsize(self.path)

    @staticmethod
    def _traced(pid):
        try:
            with open("/proc/%d/status" % pid) as f:
                return any(line.startswith("TracerPid:") and line.split()[1] != "0" for line in f)
        except OSError:
            return False

    def durable_offset(self):
        """After the kill: (bytes of the AOF a power loss keeps, bytes Redis had written)."""
        try:
            self.strace.wait(10)
        except subprocess.TimeoutExpired:
            self.strace.send_signal(signal.SIGINT)
            self.strace.wait(5)
        written = self.base
        durable = self.base
        sync_started_at = {}  # thread -> bytes written when its sync began
        with open(self.log_path) as f:
            for raw in f:
                m = LINE.match(raw.strip())
                if not m:
                    continue
                tid, rest = m.group("tid"), m.group("rest")
                w = WRITE.match(rest)
                if w and int(w.group("fd")) == self.fd and int(w.group("n")) > 0:
                    written += int(w.group("n"))
                    continue
                s = SYNC_START.match(rest)
                if s and int(s.group("fd")) == self.fd:
                    if rest.rstrip().endswith("= 0"):
                        durable = max(durable, written)
                    else:
                        sync_started_at[tid] = written
                    continue
                if SYNC_DONE.match(rest) and tid in sync_started_at:
                    durable = max(durable, sync_started_at.pop(tid))
        return durable, written


def surviving_jobs(redis_dir, aof_path, durable, job_ids, work_dir):
    """Loads the AOF cut at `durable` bytes into a throwaway Redis; returns the job ids of
    `job_ids` whose records it holds."""
    copy = os.path.join(work_dir, "powerloss")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(redis_dir, copy)
    cut_path = os.path.join(copy, os.path.relpath(aof_path, redis_dir))
    with open(cut_path, "r+b") as f:
        f.truncate(durable)
    port = free_port()
    p = Proc("redis-powerloss", ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                 "--dir", copy, "--appendonly", "yes", "--save", "",
                                 "--aof-load-truncated", "yes", "--daemonize", "no"],
             work_dir).start()
    try:
        def loaded():
            try:
                c = Resp("127.0.0.1", port, 1.0)
                try:
                    return "loading:0" in c.call("INFO", "persistence").decode()
                finally:
                    c.close()
            except (OSError, ConnectionError):
                return False
        wait_until("the power-loss copy loaded", loaded, 30)
        ids = sorted(job_ids)
        if not ids:
            return set()

        def answers():
            # Redis loads the AOF's parts one by one and says "loading:0" between them; until
            # the last is in, commands get -LOADING.
            c = Resp("127.0.0.1", port)
            try:
                exists = c.pipeline([["EXISTS", "patchq:job:" + j] for j in ids])
            finally:
                c.close()
            return None if any(isinstance(e, RedisError) for e in exists) else exists
        exists = wait_until("the power-loss copy answers", answers, 30, 0.1)
        return {j for j, e in zip(ids, exists) if e == 1}
    finally:
        p.stop(signal.SIGTERM)
        time.sleep(0.1)
        shutil.rmtree(copy, ignore_errors=True)
