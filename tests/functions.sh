# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Shell helpers of the tests: source "$GC_TESTS_SRCDIR/functions.sh".
#
# Each test gets a private directory $T (removed at exit) and a private
# TMPDIR inside it, so that after every run of a tool check_clean can
# say whether it left a process (any process whose command line names
# $T: qemu names its socket and the disk images, which guest() links
# into $T) or a temporary file behind.
#
#   build_guests NAME...
#                    build build/tests/guests/NAME.img... if needed, in
#                    one go (a test needing several asks for them first)
#   guest NAME       build build/tests/guests/NAME.img if needed, and
#                    print the path of a hard link to it in $T
#   run CMD...       run CMD, stdout in $T/out, stderr in $T/err, status
#                    in $rc, its time and peak memory printed (GNU
#                    time, when there and not under valgrind); then
#                    check_clean
#   expect_rc N      $rc must be N
#   expect_one_error REGEX
#                    stderr must be exactly one line, matching REGEX
#   tool_under_test PATH
#                    PATH, or a wrapper running it under $VG
#   skip WHY / fail WHY

set -e
set -o pipefail

skip () { echo "SKIP: $*"; exit 77; }
fail () { echo "FAIL: $*" >&2; exit 1; }
ok () { echo "ok: $*"; }

T="$(mktemp -d /tmp/gc-test.XXXXXX)"
mkdir "$T/tmp"
export TMPDIR="$T/tmp"

cleanup_test ()
{
  local pids
  pids="$(pgrep -f -- "$T" || true)"
  [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup_test EXIT

# The tool to test: itself, or under $VG (meson test --setup valgrind)
# through a small wrapper in $T.
tool_under_test ()
{
  if [ -z "${VG:-}" ]; then
    echo "$1"
  else
    printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$VG" "$1" > "$T/$(basename "$1")"
    chmod +x "$T/$(basename "$1")"
    echo "$T/$(basename "$1")"
  fi
}

# What an appliance test needs on the host.
require_appliance ()
{
  command -v qemu-system-x86_64 > /dev/null || skip "qemu-system-x86_64 is not installed"
  command -v supermin > /dev/null || skip "supermin is not installed"
  ls /boot/vmlinuz-* > /dev/null 2>&1 || skip "no kernel in /boot (linux-image-amd64)"
}

build_guests ()
{
  local targets=() n
  for n in "$@"; do targets+=("tests/guests/$n.img"); done
  # ninja knows whether an image is fresh; the lock lets one test at a
  # time run it (parallel ninjas on one build tree would collide).
  mkdir -p "$GC_GUESTS"
  if ! flock "$GC_GUESTS/.lock" \
         ninja -C "$GC_BUILD_ROOT" "${targets[@]}" > "$T/ninja.log" 2>&1; then
    cat "$T/ninja.log" >&2
    fail "could not build the guests $*"
  fi
}

guest ()
{
  local img="$GC_GUESTS/$1.img"
  build_guests "$1"
  [ -f "$img" ] || fail "$img was not built"
  ln -f "$img" "$T/$1.img" 2>/dev/null || ln -sf "$img" "$T/$1.img"
  echo "$T/$1.img"
}

check_clean ()
{
  local pids left
  # Give an exiting qemu a moment to be reaped.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    pids="$(pgrep -f -- "$T" || true)"
    [ -z "$pids" ] && break
    sleep 0.2
  done
  if [ -n "$pids" ]; then
    ps -o pid,args -p $pids || true
    fail "$1: left a process running"
  fi
  left="$(ls -A "$TMPDIR")"
  [ -z "$left" ] || fail "$1: left in \$TMPDIR: $left"
}

run ()
{
  set +e
  if [ -x /usr/bin/time ] && [ -z "${VG:-}" ]; then
    /usr/bin/time -f "%e s, peak RSS %M KiB (its largest process)" \
      -o "$T/run-time" "$@" > "$T/out" 2> "$T/err"
    rc=$?
    echo "  ran $(basename "$1") (exit $rc): $(tail -n 1 "$T/run-time")"
  else
    "$@" > "$T/out" 2> "$T/err"
    rc=$?
  fi
  set -e
  check_clean "$*"
}

expect_rc ()
{
  if [ "$rc" -ne "$1" ]; then
    echo "--- stderr:"; cat "$T/err"
    fail "expected exit status $1, got $rc"
  fi
}

expect_one_error ()
{
  if [ "$(wc -l < "$T/err")" -ne 1 ] || ! grep -Eq -- "$1" "$T/err"; then
    echo "--- stderr:"; cat "$T/err"
    fail "expected one line matching '$1' on stderr"
  fi
}

no_errors ()
{
  if grep -q 'error' "$T/err"; then
    echo "--- stderr:"; cat "$T/err"
    fail "$1: unexpected error"
  fi
}
