#!/usr/bin/env bash
# Decompression alone: zlib-rs streaming against libdeflate whole-member, on the benchmark's
# .gz files and on the example's 17,280 small ones (each run of bench/access_logs.sh first).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=target/gz_decoders
cargo build --release --quiet --manifest-path bench/gz_decoders/Cargo.toml
for dir in target/bench-logs/gz target/example-logs/AWSLogs; do
  [ -d "$dir" ] || { echo "$dir: run bench/access_logs.sh first" >&2; exit 2; }
  echo "## $dir"
  find "$dir" -name '*.log.gz' | sort | target/gz_decoders/release/gz_decoders
  echo
done
