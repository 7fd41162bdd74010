#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# An rpm database of 100,000 packages with 1 KiB descriptions
# (tests/guests/hostile-rpmdb): more than 16 replies of the appliance
# carry, which is what a run reads (a real database fits in one or
# two).  virt-inspector finishes in bounded time and memory (printed),
# its XML valid, with the packages of the first pages, descriptions
# whole, and one warning saying the rest are left out.  One launch.
#
#   test-many-packages.sh VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vi="$(tool_under_test "$1")"
here="$(dirname "$0")"
img="$(guest hostile-rpmdb)"

run /usr/bin/time -f "%e s, peak RSS of the largest process %M KiB" \
  -o "$T/time" "$vi" -a "$img"
expect_rc 0
echo "virt-inspector: $(cat "$T/time")"
xmllint --noout --relaxng "$here/../../inspector/virt-inspector.rng" "$T/out" ||
  fail "the XML does not validate"
n="$(xmllint --xpath 'count(//application)' "$T/out")"
[ "$n" -gt 32000 ] && [ "$n" -lt 100000 ] || fail "$n applications"
expect_one_error "warning: .*/rpmdb.sqlite: the rpm database holds more than the 64 MiB of package data a run reads: only the first $n packages are listed"
len="$(xmllint --xpath "string-length((//application)[1]/description)" "$T/out")"
whole="$(xmllint --xpath "count(//application[string-length(description) = $len])" "$T/out")"
[ "$len" -gt 900 ] && [ "$whole" = "$n" ] ||
  fail "descriptions cut: $whole of $n have the first one's $len characters"
ok "100,000 rpm packages: the first $n reported whole, and one warning for the rest"
