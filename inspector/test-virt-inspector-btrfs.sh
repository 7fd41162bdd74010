#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# btrfs guests: roots inside subvolumes, named btrfsvol:DEVICE/PATH as
# libguestfs names them.
#  - fedora-btrfs (the root and /home on the subvolumes "root" and
#    "home" by fstab subvol=, the top level holding no root): golden XML;
#  - opensuse-btrfs (the root is the default subvolume
#    @/.snapshots/1/snapshot, mounted without subvol=, a dozen subvol=/@/
#    entries, and a read-only snapper snapshot @/.snapshots/2/snapshot
#    holding a second full root tree): golden XML with one operating
#    system, -v saying the snapshot was not looked at;
#  - btrfs-subvolid (fstab by subvolid= only): the mount points name the
#    subvolumes those numbers are.
# Every XML validated against both schemas; the images unchanged.  One
# launch per run, three runs.
#
#   test-virt-inspector-btrfs.sh VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vi="$(tool_under_test "$1")"
here="$(dirname "$0")"
source "$here/golden.sh"
build_guests fedora-btrfs opensuse-btrfs btrfs-subvolid

img="$(guest fedora-btrfs)"
sum_before="$(sha256sum < "$img")"
run "$vi" -a "$img"
expect_rc 0
no_errors fedora-btrfs
golden fedora-btrfs
[ "$(sha256sum < "$img")" = "$sum_before" ] || fail "fedora-btrfs: the image changed"

img="$(guest opensuse-btrfs)"
sum_before="$(sha256sum < "$img")"
run "$vi" -v -a "$img"
expect_rc 0
no_errors opensuse-btrfs
golden opensuse-btrfs
[ "$(grep -c '<operatingsystem>' "$T/out")" -eq 1 ] ||
  fail "opensuse-btrfs: the snapshot was taken for a second OS"
grep -q 'subvolume @/.snapshots/2/snapshot is a snapshot: not looked at' "$T/err" ||
  fail "opensuse-btrfs: -v does not say the snapshot was left out"
[ "$(sha256sum < "$img")" = "$sum_before" ] || fail "opensuse-btrfs: the image changed"
ok "opensuse-btrfs: one OS, the snapper snapshot not taken for another"

img="$(guest btrfs-subvolid)"
run "$vi" --json --no-applications -a "$img"
expect_rc 0
no_errors btrfs-subvolid
python3 - "$T/out" <<'PY' || fail "btrfs-subvolid: wrong mount points"
import json, sys
oses = json.load(open(sys.argv[1]))["operatingsystems"]
got = [(o["root"], [(m["dev"], m["mountpoint"]) for m in o["mountpoints"]])
       for o in oses]
want = [("btrfsvol:/dev/sda/@",
         [("btrfsvol:/dev/sda/@", "/"), ("btrfsvol:/dev/sda/@home", "/home"),
          ("/dev/sda", "/srv")])]
if got != want:
    print("got: ", got, "\nwant:", want)
    sys.exit(1)
PY
ok "btrfs-subvolid: fstab subvolid= entries named by their subvolumes"
