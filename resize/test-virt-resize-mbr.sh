#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-resize on MBR layouts beyond Debian's.  The Windows-like guest
# (two NTFS partitions, the first active, a fixed disk signature) with
# --expand of C:, then that output resized again: without
# --ntfsresize-force ntfsresize refuses (it marked the volume for a
# check), the run fails in its second launch and leaves OUTDISK without
# a valid table, saying so; with it the resize is done.  The guest with
# logical partitions: its first partition grown, so that the extended
# partition and its logical partitions move; naming a logical
# partition is refused.  After each success: the table is valid and
# every filesystem clean, the types, boot flag and disk signature are
# kept, virt-df and virt-cat see the new sizes and the known files, the
# input is unchanged.
#
#   test-virt-resize-mbr.sh VIRT-RESIZE VIRT-CAT VIRT-DF

source "$GC_TESTS_SRCDIR/functions.sh"
source "$(dirname "$0")/resize-functions.sh"
require_appliance
command -v sfdisk > /dev/null || skip "sfdisk is not installed (fdisk)"
vr="$(tool_under_test "$1")"
vc="$2"
VIRT_DF="$3"
build_guests windows resize-logical

# Windows: C: grows.
win="$(guest windows)"
win_sum="$(sum "$win")"
truncate -s 256M "$T/win.img"
run "$vr" --expand /dev/sda2 "$win" "$T/win.img"
expect_rc 0
no_errors "windows"
check_resized "$T/win.img"
[ "$(table "$T/win.img" | sed -n 's/^label-id: //p')" = 0x4743c0de ] ||
  fail "windows: the disk signature changed"
[ "$(part_field "$T/win.img" 1 bootable)" = yes ] &&
  [ "$(part_field "$T/win.img" 1 type)" = 7 ] &&
  [ "$(part_field "$T/win.img" 2 type)" = 7 ] ||
  { table "$T/win.img"; fail "windows: a type or the boot flag changed"; }
[ "$(part_field "$T/win.img" 2 size)" = $((524288 - 34816)) ] ||
  fail "windows: C: is not grown to the end"
df "$T/win.img"
c_kib="$(df_kib "$T/win.img" /dev/sda2)"
[ "$c_kib" -gt 200000 ] || fail "virt-df: C: is $c_kib KiB"
run "$vc" -a "$T/win.img" 'C:\Users\Administrator\Desktop\notes.txt' \
    /Windows/win.ini
expect_rc 0
printf '%s\n' "Remember to install the updates." "; for 16-bit app support" \
  "[fonts]" "[extensions]" | diff -u - "$T/out" || fail "windows: wrong contents"
[ "$(sum "$win")" = "$win_sum" ] || fail "windows: the input changed"
ok "windows: C: grown by ntfsresize ($c_kib KiB), signature, types and boot flag kept"

# Again, from the resized disk: ntfsresize refuses a volume it marked.
truncate -s 320M "$T/win2.img"
run "$vr" --expand /dev/sda2 "$T/win.img" "$T/win2.img"
expect_rc 1
grep -q '^virt-resize: error: growing /dev/sda2: ntfsresize failed: .*scheduled for check.*--ntfsresize-force' "$T/err" ||
  { cat "$T/err"; fail "ntfsresize: no clear error"; }
grep -q "^virt-resize: error: .*/win2.img is incomplete: it has no valid partition table" "$T/err" ||
  { cat "$T/err"; fail "ntfsresize: OUTDISK not said to be incomplete"; }
[ "$(grep -c error "$T/err")" -eq 2 ] || { cat "$T/err"; fail "ntfsresize: more than 2 lines"; }
if signed "$T/win2.img"; then fail "the failed OUTDISK still has a valid table"; fi
ok "a failure in the second launch: two lines, OUTDISK's table wiped"
run "$vr" --ntfsresize-force --expand /dev/sda2 "$T/win.img" "$T/win2.img"
expect_rc 0
check_resized "$T/win2.img"
ok "--ntfsresize-force: done"

# Logical partitions: sda1 grows, the extended partition and its
# logical ones move 32 MiB.
lg="$(guest resize-logical)"
lg_sum="$(sum "$lg")"
truncate -s 512M "$T/lg.img"
run "$vr" --resize /dev/sda1=+32M --expand /dev/sda2 "$lg" "$T/lg.img"
expect_rc 0
no_errors "logical"
check_resized "$T/lg.img"
[ "$(table "$T/lg.img" | sed -n 's/^label-id: //p')" = 0x10c1ca15 ] ||
  fail "logical: the disk signature changed"
[ "$(part_field "$T/lg.img" 1 bootable)" = yes ] &&
  [ "$(part_field "$T/lg.img" 1 size)" = $((131072 + 65536)) ] ||
  fail "logical: sda1 not grown, or its boot flag lost"
[ "$(part_field "$T/lg.img" 2 start)" = $((133120 + 65536)) ] &&
  [ "$(part_field "$T/lg.img" 2 size)" = $((1048576 - 133120 - 65536)) ] &&
  [ "$(part_field "$T/lg.img" 2 type)" = f ] ||
  { table "$T/lg.img"; fail "logical: the extended partition"; }
for n in 5 6; do
  [ "$(part_field "$T/lg.img" $n start)" = $(($(part_field "$lg" $n start) + 65536)) ] &&
    [ "$(part_field "$T/lg.img" $n size)" = "$(part_field "$lg" $n size)" ] ||
    { table "$T/lg.img"; fail "logical: sda$n did not move with its extended partition"; }
done
df "$lg" "$T/lg.img"
[ "$(df_kib "$T/lg.img" /dev/sda1)" -gt "$(df_kib "$lg" /dev/sda1)" ] ||
  fail "virt-df: sda1 not grown"
[ "$(df_kib "$T/lg.img" /dev/sda5)" = "$(df_kib "$lg" /dev/sda5)" ] ||
  fail "virt-df: sda5 changed"
run "$vc" -a "$T/lg.img" /etc/known.txt /home/known.txt /home/data.bin
expect_rc 0
{ printf '%s\n' "on the root filesystem, partition 1" \
    "on the /home filesystem, logical partition 5"
  "$GC_MAKE_GUEST" --pattern 8M 5; } | cmp - "$T/out" ||
  fail "logical: wrong contents"
[ "$(sum "$lg")" = "$lg_sum" ] || fail "logical: the input changed"
ok "logical partitions moved with their extended partition, contents intact"

# A logical partition cannot be named on its own; OUTDISK unchanged.
truncate -s 512M "$T/lg2.img"
refused "$T/lg2.img" '^virt-resize: error: --expand /dev/sda5: a logical partition cannot be changed on its own' \
  --expand /dev/sda5 "$lg" "$T/lg2.img"
ok "--expand of a logical partition: one line, exit 1, OUTDISK unchanged"
