#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# fuzz/run.sh BUILD_DIR [SECONDS] [JOBS] [TARGET...]: run each libFuzzer
# target of BUILD_DIR (made with -Dfuzz=true) for SECONDS (600) on a
# copy of its corpus, JOBS targets at a time (2); then merge what it
# found into fuzz/corpus/TARGET (minimised: only inputs that add
# coverage) and print, per target, the executions, the coverage and
# whether it crashed (a crash leaves its reproducer in
# fuzz/corpus/TARGET too, which the unit tests then replay).

set -u
here="$(cd "$(dirname "$0")" && pwd)"
build="$1"
secs="${2:-600}"
jobs="${3:-2}"
shift $(( $# >= 3 ? 3 : $# ))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(packages fstab release binary probe proto utf8 treestream lvm)
work="$(mktemp -d /tmp/gc-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT

one ()
{
  local t="$1" bin="$build/fuzz/fuzz-$1"
  mkdir -p "$work/$t"
  cp "$here/corpus/$t"/* "$work/$t/" 2>/dev/null
  "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
    -artifact_prefix="$here/corpus/$t/" -print_final_stats=1 \
    "$work/$t" > "$work/$t.log" 2>&1
  local rc=$?
  "$bin" -merge=1 "$here/corpus/$t" "$work/$t" > "$work/$t.merge.log" 2>&1
  local execs cov
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$')"
  cov="$(grep -o 'cov: [0-9]* ft: [0-9]*' "$work/$t.log" | tail -1)"
  printf '%-9s %s s, %s executions, %s, %s\n' "$t" "$secs" "${execs:-?}" \
    "${cov:-?}" "$([ $rc -eq 0 ] && echo 'no crash' || echo "EXIT $rc: see $here/corpus/$t/crash-*")"
}

running=0
for t in "${targets[@]}"; do
  one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait
