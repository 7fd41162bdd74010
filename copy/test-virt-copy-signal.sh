#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Ctrl-C (SIGINT) and SIGTERM in the middle of a long copy, each way:
# the tool dies by the signal (status 130 or 143) without a message,
# leaves no qemu and no temporary file, and the copy is absent or whole
# on the other side (no partial file, no hidden temporary).  The middle
# is found from the tool's own I/O counters (/proc/PID/io: rchar for
# copy-in, which reads the file and the stream; wchar for copy-out,
# which writes the stream and the file).
#
#   test-virt-copy-signal.sh VIRT-COPY-IN VIRT-COPY-OUT

source "$GC_TESTS_SRCDIR/functions.sh"
source "$(dirname "$0")/copy-functions.sh"
require_appliance
vin="$(tool_under_test "$1")"
vout="$(tool_under_test "$2")"
[ -z "${VG:-}" ] || skip "the signal's moment is found in the tool's /proc/PID/io"
img="$T/work.img"
cp --sparse=always "$(guest copy)" "$img"
"$GC_MAKE_GUEST" --pattern 160M 3 > "$T/big.dat"
size=$(stat -c %s "$T/big.dat")

# interrupt SIGNAL COUNTER THRESHOLD CMD...: run CMD, send SIGNAL when
# its COUNTER (rchar, wchar) reaches THRESHOLD; $rc is its status.
interrupt ()
{
  local sig="$1" counter="$2" threshold="$3" pid sent=0
  shift 3
  "$@" > "$T/out" 2> "$T/err" &
  pid=$!
  if await_io $pid "$counter" "$threshold"; then
    kill -s "$sig" $pid
    sent=1
  fi
  set +e
  wait $pid
  rc=$?
  set -e
  [ $sent = 1 ] || fail "$*: it ended before the signal"
  check_clean "$* (signal $sig)"
  [ ! -s "$T/err" ] || { cat "$T/err"; fail "$*: a message after $sig"; }
}

interrupt INT rchar "$size" "$vin" -a "$img" "$T/big.dat" /srv
expect_rc 130
mkdir "$T/got"
"$vout" -a "$img" /srv/. "$T/got" 2> "$T/err" || { cat "$T/err"; fail "copy-out after the signal"; }
[ ! -e "$T/got/big.dat" ] || cmp "$T/big.dat" "$T/got/big.dat" || fail "a partial file in the guest"
[ -z "$(find "$T/got" -name '.gc-tmp.*')" ] || fail "a temporary in the guest"
ok "virt-copy-in, SIGINT half-way: status 130, nothing left behind, no partial file in the guest"

# The file in the guest, whole, for copy-out.
run "$vin" -a "$img" "$T/big.dat" /srv
expect_rc 0
for sig in INT TERM; do
  rm -rf "$T/got"
  mkdir "$T/got"
  interrupt $sig wchar "$size" "$vout" -a "$img" /srv/big.dat "$T/got"
  [ $sig = INT ] && expect_rc 130 || expect_rc 143
  [ -z "$(ls -A "$T/got")" ] || cmp "$T/big.dat" "$T/got/big.dat" ||
    fail "copy-out, SIG$sig: a partial file in LOCALDIR"
  [ -z "$(find "$T/got" -name '.gc-tmp.*')" ] || fail "copy-out, SIG$sig: a temporary in LOCALDIR"
  ok "virt-copy-out, SIG$sig half-way: status $rc, nothing left behind, no partial file"
done
