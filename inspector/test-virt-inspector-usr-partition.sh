#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# A guest without /etc/fstab whose /usr is a partition found by its GPT
# name: the flatcar guest (ROOT, USR-A with 3510.2.0, USR-B with the
# newer 3602.2.1).  virt-inspector finds the root on ROOT, takes USR-B
# (the higher version) as /usr, reads os-release through the root's
# /etc/os-release link into it, and lists both among the mount points
# and filesystems: golden XML, valid against both schemas.  virt-cat
# mounts it the same way: a file of USR-B's /usr, /etc/os-release (the
# link), a file of ROOT.  Two launches.
#
#   test-virt-inspector-usr-partition.sh VIRT-INSPECTOR VIRT-CAT

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vi="$(tool_under_test "$1")"
vc="$(tool_under_test "$2")"
here="$(dirname "$0")"
source "$here/golden.sh"

img="$(guest flatcar)"
sum_before="$(sha256sum < "$img")"
run "$vi" -a "$img"
expect_rc 0
no_errors flatcar
golden flatcar
ok "flatcar: root on ROOT, /usr on USR-B (the newer of USR-A and USR-B)"

run "$vc" -a "$img" /usr/share/guestcell/known.txt /etc/os-release /root/known.txt
expect_rc 0
[ "$(head -1 "$T/out")" = "on USR-B (3602.2.1)" ] ||
  { cat "$T/out" "$T/err"; fail "flatcar: virt-cat: /usr is not USR-B"; }
grep -qx 'VERSION_ID=3602.2.1' "$T/out" ||
  { cat "$T/out"; fail "flatcar: virt-cat: /etc/os-release through its link"; }
[ "$(tail -1 "$T/out")" = "on the Flatcar ROOT" ] ||
  { cat "$T/out"; fail "flatcar: virt-cat /root/known.txt"; }
[ "$(sha256sum < "$img")" = "$sum_before" ] || fail "flatcar: the image changed"
ok "flatcar: virt-cat reads /usr (USR-B), the os-release link, the root"
