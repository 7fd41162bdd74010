#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# A registry built to cost (tests/guests/hostile-registry): an Uninstall
# key with 65,536 subkeys and a chain of 10,000 nested keys beside an
# application.  virt-inspector lists all 65,537 applications, its XML
# valid, in bounded time and memory (printed), with no warning.  Before,
# each subkey cost one call and one linear lookup of its name among its
# 65,535 siblings.  One launch.
#
#   test-many-keys.sh VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vi="$(tool_under_test "$1")"
here="$(dirname "$0")"
img="$(guest hostile-registry)"

run "$vi" -a "$img"
expect_rc 0
[ ! -s "$T/err" ] || { head -c 2000 "$T/err"; fail "virt-inspector warned"; }
xmllint --noout --relaxng "$here/../../inspector/virt-inspector.rng" "$T/out" ||
  fail "the XML does not validate"
n="$(xmllint --xpath 'count(//application)' "$T/out")"
[ "$n" = 65537 ] || fail "$n applications, not 65,537"
for app in App00000:"Application 0" App65535:"Application 65535" \
           AcroRead:"Adobe Acrobat Reader DC"; do
  name="${app%%:*}" display="${app#*:}"
  got="$(xmllint --xpath "string(//application[name='$name']/display_name)" "$T/out")"
  [ "$got" = "$display" ] || fail "$name: display name \"$got\""
done
v="$(xmllint --xpath "string(//application[name='App65535']/version)" "$T/out")"
[ "$v" = 1.65535 ] || fail "App65535: version \"$v\""
ok "65,536 Uninstall subkeys and a 10,000-deep key chain: 65,537 applications"
