#!/usr/bin/env python3
"""Recomputes the AWS SigV4 signature of a captured S3 request, independently of libcurl.

Input (a file named by argv[1]), one item a line:
  METHOD <verb>
  TARGET <request target as received, path?query>
  SECRET <secret access key>
  BODYFILE <path of the body bytes>
  H <name>: <value>          (each received header, any order)
Prints the signature (lower-case hex) that the Authorization header should carry, computed
from the headers its SignedHeaders names, the canonical query (decoded, re-encoded, sorted)
and the SHA-256 of the body. The S3 flavour: the path is used as sent (no double encoding).
"""
import hashlib
import hmac
import sys
import urllib.parse


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = []
    for item in query.split("&"):
        name, _, value = item.partition("=")
        name = urllib.parse.quote(urllib.parse.unquote(name), safe="-_.~")
        value = urllib.parse.quote(urllib.parse.unquote(value), safe="-_.~")
        pairs.append((name, value))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def main() -> None:
    fields = {}
    headers = {}
    with open(sys.argv[1], encoding="utf-8") as spec:
        for line in spec.read().splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "H":
                name, _, value = rest.partition(":")
                headers[name.strip().lower()] = value.strip()
            else:
                fields[kind] = rest
    with open(fields["BODYFILE"], "rb") as body_file:
        body = body_file.read()

    authorization = headers["authorization"]
    algorithm, _, params = authorization.partition(" ")
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    _, date, region, service, terminator = parts["Credential"].split("/")
    signed = parts["SignedHeaders"].split(";")
    amz_date = headers["x-amz-date"]

    path, _, query = fields["TARGET"].partition("?")
    canonical_headers = "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in signed)
    canonical_request = "\n".join([fields["METHOD"], path, canonical_query(query),
                                   canonical_headers, ";".join(signed), sha256_hex(body)])
    scope = f"{date}/{region}/{service}/{terminator}"
    string_to_sign = "\n".join([algorithm, amz_date, scope,
                                sha256_hex(canonical_request.encode())])
    key = ("AWS4" + fields["SECRET"]).encode()
    for part in (date, region, service, terminator):
        key = hmac_sha256(key, part)
    print(hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest())


if __name__ == "__main__":
    main()
