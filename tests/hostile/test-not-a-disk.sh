#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Files that are not disk images give every tool the same one-line
# error and exit code (never a silent exit 0 with an empty report): an
# empty file and /dev/null (exit 1, no appliance), a qcow2 cut in half
# (exit 1, no appliance), a zero-filled file (exit 3, after one launch
# per tool).  virt-df --each-image still reports the good image beside
# a bad one, and exits 1 (its man page: one or more guests failed).
#
#   test-not-a-disk.sh VIRT-CAT VIRT-DF VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
command -v qemu-img > /dev/null || skip "qemu-img is not installed"
vc="$(tool_under_test "$1")"
vd="$(tool_under_test "$2")"
vi="$(tool_under_test "$3")"

: > "$T/empty.img"
qemu-img create -q -f qcow2 "$T/half.qcow2" 1G
truncate -s 100K "$T/half.qcow2"
truncate -s 64M "$T/zero.img"

each_tool ()
{
  local img="$1" code="$2" re="$3" tool name args
  for tool in "$vc" "$vd" "$vi"; do
    name="$(basename "$tool")"
    args=(-a "$img")
    [ "$name" = virt-cat ] && args+=(/etc/fstab)
    run "$tool" "${args[@]}"
    expect_rc "$code"
    expect_one_error "^$name: error: $re"
    [ ! -s "$T/out" ] || { cat "$T/out"; fail "$name -a $img: printed a report"; }
  done
}

each_tool "$T/empty.img" 1 "$T/empty.img: an empty file \(0 bytes\), not a disk image$"
ok "an empty file: exit 1 in every tool"
each_tool /dev/null 1 "/dev/null: not a disk image \(neither a file nor a block device\)$"
ok "/dev/null: exit 1 in every tool"
each_tool "$T/half.qcow2" 1 "$T/half.qcow2: qcow2 image is truncated or corrupt"
ok "a qcow2 cut in half: exit 1 in every tool"

require_appliance
each_tool "$T/zero.img" 3 "$T/zero.img: no partition and no filesystem found: is it a disk image\?$"
ok "a zero-filled file: exit 3 in every tool"

img="$(guest ext4)"
run "$vd" --csv --each-image -a "$T/zero.img" -a "$img"
expect_rc 1
expect_one_error "^virt-df: error: $T/zero.img: no partition and no filesystem found"
grep -q '^ext4.img,/dev/sda1,' "$T/out" || { cat "$T/out"; fail "virt-df --each-image: the good image is missing"; }
ok "virt-df --each-image: the good image reported, the bad one named, exit 1"
