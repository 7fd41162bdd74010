#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-cat on the Windows-like guest: Windows paths with a drive letter
# and backslashes, matched case-insensitively as Windows would, through
# the drive letters of the guest's registry; plain /paths in any case;
# a missing file is one error naming the path and the others still
# print; a dual-boot disk needs -m.  Three launches.
#
#   test-virt-cat-windows.sh VIRT-CAT

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vc="$(tool_under_test "$1")"
img="$(guest windows)"

# The hosts file has CRLF line ends, as Windows writes it.
run "$vc" -a "$img" 'C:\Windows\System32\drivers\etc\hosts' \
  'c:\WINDOWS\system32\DRIVERS\ETC\HOSTS' \
  '/windows/System32/Drivers/etc/hosts' \
  'C:\Windows\nosuch.txt' \
  'C:/Users/Administrator/Desktop/notes.txt' \
  'D:\anything.txt'
expect_rc 1
n="$(grep -c $'^10\\.0\\.2\\.2\tgateway\\.guestcell\\.test\r$' "$T/out")"
[ "$n" -eq 3 ] || { cat -A "$T/out"; fail "the hosts file was not printed 3 times (got $n)"; }
grep -q '^Remember to install the updates.$' "$T/out" || { cat "$T/out"; fail "C:/Users/...: not printed"; }
[ "$(wc -l < "$T/err")" -eq 2 ] || { cat "$T/err"; fail "not two error lines"; }
grep -q '^virt-cat: error: C:\\Windows\\nosuch.txt: No such file or directory$' "$T/err" ||
  { cat "$T/err"; fail "the missing file's error"; }
grep -q '^virt-cat: error: D:\\anything.txt: the guest has no drive D:$' "$T/err" ||
  { cat "$T/err"; fail "the missing drive's error"; }
ok "Windows paths: drive letter, backslashes, any case; missing file and drive"
# Two OSes on one disk: virt-cat cannot choose, and says so.
run "$vc" -a "$(guest dualboot)" /etc/HOSTNAME
expect_rc 3
expect_one_error '^virt-cat: error: several operating systems were found \(/dev/sda2, /dev/sda1\): use -m to say which one to mount$'
run "$vc" -a "$(guest dualboot)" -m /dev/sda1 /windows/system32/cmd.exe
expect_rc 0
[ "$(head -c 2 "$T/out")" = MZ ] || fail "dualboot -m /dev/sda1: not the PE file"
ok "dual boot: several OSes is exit 3 and one line; -m chooses"
check_clean "windows"
