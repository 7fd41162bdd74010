#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-inspector on the test guests: the XML of the Debian (LVM), Fedora
# (GPT, xfs), Ubuntu-like (dpkg), Alpine-like (apk) and Arch-like
# (pacman) guests against golden files; every XML output validated with
# the RELAX NG schema; --json on the Ubuntu guest parsed and compared
# fact by fact with its XML; the damaged guest (empty os-release,
# garbage fstab, truncated dpkg status, an ls that is no ELF binary)
# inspected without a crash and
# against its golden file, -v saying what was left out; two guests on
# two disks, each keeping its own devices; a disk with no OS exits 3
# with one line.  One launch per run, nine runs.
#
#   test-virt-inspector.sh VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vi="$(tool_under_test "$1")"
here="$(dirname "$0")"
source "$here/golden.sh"
build_guests debian fedora ubuntu alpine arch damaged ext4

for g in debian fedora ubuntu alpine arch; do
  img="$(guest $g)"
  sum_before="$(sha256sum < "$img")"
  run "$vi" -a "$img"
  expect_rc 0
  no_errors "$g"
  golden "$g"
  [ "$(sha256sum < "$img")" = "$sum_before" ] || fail "$g: the image changed"
  cp "$T/out" "$T/$g.xml"
done

# --json: parses, and says what the XML says.
run "$vi" -a "$(guest ubuntu)" --json
expect_rc 0
no_errors "ubuntu --json"
python3 -m json.tool "$T/out" > /dev/null || fail "--json: not JSON"
python3 "$here/compare-xml-json.py" "$T/ubuntu.xml" "$T/out" ||
  fail "--json: not the facts of the XML"
ok "ubuntu: --json parses and holds the XML's facts"

# Two guests on two disks: the Ubuntu guest names its own disk /dev/vda,
# which is our /dev/sdb here; its "/" and swap must be its own.
run "$vi" --no-applications --json -a "$(guest fedora)" -a "$(guest ubuntu)"
expect_rc 0
python3 - "$T/out" <<'PY' || fail "two disks: wrong devices"
import json, sys
oses = json.load(open(sys.argv[1]))["operatingsystems"]
got = [(o["root"], o["distro"], [(m["dev"], m["mountpoint"]) for m in o["mountpoints"]],
        [f["dev"] for f in o["filesystems"]], "applications" in o) for o in oses]
want = [("/dev/sda2", "fedora", [("/dev/sda2", "/"), ("/dev/sda1", "/boot")],
         ["/dev/sda1", "/dev/sda2"], False),
        ("/dev/sdb1", "ubuntu", [("/dev/sdb1", "/")],
         ["/dev/sdb1", "/dev/sdb2"], False)]
if got != want:
    print("got: ", got, "\nwant:", want)
    sys.exit(1)
PY
ok "two disks: two OSes, each with its own devices; --no-applications"

# Damaged files: no crash, what parses is kept, -v says why.
run "$vi" -v -a "$(guest damaged)"
expect_rc 0
golden damaged
grep -q 'no known ID=' "$T/err" || fail "damaged: -v does not mention os-release"
grep -q 'no valid hostname' "$T/err" || fail "damaged: -v does not mention the hostname"
grep -q 'bad mount point' "$T/err" || fail "damaged: -v does not mention the fstab"
grep -q 'dpkg/status: truncated' "$T/err" ||
  fail "damaged: -v does not say the dpkg database is truncated"
grep -q 'not an ELF binary we know' "$T/err" ||
  fail "damaged: -v does not say /usr/bin/ls is no ELF binary"
ok "damaged: inspected, and -v says what was left out"

# No OS.
run "$vi" --no-applications -a "$(guest ext4)"
expect_rc 3
expect_one_error '^virt-inspector: error: no operating system was found on the disk$'
[ ! -s "$T/out" ] || fail "no OS: something on stdout"
ok "no OS: exit status 3, one line"
