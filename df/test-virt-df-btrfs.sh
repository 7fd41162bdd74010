#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-df on the btrfs guests: each btrfs filesystem is one row, under
# its device's name, however many subvolumes it has (fedora-btrfs: 2,
# opensuse-btrfs: 13, a snapshot among them; libguestfs's virt-df prints
# a row per subvolume, all with the same numbers), against golden
# files, default and --csv, both guests with --each-image in one run.
# The "Available" of a btrfs row is masked: btrfs reports 8 MiB less
# when its device is read-only (267264 KiB, not 275428, on
# fedora-btrfs's /dev/sda3) and that depends on how the drive is
# attached, not on virt-df; size and used are compared.  The images
# unchanged.  Two runs.
#
#   test-virt-df-btrfs.sh VIRT-DF

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vd="$(tool_under_test "$1")"
here="$(dirname "$0")"
build_guests fedora-btrfs opensuse-btrfs

# "Available" of the /dev/sda3 (btrfs) rows, text or CSV.
mask_btrfs_available ()
{
  sed -E -e 's|^([^ ]*:/dev/sda3 +[0-9]+ +[0-9]+ +)[0-9]+|\1(masked)|' \
    -e 's|^([^,]*,/dev/sda3,[0-9]+,[0-9]+,)[0-9]+|\1(masked)|'
}

fed="$(guest fedora-btrfs)"
suse="$(guest opensuse-btrfs)"
sum_before="$(cat "$fed" "$suse" | sha256sum)"
for mode in default --csv; do
  args=$mode; [ "$mode" = default ] && args=
  name="$(echo "$mode" | tr -d ' -')"
  run "$vd" --each-image -a "$fed" -a "$suse" $args
  expect_rc 0
  no_errors "btrfs $mode"
  mask_btrfs_available < "$T/out" > "$T/out.masked"
  diff -u "$here/expected-btrfs-$name.txt" "$T/out.masked" ||
    fail "btrfs $mode: differs from expected-btrfs-$name.txt"
  for img in fedora-btrfs opensuse-btrfs; do
    [ "$(grep -c "^$img.img[:,]/dev/sda3[ ,]" "$T/out")" -eq 1 ] ||
      fail "btrfs $mode: $img: /dev/sda3 not exactly once"
    ! grep -q btrfsvol "$T/out" || fail "btrfs $mode: a subvolume row"
  done
done
[ "$(cat "$fed" "$suse" | sha256sum)" = "$sum_before" ] || fail "btrfs: an image changed"
ok "btrfs: each btrfs filesystem once, default and --csv match the goldens"
