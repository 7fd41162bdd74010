#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-inspector and rpm's sqlite database (read inside the appliance):
# the Fedora guest's applications (nine packages, one with an epoch, a
# gpg-pubkey pseudo-package with fields missing (its arch "(none)", as
# rpm and libguestfs print it), the database under
# /usr/lib/sysimage/rpm reached through the /var/lib/rpm link) against
# the golden XML, validated with the schema; a Fedora whose
# rpmdb.sqlite is text inspected with exit status 0, no applications,
# and -v saying why.  Two launches.
#
#   test-virt-inspector-rpm.sh VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vi="$(tool_under_test "$1")"
here="$(dirname "$0")"
source "$here/golden.sh"
build_guests fedora damaged-rpm

img="$(guest fedora)"
sum_before="$(sha256sum < "$img")"
run "$vi" -v -a "$img"
expect_rc 0
golden fedora
[ "$(grep -c '<application>' "$T/out")" -eq 9 ] ||
  fail "fedora: not 9 applications"
grep -q 'inspect: /dev/sda2: /var/lib/rpm/rpmdb.sqlite: 9 installed packages' \
  "$T/err" || { cat "$T/err"; fail "fedora: -v does not count the packages"; }
[ "$(sha256sum < "$img")" = "$sum_before" ] || fail "fedora: the image changed"
ok "fedora: 9 rpm packages read from the sqlite database"

run "$vi" -v -a "$(guest damaged-rpm)"
expect_rc 0
golden damaged-rpm
! grep -q '<applications' "$T/out" || fail "damaged-rpm: applications listed"
grep -q 'inspect: /dev/sda1: applications left out: .*/var/lib/rpm/rpmdb.sqlite: not an rpm sqlite database' \
  "$T/err" || { cat "$T/err"; fail "damaged-rpm: -v does not say why"; }
ok "damaged-rpm: inspected, no applications, -v says why"
