#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-edit's failures, each a single clear line with its documented
# exit status, the image's checksum unchanged and nothing left behind:
# usage errors (no -a, no FILE, a bad -b: exit 2), a relative path (exit
# 1 before any appliance starts), a missing image, a file that does not
# exist, a directory, a device node, a FIFO (exit 1); an image held by a
# running VM (refused before anything starts, naming the image); a full
# filesystem (ENOSPC: the old file whole, no temporary file left, the
# filesystem clean); a huge sparse file (1 TiB: refused before it is
# copied to the host, whose disk it would fill).
#
#   test-virt-edit-errors.sh VIRT-EDIT VIRT-CAT

source "$GC_TESTS_SRCDIR/functions.sh"
here="$(dirname "$0")"
source "$here/edit-functions.sh"
ve="$(tool_under_test "$1")"
vc="$2"

# Usage errors: nothing starts.
run "$ve" -e 's/a/b/' /etc/motd
expect_rc 2
grep -q '^virt-edit: error: no disk image given: use -a IMAGE$' "$T/err" || fail "no -a: $(cat "$T/err")"
run "$ve" -a x.img
expect_rc 2
grep -q '^virt-edit: error: no file to edit' "$T/err" || fail "no FILE: $(cat "$T/err")"
run "$ve" -b '' -a x.img /etc/motd
expect_rc 2
run "$ve" -b .x/y -a x.img /etc/motd
expect_rc 2
grep -q "^virt-edit: error: -b '.x/y': the backup extension must be non-empty, without '/'$" "$T/err" ||
  fail "-b with a slash: $(cat "$T/err")"
ok "usage errors: exit 2"

run "$ve" -a "$T/nosuch.img" /etc/motd
expect_rc 1
expect_one_error "^virt-edit: error: .*$T/nosuch.img"
ok "a missing image: '$(cat "$T/err")'"

require_appliance
build_guests edit
img="$(copy_guest edit)"
sum="$(sha256sum < "$img")"

# A relative path: said before an appliance starts (no launch under -v).
run "$ve" -v -a "$img" /etc/motd etc/hostname -e 's/a/b/'
expect_rc 1
expect_one_error "^virt-edit: error: etc/hostname: the path must be absolute \(start with '/'\)$"
same_sum "$img" "$sum" "a relative path"
ok "a relative path: one line, exit 1, before any launch"

# Files that cannot be edited: one line each, exit 1, nothing written.
for f in /etc/nosuch:'No such file or directory' /etc/dir.d:'Is a directory' \
         /etc/null-device:'not a regular file' /etc/fifo:'not a regular file' \
         /etc/nosuch/x:'No such file or directory'; do
  path="${f%%:*}"
  run "$ve" -a "$img" "$path" /etc/motd -e 's/stays/changed/'
  expect_rc 1
  expect_one_error "^virt-edit: error: $path: ${f#*:}$"
  same_sum "$img" "$sum" "$path"
done
ok "missing file, directory, device, FIFO, missing directory: one line each, exit 1, image unchanged"

# An image held by a running VM (qemu, paused: it has opened and locked
# its disk read-write): refused before anything starts.
command -v qemu-system-x86_64 > /dev/null || skip "qemu-system-x86_64 is not installed"
qemu-system-x86_64 -S -nodefaults -display none -machine q35 -accel tcg \
  -drive "file=$img,format=raw,if=none,id=d0" -device virtio-blk-pci,drive=d0 \
  > "$T/vm.log" 2>&1 &
vm=$!
for _ in $(seq 100); do
  python3 - "$img" <<'PY' && break
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
fl = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 101, 1, 0)
r = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, fl)
sys.exit(0 if struct.unpack("hhqqi", r)[0] != fcntl.F_UNLCK else 1)
PY
  kill -0 $vm 2>/dev/null || { cat "$T/vm.log"; fail "the VM did not start"; }
  sleep 0.1
done
set +e
"$ve" -v -a "$img" /etc/motd -e 's/stays/changed/' > "$T/out" 2> "$T/err"
rc=$?
set -e
! pgrep -f -- "$TMPDIR/" > /dev/null || fail "running VM: a process left"
[ -z "$(ls -A "$TMPDIR")" ] || fail "running VM: files left in \$TMPDIR"
kill $vm
wait $vm 2>/dev/null || true
[ "$rc" -eq 1 ] || { cat "$T/err"; fail "running VM: exit $rc"; }
grep -q "launch:" "$T/err" && fail "running VM: an appliance was launched"
grep -v '^guestcell: ' "$T/err" > "$T/err1" || true
mv "$T/err1" "$T/err"
expect_one_error "^virt-edit: error: .*$img.*in use"
same_sum "$img" "$sum" "running VM"
ok "an image held by a running VM: refused before any launch: '$(cat "$T/err")'"

# A full filesystem: /boot is 16 MiB; 24 MiB do not fit.
stat_guest "$img" "$T/before" /boot/grub/grub.cfg /boot/grub
run "$ve" -a "$img" /boot/grub/grub.cfg -e '$_ .= "#" x (24 << 20) if $lineno == 1'
expect_rc 1
expect_one_error '^virt-edit: error: /boot/grub/grub.cfg: No space left on device$'
stat_guest "$img" "$T/after" /boot/grub/grub.cfg /boot/grub
cmp "$T/before" "$T/after" || { cat "$T/before" "$T/after"; fail "ENOSPC: the file or its directory changed"; }
run "$vc" -a "$img" /boot/grub/grub.cfg
grep -q "^menuentry 'Debian' {$" "$T/out" && [ "$(wc -c < "$T/out")" -lt 200 ] ||
  fail "ENOSPC: the old file is not whole"
"$GC_CHECK_FS" "$img" -- /dev/sda1 > "$T/fsck" 2>&1 || { cat "$T/fsck"; fail "ENOSPC: /boot not clean"; }
check_clean "check-fs"
# The space is free again: a file that fits can still be written.
run "$ve" -a "$img" /boot/grub/grub.cfg -e '$_ .= "#" x (4 << 20) if $lineno == 1'
expect_rc 0
ok "ENOSPC: one line, the old file whole and the same inode, nothing left, /boot clean, its space free again"

# A 1 TiB sparse file (hostile-sparse's apk database): refused before
# any of it is copied to the host.
big="$(copy_guest hostile-sparse)"
bigsum="$(sha256sum < "$big")"
run "$ve" -a "$big" -m /dev/sda2 /lib/apk/db/installed -e 's/a/b/'
expect_rc 1
expect_one_error '^virt-edit: error: /lib/apk/db/installed: 1099511627776 bytes, too large to edit: the original and the edited copy need twice that in .*, which has [0-9]* bytes free$'
same_sum "$big" "$bigsum" "a 1 TiB file"
check_clean "a 1 TiB file"
ok "a 1 TiB sparse file: refused before it is copied, one line, exit 1, image unchanged"
