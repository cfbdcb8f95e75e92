#!/usr/bin/env bash
# `slo report --access-logs s3://…` against `aws s3 sync` then `slo report --access-logs DIR`
# (BENCHMARKS.md, "Logs in S3"), on the local AWS emulator's S3, so S3's own latency is not in
# the figures (the emulator's is). Uploads DAYS days of the example's logs, then times both
# paths RUNS times each, in turn, with /usr/bin/time; prints each one's median wall time, its
# peak RSS, the S3 requests each made (the emulator counts them) and what they would cost.
#
#   bench/s3.sh             # DAYS=2 RUNS=3 adjust it
set -euo pipefail
cd "$(dirname "$0")/.."
days=${DAYS:-2}
runs=${RUNS:-3}

[ -n "${SKIP_BUILD:-}" ] || cargo build --release --locked --quiet
slo=$PWD/target/release/slo
venv=target/bench-venv
if [ ! -x "$venv/bin/aws" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "awscli==1.46.3"
fi
aws=$PWD/$venv/bin/aws
command -v /usr/bin/time >/dev/null || scripts/apt-install time
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
tests/emulator/run --port "$port" >"$work/emulator.log" 2>&1 &
pids+=($!)
until curl -fs "127.0.0.1:$port/_slo/health" >/dev/null; do sleep 0.5; done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true
end=2026-11-16T00:00:00Z
$slo generate-logs --out "$work/logs" --days "$days" --end "$end" >/dev/null
objects=$(find "$work/logs" -name '*.log.gz' | wc -l)
bytes=$(find "$work/logs" -name '*.log.gz' -printf '%s\n' | awk '{s+=$1} END {print s}')
$aws --endpoint-url "$AWS_ENDPOINT_URL" s3 mb s3://alb-logs >/dev/null
$aws --endpoint-url "$AWS_ENDPOINT_URL" s3 cp --recursive --quiet "$work/logs/AWSLogs" s3://alb-logs/prod/AWSLogs
echo "## $days day(s) of the example's logs: $objects objects, $bytes bytes (gzip) in the emulator's S3"

report="report slo --at $end --window ${days}d --format json"
cat >"$work/direct" <<SH
#!/bin/sh
exec $slo $report --access-logs s3://alb-logs/prod/
SH
cat >"$work/sync" <<SH
#!/bin/sh
rm -rf $work/copy
$aws --endpoint-url $AWS_ENDPOINT_URL s3 sync --quiet s3://alb-logs/prod/ $work/copy || exit 1
exec $slo $report --access-logs $work/copy
SH
chmod +x "$work/direct" "$work/sync"
calls() { curl -fs "127.0.0.1:$port/_slo/calls"; }
run() { # RUNS timed runs of $work/$1: wall seconds and peak RSS (KB) of each
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$work/$1" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
    echo "$1 $(cat "$work/time")" >>"$work/times"
  done
}
before=$(calls)
run direct
mid=$(calls)
run sync
after=$(calls)

python3 - "$work/times" "$runs" "$before" "$mid" "$after" <<'EOF'
import json, statistics, sys
times, runs = sys.argv[1], int(sys.argv[2])
before, mid, after = (json.loads(x) for x in sys.argv[3:6])
rows = {}
for line in open(times):
    name, wall, rss = line.split()
    rows.setdefault(name, []).append((float(wall), int(rss) / 1024))
def diff(a, b, op):
    return (b.get(op, 0) - a.get(op, 0)) / runs
for name, label, a, b in (("direct", "slo report --access-logs s3://…", before, mid),
                          ("sync", "aws s3 sync + slo report --access-logs DIR", mid, after)):
    walls = sorted(w for w, _ in rows[name])
    rss = max(r for _, r in rows[name])
    lists, gets = diff(a, b, "ListObjectsV2") + diff(a, b, "ListObjects"), diff(a, b, "GetObject")
    heads = diff(a, b, "HeadObject")
    # S3 Standard, us-east-1: LIST $0.005 per 1,000, GET/HEAD $0.0004 per 1,000.
    cost = lists * 0.005 / 1000 + (gets + heads) * 0.0004 / 1000
    print(f"{label}: wall median {statistics.median(walls):.2f} s (min {walls[0]:.2f}, max {walls[-1]:.2f}), "
          f"peak RSS {rss:.0f} MB; {lists:.0f} LIST, {gets:.0f} GET, {heads:.0f} HEAD a run (${cost:.6f})")
EOF
