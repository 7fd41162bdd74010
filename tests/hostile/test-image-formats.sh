#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Image formats that make qemu open host files.  A qcow2 whose header
# names an external data file (here a host "secret" the image's author
# wants to read, then the Debian guest's raw image) is refused by every
# tool when probed, and with --format=qcow2 unless the file is allowed
# with --allow-data-file; also when the data file hides in the backing
# chain of a trusted image.  Refusals start no appliance.  A trusted
# backing chain is named in one warning.  Two launches.
#
#   test-image-formats.sh VIRT-CAT VIRT-DF VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
command -v qemu-img > /dev/null || skip "qemu-img is not installed"
# The tests run in $T (a relative data file name is opened from there).
set -- "$(realpath "$1")" "$(realpath "$2")" "$(realpath "$3")"
vc="$(tool_under_test "$1")"
vd="$(tool_under_test "$2")"
vi="$(tool_under_test "$3")"

cd "$T"
echo "a host secret" > secret
size=$((512 * 1024 * 1024))
# qemu-img create -o data_file makes the data file anew: make it first,
# then put the data in place.
qemu-img create -q -f qcow2 -o data_file="$T/secret" steal.qcow2 1M
echo "a host secret" > secret
qemu-img create -q -f qcow2 -o data_file=guest.raw,data_file_raw=on ext.qcow2 $size
qemu-img create -q -f qcow2 -b ext.qcow2 -F qcow2 top-of-ext.qcow2

for tool in "$vc" "$vd" "$vi"; do
  name="$(basename "$tool")"
  args=(-a steal.qcow2)
  [ "$name" = virt-cat ] && args+=(/etc/hostname)
  run "$tool" "${args[@]}"
  expect_rc 1
  expect_one_error "^$name: error: $T/steal.qcow2: qcow2 image whose data is in the host file $T/secret \(an external data file\): refused, as a probed image must not make qemu open other host files$"
  [ ! -s "$T/out" ] || fail "$name: printed something"
done
ok "a probed qcow2 with an external data file: refused by every tool"

run "$vc" --format=qcow2 -a steal.qcow2 /etc/hostname
expect_rc 1
expect_one_error "^virt-cat: error: $T/steal.qcow2: .*refused; if you trust the image, allow that file with --allow-data-file$"
run "$vc" --format=qcow2 --allow-data-file other.raw -a ext.qcow2 /etc/hostname
expect_rc 1
expect_one_error "^virt-cat: error: $T/ext.qcow2: qcow2 image whose data is in the host file guest.raw .*--allow-data-file$"
run "$vc" --format=qcow2 -a top-of-ext.qcow2 /etc/hostname
expect_rc 1
expect_one_error "^virt-cat: error: $T/ext.qcow2: qcow2 image whose data is in the host file guest.raw "
ok "--format=qcow2: an external data file not allowed is refused, in the backing chain too"

require_appliance
img="$(guest debian)"
cp --sparse=always "$img" guest.raw
run "$vc" --format=qcow2 --allow-data-file guest.raw -a ext.qcow2 /etc/hostname
expect_rc 0
[ "$(cat "$T/out")" = debian-guest ] || fail "allowed data file: wrong output"
[ ! -s "$T/err" ] || { cat "$T/err"; fail "allowed data file: messages"; }
ok "--allow-data-file: the guest is read from its data file"

qemu-img create -q -f qcow2 -b guest.raw -F raw mid.qcow2
qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 top.qcow2
run "$vc" --format=qcow2 -a top.qcow2 /etc/hostname
expect_rc 0
[ "$(cat "$T/out")" = debian-guest ] || fail "backing chain: wrong output"
expect_one_error "^virt-cat: warning: $T/top.qcow2: a qcow2 image with a backing file: qemu reads each host file of its chain $T/top.qcow2 -> mid.qcow2 -> guest.raw$"
ok "--format=qcow2: the backing chain is named in one warning"
