#!/usr/bin/env bash
# Benchmarks of `slo serve` (BENCHMARKS.md, "slo serve"): idle RSS and CPU with the example
# specs; 1,000 objectives refreshed (calls, queries, wall time, RSS); requests per second on
# /api/v1/slos and /metrics with wrk from loopback. Against the local AWS emulator, so AWS's
# own latency is not in the figures (the emulator's is).
#
#   bench/serve.sh            # IDLE_SECONDS=60 SERVICES=500 WRK_SECONDS=10 adjust it
set -euo pipefail
cd "$(dirname "$0")/.."
idle_seconds=${IDLE_SECONDS:-60}
services=${SERVICES:-500}
wrk_seconds=${WRK_SECONDS:-10}

command -v wrk >/dev/null || scripts/apt-install wrk
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --locked --quiet
slo=target/release/slo
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
emu_port=$(free_port)
tests/emulator/run --port "$emu_port" >"$work/emulator.log" 2>&1 &
pids+=($!)
until curl -fs "127.0.0.1:$emu_port/_slo/health" >/dev/null; do sleep 0.5; done
export AWS_ENDPOINT_URL="http://127.0.0.1:$emu_port" AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true

rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
hwm_mb() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
wait_ready() { until [ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$1/readyz")" = 200 ]; do sleep 0.5; done; }

echo "## idle, example specs (slo/), default intervals"
port=$(free_port)
$slo serve slo/ --listen "127.0.0.1:$port" --state "$work/state-idle" >"$work/idle.log" &
idle=$!
pids+=("$idle")
wait_ready "$port"
sleep 5
t0=$(cpu_ticks $idle)
sleep "$idle_seconds"
t1=$(cpu_ticks $idle)
hz=$(getconf CLK_TCK)
echo "RSS after ${idle_seconds}s idle: $(rss_mb $idle) MB (peak $(hwm_mb $idle) MB)"
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$idle_seconds" \
  'BEGIN {printf "CPU while idle: %.2f%% of one core (%.2f s over %d s)\n", 100*(b-a)/hz/s, (b-a)/hz, s}'

echo
echo "## requests per second (wrk, 2 threads, 16 connections, ${wrk_seconds}s)"
for path in /api/v1/slos /metrics /; do
  printf '%s: ' "$path"
  wrk -t2 -c16 -d"${wrk_seconds}s" "http://127.0.0.1:$port$path" |
    awk '/Requests\/sec/ {r=$2} /Latency/ {l=$2} /Transfer\/sec/ {t=$2} END {printf "%s req/s (mean latency %s, %s/s)\n", r, l, t}'
done
echo "RSS after wrk: $(rss_mb $idle) MB (peak $(hwm_mb $idle) MB)"
kill -TERM $idle

echo
echo "## $((services * 2)) objectives ($services services x availability + latency, 30d windows)"
mkdir -p "$work/many"
for i in $(seq 1 "$services"); do
  printf 'apiVersion: slo/v1\nservice: svc%04d\nalb: { loadBalancer: app/lb%04d/0123456789abcdef, targetGroup: targetgroup/tg%04d/0123456789abcdef }\nwindow: 30d\nobjectives:\n  - { name: availability, sli: availability, target: 99.9%% }\n  - { name: latency, sli: latency, threshold: 1s, target: 99%% }\n' \
    "$i" "$i" "$i" >"$work/many/svc$i.yaml"
done
port=$(free_port)
$slo serve "$work/many" --listen "127.0.0.1:$port" --state "$work/state-many" --refresh 30s \
  >"$work/many.log" &
many=$!
pids+=("$many")
wait_ready "$port"
until [ "$(grep -c '"event":"refresh"' "$work/many.log")" -ge 4 ]; do sleep 1; done
many_hwm=$(hwm_mb $many)
many_rss=$(rss_mb $many)
kill -TERM $many
sleep 1
grep '"event":"refresh"' "$work/many.log" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
for n, r in enumerate(rows):
    kind = "first (whole window)" if n == 0 else "incremental"
    o, q, c, ms = r["objectives"], r["queries"], r["get_metric_data_calls"], r["millis"]
    print(f"refresh {n+1} ({kind}): {o} objectives, {q} queries, {c} GetMetricData calls "
          f"(ceil(queries/500) = {-(-q // 500)}), {ms / 1000:.2f} s")
'
echo "RSS with $((services * 2)) objectives: $many_rss MB (peak $many_hwm MB)"
