#!/usr/bin/env bash
# Instruction counts (valgrind --tool=callgrind) of the facade_vs_reqwest bench binary, side by side
# in one run: cold start (build a client + one create, whole process) and per-call cost, for the
# SDK, the equivalent floor and the lean floor. Prints markdown tables. Needs valgrind.
#
#   cargo bench -p telnyx-rooms --bench facade_vs_reqwest --no-run
#   crates/telnyx-rooms/benches/instructions.sh [cold] [calls]
set -euo pipefail
cd "$(dirname "$0")/../../.."
bin=$(ls -t target/release/deps/facade_vs_reqwest-* | grep -v '\.d$' | head -1)
collected() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 | sed -n 's/.*Collected : //p'; }
what=${1:-all}
if [[ $what == all || $what == cold ]]; then
  echo "| cold start (BENCH_COLD) | instructions, whole process | minus server start-up only |"
  echo "|---|---|---|"
  base=$(BENCH_COLD=none collected)
  echo "| none (start the loopback server, no client) | $base | 0 |"
  for kind in sdk blocking floor lean; do
    n=$(BENCH_COLD=$kind collected)
    echo "| $kind | $n | $((n - base)) |"
  done
  echo
fi
if [[ $what == all || $what == calls ]]; then
  echo "| operation | in flight | client | instructions/call | SDK ÷ this |"
  echo "|---|---|---|---|---|"
  for op in create refresh; do
    for flight in 1 32; do
      if [[ $flight == 1 ]]; then low=200 high=1200; else low=320 high=1600; fi
      declare -A per
      for who in sdk floor lean; do
        a=$(BENCH_PROFILE=$who:$op:$low:$flight collected)
        b=$(BENCH_PROFILE=$who:$op:$high:$flight collected)
        per[$who]=$(( (b - a) / (high - low) ))
      done
      for who in sdk floor lean; do
        ratio=$(awk -v s="${per[sdk]}" -v w="${per[$who]}" 'BEGIN { printf "%.3f", s / w }')
        echo "| $op | $flight | $who | ${per[$who]} | $ratio |"
      done
    done
  done
fi
