#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-cat on the btrfs guests, mounted the way they mount themselves:
#  - fedora-btrfs: a known file of the "root" and "home" subvolumes
#    (fstab subvol=), of ext4 /boot and of the EFI partition, and a file
#    written zstd-compressed, byte-exact;
#  - opensuse-btrfs: files of the default subvolume (/ mounted without
#    subvol=), of @/home and @/var (subvol=/@/...), and of snapper's
#    snapshot 2 (read through /.snapshots, never shown as /), which
#    keeps the older /etc/motd;
#  - btrfs-subvolid: fstab subvolid= entries, the top level included;
#  - -m with a btrfsvol:DEVICE/SUBVOLUME name, and -m DEVICE:MNT:OPTS
#    with subvol= and subvolid= reaching mount(2).
# The images unchanged.  One launch per run, six runs.
#
#   test-virt-cat-btrfs.sh VIRT-CAT

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vc="$(tool_under_test "$1")"
build_guests fedora-btrfs opensuse-btrfs btrfs-subvolid

fed="$(guest fedora-btrfs)"
sum_before="$(sha256sum < "$fed")"
run "$vc" -a "$fed" /etc/known.txt /home/user/known.txt /boot/known.txt \
    /boot/efi/EFI/fedora/known.txt /usr/share/doc/compressible.txt
expect_rc 0
no_errors fedora-btrfs
{ printf '%s\n' "on the btrfs subvolume root" "on the btrfs subvolume home" \
    "on the ext4 /boot filesystem" "on the EFI system partition"
  for i in $(seq 62); do
    echo "btrfs compresses this line, and this line, and this line, and this line."
  done; } > "$T/expected"
diff -u "$T/expected" "$T/out" || fail "fedora-btrfs: wrong output"
[ "$(sha256sum < "$fed")" = "$sum_before" ] || fail "fedora-btrfs: the image changed"
ok "fedora-btrfs: files of the root and home subvolumes, /boot, /boot/efi, a compressed file"

suse="$(guest opensuse-btrfs)"
sum_before="$(sha256sum < "$suse")"
run "$vc" -a "$suse" /etc/known.txt /home/tux/known.txt /var/log/known.txt \
    /etc/motd /.snapshots/2/snapshot/etc/motd /.snapshots/1/info.xml
expect_rc 0
no_errors opensuse-btrfs
printf '%s\n' "on the default subvolume @/.snapshots/1/snapshot" \
  "on the btrfs subvolume @/home" "on the btrfs subvolume @/var" \
  "after the update" "before the update" > "$T/expected"
head -5 "$T/out" | diff -u "$T/expected" - || fail "opensuse-btrfs: wrong output"
grep -q '<description>first root filesystem</description>' "$T/out" ||
  fail "opensuse-btrfs: /.snapshots/1/info.xml not read"
[ "$(sha256sum < "$suse")" = "$sum_before" ] || fail "opensuse-btrfs: the image changed"
ok "opensuse-btrfs: the default subvolume, @/home, @/var and the snapshot's older motd"

run "$vc" -a "$(guest btrfs-subvolid)" /etc/known.txt /home/known.txt \
    /srv/srv-data/known.txt
expect_rc 0
no_errors btrfs-subvolid
printf '%s\n' "on subvolume 256, @" "on subvolume 257, @home" \
  "on the top level, subvolid=5" > "$T/expected"
diff -u "$T/expected" "$T/out" || fail "btrfs-subvolid: wrong output"
ok "btrfs-subvolid: fstab subvolid=256, 257 and 5"

# -m with subvolume names, the snapshot mounted as / on purpose.
run "$vc" -a "$suse" -m btrfsvol:/dev/sda3/@/.snapshots/2/snapshot \
    -m btrfsvol:/dev/sda3/@/home:/home /etc/motd /home/tux/known.txt
expect_rc 0
printf '%s\n' "before the update" "on the btrfs subvolume @/home" > "$T/expected"
diff -u "$T/expected" "$T/out" || fail "-m btrfsvol:...: wrong output"
ok "-m btrfsvol:/dev/sda3/@/.snapshots/2/snapshot and btrfsvol:...:/home"

# Options of -m reach mount(2): subvol= and subvolid= (home is 257).
run "$vc" -a "$fed" -m /dev/sda3:/:subvol=home /user/known.txt
expect_rc 0
[ "$(cat "$T/out")" = "on the btrfs subvolume home" ] || fail "-m ...:subvol=home"
run "$vc" -a "$fed" -m /dev/sda3:/:subvolid=257 /user/known.txt
expect_rc 0
[ "$(cat "$T/out")" = "on the btrfs subvolume home" ] || fail "-m ...:subvolid=257"
ok "-m /dev/sda3:/:subvol=home and :subvolid=257"
