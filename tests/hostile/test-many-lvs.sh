#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Guest-controlled work: a volume group of 10,000 logical volumes and
# one of 900 beside it (tests/guests/hostile-lvs).  Each tool finishes
# (its time and peak memory printed) with one warning that manyvg is
# left out, and still reads smallvg: virt-cat its /data file, virt-df
# its filesystem, virt-inspector its fstab mount.  Before, lvm failed
# after about 2,500 activations with a 64 KiB error line.  One launch
# per tool.
#
#   test-many-lvs.sh VIRT-CAT VIRT-DF VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vc="$(tool_under_test "$1")"
vd="$(tool_under_test "$2")"
vi="$(tool_under_test "$3")"
img="$(guest hostile-lvs)"
warning="warning: LVM volume group manyvg has 10000 logical volumes, more than the 1000 a run activates: its volumes are left out"

for tool in "$vc" "$vd" "$vi"; do
  name="$(basename "$tool")"
  args=(-a "$img")
  [ "$name" = virt-cat ] && args+=(/data/known.txt)
  run "$tool" "${args[@]}"
  expect_rc 0
  [ "$(cat "$T/err")" = "$name: $warning" ] ||
    { head -c 2000 "$T/err"; fail "$name: not the one warning about manyvg"; }
  case "$name" in
    virt-cat)
      [ "$(cat "$T/out")" = "on smallvg, the volume group beside 900 others" ] ||
        fail "virt-cat: /data/known.txt on smallvg is missing" ;;
    virt-df)
      grep -q '^hostile-lvs.img:/dev/smallvg/data ' "$T/out" ||
        { cat "$T/out"; fail "virt-df: no row for smallvg/data"; }
      ! grep -q manyvg "$T/out" || fail "virt-df: a row of manyvg" ;;
    virt-inspector)
      xmllint --xpath 'string(//mountpoint[@dev="/dev/smallvg/data"])' \
        "$T/out" | grep -qx /data ||
        { cat "$T/out"; fail "virt-inspector: /data on smallvg/data is missing"; } ;;
  esac
  ok "$name: one warning, smallvg read"
done
