#!/usr/bin/python3
"""A fault-injecting HTTP proxy for tests: listens on a loopback port and forwards every request
to one upstream (an object-storage emulator), failing a share of them on the way.

  fault_proxy.py --upstream http://127.0.0.1:PORT [--p-before 0.05] [--p-after 0.05]
                 [--p-reset 0.0] [--seed 7] [--max-requests 100000]

--p-before: answer 503 without forwarding (the upstream never sees the request);
--p-after:  forward, then answer 500 instead of the upstream's reply (the write happened, the
            client is told it did not: the case retries must survive);
--p-reset:  forward, then close the connection without an answer.
The request (method, path with query, headers as sent, Host included, body) reaches the
upstream unchanged, so signatures made for the proxy's address still verify upstream (Azure
Shared Key signs the path, not the host; S3 emulators check key ids only).
Prints {"event":"listening","port":N} on stdout once it accepts connections, and a JSON
counter line on stderr at exit. Stops after --max-requests or on SIGTERM.
"""
import argparse
import http.client
import http.server
import json
import random
import signal
import socketserver
import sys
import threading
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--p-before", type=float, default=0.0)
    ap.add_argument("--p-after", type=float, default=0.0)
    ap.add_argument("--p-reset", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-requests", type=int, default=100000)
    args = ap.parse_args()
    upstream = urllib.parse.urlsplit(args.upstream)
    rng = random.Random(args.seed)
    lock = threading.Lock()
    counts = {"requests": 0, "before": 0, "after": 0, "reset": 0, "forwarded": 0}

    def draw():
        with lock:
            counts["requests"] += 1
            if counts["requests"] > args.max_requests:
                return "stop"
            x = rng.random()
        if x < args.p_before:
            return "before"
        if x < args.p_before + args.p_after:
            return "after"
        if x < args.p_before + args.p_after + args.p_reset:
            return "reset"
        return "forward"

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):  # quiet: the counters say what happened
            pass

        def relay(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            fate = draw()
            if fate == "stop":
                self.send_error(503, "fault proxy: request budget used up")
                return
            if fate == "before":
                with lock:
                    counts["before"] += 1
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            conn.request(self.command, self.path, body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
            conn.close()
            with lock:
                counts["forwarded"] += 1
            if fate == "after":
                with lock:
                    counts["after"] += 1
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fate == "reset":
                with lock:
                    counts["reset"] += 1
                self.close_connection = True
                self.connection.close()
                return
            self.send_response(reply.status)
            for k, v in reply.getheaders():
                if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = relay

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(json.dumps({"event": "listening", "port": server.server_address[1]}), flush=True)
    try:
        server.serve_forever()
    finally:
        print(json.dumps(counts), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
