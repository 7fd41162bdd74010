#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# LVM activation without lvm: the daemon's device-mapper tables are the
# ones lvm's vgchange -ay loads for the same volumes (lvm is the
# independent checker here), on the Debian guest and on a VG made for
# the test (two PVs, a striped volume, one of two segments on two PVs, a
# read-only one, dashes in the names); a VG with a snapshot is left to
# lvm; virt-df and virt-cat work on both paths and say which under -v.
#
#   test-lvm-native.sh LVM-PROBE VIRT-DF VIRT-CAT

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
probe="$(tool_under_test "$1")"
df="$(tool_under_test "$2")"
cat="$(tool_under_test "$3")"
deb="$(guest debian)"

# The two activations' tables, each non-empty, must be the same lines.
same_tables ()
{
  grep '^native: ' "$T/out" | sed 's/^native: //' > "$T/native"
  grep '^lvm: ' "$T/out" | sed 's/^lvm: //' > "$T/lvm"
  if grep -q '^native-refused' "$T/out" || [ ! -s "$T/native" ] ||
       ! cmp -s "$T/native" "$T/lvm"; then
    cat "$T/out"
    diff "$T/native" "$T/lvm" || true
    fail "$1: the tables differ from lvm's"
  fi
}

run "$probe" --ro "$deb" --tables
expect_rc 0
same_tables "Debian guest"
[ "$(wc -l < "$T/native")" -eq 5 ] || fail "Debian guest: $(wc -l < "$T/native") volumes, not 5"
grep -q '^debian--vg-root LVM-[A-Za-z0-9]\{64\} rw /dev/debian-vg/root->/dev/mapper/debian--vg-root 0 262144 linear ' "$T/native" ||
  { cat "$T/native"; fail "Debian guest: root's table"; }
ok "Debian guest: the 5 volumes' tables are lvm's: $(head -n 1 "$T/native")"

# A VG for the test on two scratch disks.
truncate -s 64M "$T/pv1.img" "$T/pv2.img"
run "$probe" --rw "$T/pv1.img" --rw "$T/pv2.img" \
  --vgcreate tst-vg /dev/sda,/dev/sdb \
  --lvm "lvcreate -y -i 2 -I 64k -L 16m -n stripy tst-vg" \
  --lvm "lvcreate -y -L 8m -n a-b tst-vg" \
  --lvm "lvcreate -y -L 8m -n c tst-vg" \
  --lvm "lvextend -L 16m tst-vg/a-b" \
  --lvm "lvcreate -y -L 4m -p r -n ro tst-vg" \
  --mkfs /dev/tst-vg/c \
  --tables
expect_rc 0
same_tables "made VG"
[ "$(wc -l < "$T/native")" -eq 4 ] || { cat "$T/native"; fail "made VG: not 4 volumes"; }
grep -q '^tst--vg-stripy .* striped 2 128 ' "$T/native" || { cat "$T/native"; fail "made VG: stripy is not striped"; }
grep -q '^tst--vg-a--b .*;.*linear' "$T/native" || { cat "$T/native"; fail "made VG: a-b has not two segments"; }
grep -q '^tst--vg-ro [^ ]* ro ' "$T/native" || { cat "$T/native"; fail "made VG: ro is not read-only"; }
ok "made VG: striped, two-segment, read-only volumes as lvm makes them"

run "$df" -v -a "$T/pv1.img" -a "$T/pv2.img"
expect_rc 0
grep -q '/dev/tst-vg/c' "$T/out" || { cat "$T/out"; fail "virt-df: no /dev/tst-vg/c"; }
grep -q 'lvm_scan: 4 logical volumes of 1 volume groups activated without lvm' "$T/err" ||
  { grep lvm "$T/err"; fail "virt-df: not activated without lvm"; }
ok "virt-df: activated without lvm, /dev/tst-vg/c listed"

# A snapshot: lvm's job.
run "$probe" --rw "$T/pv1.img" --rw "$T/pv2.img" \
  --lvm "lvcreate -y -s -L 4m -n snap tst-vg/c" --tables
expect_rc 0
grep -q '^native-refused: .*not activated without lvm: ' "$T/out" ||
  { cat "$T/out"; fail "a VG with a snapshot was not left to lvm"; }
grep -q '^lvm: tst--vg-snap ' "$T/out" || { cat "$T/out"; fail "lvm did not activate the snapshot"; }
ok "a snapshot: $(sed -n 's/^native-refused: .*without lvm: //p' "$T/out")"
run "$df" -v -a "$T/pv1.img" -a "$T/pv2.img"
expect_rc 0
grep -q '/dev/tst-vg/snap' "$T/out" || { cat "$T/out"; fail "virt-df: no /dev/tst-vg/snap"; }
grep -q 'lvm_scan: lvm activates: ' "$T/err" ||
  { grep lvm "$T/err"; fail "virt-df: no note that lvm activates"; }
ok "virt-df with a snapshot: lvm activates, /dev/tst-vg/snap listed"

# The Debian guest end to end, quiet: the same file as libguestfs reads.
run "$cat" -a "$deb" /etc/hostname
expect_rc 0
[ "$(cat "$T/out")" = debian-guest ] || fail "virt-cat printed: $(cat "$T/out")"
ok "virt-cat on the Debian guest"
