#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-cat on the test guests: the Debian guest's fstab against its
# golden file and a known file from each of its filesystems (mounted the
# way the guest mounts itself: LVM, /dev/mapper names, UUID=); the same
# on the Fedora guest (GPT, xfs root); binary, sparse, empty and
# symlinked files byte-exact on the ext4 guest with -m; explicit -m
# mounts given child first; no OS found; the image unchanged by a run.
# One launch serves several files wherever it can.
#
#   test-virt-cat.sh VIRT-CAT

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vc="$(tool_under_test "$1")"
here="$(dirname "$0")"
build_guests debian fedora ext4

# Debian: fstab and one file from each filesystem, one launch.
deb="$(guest debian)"
sum_before="$(sha256sum < "$deb")"
run "$vc" -a "$deb" /etc/fstab /etc/hostname /etc/debian_version \
    /root/known.txt /boot/known.txt /usr/share/guestcell/known.txt \
    /var/log/known.txt /home/user/known.txt /etc/known-link
expect_rc 0
no_errors "debian"
{ cat "$here/expected-debian-fstab.txt"
  printf '%s\n' debian-guest 12.5 "on the root filesystem" \
    "on the /boot filesystem" "on the /usr filesystem" \
    "on the /var filesystem" "on the /home filesystem" \
    "on the /usr filesystem"; } > "$T/expected"
diff -u "$T/expected" "$T/out" || fail "debian: wrong output"
[ "$(sha256sum < "$deb")" = "$sum_before" ] || fail "debian: the image changed"
ok "debian: fstab and a file of each filesystem; image unchanged"

# The same files with explicit -m, children before parents.
run "$vc" -a "$deb" -m /dev/sda1:/boot -m /dev/debian-vg/usr:/usr:noatime \
    -m /dev/debian-vg/root /etc/hostname /boot/known.txt \
    /usr/share/guestcell/known.txt
expect_rc 0
no_errors "debian -m"
printf '%s\n' debian-guest "on the /boot filesystem" \
  "on the /usr filesystem" > "$T/expected"
diff -u "$T/expected" "$T/out" || fail "debian -m: wrong output"
ok "debian: explicit -m mounts, given children first"

# Fedora: GPT, xfs root, fstab by UUID=, an absolute symlink.
fed="$(guest fedora)"
run "$vc" -a "$fed" /etc/fstab /etc/redhat-release /etc/known.txt \
    /boot/known.txt /etc/system-release
expect_rc 0
no_errors "fedora"
{ cat "$here/expected-fedora-fstab.txt"
  printf '%s\n' "Fedora release 39 (Thirty Nine)" \
    "on the xfs root filesystem" "on the ext4 /boot filesystem" \
    "Fedora release 39 (Thirty Nine)"; } > "$T/expected"
diff -u "$T/expected" "$T/out" || fail "fedora: wrong output"
ok "fedora: fstab, files of the xfs root and the ext4 /boot"

# ext4: binary, sparse, symlink, deep, empty files, byte-exact.
e4="$(guest ext4)"
sum_before="$(sha256sum < "$e4")"
run "$vc" --format=raw -a "$e4" -m /dev/sda1:/:noatime:ext4 /known.txt \
    /binary.dat /sparse.dat /link.txt /dir/sub/deep.txt /empty.txt
expect_rc 0
no_errors "ext4"
known='guestcell ext4 test guest
the second line'
{ printf '%s\n' "$known"
  "$GC_MAKE_GUEST" --pattern 3M 1
  printf 'sparse file head\n'
  head -c $((64 * 1024 * 1024 - 17)) /dev/zero
  printf '%s\n' "$known"
  printf 'deep file\n'; } > "$T/expected"
if ! cmp "$T/expected" "$T/out"; then
  fail "ext4: output differs ($(stat -c %s "$T/out") bytes, expected $(stat -c %s "$T/expected"))"
fi
[ "$(sha256sum < "$e4")" = "$sum_before" ] || fail "ext4: the image changed"
ok "ext4: text, 3 MiB binary, 64 MiB sparse, symlink, empty: byte-exact; image unchanged"

# No operating system on it and no -m: exit 3, one line.
run "$vc" -a "$e4" /known.txt
expect_rc 3
expect_one_error '^virt-cat: error: no operating system was found.*-m'
ok "ext4 without -m: no operating system found, exit 3"
