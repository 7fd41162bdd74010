#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-cat of a 1 GiB file of pseudo-random data: the checksum matches
# and virt-cat's own peak RSS (not qemu's) stays under 64 MiB: the data
# is streamed, never held.
#
#   test-virt-cat-big.sh VIRT-CAT MAKE-GUEST

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vc="$(tool_under_test "$1")"
big="$(guest big)"

expected="$("$2" --pattern 1G 42 | sha256sum)"

# virt-cat's own peak RSS: its VmHWM, read while it runs (only grows, so
# the last reading is the peak).  /usr/bin/time cannot tell: its %M is
# the largest of the process tree, qemu included.
mkfifo "$T/pipe"
sha256sum < "$T/pipe" > "$T/sum" &
sumpid=$!
start=$(date +%s.%N)
"$vc" -a "$big" -m /dev/sda1 /big.dat > "$T/pipe" 2> "$T/err" &
pid=$!
rss=0
while v=$(awk '/^VmHWM:/ { print $2 }' /proc/$pid/status 2>/dev/null) && [ -n "$v" ]; do
  [ "$v" -gt "$rss" ] && rss=$v
  sleep 0.1
done
set +e
wait $pid
rc=$?
set -e
wait $sumpid
end=$(date +%s.%N)
check_clean "big"
[ $rc -eq 0 ] || { cat "$T/err"; fail "big: exit status $rc"; }
[ ! -s "$T/err" ] || { cat "$T/err"; fail "big: messages on stderr"; }
got="$(cat "$T/sum")"
[ "$got" = "$expected" ] || fail "big: checksum $got, expected $expected"
echo "virt-cat of 1 GiB: $(awk "BEGIN { printf \"%.1f\", $end - $start }") s, peak RSS of virt-cat ${rss} KiB"
[ "$rss" -gt 0 ] || fail "big: could not read virt-cat's VmHWM"
[ -n "${VG:-}" ] || [ "$rss" -lt 65536 ] || fail "big: virt-cat's peak RSS is ${rss} KiB (>= 64 MiB)"
ok "1 GiB file: checksum matches, virt-cat's peak RSS ${rss} KiB"
