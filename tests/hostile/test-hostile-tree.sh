#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# A guest tree that attacks the tools (tests/guests/hostile-tree): a
# FIFO and a character device (/dev/zero's numbers) where files are
# expected, a symlink loop, links climbing out of the root (relative,
# absolute, into /proc), a 255-byte name, names with a newline and an
# escape.  virt-cat answers each with the guest's own file or one clear
# line, never the appliance's files, never hanging on the FIFO or
# streaming the device; virt-inspector finishes, leaving out the
# hostname and the package database, with valid XML.  Two launches.
#
#   test-hostile-tree.sh VIRT-CAT VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vc="$(tool_under_test "$1")"
vi="$(tool_under_test "$2")"
here="$(dirname "$0")"
img="$(guest hostile-tree)"
l255="$(printf 'n%.0s' $(seq 255))"
R=$'\xef\xbf\xbd'

run "$vc" -a "$img" /etc/hostname /var/lib/dpkg/status /etc/loop \
  /srv/up-and-out /srv/proc-environ /srv/absolute-out "/srv/$l255" \
  "/srv/${l255}n" $'/srv/new\nline' $'/srv/esc\e[31mape'
expect_rc 1
cat > "$T/expected-out" <<END
root:x:0:0:the guest's own passwd:/root:/bin/sh
root:x:0:0:the guest's own passwd:/root:/bin/sh
a name of 255 bytes
a name with a newline
a name with an escape
END
diff -u "$T/expected-out" "$T/out" || fail "virt-cat: wrong files"
cat > "$T/expected-err" <<END
virt-cat: error: /etc/hostname: not a regular file
virt-cat: error: /var/lib/dpkg/status: not a regular file
virt-cat: error: /etc/loop: Too many levels of symbolic links
virt-cat: error: /srv/proc-environ: No such file or directory
virt-cat: error: /srv/${l255}n: File name too long
END
diff -u "$T/expected-err" "$T/err" || fail "virt-cat: wrong errors"
ok "virt-cat: the guest's own files through links out of the root, one line for each bad path"

# A missing file whose name holds a newline and an escape: one line,
# the bytes shown as U+FFFD.
run "$vc" -a "$img" $'/srv/no\nsuch\e[2J'
expect_rc 1
expect_one_error "^virt-cat: error: /srv/no${R}such${R}\[2J: No such file or directory$"
ok "virt-cat: a name with a newline and an escape in an error: one safe line"

run "$vi" -v -a "$img"
expect_rc 0
xmllint --noout --relaxng "$here/../../inspector/virt-inspector.rng" "$T/out" ||
  fail "virt-inspector: the XML does not validate"
x () { xmllint --xpath "$1" "$T/out"; }
[ "$(x 'count(//operatingsystem)')" = 1 ] || fail "virt-inspector: no OS"
[ "$(x 'count(//hostname)')" = 0 ] || fail "virt-inspector: a hostname from a FIFO"
[ "$(x 'count(//application)')" = 0 ] || fail "virt-inspector: applications from a device"
grep -q "no /var/lib/dpkg/status" "$T/err" || fail "virt-inspector: -v does not say the database was left out"
ok "virt-inspector: finishes, the FIFO and the device left out"
