#!/usr/bin/env bash
# Access-log throughput: slo report against cat, zcat, a mawk one-liner and goaccess, on the
# same generated files (>= 1 GB uncompressed), page cache warm. "1 core" rows run under
# `taskset -c 0` (--threads sets the readers only; the report's own work uses every core). Prints a Markdown table of wall
# time, MB/s (of uncompressed log bytes) and peak RSS; the best of $RUNS runs (default 3).
#
#   bench/access_logs.sh            # generates target/bench-logs/ once, then measures
#   SCALE=140 bench/access_logs.sh  # more data (SCALE=70 over 2 days is ~1.2 GB)
#   GOACCESS=0 bench/access_logs.sh # without the goaccess row (it takes minutes)
#   SLO=path bench/access_logs.sh   # another build of slo (an earlier step), no cargo build
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
SCALE=${SCALE:-70}
DAYS=${DAYS:-2}
END=2026-11-20T00:00:00Z
data=target/bench-logs

need() { command -v "$1" >/dev/null || missing+=("$2"); }
missing=()
need mawk mawk
[ "${GOACCESS:-1}" = 0 ] || need goaccess goaccess
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (Debian packages)" >&2
  scripts/apt-install "${missing[@]}"
fi

if [ -z "${SLO:-}" ]; then
  cargo build --release --locked --quiet
fi
slo=${SLO:-target/release/slo}

if [ ! -f "$data/done-$SCALE-$DAYS" ]; then
  rm -rf "$data"
  "$slo" generate-logs --out "$data/plain" --plain --days "$DAYS" --scale "$SCALE" --end "$END"
  "$slo" generate-logs --out "$data/gz" --days "$DAYS" --scale "$SCALE" --end "$END"
  touch "$data/done-$SCALE-$DAYS"
fi
mapfile -t plain < <(find "$data/plain" -name '*.log' | sort)
mapfile -t gz < <(find "$data/gz" -name '*.log.gz' | sort)
bytes=$(cat "${plain[@]}" | wc -c)
gz_bytes=$(du -cb "${gz[@]}" | tail -1 | cut -f1)
lines=$(cat "${plain[@]}" | wc -l)

# measure NAME COMMAND...: best wall time and its peak RSS over $RUNS runs (the time also in $last).
measure() {
  local name=$1; shift
  local best="" rss=""
  for _ in $(seq "$RUNS"); do
    # Wall time from bash's microsecond clock (time's %e has 10 ms steps: too coarse for
    # 0.2 s runs); peak RSS from time.
    local start=$EPOCHREALTIME
    /usr/bin/time -f '%M' -o "$data/time.out" "$@" >/dev/null 2>/dev/null || true
    local end=$EPOCHREALTIME t m
    t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
    m=$(tail -1 "$data/time.out")
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$t; rss=$m; fi
  done
  last=$best
  awk -v n="$name" -v t="$best" -v m="$rss" -v b="$bytes" \
    'BEGIN{ if (t < 0.001) t = 0.001; printf "| %s | %.3f | %.0f | %.1f |\n", n, t, b/1e6/t, m/1024 }'
}

cat "${plain[@]}" >/dev/null   # warm the page cache
cat "${gz[@]}" >/dev/null

echo "Input: ${#plain[@]} files, $lines lines, $((bytes / 1000000)) MB plain; $((gz_bytes / 1000000)) MB as .gz; $(nproc) cores"
echo
echo "| command | wall s | MB/s of log | peak RSS MB |"
echo "|---|---|---|---|"
measure "cat > /dev/null" cat "${plain[@]}"
measure "zcat > /dev/null (.gz)" zcat "${gz[@]}"
# shellcheck disable=SC2016 # the awk program is meant literally
measure "mawk 5xx one-liner" mawk '$9 ~ /^5/ {e++} END {print e/NR}' "${plain[@]}"
[ "${GOACCESS:-1}" = 0 ] || measure "goaccess --log-format=AWSALB" goaccess "${plain[@]}" --log-format=AWSALB -o "$data/goaccess.json"
report=(report slo/ --at "$END" --format json)
measure "slo report, 1 thread, 1 core" taskset -c 0 "$slo" "${report[@]}" --access-logs "$data/plain" --threads 1
measure "slo report, $(nproc) threads" "$slo" "${report[@]}" --access-logs "$data/plain"
measure "slo report .gz, 1 thread, 1 core" taskset -c 0 "$slo" "${report[@]}" --access-logs "$data/gz" --threads 1
measure "slo report .gz, $(nproc) threads" "$slo" "${report[@]}" --access-logs "$data/gz"

# One large file: the same lines concatenated (what `cat`-ing a day of logs, or an archive,
# gives), plain and as one .gz. Plain is read in pieces by every thread.
if [ ! -f "$data/big/done" ]; then
  rm -rf "$data/big"
  mkdir -p "$data/big/plain" "$data/big/gz"
  cat "${plain[@]}" >"$data/big/plain/all.log"
  gzip -c "$data/big/plain/all.log" >"$data/big/gz/all.log.gz"
  touch "$data/big/done"
fi
cat "$data/big/plain/all.log" "$data/big/gz/all.log.gz" >/dev/null
echo
echo "One file: $((bytes / 1000000)) MB plain; $(($(stat -c %s "$data/big/gz/all.log.gz") / 1000000)) MB as one .gz"
echo
echo "| command | wall s | MB/s of log | peak RSS MB |"
echo "|---|---|---|---|"
measure "cat > /dev/null" cat "$data/big/plain/all.log"
measure "zcat > /dev/null (.gz)" zcat "$data/big/gz/all.log.gz"
# shellcheck disable=SC2016 # the awk program is meant literally
measure "mawk 5xx one-liner" mawk '$9 ~ /^5/ {e++} END {print e/NR}' "$data/big/plain/all.log"
measure "slo report, 1 thread, 1 core" taskset -c 0 "$slo" "${report[@]}" --access-logs "$data/big/plain" --threads 1
one_thread=$last
measure "slo report, $(nproc) threads (pieces)" "$slo" "${report[@]}" --access-logs "$data/big/plain"
all_threads=$last
measure "slo report .gz, 1 thread, 1 core" taskset -c 0 "$slo" "${report[@]}" --access-logs "$data/big/gz" --threads 1
awk -v a="$one_thread" -v b="$all_threads" -v n="$(nproc)" \
  'BEGIN { printf "\nOne file on %d threads: %.2f× one thread on one core\n", n, a / b }'

# Many small files: the bundled example's S3 layout (17,280 five-minute .gz files) against the
# same bytes as one file (its files concatenated: a multi-member .gz); the difference, divided
# by the number of files, is what a file costs beyond its bytes.
example=target/example-logs
if [ ! -d "$example/AWSLogs" ]; then
  "$slo" generate-logs --out "$example"
fi
mapfile -t small < <(find "$example/AWSLogs" -name '*.log.gz' | sort)
if [ ! -f "$data/one-of-many/all.log.gz" ]; then
  mkdir -p "$data/one-of-many"
  printf '%s\0' "${small[@]}" | xargs -0 cat >"$data/one-of-many.partial"
  mv "$data/one-of-many.partial" "$data/one-of-many/all.log.gz"
fi
small_bytes=$(zcat "$data/one-of-many/all.log.gz" | wc -c)
bytes=$small_bytes
example_report=(report slo/ --at "$END" --format json)
echo
echo "Many files: ${#small[@]} .gz files, $((small_bytes / 1000000)) MB of log; the same bytes as one file"
echo
echo "| command | wall s | MB/s of log | peak RSS MB |"
echo "|---|---|---|---|"
measure "slo report, ${#small[@]} files, 1 core" taskset -c 0 "$slo" "${example_report[@]}" --access-logs "$example/AWSLogs" --threads 1
many=$last
measure "slo report, 1 file, 1 core" taskset -c 0 "$slo" "${example_report[@]}" --access-logs "$data/one-of-many" --threads 1
awk -v a="$many" -v b="$last" -v n="${#small[@]}" \
  'BEGIN { printf "\nCost of a file beyond its bytes: %.1f µs ((%.3f s - %.3f s) / %d files)\n", (a - b) / n * 1e6, a, b, n }'
