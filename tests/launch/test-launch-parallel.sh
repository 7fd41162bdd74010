#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Ten launches at once on an empty private cache: the appliance is built
# once and its state saved once (under the cache's lock), and every run
# succeeds, restored, with its own drive.
#
#   test-launch-parallel.sh LAUNCH-PROBE

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
probe="$(tool_under_test "$1")"
e4="$(guest ext4)"
export GUESTCELL_CACHEDIR="$T/cache"
unset GUESTCELL_SNAPSHOT GUESTCELL_QEMU GUESTCELL_VERBOSE
# The saved state is for TCG (KVM boots cold); no KVM test boot either.
export GUESTCELL_ACCEL=tcg

start=$(date +%s.%N)
pids=()
for i in $(seq 10); do
  "$probe" -v --urandom 16 "$e4" > "$T/out.$i" 2> "$T/err.$i" &
  pids+=($!)
done
failed=0
for i in $(seq 10); do
  if ! wait "${pids[$((i - 1))]}"; then
    echo "run $i failed:"; tail -5 "$T/err.$i"
    failed=$((failed + 1))
  fi
done
end=$(date +%s.%N)
check_clean "ten parallel runs"
[ "$failed" -eq 0 ] || fail "$failed of 10 parallel runs failed"

built=$(cat "$T"/err.* | grep -c 'appliance: built in' || true)
saved=$(cat "$T"/err.* | grep -c 'snapshot: saved in' || true)
restored=$(cat "$T"/out.* | grep -c '^launch: restored' || true)
devices=$(cat "$T"/out.* | grep -c '^devices: 1$' || true)
distinct=$(cat "$T"/out.* | sed -n 's/^urandom: //p' | sort -u | wc -l)
echo "  10 runs in $(awk "BEGIN { printf \"%.1f\", $end - $start }") s: appliance built $built, state saved $saved, restored $restored, distinct random draws $distinct"
[ "$built" -eq 1 ] || fail "the appliance was built $built times"
[ "$saved" -eq 1 ] || fail "the state was saved $saved times: $(grep -h 'snapshot:' "$T"/err.*)"
[ "$restored" -eq 10 ] || fail "only $restored of 10 runs were restored"
[ "$devices" -eq 10 ] || fail "only $devices of 10 runs saw their drive"
[ "$distinct" -eq 10 ] || fail "10 runs drew only $distinct distinct random values"
ok "10 parallel runs on an empty cache: one build, one saved state, all restored"
