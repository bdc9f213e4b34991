#!/usr/bin/env bash
# Receiver benchmark: wrk (2 threads, 64 connections, 10 s, the shared sample payload with a
# unique item id per request) against patchq-receiver with a local redis-server, then
# "acked == stored" (the receiver's count of 202s against XLEN of the jobs stream).
# Baselines measured in the same run: wrk against the same server's GET /healthz (HTTP
# plumbing without Redis), redis-benchmark XADD (Redis alone, pipelined), and the same wrk load
# against a fastify + BullMQ receiver (bench/baseline, as many Node processes as receiver
# threads, its own redis-server configured alike; needs node and npm, skipped with
# --no-node-baseline).
# Besides req/s, each run reports the CPU time every process spent per request (receiver,
# redis-server, wrk; from /proc and the shell's `time`): on a shared 2-core box that cost
# model is steadier than req/s, and it bounds what req/s could be (2 cores / total us).
#
# Prints a Markdown section (scripts/bench puts it into docs/BENCHMARKS.md); exits non-zero
# when acked != stored.
#
# Usage: bench/receiver.sh [--build DIR] [--threads N] [--connections N] [--duration S]
#                          [--aof everysec|always|no] [--no-baseline] [--no-node-baseline]
#                          [--receiver-args "..."]
# Needs: wrk, redis-server, redis-cli, redis-benchmark, a built patchq-receiver ($PATCHQ_BIN, or
# DIR/bin, default build/bin).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build="$repo/build"
receiver_threads=2
connections=64
duration=10
aof=everysec
baseline=1
node_baseline=1
extra_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) receiver_threads=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --aof) aof=$2; shift 2 ;;
    --no-baseline) baseline=0; node_baseline=0; shift ;;
    --no-node-baseline) node_baseline=0; shift ;;
    --receiver-args) extra_args=($2); shift 2 ;;
    --build) build=$2; PATCHQ_BIN=""; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

for tool in wrk redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "bench/receiver.sh: $tool not found" >&2; exit 2; }
done
binary="${PATCHQ_BIN:-$build/bin}/patchq-receiver"
[ -x "$binary" ] || { echo "bench/receiver.sh: $binary not built" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A loopback port nobody listens on (checked by connecting, not guessed).
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "bench/receiver.sh: no free port" >&2; exit 1
}

# Redis as deployed (docker-compose.yml, deploy/k8s): AOF, and its rewrite after 512mb of growth.
if [ "$aof" = no ]; then
  aof_args=(--appendonly no)
else
  aof_args=(--appendonly yes --appendfsync "$aof" --auto-aof-rewrite-min-size 512mb)
fi
# start_redis NAME: a redis-server with its own directory; sets started_port and started_pid.
start_redis() {
  local dir="$work/$1"
  mkdir -p "$dir"
  started_port=$(free_port)
  redis-server --port "$started_port" --bind 127.0.0.1 --dir "$dir" --save '' "${aof_args[@]}" \
    --daemonize no --logfile "$dir/redis.log" &
  started_pid=$!
  pids+=($started_pid)
  for _ in $(seq 1 100); do redis-cli -p "$started_port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  # Our own server, not someone else's that happened to hold the port first.
  [ "$(redis-cli -p "$started_port" info server | tr -d '\r' | sed -n 's/^process_id://p')" = "$started_pid" ] \
    || { echo "bench/receiver.sh: redis-server did not start on $started_port" >&2; exit 1; }
}
start_redis redis
redis_port=$started_port
redis_pid=$started_pid

port=$(free_port)
token=bench-token
PATCHQ_WEBHOOK_TOKEN=$token "$binary" --listen "127.0.0.1:$port" \
  --redis "redis://127.0.0.1:$redis_port/0" --threads "$receiver_threads" --log-level warn \
  --max-queue 0 "${extra_args[@]}" 2>"$work/receiver.log" &
pids+=($!)
for _ in $(seq 1 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)" = 200 ] && break
  sleep 0.05
done

# CPU time (user + system) of a process so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)
# us_per_request TICKS REQUESTS
us_per_request() { awk -v t="$1" -v n="$2" -v hz="$ticks_per_second" 'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }'; }
# run_wrk OUT ARGS...: wrk with its own CPU seconds (user+sys) written to OUT.cpu.
run_wrk() {
  local out=$1
  shift
  local TIMEFORMAT='%U %S'
  { time wrk "$@" >"$out"; } 2>"$out.time"
  awk '{printf "%.3f", $1 + $2}' "$out.time" >"$out.cpu"
}
requests_of() { awk '/requests in/ {print $1}' "$1"; }
# wrk_us_per_request OUT: wrk's own CPU per request of the run written to OUT.
wrk_us_per_request() {
  awk -v c="$(cat "$1.cpu")" -v n="$(requests_of "$1")" 'BEGIN { printf "%.1f", (n > 0 ? c * 1e6 / n : 0) }'
}

# "Requests/sec: N" and the --latency percentiles, in milliseconds.
summarise() {
  local out=$1
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$out")
  to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  echo "$rps $p50 $p99"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
export PATCHQ_BENCH_PAYLOAD="$repo/tests/data/v7/webhook_v2.json"
export PATCHQ_BENCH_TOKEN=$token
export PATCHQ_BENCH_NONCE="$$-$(date +%s)"
receiver_pid=${pids[1]}
memory_before=$(redis-cli -p "$redis_port" info memory | tr -d '\r' | sed -n 's/^used_memory://p')
receiver_cpu0=$(cpu_ticks "$receiver_pid")
redis_cpu0=$(cpu_ticks "$redis_pid")
run_wrk "$work/wrk.txt" -t2 -c"$connections" -d"${duration}s" --latency -s "$repo/bench/receiver.lua" \
  "http://127.0.0.1:$port/webhook?target=bench"
receiver_cpu=$(($(cpu_ticks "$receiver_pid") - receiver_cpu0))
redis_cpu=$(($(cpu_ticks "$redis_pid") - redis_cpu0))
requests=$(requests_of "$work/wrk.txt")
read -r rps p50 p99 <<<"$(summarise "$work/wrk.txt")"
non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")
errors=$(grep -E 'Socket errors' "$work/wrk.txt" || true)

acked=$(curl -s "http://127.0.0.1:$port/metrics" |
  awk '/^patchq_receiver_requests_total\{route="\/webhook",status="202"\}/ {print $2}')
stored=$(redis-cli -p "$redis_port" xlen patchq:jobs)
acked=${acked:-0}

if [ "$acked" = "$stored" ]; then verdict=yes; else verdict=NO; fi
memory_after=$(redis-cli -p "$redis_port" info memory | tr -d '\r' | sed -n 's/^used_memory://p')
memory_per_job=$(awk -v a="$memory_before" -v b="$memory_after" -v n="$stored" 'BEGIN { printf "%d", (n > 0 ? (b - a) / n : 0) }')
recv_us=$(us_per_request "$receiver_cpu" "$requests")
redis_us=$(us_per_request "$redis_cpu" "$requests")
wrk_us=$(wrk_us_per_request "$work/wrk.txt")

if [ "$baseline" = 1 ]; then
  receiver_cpu0=$(cpu_ticks "$receiver_pid")
  run_wrk "$work/wrk-healthz.txt" -t2 -c"$connections" -d"${duration}s" --latency \
    "http://127.0.0.1:$port/healthz"
  hrecv_us=$(us_per_request $(($(cpu_ticks "$receiver_pid") - receiver_cpu0)) "$(requests_of "$work/wrk-healthz.txt")")
  hwrk_us=$(wrk_us_per_request "$work/wrk-healthz.txt")
  read -r hrps hp50 hp99 <<<"$(summarise "$work/wrk-healthz.txt")"
  xadd=$(redis-benchmark -p "$redis_port" -c 2 -P 64 -n 500000 -q XADD bench:baseline '*' job_id x attempt 0 2>/dev/null |
    tr '\r' '\n' | sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' | tail -1)
fi

# The fastify + BullMQ receiver under the same load, with a redis-server of its own.
if [ "$node_baseline" = 1 ]; then
  "$repo/scripts/ensure-node-deps" "$repo/bench/baseline"
  start_redis node-redis
  node_redis_port=$started_port
  node_redis_pid=$started_pid
  node_port=$(free_port)
  node "$repo/bench/baseline/fastify_bullmq.js" --port "$node_port" --redis-port "$node_redis_port" \
    --processes "$receiver_threads" --token "$token" >"$work/node.out" 2>"$work/node.log" &
  node_pid=$!
  pids+=($node_pid)
  for _ in $(seq 1 200); do grep -q listening "$work/node.out" && break; sleep 0.05; done
  grep -q listening "$work/node.out" || { cat "$work/node.log" >&2; echo "bench/receiver.sh: the Node baseline did not start" >&2; exit 1; }
  # The cluster's primary and its worker processes.
  node_ticks() { local t=0 p; for p in $node_pid $(pgrep -P "$node_pid"); do t=$((t + $(cpu_ticks "$p"))); done; echo $t; }
  node_cpu0=$(node_ticks)
  node_redis_cpu0=$(cpu_ticks "$node_redis_pid")
  run_wrk "$work/wrk-node.txt" -t2 -c"$connections" -d"${duration}s" --latency -s "$repo/bench/receiver.lua" \
    "http://127.0.0.1:$node_port/webhook?target=bench"
  node_requests=$(requests_of "$work/wrk-node.txt")
  node_us=$(us_per_request $(($(node_ticks) - node_cpu0)) "$node_requests")
  node_redis_us=$(us_per_request $(($(cpu_ticks "$node_redis_pid") - node_redis_cpu0)) "$node_requests")
  node_wrk_us=$(wrk_us_per_request "$work/wrk-node.txt")
  read -r nrps np50 np99 <<<"$(summarise "$work/wrk-node.txt")"
  node_non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk-node.txt")
  node_stored=$(redis-cli -p "$node_redis_port" llen bull:patchq-baseline:wait)
  node_versions="fastify $(node -p 'require(process.argv[1]).version' "$repo/bench/baseline/node_modules/fastify/package.json"), BullMQ $(node -p 'require(process.argv[1]).version' "$repo/bench/baseline/node_modules/bullmq/package.json"), Node $(node --version)"
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "## Receiver: POST /webhook with the 2 KiB sample payload, wrk -t2 -c$connections -d${duration}s"
echo
echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu); wrk, redis-server (AOF, appendfsync"
echo "$aof, rewrite at 512mb as deployed) and patchq-receiver (--threads $receiver_threads) on the same box; load average before the"
echo "run: $load_before. Every request has a unique item id (bench/receiver.lua), so each one is a new job."
echo
echo "| | req/s | p50 ms | p99 ms | CPU us/request: receiver | redis-server | wrk |"
echo "|---|---|---|---|---|---|---|"
echo "| patchq-receiver: token check, payload parse, dedup + enqueue script, 202 after XADD | $rps | $p50 | $p99 | $recv_us | $redis_us | $wrk_us |"
if [ "$baseline" = 1 ]; then
  echo "| baseline, same run: the same server's GET /healthz (HTTP only, no Redis) | $hrps | $hp50 | $hp99 | $hrecv_us | | $hwrk_us |"
  echo "| baseline, same run: redis-benchmark XADD, 2 clients, pipeline 64 | $xadd | | | | | |"
fi
if [ "$node_baseline" = 1 ]; then
  echo "| baseline, same run: fastify + BullMQ receiver, $receiver_threads Node processes (bench/baseline; $node_versions) | $nrps | $np50 | $np99 | $node_us | $node_redis_us | $node_wrk_us |"
fi
echo
total_us=$(awk -v a="$recv_us" -v b="$redis_us" -v c="$wrk_us" 'BEGIN { printf "%.1f", a + b + c }')
echo "CPU per webhook, all three processes: $total_us us, so $(nproc) cores allow at most"
echo "$(awk -v t="$total_us" -v n="$(nproc)" 'BEGIN { printf "%d", (t > 0 ? n * 1e6 / t : 0) }') req/s even if fully used. Redis memory per queued job: $memory_per_job bytes"
echo "(payload $(wc -c <"$PATCHQ_BENCH_PAYLOAD") bytes of JSON, stored compressed)."

if [ "$node_baseline" = 1 ]; then
  echo
  echo "patchq-receiver vs fastify + BullMQ, same load, same run: $(awk -v a="$rps" -v b="$nrps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')x the"
  echo "req/s. The Node baseline answered $((node_requests - ${node_non2xx:-0})) requests with 2xx as wrk counted them and holds"
  echo "$node_stored jobs in its wait list (wrk stops with up to $connections requests in flight: stored, not counted)."
fi
echo
[ -n "$non2xx" ] && echo "Non-2xx answers: $non2xx." && echo
[ -n "$errors" ] && echo "wrk: $errors." && echo
echo "**acked == stored: $verdict** ($acked answered 202 by the receiver, $stored entries in the jobs stream)."
echo
echo "Target (issue #3): >= 36,000 req/s, p99 < 5 ms on an otherwise idle box. What was measured and"
echo "what moved it: docs/RECEIVER.md, section Performance."
[ "$verdict" = yes ]
