#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Encrypted and RAID volumes (the luks-md guest): a Debian root whose
# /etc/crypttab names a LUKS2 partition and whose /data is on an md
# RAID1 array.  virt-inspector reports the LUKS volume (not opened: no
# key), lists /secret on /dev/mapper/secret (as libguestfs lists an
# fstab entry on a volume it could not open) and finds /data on the
# assembled array, against its golden file; -v says why /secret is not
# read; virt-cat reads a file on the array.
# Two launches.
#
#   test-virt-inspector-volumes.sh VIRT-INSPECTOR VIRT-CAT

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vi="$(tool_under_test "$1")"
vc="$(tool_under_test "$2")"
here="$(dirname "$0")"
source "$here/golden.sh"
img="$(guest luks-md)"
sum_before="$(sha256sum < "$img")"

run "$vi" -v -a "$img"
expect_rc 0
golden luks-md
grep -q 'crypttab: /dev/sda2 is the encrypted volume secret: not opened' "$T/err" ||
  fail "luks-md: -v does not report the LUKS volume"
grep -q '/secret is on the encrypted volume secret, not opened' "$T/err" ||
  fail "luks-md: -v does not say why /secret is not read"
ok "luks-md: LUKS reported, not opened; /secret listed on /dev/mapper/secret"

run "$vc" -a "$img" /data/known.txt
expect_rc 0
grep -q 'RAID' "$T/out" || { cat "$T/out"; fail "virt-cat /data/known.txt on the md array"; }
ok "luks-md: virt-cat reads a file on the md RAID1 array"
[ "$(sha256sum < "$img")" = "$sum_before" ] || fail "luks-md: the image changed"
check_clean "luks-md"
