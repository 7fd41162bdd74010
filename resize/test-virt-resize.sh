#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-resize on the Debian-like guest (MBR, /boot ext2, LVM with root,
# usr, var, home, swap): -n prints the summary and writes nothing; raw
# to qcow2 twice the size with --expand of the PV and --LV-expand of
# root; that qcow2 to a bigger raw with --LV-expand of home and
# --machine-readable.  After each: the table is valid and every
# filesystem clean (check-fs --parts), virt-df shows the new sizes,
# virt-cat returns known files byte for byte, the disk signature and
# the partitions before the expanded one are unchanged, the input is
# byte-identical.
#
#   test-virt-resize.sh VIRT-RESIZE VIRT-CAT VIRT-DF

source "$GC_TESTS_SRCDIR/functions.sh"
source "$(dirname "$0")/resize-functions.sh"
require_appliance
command -v qemu-img > /dev/null || skip "qemu-img is not installed"
command -v sfdisk > /dev/null || skip "sfdisk is not installed (fdisk)"
vr="$(tool_under_test "$1")"
vc="$2"
VIRT_DF="$3"
deb="$(guest debian)"
in_sum="$(sum "$deb")"

known ()
{
  run "$vc" -a "$1" /etc/hostname /root/known.txt /usr/share/guestcell/known.txt \
      /home/user/known.txt /boot/known.txt
  expect_rc 0
  printf '%s\n' debian-guest "on the root filesystem" "on the /usr filesystem" \
    "on the /home filesystem" "on the /boot filesystem" | diff -u - "$T/out" ||
    fail "$1: wrong contents"
}

# -n: the summary, and OUTDISK untouched.
truncate -s 1G "$T/out.img"
out_sum="$(sum "$T/out.img")"
run "$vr" -n --expand /dev/sda2 --LV-expand /dev/debian-vg/root "$deb" "$T/out.img"
expect_rc 0
no_errors "-n"
grep -q '^Summary of changes (MBR table)' "$T/out" || { cat "$T/out"; fail "-n: no summary"; }
grep -q '/dev/sda2: LVM physical volume: grown from 447.0M to 959.0M; .* pvresize' "$T/out" ||
  { cat "$T/out"; fail "-n: sda2's line"; }
grep -q '/dev/debian-vg/root: ext4 filesystem: grown over .* resize2fs' "$T/out" ||
  { cat "$T/out"; fail "-n: the LV's line"; }
if grep -q Copying "$T/out"; then fail "-n copied"; fi
[ "$(sum "$T/out.img")" = "$out_sum" ] || fail "-n changed OUTDISK"
rm "$T/out.img"
ok "-n: the summary alone, OUTDISK unchanged"

# Raw to qcow2, twice the size: the PV and the root LV grow.
qemu-img create -q -f qcow2 "$T/out.qcow2" 1G
run "$vr" --expand /dev/sda2 --LV-expand /dev/debian-vg/root "$deb" "$T/out.qcow2"
expect_rc 0
no_errors "raw to qcow2"
grep -q '^Done: ' "$T/out" || { cat "$T/out"; fail "raw to qcow2: not done"; }
check_resized "$T/out.qcow2"
table "$deb" > "$T/in.table"
table "$T/out.qcow2" > "$T/out.table"
grep label-id "$T/in.table" | diff - <(grep label-id "$T/out.table") ||
  fail "the MBR disk signature changed"
[ "$(part_field "$T/out.qcow2" 1 start)" = 2048 ] &&
  [ "$(part_field "$T/out.qcow2" 1 size)" = "$(part_field "$deb" 1 size)" ] ||
  fail "sda1 moved or changed size"
[ "$(part_field "$T/out.qcow2" 2 start)" = 133120 ] &&
  [ "$(part_field "$T/out.qcow2" 2 size)" = $((2097152 - 133120)) ] ||
  { cat "$T/out.table"; fail "sda2 is not grown to the end"; }
df "$deb" "$T/out.qcow2"
root_kib="$(df_kib "$T/out.qcow2" /dev/debian-vg/root)"
[ "$root_kib" -gt 600000 ] || fail "virt-df: root is $root_kib KiB, not grown"
[ "$(df_kib "$T/out.qcow2" /dev/debian-vg/usr)" = "$(df_kib "$deb" /dev/debian-vg/usr)" ] ||
  fail "virt-df: usr changed size"
known "$T/out.qcow2"
[ "$(sum "$deb")" = "$in_sum" ] || fail "the input changed"
ok "raw to qcow2: sda2 and root grown (root $root_kib KiB), all clean, input unchanged"

# qcow2 to raw, bigger again, --machine-readable: home grows.
qcow_sum="$(sum "$T/out.qcow2")"
truncate -s 1536M "$T/out2.img"
run "$vr" --machine-readable --expand /dev/sda2 --LV-expand /dev/debian-vg/home \
    "$T/out.qcow2" "$T/out2.img"
expect_rc 0
no_errors "qcow2 to raw"
python3 - "$T/out" <<'PY' || fail "--machine-readable: bad output"
import json, re, sys
types, progress = set(), []
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("{"):
        o = json.loads(line)
        assert set(o) == {"message", "timestamp", "type"}, o
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", o["timestamp"]), o
        types.add(o["type"])
    elif re.fullmatch(r"\d+/\d+", line):
        progress.append(tuple(map(int, line.split("/"))))
assert {"message", "info"} <= types, types
assert progress and progress[-1][0] == progress[-1][1] > 0, progress
assert all(a[0] <= b[0] for a, b in zip(progress, progress[1:])), progress
PY
check_resized "$T/out2.img"
[ "$(part_field "$T/out2.img" 2 size)" = $((3145728 - 133120)) ] ||
  fail "qcow2 to raw: sda2 is not grown to the end"
df "$T/out2.img"
home_kib="$(df_kib "$T/out2.img" /dev/debian-vg/home)"
[ "$home_kib" -gt 450000 ] || fail "virt-df: home is $home_kib KiB, not grown"
[ "$(df_kib "$T/out2.img" /dev/debian-vg/root)" = "$root_kib" ] ||
  fail "virt-df: root changed size"
known "$T/out2.img"
[ "$(sum "$T/out.qcow2")" = "$qcow_sum" ] || fail "the qcow2 input changed"
ok "qcow2 to raw with --machine-readable: home grown ($home_kib KiB), JSON and progress lines"
