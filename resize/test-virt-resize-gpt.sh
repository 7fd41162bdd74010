#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-resize on GPT.  The resize-gpt guest (BIOS boot, EFI system, ext4
# /boot, xfs root; GUIDs, names, attributes set), given a boot loader on
# the host (bytes in sector 0's boot code and in the gap after the
# table), with --expand of the root: every entry's type GUID, partition
# GUID, name and attributes kept, the disk GUID kept, the backup GPT at
# the new end, the BIOS boot and EFI system partitions in place, the
# boot loader copied, xfs grown; then with --no-copy-boot-loader and no
# change of content (one launch): the boot loader left out; with
# --no-sparse onto old data and --ignore: partitions byte for byte, the
# ignored one zeroed.  The
# fedora-btrfs guest with --expand of its btrfs.  After each: the table
# is valid and every filesystem clean, virt-df and virt-cat see the new
# sizes and the known files, the input is unchanged.
#
#   test-virt-resize-gpt.sh VIRT-RESIZE VIRT-CAT VIRT-DF

source "$GC_TESTS_SRCDIR/functions.sh"
source "$(dirname "$0")/resize-functions.sh"
require_appliance
command -v qemu-img > /dev/null || skip "qemu-img is not installed"
command -v sfdisk > /dev/null || skip "sfdisk is not installed (fdisk)"
vr="$(tool_under_test "$1")"
vc="$2"
VIRT_DF="$3"
build_guests resize-gpt fedora-btrfs

# Our copy of the guest, with a boot loader: sector 0's boot code and a
# pattern in sectors 34 to 2047, before the BIOS boot partition.
cp --sparse=always "$(guest resize-gpt)" "$T/in.img"
printf 'guestcell boot code in sector 0' |
  dd of="$T/in.img" bs=1 conv=notrunc status=none
"$GC_MAKE_GUEST" --pattern 1007K 3 |
  dd of="$T/in.img" bs=512 seek=34 conv=notrunc status=none
in_sum="$(sum "$T/in.img")"

truncate -s 1G "$T/out.img"
run "$vr" --expand /dev/sda4 "$T/in.img" "$T/out.img"
expect_rc 0
no_errors "gpt"
check_resized "$T/out.img"
table "$T/in.img" > "$T/in.table"
table "$T/out.img" > "$T/out.table"
grep label-id "$T/in.table" | diff - <(grep label-id "$T/out.table") ||
  fail "the disk GUID changed"
[ "$(sed -n 's/^last-lba: //p' "$T/out.table")" = $((2097152 - 34)) ] ||
  { cat "$T/out.table"; fail "the backup GPT is not at the new end"; }
for n in 1 2 3 4; do
  for f in type uuid name attrs; do
    [ "$(part_field "$T/in.img" $n $f)" = "$(part_field "$T/out.img" $n $f)" ] ||
      fail "partition $n: its $f changed"
  done
  [ "$(part_field "$T/in.img" $n start)" = "$(part_field "$T/out.img" $n start)" ] ||
    fail "partition $n moved"
done
for n in 1 2 3; do
  [ "$(part_field "$T/in.img" $n size)" = "$(part_field "$T/out.img" $n size)" ] ||
    fail "partition $n changed size"
done
[ "$(part_field "$T/out.img" 4 size)" = $((2097152 - 33 - 471040)) ] ||
  fail "sda4 is not grown to the last usable sector"
[ "$(part_field "$T/out.img" 3 attrs)" = LegacyBIOSBootable ] ||
  fail "sda3's attribute bit 2 was not kept"
cmp -n 440 "$T/in.img" "$T/out.img" || fail "the boot code was not copied"
cmp -i $((34 * 512)) -n $((2014 * 512)) "$T/in.img" "$T/out.img" ||
  fail "the boot loader area was not copied"
df "$T/in.img" "$T/out.img"
root_kib="$(df_kib "$T/out.img" /dev/sda4)"
[ "$root_kib" -gt 700000 ] || fail "virt-df: the root is $root_kib KiB"
[ "$(df_kib "$T/out.img" /dev/sda3)" = "$(df_kib "$T/in.img" /dev/sda3)" ] ||
  fail "virt-df: /boot changed"
run "$vc" -a "$T/out.img" /etc/known.txt /boot/known.txt \
    /boot/efi/EFI/fedora/known.txt /var/data.bin
expect_rc 0
{ printf '%s\n' "on the xfs root filesystem" "on the ext4 /boot filesystem" \
    "on the EFI system partition"
  "$GC_MAKE_GUEST" --pattern 16M 21; } | cmp - "$T/out" ||
  fail "virt-cat: wrong contents"
[ "$(sum "$T/in.img")" = "$in_sum" ] || fail "the input changed"
ok "GPT: GUIDs, names, attributes, disk GUID kept; fixed partitions in place; boot loader copied; xfs grown ($root_kib KiB)"

# --no-copy-boot-loader, nothing to grow: one launch, no boot loader.
truncate -s 700M "$T/out2.img"
run "$vr" --no-copy-boot-loader --no-extra-partition "$T/in.img" "$T/out2.img"
expect_rc 0
no_errors "--no-copy-boot-loader"
if grep -q 'Launching the appliance to grow' "$T/out"; then
  fail "a second launch with nothing to grow"
fi
check_resized "$T/out2.img"
cmp -n 440 /dev/zero "$T/out2.img" || fail "--no-copy-boot-loader: boot code copied"
cmp -i $((34 * 512)):0 -n $((2014 * 512)) "$T/out2.img" /dev/zero ||
  fail "--no-copy-boot-loader: the boot loader area was copied"
[ "$(part_field "$T/out2.img" 4 size)" = "$(part_field "$T/in.img" 4 size)" ] ||
  fail "--no-extra-partition: sda4 changed"
[ -z "$(part_field "$T/out2.img" 5 start)" ] || fail "an extra partition was made"
ok "--no-copy-boot-loader: boot code and gap left zero, one launch"

# --no-sparse onto a disk full of old data (0xff), --ignore of /boot:
# the partitions come out byte for byte, the ignored one zeroed.
head -c 700M /dev/zero | tr '\0' '\377' > "$T/out3.img"
run "$vr" --no-sparse --ignore /dev/sda3 --no-extra-partition "$T/in.img" "$T/out3.img"
expect_rc 0
no_errors "--no-sparse"
check_resized "$T/out3.img"
cmp -i $((471040 * 512)) -n $((837632 * 512)) "$T/in.img" "$T/out3.img" ||
  fail "--no-sparse: sda4 differs from the input's"
cmp -i $((208896 * 512)):0 -n $((262144 * 512)) "$T/out3.img" /dev/zero ||
  fail "--no-sparse --ignore: sda3 is not zeroed"
ok "--no-sparse over old data: sda4 byte for byte, the ignored sda3 zeroed"
rm "$T/out3.img"

# btrfs: fedora-btrfs (EFI system, ext4 /boot, btrfs with subvolumes).
fb="$(guest fedora-btrfs)"
fb_sum="$(sum "$fb")"
truncate -s 1G "$T/btrfs.img"
run "$vr" --expand /dev/sda3 "$fb" "$T/btrfs.img"
expect_rc 0
no_errors "btrfs"
grep -q 'Growing the content of /dev/sda3 (btrfs filesystem resize)' "$T/out" ||
  { cat "$T/out"; fail "btrfs: not grown"; }
check_resized "$T/btrfs.img"
df "$T/btrfs.img"
btrfs_kib="$(df_kib "$T/btrfs.img" /dev/sda3)"
[ "$btrfs_kib" -gt 800000 ] || fail "virt-df: btrfs is $btrfs_kib KiB"
run "$vc" -a "$T/btrfs.img" /etc/known.txt /home/user/known.txt /boot/known.txt
expect_rc 0
printf '%s\n' "on the btrfs subvolume root" "on the btrfs subvolume home" \
  "on the ext4 /boot filesystem" | diff -u - "$T/out" || fail "btrfs: wrong contents"
[ "$(sum "$fb")" = "$fb_sum" ] || fail "btrfs: the input changed"
ok "btrfs grown ($btrfs_kib KiB), subvolumes readable"
