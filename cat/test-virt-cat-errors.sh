#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-cat's failures: each one a single clear line and a documented exit
# status, nothing left behind: a missing path and a directory (the other
# files still printed), a relative path, an image that is not a disk
# image, a truncated qcow2, a nonexistent image, a closed stdout pipe
# (no message), SIGTERM during the launch, qemu killed in the middle of
# a download, usage errors.
#
#   test-virt-cat-errors.sh VIRT-CAT

source "$GC_TESTS_SRCDIR/functions.sh"
vc="$(tool_under_test "$1")"

# Usage errors: no appliance needed.
run "$vc" /etc/fstab
expect_rc 2
grep -q '^virt-cat: error: no disk image given' "$T/err" || fail "no -a: $(cat "$T/err")"
run "$vc" -a /nonexistent.img
expect_rc 2
run "$vc" -m ':/boot' -a x.img /etc/fstab
expect_rc 2
ok "usage errors: exit 2"

# A nonexistent image.
run "$vc" -a "$T/nosuch.img" /etc/fstab
[ "$rc" -ne 0 ] || fail "nonexistent image: exit 0"
expect_one_error "^virt-cat: error: .*$T/nosuch.img"
ok "nonexistent image: '$(cat "$T/err")'"

require_appliance
e4="$(guest ext4)"

# A missing path, a directory, a relative path: one line each, and the
# other files are still printed.
run "$vc" -a "$e4" -m /dev/sda1 /nosuch /known.txt /dir relative.txt /dir/sub/deep.txt
expect_rc 1
cat > "$T/experr" <<'END'
virt-cat: error: /nosuch: No such file or directory
virt-cat: error: /dir: Is a directory
virt-cat: error: relative.txt: the path must be absolute (start with '/')
END
diff -u "$T/experr" "$T/err" || fail "missing path / directory: wrong messages"
printf 'guestcell ext4 test guest\nthe second line\ndeep file\n' | diff -u - "$T/out" ||
  fail "missing path / directory: the other files were not printed"
ok "missing path, directory, relative path: one line each, exit 1"

# stdout closed early: no message, nothing left.
set +e
"$vc" -a "$e4" -m /dev/sda1 /binary.dat 2> "$T/err" | head -c 1000 > "$T/out"
st=("${PIPESTATUS[@]}")
set -e
check_clean "virt-cat | head"
[ "$(stat -c %s "$T/out")" -eq 1000 ] || fail "| head: short output"
[ ! -s "$T/err" ] || { cat "$T/err"; fail "| head: printed a message"; }
[ "${st[0]}" -eq 0 ] || [ "${st[0]}" -eq 141 ] || fail "| head: exit ${st[0]}"
ok "virt-cat | head: silent, exit ${st[0]}, nothing left"

# Not a disk image: a text file.
yes 'this is not a disk image' | head -c 1M > "$T/text.img" || true
run "$vc" -a "$T/text.img" /etc/fstab
[ "$rc" -eq 3 ] || fail "text file: exit $rc, expected 3"
expect_one_error '^virt-cat: error: .*/text.img: no partition and no filesystem found: is it a disk image\?$'
ok "not a disk image: exit $rc, '$(cat "$T/err")'"

# A truncated qcow2.
qemu-img create -q -f qcow2 "$T/trunc.qcow2" 1G
qemu-img create -q -f qcow2 -b "$e4" -F raw "$T/full.qcow2"
truncate -s 100K "$T/trunc.qcow2"
run "$vc" -a "$T/trunc.qcow2" /etc/fstab
[ "$rc" -ne 0 ] || fail "truncated qcow2: exit 0"
expect_one_error '^virt-cat: error: '
ok "truncated qcow2: exit $rc, '$(cat "$T/err")'"

# A qcow2 with a backing file is refused when probed.
run "$vc" -a "$T/full.qcow2" -m /dev/sda1 /known.txt
[ "$rc" -ne 0 ] || fail "probed qcow2 with a backing file: accepted"
expect_one_error '^virt-cat: error: .*backing'
ok "probed qcow2 with a backing file: refused: '$(cat "$T/err")'"

# SIGTERM while launching: the appliance is stopped, nothing left.  (A
# cold boot: a restored appliance is up in well under the second.)
set +e
GUESTCELL_SNAPSHOT=0 "$vc" -a "$e4" -m /dev/sda1 /sparse.dat > /dev/null 2> "$T/err" &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
rc=$?
set -e
check_clean "SIGTERM"
[ "$rc" -eq 143 ] || { cat "$T/err"; fail "SIGTERM: exit $rc, not 143"; }
ok "SIGTERM during launch: exit 143, nothing left"

# qemu dies in the middle of a download: one line saying so, exit 1,
# nothing left.  (8 x 64 MiB: still streaming when the first bytes land.)
set +e
"$vc" -a "$e4" -m /dev/sda1 /sparse.dat /sparse.dat /sparse.dat /sparse.dat \
  /sparse.dat /sparse.dat /sparse.dat /sparse.dat > "$T/out" 2> "$T/err" &
pid=$!
for _ in $(seq 1200); do
  [ -s "$T/out" ] && break
  sleep 0.05
done
pkill -KILL -f -- "qemu-system.*$TMPDIR/gc"
wait $pid
rc=$?
set -e
check_clean "qemu killed"
[ "$rc" -eq 1 ] || { cat "$T/err"; fail "qemu killed: exit $rc, not 1"; }
expect_one_error '^virt-cat: error: download: qemu was killed by signal 9'
ok "qemu killed mid-download: '$(cat "$T/err")', nothing left"
