#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# tests/check-fs, which the tests of the writing tools rely on: on the
# Debian guest (ext2, ext4 on LVM) and on the dirty guest (an ext4
# journal and xfs logs left by a crash, replayed into the overlay before
# the check) every filesystem is clean; on a guest whose ext4 inode
# table was overwritten the checker says it is not.  The images stay
# byte-identical.  One launch per image.
#
#   test-fs-check.sh

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
build_guests debian dirty ext4
for name in debian dirty; do
  img="$(guest $name)"
  sum="$(sha256sum < "$img")"
  run "$GC_CHECK_FS" "$img"
  cat "$T/out"
  expect_rc 0
  n="$(grep -c ': clean$' "$T/out")"
  [ "$n" -ge 2 ] || fail "$name: only $n filesystems checked"
  [ "$(sha256sum < "$img")" = "$sum" ] || fail "$name: the image changed"
  ok "$name: $n filesystems clean"
done

# Damage a copy of the ext4 guest: zero its first inode table block
# (where dumpe2fs says it is) and the checker must say so.
PATH="$PATH:/sbin:/usr/sbin"
command -v dumpe2fs > /dev/null || skip "dumpe2fs (e2fsprogs) is needed"
cp --sparse=always "$(guest ext4)" "$T/bad.img"
start="$(sfdisk -J "$T/bad.img" 2>/dev/null | python3 -c '
import json, sys
print(json.load(sys.stdin)["partitiontable"]["partitions"][0]["start"])')"
off=$((start * 512))
# (e2fsprogs' unix I/O takes "FILE?offset=N")
table="$(dumpe2fs "$T/bad.img?offset=$off" 2>/dev/null |
         sed -n 's/^ *Inode table at \([0-9]*\)-.*/\1/p' | head -1)"
bs="$(dumpe2fs -h "$T/bad.img?offset=$off" 2>/dev/null |
      sed -n 's/^Block size: *//p')"
[ -n "$table" ] && [ -n "$bs" ] || fail "could not find the inode table"
dd if=/dev/zero of="$T/bad.img" bs="$bs" seek=$((off / bs + table)) count=4 \
   conv=notrunc status=none
run "$GC_CHECK_FS" "$T/bad.img"
cat "$T/out"
expect_rc 1
grep -q 'NOT CLEAN' "$T/out" || fail "the damaged ext4 was called clean"
ok "a damaged ext4 is not clean"
