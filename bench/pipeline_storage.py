"""Storage modes for bench/pipeline.py: s3rver (S3) and azurite (Azure Blob), the emulators of
tests/storage-emulators, each started on a loopback port for one mode's run.

modes(repo) -> {"s3": setup, "azure": setup}, where setup(work) starts the emulator (stopped
when the bench process exits) and returns (worker args, stand-in args, environment). Empty when
the emulators are not installed (scripts/ensure-node-deps tests/storage-emulators installs them).
memory_modes(bindir) -> {"s3-memory": setup, "azure-memory": setup}: the same against
patchq-bench-bucket, an object store in memory.
"""
import atexit
import base64
import datetime
import hashlib
import hmac
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

AZURE_ACCOUNT = "devstoreaccount1"
# azurite's documented development key: public, not a secret.
AZURE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(argv, log_path):
    log = open(log_path, "w")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    atexit.register(lambda: (proc.terminate(), proc.wait(timeout=10)))
    return proc


def _wait_http(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer: it is up
        except OSError:
            time.sleep(0.1)
    raise SystemExit("bench/pipeline: %s did not come up" % url)


def _create_container(endpoint, container):
    """PUT <endpoint>/<container>?restype=container, signed with Shared Key."""
    date = datetime.datetime.utcnow().strftime("%a, %d %b %Y %H:%M:%S GMT")
    version = "2021-08-06"
    canonical_headers = "x-ms-date:%s\nx-ms-version:%s\n" % (date, version)
    # Path-style endpoint (the account is in the URL path): the resource names it twice.
    canonical_resource = "/%s/%s/%s\nrestype:container" % (AZURE_ACCOUNT, AZURE_ACCOUNT, container)
    # VERB, then Content-Encoding, -Language, -Length, -MD5, -Type, Date, If-Modified-Since,
    # If-Match, If-None-Match, If-Unmodified-Since, Range (urllib sends a Content-Type: sign it).
    content_type = "application/octet-stream"
    to_sign = "PUT\n\n\n\n\n%s\n\n\n\n\n\n\n" % content_type + canonical_headers + canonical_resource
    sig = base64.b64encode(hmac.new(base64.b64decode(AZURE_KEY), to_sign.encode(),
                                    hashlib.sha256).digest()).decode()
    req = urllib.request.Request("%s/%s?restype=container" % (endpoint, container), method="PUT",
                                 data=b"", headers={"x-ms-date": date, "x-ms-version": version,
                                                    "Authorization": "SharedKey %s:%s" % (AZURE_ACCOUNT, sig),
                                                    "Content-Type": content_type})
    try:
        urllib.request.urlopen(req, timeout=10)
    except urllib.error.HTTPError as e:
        if e.code != 409:  # 409: it exists
            raise


def _memory_bucket(bindir, work):
    """patchq-bench-bucket on a free port: its endpoint."""
    port = _free_port()
    _start([os.path.join(bindir, "patchq-bench-bucket"), "--listen", "127.0.0.1:%d" % port],
           os.path.join(work, "bucket.log"))
    endpoint = "http://127.0.0.1:%d" % port
    _wait_http(endpoint + "/")
    return endpoint


def memory_modes(bindir):
    """s3-memory and azure-memory: the same sinks against an object store in memory
    (bench/bucket), which stands for a bucket that is not on the benchmark's cores."""
    if not os.path.exists(os.path.join(bindir, "patchq-bench-bucket")):
        return {}

    def s3_memory(work):
        endpoint = _memory_bucket(bindir, work)
        args = ["--storage-url", "s3://bench/tiles", "--storage-endpoint", endpoint,
                "--storage-slug", "bench-s3"]
        env = {"AWS_ACCESS_KEY_ID": "BENCH", "AWS_SECRET_ACCESS_KEY": "BENCH"}
        return args, args, env

    def azure_memory(work):
        endpoint = _memory_bucket(bindir, work) + "/" + AZURE_ACCOUNT
        args = ["--storage-url", "https://%s.blob.core.windows.net/tiles/bench" % AZURE_ACCOUNT,
                "--storage-endpoint", endpoint, "--storage-slug", "bench-azure"]
        env = {"AZURE_STORAGE_ACCOUNT": AZURE_ACCOUNT, "AZURE_STORAGE_KEY": AZURE_KEY}
        return args, args, env

    return {"s3-memory": s3_memory, "azure-memory": azure_memory}


def modes(repo):
    bin_dir = os.path.join(repo, "tests", "storage-emulators", "node_modules", ".bin")
    if not (os.path.exists(os.path.join(bin_dir, "s3rver")) and
            os.path.exists(os.path.join(bin_dir, "azurite-blob"))):
        return {}

    def s3(work):
        port = _free_port()
        _start([os.path.join(bin_dir, "s3rver"), "--address", "127.0.0.1", "--port", str(port),
                "--silent", "--directory", os.path.join(work, "s3"), "--configure-bucket", "bench"],
               os.path.join(work, "s3rver.log"))
        endpoint = "http://127.0.0.1:%d" % port
        _wait_http(endpoint)
        args = ["--storage-url", "s3://bench/tiles", "--storage-endpoint", endpoint,
                "--storage-slug", "bench-s3"]
        env = {"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER"}
        return args, args, env

    def azure(work):
        port = _free_port()
        _start([os.path.join(bin_dir, "azurite-blob"), "--blobHost", "127.0.0.1", "--blobPort",
                str(port), "--inMemoryPersistence", "--skipApiVersionCheck", "--loose",
                "--disableTelemetry", "--silent"], os.path.join(work, "azurite.log"))
        endpoint = "http://127.0.0.1:%d/%s" % (port, AZURE_ACCOUNT)
        _wait_http("http://127.0.0.1:%d/" % port)
        _create_container(endpoint, "tiles")
        args = ["--storage-url", "https://%s.blob.core.windows.net/tiles/bench" % AZURE_ACCOUNT,
                "--storage-endpoint", endpoint, "--storage-slug", "bench-azure"]
        env = {"AZURE_STORAGE_ACCOUNT": AZURE_ACCOUNT, "AZURE_STORAGE_KEY": AZURE_KEY}
        return args, args, env

    return {"s3": s3, "azure": azure}
