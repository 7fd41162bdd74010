#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Guest-controlled work: an fstab of 20,000 entries that cannot be
# mounted (tests/guests/hostile-fstab).  virt-cat and virt-inspector
# each finish (their time and peak memory printed), with ten warnings
# and one line summing up the other 19,990, not 20,000 lines; virt-df,
# which does not read the fstab, says nothing.  One launch per tool.
#
#   test-many-entries.sh VIRT-CAT VIRT-DF VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vc="$(tool_under_test "$1")"
vd="$(tool_under_test "$2")"
vi="$(tool_under_test "$3")"
img="$(guest hostile-fstab)"

for tool in "$vc" "$vi" "$vd"; do
  name="$(basename "$tool")"
  args=(-a "$img")
  [ "$name" = virt-cat ] && args+=(/etc/hostname)
  run /usr/bin/time -f "%e s, peak RSS of the largest process %M KiB" \
    -o "$T/time" "$tool" "${args[@]}"
  expect_rc 0
  echo "$name: $(cat "$T/time")"
  [ "$name" != virt-cat ] || [ "$(cat "$T/out")" = many-fstab ] ||
    fail "virt-cat: wrong output"
  if [ "$name" = virt-df ]; then
    # virt-df mounts each filesystem itself: the fstab means nothing.
    grep -q '^hostile-fstab.img:/dev/sda1 ' "$T/out" || fail "virt-df: no row"
    [ ! -s "$T/err" ] || fail "virt-df: messages"
    ok "virt-df: its row, no message"
    continue
  fi
  [ "$(grep -c "^$name: warning: /dev/sda1: /etc/fstab: .*: no such device in the guest: skipped$" "$T/err")" -eq 10 ] ||
    { head -20 "$T/err"; fail "$name: not ten warnings"; }
  [ "$(wc -l < "$T/err")" -eq 11 ] && tail -1 "$T/err" |
    grep -qx "$name: warning: 19990 more warnings were not shown (-v shows them all)" ||
    { tail -3 "$T/err"; fail "$name: no summary of the other warnings"; }
  ok "$name: ten warnings and a summary"
done
