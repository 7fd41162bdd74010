#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-edit on a copy of the Windows-like guest (NTFS through ntfs-3g,
# which has no O_TMPFILE: the hidden temporary file is named): a Windows
# path in any case with a backup; the CRLF hosts file changed in exactly
# one line, the backup holding the old bytes, nothing else left in the
# directory, the NTFS filesystem clean; an unchanged edit and a missing
# drive letter write nothing (the image's checksum).
#
#   test-virt-edit-windows.sh VIRT-EDIT VIRT-CAT

source "$GC_TESTS_SRCDIR/functions.sh"
here="$(dirname "$0")"
source "$here/edit-functions.sh"
require_appliance
ve="$(tool_under_test "$1")"
vc="$2"
build_guests windows
img="$(copy_guest windows)"
sum="$(sha256sum < "$img")"
hosts='C:\Windows\System32\drivers\etc\hosts'

run "$vc" -a "$img" "$hosts"
cp "$T/out" "$T/hosts.old"
grep -q $'^10\\.0\\.2\\.2\tgateway\\.guestcell\\.test\r$' "$T/hosts.old" || fail "the hosts file is not as expected"

EDITOR=true VISUAL= run "$ve" -a "$img" "$hosts"
expect_rc 0
run "$ve" -a "$img" 'D:\anything.txt' -e 's/a/b/'
expect_rc 1
expect_one_error '^virt-edit: error: D:\\anything.txt: the guest has no drive D:$'
same_sum "$img" "$sum" "EDITOR=true, D:"
ok "an unchanged edit and a missing drive write nothing"

run "$ve" -b .bak -a "$img" 'c:\windows\system32\DRIVERS\ETC\HOSTS' \
  -e 's/^(10\.0\.2\.2\t)gateway(\.guestcell\.test\r\n)$/$1router$2/'
expect_rc 0
[ ! -s "$T/err" ] || { cat "$T/err"; fail "said something"; }
run "$vc" -a "$img" "$hosts" "$hosts.bak"
sed $'s/^10\\.0\\.2\\.2\tgateway\\./10.0.2.2\trouter./' "$T/hosts.old" > "$T/expected"
cat "$T/hosts.old" >> "$T/expected"
cmp "$T/expected" "$T/out" || { diff <(cat -A "$T/expected") <(cat -A "$T/out"); fail "not the expected bytes"; }
[ "$(diff "$T/hosts.old" <(head -n "$(wc -l < "$T/hosts.old")" "$T/out") | grep -c '^[<>]')" -eq 2 ] ||
  fail "not exactly one line changed"
stat_guest "$img" "$T/after" /Windows/System32/drivers/etc
grep -q '^/Windows/System32/drivers/etc dir .* ls=hosts,hosts.bak$' "$T/after" ||
  { cat "$T/after"; fail "the directory holds something else"; }
"$GC_CHECK_FS" "$img" > "$T/fsck" 2>&1 || { cat "$T/fsck"; fail "NTFS not clean after the edit"; }
check_clean "check-fs"
ok "a Windows path in any case: one CRLF line changed, the backup, nothing left, NTFS clean"
