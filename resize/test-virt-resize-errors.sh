#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-resize's failures: each a clear line (usage errors add the --help
# hint), a documented exit status, INDISK unchanged, OUTDISK unchanged
# unless the run had started writing it (then it is said to be
# incomplete and has no valid partition table), nothing left behind.
#   - usage: no disks, conflicting options, a bad SIZE, the same file
#     twice, bad --machine-readable and --unknown-filesystems (exit 2);
#   - OUTDISK missing; INDISK held by a running VM (refused before any
#     launch); a too small OUTDISK; a PART that does not exist; an
#     INDISK without a partition table (exit 1);
#   - SIGTERM and SIGINT during the copy (slowed with
#     GUESTCELL_RESIZE_RATE), qemu killed in the second launch, qemu
#     killed in the first launch (nothing written yet).
#
#   test-virt-resize-errors.sh VIRT-RESIZE

source "$GC_TESTS_SRCDIR/functions.sh"
source "$(dirname "$0")/resize-functions.sh"
vr="$(tool_under_test "$1")"

# Usage errors: no appliance.
usage ()
{
  local want="$1"; shift
  run "$vr" "$@"
  expect_rc 2
  [ "$(grep -c '^virt-resize: error: ' "$T/err")" -eq 1 ] &&
    grep -q -- "$want" "$T/err" && grep -q -- "--help" "$T/err" ||
    { cat "$T/err"; fail "usage error for '$*': expected '$want'"; }
}
truncate -s 64M "$T/a.img" "$T/b.img"
usage 'expected two disk images' "$T/a.img"
usage '--expand and --shrink cannot be used together' \
  --expand /dev/sda1 --shrink /dev/sda2 "$T/a.img" "$T/b.img"
usage '--delete sda1: the partition is already named by --resize /dev/sda1=1G' \
  --resize /dev/sda1=1G --delete sda1 "$T/a.img" "$T/b.img"
usage '--expand given twice' --expand /dev/sda1 --expand /dev/sda2 "$T/a.img" "$T/b.img"
usage '--resize /dev/sda1=12Q: unknown unit' --resize /dev/sda1=12Q "$T/a.img" "$T/b.img"
usage '--ignore /dev/sdb1: not a partition of INDISK' --ignore /dev/sdb1 "$T/a.img" "$T/b.img"
usage '--align-first maybe: expected auto, never or always' \
  --align-first maybe "$T/a.img" "$T/b.img"
usage '--unknown-filesystems loud' --unknown-filesystems loud "$T/a.img" "$T/b.img"
usage '--machine-readable=pipe:x' --machine-readable=pipe:x "$T/a.img" "$T/b.img"
usage '--LV-expand root: expected a logical volume as /dev/VG/LV' \
  --LV-expand root "$T/a.img" "$T/b.img"
usage 'INDISK and OUTDISK are the same file' "$T/a.img" "$T/a.img"
ok "usage errors: exit 2, one error line each"

# --machine-readable alone: the capabilities, one a line.
run "$vr" --machine-readable
expect_rc 0
[ "$(head -n 1 "$T/out")" = virt-resize ] && grep -qx ntfsresize-force "$T/out" &&
  grep -qx btrfs "$T/out" && [ ! -s "$T/err" ] ||
  { cat "$T/out" "$T/err"; fail "--machine-readable alone"; }
ok "--machine-readable alone: $(tr '\n' ' ' < "$T/out")"

run "$vr" "$T/a.img" "$T/nosuch.img"
expect_rc 1
expect_one_error "^virt-resize: error: .*/nosuch.img: No such file or directory \\(make OUTDISK first"
ok "OUTDISK missing: '$(cat "$T/err")'"

require_appliance
deb="$(guest debian)"
in_sum="$(sum "$deb")"

# A running VM holds INDISK: refused before any launch.
cp --sparse=always "$deb" "$T/live.img"
qemu-system-x86_64 -S -nodefaults -display none -machine q35 -accel tcg \
  -drive "file=$T/live.img,format=raw,if=none,id=d0" -device virtio-blk-pci,drive=d0 \
  > "$T/vm.log" 2>&1 &
vm=$!
for _ in $(seq 100); do
  python3 - "$T/live.img" <<'PY' && break
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
fl = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 101, 1, 0)
r = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, fl)
sys.exit(0 if struct.unpack("hhqqi", r)[0] != fcntl.F_UNLCK else 1)
PY
  kill -0 $vm 2>/dev/null || { cat "$T/vm.log"; fail "the VM did not start"; }
  sleep 0.1
done
truncate -s 1G "$T/out.img"
out_sum="$(sum "$T/out.img")"
set +e
/usr/bin/time -f "%e" -o "$T/live-time" "$vr" "$T/live.img" "$T/out.img" > "$T/out" 2> "$T/err"
rc=$?
set -e
kill $vm
wait $vm || true
expect_rc 1
expect_one_error "live.img: the image is in use by another process \\(a running VM\\?\\): shut the guest down first"
[ "$(sum "$T/out.img")" = "$out_sum" ] || fail "running VM: OUTDISK changed"
ok "INDISK of a running VM: refused in $(tail -n 1 "$T/live-time") s, OUTDISK unchanged"
rm "$T/live.img"

# Too small: refused before anything is written.
truncate -s 256M "$T/small.img"
refused "$T/small.img" '^virt-resize: error: OUTDISK is too small: 256.0M \(268435456 bytes\); it needs at least 512.0M \(536870912 bytes\)$' \
  --expand /dev/sda2 "$deb" "$T/small.img"
ok "too small: '$(cat "$T/err")'"

# A partition INDISK does not have.
refused "$T/out.img" '^virt-resize: error: --expand /dev/sda3: INDISK has no partition /dev/sda3 \(it has /dev/sda1, /dev/sda2\)$' \
  --expand /dev/sda3 "$deb" "$T/out.img"
ok "no such partition: '$(cat "$T/err")'"

# An INDISK without a partition table.
refused "$T/out.img" "^virt-resize: error: .*/a.img: no partition table$" \
  "$T/a.img" "$T/out.img"
ok "no partition table: '$(cat "$T/err")'"

# An interrupted run: started in the background, stopped by sig at the
# moment the line matching when appears on its stdout (or by killing
# its qemu if sig is "qemu").
interrupt ()
{
  local sig="$1" when="$2" pid
  rm -f "$T/out.img" "$T/out" "$T/err"
  truncate -s 1G "$T/out.img"
  : > "$T/out"
  set +e
  GUESTCELL_RESIZE_RATE=2M "$vr" --expand /dev/sda2 \
    --LV-expand /dev/debian-vg/root "$deb" "$T/out.img" > "$T/out" 2> "$T/err" &
  pid=$!
  for _ in $(seq 1200); do
    grep -q -- "$when" "$T/out" && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  if [ "$sig" = qemu ]; then
    # The appliance of the launch that follows the line.
    for _ in $(seq 600); do
      pkill -KILL -f -- "qemu-system.*$TMPDIR/gc" && break
      kill -0 $pid 2>/dev/null || break
      sleep 0.05
    done
  else
    kill -s "$sig" $pid
  fi
  wait $pid
  rc=$?
  set -e
  check_clean "$sig at '$when'"
  [ "$(sum "$deb")" = "$in_sum" ] || fail "$sig: the input changed"
}

interrupt TERM 'Copying /dev/sda2'
expect_rc 143
expect_one_error "^virt-resize: error: .*/out.img is incomplete: it has no valid partition table; do not use it"
if signed "$T/out.img"; then fail "SIGTERM: OUTDISK has a valid table"; fi
ok "SIGTERM during the copy: exit 143, '$(cat "$T/err")'"

interrupt INT 'Copying /dev/sda2'
expect_rc 130
expect_one_error "/out.img is incomplete: it has no valid partition table"
if signed "$T/out.img"; then fail "SIGINT: OUTDISK has a valid table"; fi
ok "SIGINT during the copy: exit 130, OUTDISK incomplete"

interrupt qemu 'Launching the appliance to grow'
[ "$rc" -eq 4 ] || [ "$rc" -eq 1 ] || { cat "$T/err"; fail "qemu killed in the second launch: exit $rc"; }
grep -q "qemu was killed by signal 9" "$T/err" &&
  grep -q "/out.img is incomplete: it has no valid partition table" "$T/err" ||
  { cat "$T/err"; fail "qemu killed in the second launch: no clear error"; }
[ "$(grep -c error "$T/err")" -eq 2 ] || { cat "$T/err"; fail "qemu killed: more than 2 lines"; }
if signed "$T/out.img"; then fail "qemu killed: OUTDISK has a valid table"; fi
ok "qemu killed in the second launch: exit $rc, OUTDISK's table wiped"

truncate -s 1G "$T/zero.img"
interrupt qemu 'Examining'
[ "$rc" -eq 4 ] || [ "$rc" -eq 1 ] || { cat "$T/err"; fail "qemu killed in the first launch: exit $rc"; }
if grep -q incomplete "$T/err"; then fail "qemu killed before writing: OUTDISK said incomplete"; fi
[ "$(sum "$T/out.img")" = "$(sum "$T/zero.img")" ] || fail "qemu killed before writing: OUTDISK changed"
ok "qemu killed in the first launch: exit $rc, OUTDISK untouched"
