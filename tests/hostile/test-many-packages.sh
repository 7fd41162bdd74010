#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# An rpm database of 100,000 packages with 1 KiB descriptions
# (tests/guests/hostile-rpmdb): more than one reply of the appliance can
# carry.  virt-inspector finishes in bounded time and memory (printed),
# its XML valid, with the packages that fit (their descriptions cut
# first) and -v saying the rest were left out.  One launch.
#
#   test-many-packages.sh VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vi="$(tool_under_test "$1")"
here="$(dirname "$0")"
img="$(guest hostile-rpmdb)"

run /usr/bin/time -f "%e s, peak RSS of the largest process %M KiB" \
  -o "$T/time" "$vi" -v -a "$img"
expect_rc 0
echo "virt-inspector: $(cat "$T/time")"
xmllint --noout --relaxng "$here/../../inspector/virt-inspector.rng" "$T/out" ||
  fail "the XML does not validate"
n="$(xmllint --xpath 'count(//application)' "$T/out")"
[ "$n" -gt 10000 ] && [ "$n" -lt 100000 ] || fail "$n applications"
grep -q 'rpm_packages: .*: the reply is full, the other packages left out' "$T/err" ||
  fail "-v does not say packages were left out"
ok "100,000 rpm packages: $n reported, the rest left out and said so under -v"
