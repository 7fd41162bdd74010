#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-resize --shrink and --delete on the resize-shrink guest (three
# ext4 partitions; the filesystem of the first, ~199 MiB, was shrunk to
# 100 MiB).  --shrink of partition 1 into a disk 64 MiB smaller: the
# partition gives up the deficit, the others move down; into a disk too
# small even then: one line with the size needed, OUTDISK unchanged;
# --resize of partition 1 below its filesystem: refused.  --delete of
# partition 2: partition 3 becomes 2 (the guest finds it by its label),
# the space left becomes an extra partition 3.  After each success: the
# table is valid and every filesystem clean, virt-df and virt-cat see
# the sizes and the known files, the input is unchanged.
#
#   test-virt-resize-shrink.sh VIRT-RESIZE VIRT-CAT VIRT-DF

source "$GC_TESTS_SRCDIR/functions.sh"
source "$(dirname "$0")/resize-functions.sh"
require_appliance
command -v sfdisk > /dev/null || skip "sfdisk is not installed (fdisk)"
vr="$(tool_under_test "$1")"
vc="$2"
VIRT_DF="$3"
sh="$(guest resize-shrink)"
in_sum="$(sum "$sh")"

known ()
{
  run "$vc" -a "$1" /etc/known.txt /data/known.txt /data1.bin /data/data3.bin
  expect_rc 0
  { printf '%s\n' "on partition 1, whose filesystem was shrunk" \
      "on partition 3, the data partition"
    "$GC_MAKE_GUEST" --pattern 20M 11
    "$GC_MAKE_GUEST" --pattern 10M 13; } | cmp - "$T/out" ||
    fail "$1: wrong contents"
}

# --shrink into 448M: sda1 gives up 64 MiB.
truncate -s 448M "$T/out.img"
run "$vr" --shrink /dev/sda1 "$sh" "$T/out.img"
expect_rc 0
no_errors "--shrink"
check_resized "$T/out.img"
[ "$(part_field "$T/out.img" 1 size)" = $((409600 - 131072)) ] ||
  { table "$T/out.img"; fail "--shrink: sda1 did not give up 64 MiB"; }
[ "$(part_field "$T/out.img" 2 start)" = $((2048 + 409600 - 131072)) ] &&
  [ "$(part_field "$T/out.img" 3 start)" = $((616448 - 131072)) ] &&
  [ "$(part_field "$T/out.img" 3 size)" = 432128 ] ||
  { table "$T/out.img"; fail "--shrink: sda2 and sda3 did not move down"; }
df "$sh" "$T/out.img"
for d in /dev/sda1 /dev/sda2 /dev/sda3; do
  [ "$(df_kib "$T/out.img" $d)" = "$(df_kib "$sh" $d)" ] ||
    fail "--shrink: virt-df: $d changed"
done
known "$T/out.img"
ok "--shrink: sda1 64 MiB smaller, the others moved, contents intact"

# Too small even with --shrink: one line, OUTDISK unchanged.
truncate -s 384M "$T/small.img"
refused "$T/small.img" '^virt-resize: error: OUTDISK is too small: 384.0M \(402653184 bytes\); it needs at least [0-9.]+M \([0-9]+ bytes\), even with --shrink$' \
  --shrink /dev/sda1 "$sh" "$T/small.img"
ok "too small even with --shrink: $(cat "$T/err")"

# --resize below the filesystem: refused, OUTDISK unchanged.
refused "$T/small.img" '^virt-resize: error: --resize /dev/sda1: it cannot be made 80.0M: its ext4 content needs 100.0M' \
  --resize /dev/sda1=80M "$sh" "$T/small.img"
ok "--resize below the filesystem: one line, exit 1"

# --delete sda2: sda3 becomes sda2, an extra sda3 takes the space.
truncate -s 512M "$T/del.img"
run "$vr" --delete /dev/sda2 "$sh" "$T/del.img"
expect_rc 0
no_errors "--delete"
grep -q '/dev/sda3 (/dev/sda2 on OUTDISK): ext4 filesystem' "$T/out" ||
  { cat "$T/out"; fail "--delete: the summary does not say sda3 becomes sda2"; }
check_resized "$T/del.img"
[ "$(part_field "$T/del.img" 2 start)" = 411648 ] &&
  [ "$(part_field "$T/del.img" 2 size)" = 432128 ] &&
  [ "$(part_field "$T/del.img" 3 start)" = 843776 ] &&
  [ "$(part_field "$T/del.img" 3 size)" = 204800 ] &&
  [ -z "$(part_field "$T/del.img" 4 start)" ] ||
  { table "$T/del.img"; fail "--delete: wrong table"; }
known "$T/del.img"
[ "$(sum "$sh")" = "$in_sum" ] || fail "the input changed"
ok "--delete sda2: sda3 renumbered sda2, extra partition sda3, input unchanged"
