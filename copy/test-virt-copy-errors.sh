#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# What virt-copy-in and virt-copy-out say when they cannot copy: one
# line each, the documented exit status, nothing left behind, and the
# guest's files unchanged where nothing should be written:
#  - usage: no -a, too few arguments (2);
#  - a LOCAL that does not exist, a LOCALDIR that does not exist or is
#    a file: refused before the appliance starts (the image
#    byte-identical);
#  - a GUESTDIR that does not exist, or is a file; a relative GUESTDIR;
#    a GUESTPATH that does not exist (1);
#  - a full guest filesystem: "No space left on device", no partial
#    file, the files copied before it whole, the filesystem clean
#    (tests/check-fs);
#  - an existing guest directory where the copy has a file.
#
#   test-virt-copy-errors.sh VIRT-COPY-IN VIRT-COPY-OUT

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vin="$(tool_under_test "$1")"
vout="$(tool_under_test "$2")"
img="$T/work.img"
cp --sparse=always "$(guest copy)" "$img"
echo "a local file" > "$T/file"
mkdir "$T/dir"

# Usage errors.
run "$vin" "$T/file" /srv
expect_rc 2
grep -q "no disk image given" "$T/err" || fail "virt-copy-in without -a"
run "$vin" -a "$img" /srv
expect_rc 2
run "$vout" -a "$img" /etc/hostname
expect_rc 2
ok "usage errors: exit 2"

# Refused before the appliance starts: the image does not change at all.
sum="$(sha256sum < "$img")"
run "$vin" -a "$img" "$T/file" "$T/nosuch" /srv
expect_rc 1
expect_one_error "^virt-copy-in: error: $T/nosuch: No such file or directory$"
run "$vout" -a "$img" /etc/hostname "$T/nosuch"
expect_rc 1
expect_one_error "^virt-copy-out: error: $T/nosuch: No such file or directory$"
run "$vout" -a "$img" /etc/hostname "$T/file"
expect_rc 1
expect_one_error "^virt-copy-out: error: $T/file: Not a directory$"
[ "$(sha256sum < "$img")" = "$sum" ] || fail "the image changed"
ok "a missing LOCAL, a missing or non-directory LOCALDIR: one line, the image unchanged"

# The guest's files, to tell that nothing was written.
snapshot ()
{
  rm -rf "$T/snap"
  mkdir "$T/snap"
  "$vout" -a "$img" / "$T/snap" 2> "$T/snap.err" || { cat "$T/snap.err"; fail "snapshot"; }
  (cd "$T/snap" && find . -mindepth 1 -printf '%p %y %s %m %T@\n' | sort) > "$1"
}
snapshot "$T/before"

run "$vin" -a "$img" "$T/file" /nosuch
expect_rc 1
expect_one_error "^virt-copy-in: error: /nosuch: No such file or directory$"
run "$vin" -a "$img" "$T/file" /etc/hostname
expect_rc 1
expect_one_error "^virt-copy-in: error: /etc/hostname: Not a directory$"
run "$vin" -a "$img" "$T/file" srv
expect_rc 1
expect_one_error "^virt-copy-in: error: srv: the guest directory must be an absolute path"
run "$vout" -a "$img" /etc/hostname /nosuch "$T/dir"
expect_rc 1
expect_one_error "^virt-copy-out: error: /nosuch: No such file or directory$"
[ -z "$(ls -A "$T/dir")" ] || fail "virt-copy-out wrote something before its error"
snapshot "$T/after"
diff "$T/before" "$T/after" || fail "the guest's files changed"
ok "a missing or non-directory GUESTDIR, a missing GUESTPATH: one line, nothing written"

# A full filesystem (/small: 32 MiB, ext4).  First a small file, then
# one larger than the free space, in one copy.
mkdir "$T/fill"
head -c 1M /dev/urandom > "$T/fill/a-small"
head -c 48M /dev/urandom > "$T/fill/b-large"
run "$vin" -a "$img" "$T/fill/a-small" "$T/fill/b-large" /small
expect_rc 1
expect_one_error "^virt-copy-in: error: /small/b-large: No space left on device$"
mkdir "$T/small"
run "$vout" -a "$img" /small/. "$T/small"
expect_rc 0
[ ! -e "$T/small/b-large" ] || fail "the file that did not fit is in the guest"
cmp "$T/fill/a-small" "$T/small/a-small" || fail "the file copied before the error is not whole"
[ -z "$(find "$T/small" -name '.gc-tmp.*')" ] || fail "a temporary was left in the guest"
"$GC_CHECK_FS" "$img" > "$T/fsck" || { cat "$T/fsck"; fail "a filesystem is not clean"; }
ok "a full filesystem: one line, no partial file, the file before it whole, every filesystem clean"

# The same into a whole directory: the directory is made, what fits is
# there, whole.
run "$vin" -a "$img" "$T/fill" /small
expect_rc 1
grep -q "No space left on device" "$T/err" || { cat "$T/err"; fail "no ENOSPC"; }
rm -rf "$T/small"
mkdir "$T/small"
run "$vout" -a "$img" /small/fill "$T/small"
expect_rc 0
[ -d "$T/small/fill" ] || fail "the directory was not made"
for f in "$T"/small/fill/*; do
  [ -e "$f" ] || continue
  cmp "$f" "$T/fill/$(basename "$f")" || fail "$f is not whole"
done
[ ! -e "$T/small/fill/b-large" ] || fail "b-large should not be there"

# A directory in the guest where the copy has a file.
mkdir "$T/conflict2"
echo x > "$T/conflict2/etc"
run "$vin" -a "$img" "$T/conflict2/etc" /
expect_rc 1
expect_one_error "^virt-copy-in: error: /etc: is a directory \(not replaced\)$"
ok "a guest directory where the copy has a file: one line, left alone"
