#!/usr/bin/env bash
# Installs the deploy checks' npm packages (package-lock.json, exact versions) into
# tests/deploy/node_modules when they are missing or older than the lockfile. Idempotent and
# silent when up to date; safe to run concurrently (flock). node_modules is never committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v npm >/dev/null || { echo "ensure-node-deps: npm not found (Node.js 18+ is needed)" >&2; exit 1; }
stamp="$here/node_modules/.patchq-lock-stamp"
# The lock lives outside the tree (npm ci replaces node_modules; the tree stays clean).
exec 9>"${TMPDIR:-/tmp}/patchq-deploy-npm.lock"
flock 9
if [[ -f "$stamp" ]] && cmp -s "$stamp" "$here/package-lock.json"; then
  exit 0
fi
log=$(mktemp)
if ! (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "ensure-node-deps: npm ci failed" >&2
  exit 1
fi
rm -f "$log"
cp "$here/package-lock.json" "$stamp"
