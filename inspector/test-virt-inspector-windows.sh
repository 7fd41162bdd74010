#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-inspector on the Windows-like guests (NTFS through ntfs-3g, the
# registry through hivex in the appliance): the XML of the windows guest
# against its golden file and the schema (product, variant, version,
# build, systemroot, control set, hostname, drive letter, architecture
# from cmd.exe's PE header, the 64- and 32-bit Uninstall entries), its
# --json holding the same facts; the guest with a corrupt SOFTWARE hive
# inspected without a crash, keeping what SYSTEM says, -v saying why the
# rest is left out; a dual-boot disk with Windows 7 and openSUSE-like
# Linux.  One launch per run, four runs.
#
#   test-virt-inspector-windows.sh VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vi="$(tool_under_test "$1")"
here="$(dirname "$0")"
source "$here/golden.sh"
build_guests windows windows-damaged dualboot

img="$(guest windows)"
sum_before="$(sha256sum < "$img")"
run "$vi" -a "$img"
expect_rc 0
no_errors windows
golden windows
[ "$(sha256sum < "$img")" = "$sum_before" ] || fail "windows: the image changed"
cp "$T/out" "$T/windows.xml"

run "$vi" --json -a "$img"
expect_rc 0
python3 -m json.tool "$T/out" > /dev/null || fail "--json: not JSON"
python3 "$here/compare-xml-json.py" "$T/windows.xml" "$T/out" ||
  fail "windows --json: not the facts of the XML"
ok "windows: --json parses and holds the XML's facts"

# A corrupt SOFTWARE hive: no product, version or applications, but the
# control set, hostname and drive letters from SYSTEM.
run "$vi" -v -a "$(guest windows-damaged)"
expect_rc 0
golden windows-damaged
grep -q 'SOFTWARE: not a valid registry hive' "$T/err" ||
  fail "windows-damaged: -v does not say the SOFTWARE hive is corrupt"
ok "windows-damaged: inspected, and -v says the hive is corrupt"
# One disk, two OSes: Windows 7-like (the older registry paths, a 32-bit
# cmd.exe, control set 2) beside an openSUSE-like Linux (no os-release).
run "$vi" -a "$(guest dualboot)"
expect_rc 0
no_errors dualboot
golden dualboot
check_clean "windows"
