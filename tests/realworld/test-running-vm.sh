#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The disk of a running VM: a qemu (paused, -S: it has opened and locked
# its disks read-write, as a running VM has) holds the Debian guest, raw,
# and a qcow2 copy of it.  virt-cat, virt-df and virt-inspector read each
# without taking qemu's lock and warn once that it is in use; adding it
# for writing is refused before any appliance starts.  The images do not
# change.  Once the VM is gone the tools say nothing.
#
#   test-running-vm.sh VIRT-CAT VIRT-DF VIRT-INSPECTOR TEST-WRITE-REFUSED

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
command -v qemu-img > /dev/null || skip "qemu-img is not installed"
vc="$(tool_under_test "$1")"
vd="$(tool_under_test "$2")"
vi="$(tool_under_test "$3")"
refused="$4"
raw="$(guest debian)"
qcow2="$T/live.qcow2"
qemu-img convert -f raw -O qcow2 "$raw" "$qcow2"
sum_raw="$(sha256sum < "$raw")"
sum_qcow2="$(sha256sum < "$qcow2")"

# The running VM: its command line names $T, so the test's cleanup kills
# it whatever happens.
qemu-system-x86_64 -S -nodefaults -display none -machine q35 -accel tcg \
  -drive "file=$raw,format=raw,if=none,id=d0" -device virtio-blk-pci,drive=d0 \
  -drive "file=$qcow2,format=qcow2,if=none,id=d1" -device virtio-blk-pci,drive=d1 \
  > "$T/vm.log" 2>&1 &
vm=$!

# Wait until it holds the write lock of both (qemu's lock byte 101).
locked ()
{
  python3 - "$1" <<'PY'
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
fl = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 101, 1, 0)
r = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, fl)
sys.exit(0 if struct.unpack("hhqqi", r)[0] != fcntl.F_UNLCK else 1)
PY
}
for _ in $(seq 100); do
  locked "$raw" && locked "$qcow2" && break
  kill -0 $vm 2>/dev/null || { cat "$T/vm.log"; fail "the VM holding the images did not start"; }
  sleep 0.1
done
locked "$raw" && locked "$qcow2" || fail "the VM did not lock its disks"

# Each tool: works, and says once that the image is in use.  (run's
# check for leftover processes would see the VM: the tools' own qemu
# has our private TMPDIR in its command line, so look for that.)
run_tool ()
{
  set +e
  "$@" > "$T/out" 2> "$T/err"
  rc=$?
  set -e
  ! pgrep -f -- "$TMPDIR/" > /dev/null || fail "$*: left a process running"
  [ -z "$(ls -A "$TMPDIR")" ] || fail "$*: left files in \$TMPDIR"
}
for img in "$raw" "$qcow2"; do
  name="$(basename "$img")"
  warning="warning: $img: the image is in use by another process for writing \(a running VM\?\)"
  run_tool "$vc" -a "$img" /etc/hostname
  expect_rc 0
  [ "$(cat "$T/out")" = debian-guest ] || fail "virt-cat $name: wrong output"
  expect_one_error "^virt-cat: $warning"
  ok "virt-cat $name: read, one warning"

  run_tool "$vd" --csv -a "$img"
  expect_rc 0
  grep -q "^$name,/dev/debian-vg/root," "$T/out" || { cat "$T/out"; fail "virt-df $name: no root"; }
  expect_one_error "^virt-df: $warning"
  ok "virt-df $name: read, one warning"

  run_tool "$vi" -a "$img"
  expect_rc 0
  [ "$(xmllint --xpath 'string(//hostname)' "$T/out")" = debian-guest ] ||
    fail "virt-inspector $name: no hostname"
  expect_one_error "^virt-inspector: $warning"
  ok "virt-inspector $name: read, one warning"

  "$refused" "$img" || fail "$name: adding it for writing was not refused"
done

kill $vm
wait $vm 2>/dev/null || true
[ "$(sha256sum < "$raw")" = "$sum_raw" ] || fail "the raw image changed"
[ "$(sha256sum < "$qcow2")" = "$sum_qcow2" ] || fail "the qcow2 image changed"

run "$vc" -a "$raw" /etc/hostname
expect_rc 0
[ ! -s "$T/err" ] || { cat "$T/err"; fail "virt-cat warned with no VM running"; }
ok "no warning once the VM is gone; the images did not change"
