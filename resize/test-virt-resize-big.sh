#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-resize of the resize-big guest (2 GiB, 1 GiB of pseudo-random
# data on an LVM root) to a 4 GiB qcow2 with --expand of the PV and
# --LV-expand of root (the benchmark's job): the table is valid and every
# filesystem clean, the root is grown, the 1 GiB file comes back byte
# for byte, the output stays sparse (no more allocated than the input
# plus what the grown filesystems wrote), the input is unchanged.
#
#   test-virt-resize-big.sh VIRT-RESIZE VIRT-CAT VIRT-DF

source "$GC_TESTS_SRCDIR/functions.sh"
source "$(dirname "$0")/resize-functions.sh"
require_appliance
command -v qemu-img > /dev/null || skip "qemu-img is not installed"
vr="$(tool_under_test "$1")"
vc="$2"
VIRT_DF="$3"
big="$(guest resize-big)"
in_sum="$(sum "$big")"

qemu-img create -q -f qcow2 "$T/out.qcow2" 4G
run "$vr" --expand /dev/sda2 --LV-expand /dev/bench/root "$big" "$T/out.qcow2"
expect_rc 0
no_errors "big"
grep '^\[' "$T/out"
check_resized "$T/out.qcow2"
df "$T/out.qcow2"
root_kib="$(df_kib "$T/out.qcow2" /dev/bench/root)"
[ "$root_kib" -gt 3500000 ] || fail "virt-df: root is $root_kib KiB"
in_alloc=$(du -B1 "$big" | cut -f1)
out_alloc=$(du -B1 "$T/out.qcow2" | cut -f1)
[ "$out_alloc" -lt $((in_alloc + 256 * 1048576)) ] ||
  fail "the output is not sparse: $out_alloc bytes allocated, the input $in_alloc"
set +e
"$vc" -a "$T/out.qcow2" /data.bin 2> "$T/err" | cmp - <("$GC_MAKE_GUEST" --pattern 1G 77)
st=("${PIPESTATUS[@]}")
set -e
[ "${st[0]}" -eq 0 ] && [ "${st[1]}" -eq 0 ] || { cat "$T/err"; fail "/data.bin differs"; }
check_clean "virt-cat /data.bin"
[ "$(sum "$big")" = "$in_sum" ] || fail "the input changed"
ok "1 GiB of data resized to qcow2: root $root_kib KiB, $out_alloc bytes allocated (input $in_alloc), data byte-exact"
