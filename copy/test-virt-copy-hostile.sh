#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-copy-out of hostile guests writes nothing outside LOCALDIR.  The
# copy-hostile guest has absolute and ".." symbolic links, directory
# links to /etc, to / and to the parent of wherever its tree lands, a
# setuid program, device nodes, a FIFO, names with a newline, an escape
# and 255 bytes; hostile-tree (tests/hostile) has more links out and a
# device where a file is expected.  Each is copied out whole ("/") into
# a LOCALDIR beside a sibling directory; the whole tree around it (the
# test's directory) and the host's /etc/passwd are the same before and
# after.  Links arrive as links, devices and setuid bits only when
# asked, names as they are, messages without the escape.  A symbolic
# link already in a LOCALDIR where the guest has a directory is an
# error, not a way out.  (Streams no appliance would send, with a '/'
# in a name or a hard link to a path, are refused by the reader:
# common/utils/test-treestream.c and fuzz/fuzz-treestream.c.)
#
#   test-virt-copy-hostile.sh VIRT-COPY-OUT

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vout="$(tool_under_test "$1")"
build_guests copy-hostile hostile-tree
hostile="$(guest copy-hostile)"
tree="$(guest hostile-tree)"

area="$T/area"
mkdir -p "$area/localdir" "$area/sibling" "$area/trap"
echo "must not change" > "$area/sibling/known"
ln -s "$area/sibling" "$area/trap/srv"

# Everything around the LOCALDIR being filled (the area holding it and
# its siblings, the area itself included), with types, sizes, modes,
# times and link targets; and the host's /etc/passwd.
around ()
{
  (cd "$area" && find . -path "./$1" -prune -o \
     -printf '%p %y %s %m %T@ %l\n' | sort)
  sha256sum /etc/passwd
  stat -c '%n %Y' /etc /etc/passwd
}

around localdir > "$T/before"
run "$vout" -a "$hostile" / "$area/localdir"
expect_rc 0
around localdir > "$T/after"
diff "$T/before" "$T/after" || fail "copy-hostile: something changed outside LOCALDIR"
ok "copy-hostile: nothing outside LOCALDIR changed"

l="$area/localdir/srv"
[ "$(readlink "$l/etc-dir")" = /etc ] || fail "etc-dir is not the link it was"
[ "$(readlink "$l/root-dir")" = / ] || fail "root-dir is not the link it was"
[ "$(readlink "$l/d/localdir-parent")" = ../../.. ] || fail "localdir-parent is not the link it was"
[ -L "$l/up-and-out" ] && [ -L "$l/absolute-out" ] || fail "the links out are not links"
[ -f "$l/d/after-the-links" ] || fail "the file after the links is missing"
grep -q "the guest's own passwd" "$area/localdir/etc/passwd" || fail "the guest's /etc/passwd"
ok "links arrive as links, never followed"

[ ! -e "$l/null" ] && [ ! -e "$l/sda" ] || fail "device nodes made without --devices"
[ "$(stat -c %a "$l/suid-true")" = 755 ] || fail "the setuid bit was kept without --setuid"
[ -p "$l/fifo" ] || fail "the FIFO"
[ -f "$l/new"$'\n'"line" ] && [ -f "$l/esc"$'\e'"[31mape" ] &&
  [ -f "$l/$(printf 'n%.0s' $(seq 255))" ] || fail "the odd names"
if grep -q $'\e' "$T/err"; then
  fail "an escape sequence of the guest reached stderr"
fi
if [ "$(id -u)" = 0 ]; then
  grep -q "warning: 2 device nodes not made" "$T/err" || { cat "$T/err"; fail "no warning about the devices"; }
fi
grep -q "warning: setuid/setgid bits left out on 1 file" "$T/err" || { cat "$T/err"; fail "no warning about setuid"; }
ok "no device node, no setuid bit unless asked; odd names kept; no escape on stderr"

# The link itself, named as a GUESTPATH: a link, not /etc's files.
mkdir "$area/one"
run "$vout" -a "$hostile" /srv/etc-dir /srv/d "$area/one"
expect_rc 0
[ "$(readlink "$area/one/etc-dir")" = /etc ] || fail "the GUESTPATH link was followed"
[ "$(readlink "$area/one/d/sibling-of-localdir")" = ../../../sibling ] || fail "sibling link"
ok "a GUESTPATH that is a link is copied as a link"

# A link already in LOCALDIR where the guest has a directory.
around trap > "$T/before"
run "$vout" -a "$hostile" /srv "$area/trap"
expect_rc 1
expect_one_error "^virt-copy-out: error: $area/trap/srv: exists and is not a directory$"
around trap > "$T/after"
diff "$T/before" "$T/after" || fail "the trap: something changed outside LOCALDIR"
[ "$(cat "$area/sibling/known")" = "must not change" ] && [ "$(ls "$area/sibling")" = known ] ||
  fail "the trap: the link in LOCALDIR was followed"
ok "a link in LOCALDIR where the guest has a directory: one line, not followed"

# tests/hostile's tree guest: links out to the appliance's /etc/passwd
# and /proc, a FIFO for /etc/hostname, a /dev/zero for dpkg's status.
mkdir "$area/tree"
around tree > "$T/before"
run "$vout" -a "$tree" / "$area/tree"
expect_rc 0
around tree > "$T/after"
diff "$T/before" "$T/after" || fail "hostile-tree: something changed outside LOCALDIR"
[ -L "$area/tree/srv/up-and-out" ] && [ -L "$area/tree/srv/proc-environ" ] &&
  [ -L "$area/tree/etc/loop" ] || fail "hostile-tree: the links"
[ ! -e "$area/tree/var/lib/dpkg/status" ] || fail "hostile-tree: the device was made"
ok "hostile-tree: nothing outside LOCALDIR changed, links are links, no device"

# Devices only when asked, as root.
if [ "$(id -u)" = 0 ]; then
  mkdir "$area/dev"
  run "$vout" --devices --setuid -a "$hostile" /srv/null /srv/sda /srv/suid-true "$area/dev"
  expect_rc 0
  [ "$(stat -c '%F %t:%T' "$area/dev/null")" = "character special file 1:3" ] &&
    [ "$(stat -c '%F %t:%T' "$area/dev/sda")" = "block special file 8:0" ] ||
    fail "--devices did not make the device nodes"
  [ "$(stat -c %a "$area/dev/suid-true")" = 4755 ] || fail "--setuid"
  ok "--devices and --setuid, as root: made"
fi
