#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Guests without /etc/os-release, read by the older conventions as
# libguestfs reads them: a Debian 7-like one known by /etc/debian_version
# alone ("7.11": product name 7.11, version 7.11; an old fstab with a
# proc line, UUID= and /dev/sda3), and an Ubuntu 14.04-like one whose
# /etc/lsb-release names the distro although its /etc/debian_version
# says "jessie/sid".  Both with dpkg databases in several forms (hold,
# deinstall and triggers-pending of installed packages listed;
# config-files and half-installed not; multiarch twice).  Golden XML,
# valid against both schemas, and virt-cat reads a known file from each.
# Four launches.
#
#   test-virt-inspector-old.sh VIRT-INSPECTOR VIRT-CAT

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vi="$(tool_under_test "$1")"
vc="$(tool_under_test "$2")"
here="$(dirname "$0")"
source "$here/golden.sh"
build_guests debian7 ubuntu1404

img="$(guest debian7)"
sum_before="$(sha256sum < "$img")"
run "$vi" -a "$img"
expect_rc 0
golden debian7
for pkg in openssh-server nano module-init-tools; do
  grep -q "<name>$pkg</name>" "$T/out" || fail "debian7: $pkg is not listed"
done
for pkg in exim4-base tzdata; do
  ! grep -q "<name>$pkg</name>" "$T/out" || fail "debian7: $pkg is listed"
done
[ "$(grep -c '<name>libc6</name>' "$T/out")" -eq 2 ] ||
  fail "debian7: libc6 not listed once for each arch"
ok "debian7: dpkg's forms: hold, deinstall, lower case listed; config-files, half-installed not"

run "$vc" -a "$img" /home/user/known.txt
expect_rc 0
[ "$(cat "$T/out")" = "on the wheezy /home" ] ||
  { cat "$T/out" "$T/err"; fail "debian7: virt-cat /home/user/known.txt"; }
[ "$(sha256sum < "$img")" = "$sum_before" ] || fail "debian7: the image changed"
ok "debian7: virt-cat reads /home (fstab's /dev/sda3)"

img="$(guest ubuntu1404)"
run "$vi" -a "$img"
expect_rc 0
golden ubuntu1404
grep -q '<name>ureadahead</name>' "$T/out" ||
  fail "ubuntu1404: a triggers-pending package is not listed"
ok "ubuntu1404: lsb-release names Ubuntu over debian_version's jessie/sid"

run "$vc" -a "$img" /root/known.txt
expect_rc 0
[ "$(cat "$T/out")" = "on the trusty root" ] ||
  { cat "$T/out" "$T/err"; fail "ubuntu1404: virt-cat /root/known.txt"; }
ok "ubuntu1404: virt-cat reads a known file"
