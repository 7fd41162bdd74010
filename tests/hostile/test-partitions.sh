#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# A partition table that lies: the ext4 guest with a second MBR entry
# that overlaps the first and ends far past the disk.  virt-df reports
# each problem in one warning and still reports the filesystem that can
# be read.  One launch.
#
#   test-partitions.sh VIRT-DF

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vd="$(tool_under_test "$1")"
cp --sparse=always "$(guest ext4)" "$T/lies.img"
# Entry 2 of the MBR (offset 462): type 0x83, LBA start 4096, 10^7 sectors.
python3 - "$T/lies.img" <<'PY'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(446 + 16)
    f.write(bytes([0, 0, 0, 0, 0x83, 0, 0, 0]) + struct.pack("<II", 4096, 10**7))
PY

run "$vd" --csv -a "$T/lies.img"
expect_rc 0
grep -q '^lies.img,/dev/sda1,' "$T/out" || { cat "$T/out"; fail "the readable filesystem is missing"; }
cat > "$T/expected" <<END
virt-df: warning: /dev/sda: partition 2 (sectors 4096 to 10004095) ends past the end of the disk (524288 sectors)
virt-df: warning: /dev/sda: partitions 1 and 2 overlap (sectors 4096 to 524287)
END
diff -u "$T/expected" "$T/err" || fail "not the two warnings"
ok "a partition past the end and an overlap: one warning each, /dev/sda1 still reported"
