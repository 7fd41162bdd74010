#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The windows guest is built (NTFS made by mkntfs in the appliance, files
# written through ntfs-3g) and reads back through the core's own actions
# without inspection: test-ntfs-read mounts both NTFS partitions with
# ntfs-3g, reads the hosts file, checks the type, serial and label.
#
#   test-ntfs.sh TEST-NTFS-READ

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
tnr="$(tool_under_test "$1")"
win="$(guest windows)"

run "$tnr" "$win"
cat "$T/out"
expect_rc 0
[ ! -s "$T/err" ] || { cat "$T/err"; fail "messages on stderr"; }
ok "the windows guest's NTFS reads back"
