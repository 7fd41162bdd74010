#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The round trip: a host tree of every kind of entry (make-tree.py:
# hard links, a sparse 1 GiB file, names with spaces, a newline, UTF-8
# and 255 bytes, 20 levels, odd modes and times, a FIFO, a device node
# as root) goes into a guest with virt-copy-in and comes back with
# virt-copy-out; compare-trees.py finds it identical (type, mode,
# mtime, link targets, hard links, content, holes; owners as root).
# The guest's copy is checked by an independent reader where one is
# installed (libguestfs's virt-ls: types, modes, sizes, mtimes,
# SHA-256, link targets, st_blocks), and the guest's free space shows
# the sparse file cost it nothing (our virt-df).  A second copy-in of
# the same tree replaces the files in place.
#
#   test-virt-copy.sh VIRT-COPY-IN VIRT-COPY-OUT VIRT-DF

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vin="$(tool_under_test "$1")"
vout="$(tool_under_test "$2")"
vdf="$3"
here="$(dirname "$0")"
img="$T/work.img"
cp --sparse=always "$(guest copy)" "$img"

python3 "$here/make-tree.py" "$T/tree"

used ()
{
  "$vdf" --csv -a "$img" | awk -F, '$2 == "/dev/sda3" { print $4 }'
}
before=$(used)

run "$vin" -a "$img" "$T/tree" /srv
expect_rc 0
[ ! -s "$T/err" ] || { cat "$T/err"; fail "virt-copy-in: messages on stderr"; }
ok "virt-copy-in of the tree"

after=$(used)
grown=$(( after - before ))
echo "  the guest's root filesystem grew by $grown KiB (the tree holds a sparse 1 GiB file)"
[ "$grown" -lt 65536 ] || fail "the sparse file was not copied as a sparse file"
ok "the sparse 1 GiB file costs the guest $grown KiB"

# Full fidelity back: as root, the guest's owners, devices, setuid.
opts=()
owners=()
if [ "$(id -u)" = 0 ]; then
  opts=(--preserve-owner --devices --setuid)
  owners=(--owners)
fi
mkdir "$T/back"
run "$vout" "${opts[@]}" -a "$img" /srv/tree "$T/back"
expect_rc 0
[ ! -s "$T/err" ] || { cat "$T/err"; fail "virt-copy-out: messages on stderr"; }
python3 "$here/compare-trees.py" "${owners[@]}" "$T/tree" "$T/back/tree" ||
  fail "the round trip changed the tree"
ok "the round trip is identical"

if [ -x /usr/bin/virt-ls ]; then
  # Its appliance cached where it always is, not in our private TMPDIR.
  LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg \
    LIBGUESTFS_CACHEDIR=/var/tmp \
    /usr/bin/virt-ls --format=raw -a "$img" --csv -lR --checksum=sha256 \
    --extra-stats --time-t --uids /srv/tree > "$T/ls.csv" 2> "$T/ls.err" ||
    { cat "$T/ls.err"; fail "libguestfs's virt-ls failed"; }
  python3 "$here/check-virt-ls.py" "$T/tree" /srv < "$T/ls.csv" ||
    fail "libguestfs's virt-ls sees something else in the guest"
  ok "the guest holds the tree, as libguestfs's virt-ls reads it"
else
  echo "  (libguestfs's virt-ls is not installed: no independent check)"
fi

# Without options: yours, no device, no setuid bit (with a warning
# each), the rest identical.
mkdir "$T/plain"
run "$vout" -a "$img" /srv/tree "$T/plain"
expect_rc 0
if [ "$(id -u)" = 0 ]; then
  grep -q "warning: 1 device node not made" "$T/err" || { cat "$T/err"; fail "no warning about the device"; }
fi
grep -q "warning: setuid/setgid bits left out on 2 files" "$T/err" ||
  { cat "$T/err"; fail "no warning about the setuid bits"; }
python3 "$here/compare-trees.py" --no-setuid --no-devices "$T/tree" "$T/plain/tree" ||
  fail "the plain copy-out differs"
ok "virt-copy-out without options: no device, no setuid bit, the rest identical"

# The contents of a directory ("DIR/."), and a file among them, again
# into the same place: files replaced, the tree still identical.
run "$vin" -a "$img" "$T/tree/." /srv/tree
expect_rc 0
rm -rf "$T/back2"
mkdir "$T/back2"
run "$vout" "${opts[@]}" -a "$img" /srv/tree/. "$T/back2"
expect_rc 0
python3 "$here/compare-trees.py" "${owners[@]}" --no-dir-times "$T/tree" "$T/back2" ||
  fail "copying the tree over itself changed it"
ok "DIR/. copies contents, both ways; a copy over a copy replaces the files"
