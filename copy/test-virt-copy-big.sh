#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# 1 GiB of pseudo-random data into a guest and back: the checksum
# matches, and each tool's own peak RSS (its VmHWM, sampled while it
# runs: /usr/bin/time's figure is qemu's) stays under 64 MiB: the data
# is streamed, never held.  Prints each way's time.
#
#   test-virt-copy-big.sh VIRT-COPY-IN VIRT-COPY-OUT

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vin="$(tool_under_test "$1")"
vout="$(tool_under_test "$2")"
img="$T/work.img"
cp --sparse=always "$(guest copy)" "$img"
"$GC_MAKE_GUEST" --pattern 1G 42 > "$T/big.dat"
expected="$(sha256sum < "$T/big.dat")"

# flat NAME CMD...: run CMD, sampling its VmHWM; fails if it fails, if
# it prints anything, or past 64 MiB (not under valgrind).
flat ()
{
  local name="$1" start end pid rss=0 v
  shift
  start=$(date +%s.%N)
  "$@" > "$T/out" 2> "$T/err" &
  pid=$!
  while v=$(awk '/^VmHWM:/ { print $2 }' /proc/$pid/status 2>/dev/null) && [ -n "$v" ]; do
    [ "$v" -gt "$rss" ] && rss=$v
    sleep 0.1
  done
  set +e
  wait $pid
  rc=$?
  set -e
  end=$(date +%s.%N)
  check_clean "$name"
  [ $rc -eq 0 ] || { cat "$T/err"; fail "$name: exit status $rc"; }
  [ ! -s "$T/err" ] || { cat "$T/err"; fail "$name: messages on stderr"; }
  [ "$rss" -gt 0 ] || fail "$name: could not read its VmHWM"
  echo "  $name of 1 GiB: $(awk "BEGIN { printf \"%.1f\", $end - $start }") s, its own peak RSS ${rss} KiB"
  [ -n "${VG:-}" ] || [ "$rss" -lt 65536 ] || fail "$name: peak RSS ${rss} KiB (>= 64 MiB)"
}

flat virt-copy-in "$vin" -a "$img" "$T/big.dat" /srv
mkdir "$T/got"
flat virt-copy-out "$vout" -a "$img" /srv/big.dat "$T/got"
[ "$(sha256sum < "$T/got/big.dat")" = "$expected" ] || fail "the file came back different"
ok "1 GiB in and out: the same bytes, each tool's memory flat"
