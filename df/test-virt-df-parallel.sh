#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-df --each-image: several guests in one run, each in its own
# appliance.
#  - From an empty appliance cache, four guests at -P 2 (the first
#    launches build the appliance at the same time): every guest is
#    reported, in the order given; then the same run again on the warm
#    cache gives the same output (nothing in the cache was corrupted by
#    the concurrent builds).
#  - A guest that fails (an image that does not exist, one that is not
#    a disk image) prints its error, the others still report, exit 1.
#  - SIGTERM in the middle of a run stops every appliance: exit by the
#    signal and no qemu left.
# No qemu outlives any run (check_clean after each).
#
#   test-virt-df-parallel.sh VIRT-DF

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vd="$(tool_under_test "$1")"
here="$(dirname "$0")"
build_guests ext4 debian fedora

e4="$(guest ext4)"
deb="$(guest debian)"
fed="$(guest fedora)"
ln -s "$e4" "$T/copy.img"
export GUESTCELL_CACHEDIR="$T/cache"

# What the four guests print: the rows of the goldens, renamed.
{ cat "$here/expected-debian-fedora-default.txt"
  sed 1d "$here/expected-ext4-default.txt"
  sed '1d; s/^ext4\.img:/copy.img:/' "$here/expected-ext4-default.txt"; } > "$T/expected"

start=$(date +%s)
run "$vd" --each-image -P 2 -a "$deb" -a "$fed" -a "$e4" -a "$T/copy.img"
expect_rc 0
no_errors "cold cache"
diff -u "$T/expected" "$T/out" || fail "cold cache: wrong output"
ok "cold cache, 4 guests at -P 2: all reported in order ($(( $(date +%s) - start )) s)"

start=$(date +%s)
run "$vd" --each-image -P 2 -a "$deb" -a "$fed" -a "$e4" -a "$T/copy.img"
expect_rc 0
no_errors "warm cache"
diff -u "$T/expected" "$T/out" || fail "warm cache: wrong output"
ok "warm cache: same output ($(( $(date +%s) - start )) s)"

# Failing guests in the middle (a missing image, one that is all zeros,
# which is no disk image): the others still report, in order.
head -c 1048576 /dev/zero > "$T/zero.img"
run "$vd" --each-image -P 2 -a "$e4" -a "$T/nosuch.img" -a "$T/zero.img" \
    -a "$T/copy.img"
expect_rc 1
{ sed -n 1,2p "$here/expected-ext4-default.txt"
  sed '1d; s/^ext4\.img:/copy.img:/' "$here/expected-ext4-default.txt"; } > "$T/expected"
diff -u "$T/expected" "$T/out" || fail "failing guests: wrong output"
[ "$(wc -l < "$T/err")" -eq 2 ] && grep -q 'nosuch.img: No such file' "$T/err" &&
  grep -q 'zero.img: no partition and no filesystem found' "$T/err" ||
  { cat "$T/err"; fail "failing guests: expected an error for nosuch.img and one for zero.img"; }
ok "failing guests: one error each, the others reported, exit 1"

# SIGTERM while the appliances run: every qemu stops.
set +e
"$vd" --each-image -P 2 -a "$deb" -a "$fed" -a "$e4" > "$T/out" 2> "$T/err" &
pid=$!
for _ in $(seq 50); do
  [ "$(pgrep -f -- "qemu.*$T" | wc -l)" -ge 2 ] && break
  sleep 0.2
done
kill -TERM $pid
wait $pid
rc=$?
set -e
check_clean "virt-df killed"
[ $rc -eq 143 ] || { cat "$T/err"; fail "SIGTERM: exit $rc, not 143"; }
ok "SIGTERM: exit 143, no qemu left"
