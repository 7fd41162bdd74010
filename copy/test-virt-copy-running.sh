#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The disk of a running VM (a paused qemu that has opened and locked it
# read-write, as in tests/realworld/test-running-vm.sh): virt-copy-in
# is refused before any appliance starts, with one line naming the
# image; virt-copy-out works, with the one warning that the image is in
# use.  The image does not change.
#
#   test-virt-copy-running.sh VIRT-COPY-IN VIRT-COPY-OUT

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vin="$(tool_under_test "$1")"
vout="$(tool_under_test "$2")"
img="$T/running.img"
cp --sparse=always "$(guest copy)" "$img"
sum="$(sha256sum < "$img")"
echo "a local file" > "$T/file"

qemu-system-x86_64 -S -nodefaults -display none -machine q35 -accel tcg \
  -drive "file=$img,format=raw,if=none,id=d0" -device virtio-blk-pci,drive=d0 \
  > "$T/vm.log" 2>&1 &
vm=$!
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
  locked "$img" && break
  kill -0 $vm 2>/dev/null || { cat "$T/vm.log"; fail "the VM did not start"; }
  sleep 0.1
done
locked "$img" || fail "the VM did not lock its disk"

# run's check for leftover processes would see the VM: the tools' own
# qemu has our private TMPDIR in its command line.
run_tool ()
{
  set +e
  "$@" > "$T/out" 2> "$T/err"
  rc=$?
  set -e
  ! pgrep -f -- "$TMPDIR/" > /dev/null || fail "$*: left a process running"
  [ -z "$(ls -A "$TMPDIR")" ] || fail "$*: left files in \$TMPDIR"
}

start=$(date +%s.%N)
run_tool "$vin" -a "$img" "$T/file" /srv
end=$(date +%s.%N)
expect_rc 1
expect_one_error "^virt-copy-in: error: $img: the image is in use by another process \(a running VM\?\): refused"
echo "  refused in $(awk "BEGIN { printf \"%.2f\", $end - $start }") s"
ok "virt-copy-in: refused, one line naming the image"

mkdir "$T/got"
run_tool "$vout" -a "$img" /etc/hostname "$T/got"
expect_rc 0
expect_one_error "^virt-copy-out: warning: $img: the image is in use by another process for writing \(a running VM\?\)"
[ "$(cat "$T/got/hostname")" = copy-guest ] || fail "virt-copy-out: wrong file"
ok "virt-copy-out: works, one warning"

kill $vm
wait $vm 2>/dev/null || true
[ "$(sha256sum < "$img")" = "$sum" ] || fail "the image changed"
ok "the image did not change"
