#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Guest strings that attack the output (tests/guests/hostile-strings:
# escape sequences, BEL, U+0001, DEL, C1 CSI and bytes that are not
# UTF-8 in package names, versions, descriptions, the hostname and an
# fstab mount point).  virt-inspector's XML is well-formed and valid
# against our schema and libguestfs's, its --json is strict JSON, and
# neither they nor the warnings on stderr (nor -v's debug lines) carry
# a control character or a byte that is not UTF-8: each such byte or
# character became U+FFFD (utf8.h's rule).  virt-df's three formats too.
# Four launches.
#
#   test-hostile-strings.sh VIRT-INSPECTOR VIRT-DF

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
command -v xmllint > /dev/null || skip "xmllint is not installed"
vi="$(tool_under_test "$1")"
vd="$(tool_under_test "$2")"
here="$(dirname "$0")"
check="$here/check-safe.py"
img="$(guest hostile-strings)"
lg_rng=/usr/share/doc/guestfs-tools/virt-inspector.rng.gz
R=$'\xef\xbf\xbd'

run "$vi" -v -a "$img"
expect_rc 0
xmllint --noout --relaxng "$here/../../inspector/virt-inspector.rng" "$T/out" ||
  fail "the XML does not validate against our schema"
if [ -r "$lg_rng" ]; then
  xmllint --noout --relaxng <(zcat "$lg_rng") "$T/out" ||
    fail "the XML does not validate against libguestfs's schema"
fi
python3 "$check" "$T/out" "$T/err" || fail "unsafe bytes in the XML or on stderr (-v)"
x () { xmllint --xpath "$1" "$T/out"; }
[ "$(x 'count(//application)')" = 3 ] || fail "not the 3 packages"
[ "$(x 'string(//application[1]/name)')" = "evil${R}[2J${R}]0;owned${R}name" ] ||
  fail "the escapes of a package name did not become U+FFFD: $(x 'string(//application[1]/name)')"
[ "$(x 'string(//application[3]/name)')" = "latin1-${R}t${R}" ] ||
  fail "Latin-1 bytes did not become U+FFFD: $(x 'string(//application[3]/name)')"
grep -q "/mnt/${R}\[1mbold: no such device in the guest: skipped" "$T/err" ||
  fail "the fstab warning does not show the escape as U+FFFD"
ok "XML: valid, every unsafe byte U+FFFD, and stderr (-v) too"

run "$vi" --json -a "$img"
expect_rc 0
python3 "$check" --json "$T/out" && python3 "$check" "$T/err" ||
  fail "unsafe --json"
ok "--json: strict JSON, every string safe"

for fmt in "" --csv --json; do
  run "$vd" $fmt -a "$img"
  expect_rc 0
  if [ "$fmt" = --json ]; then opt=--json; else opt=; fi
  python3 "$check" $opt "$T/out" && python3 "$check" "$T/err" ||
    fail "virt-df $fmt: unsafe output"
done
ok "virt-df: default, --csv and --json safe"
