#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The dirty guest (tests/guests/dirty.recipe): qemu was killed before
# any unmount, so its ext4 root has a journal to replay and its xfs /srv
# and /var (on LVM) have logs to replay.  Each read-only tool must show
# what the guest itself would see after its own crash recovery (every
# file it wrote, including the metadata that reached only the journal),
# which takes writes: they must land in the throwaway overlay, never in
# the image, whose checksum is the same after every run.  One launch per
# tool.
#
#   test-dirty-guest.sh VIRT-CAT VIRT-DF VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vc="$(tool_under_test "$1")"
vd="$(tool_under_test "$2")"
vi="$(tool_under_test "$3")"
img="$(guest dirty)"
sum="$(sha256sum < "$img")"

unchanged ()
{
  [ "$(sha256sum < "$img")" = "$sum" ] || fail "$1: the image changed"
}

# The ext4 root still needs recovery (the image is really dirty):
# needs_recovery is bit 2 of s_feature_incompat (superblock 1 KiB into
# partition 1, which starts at 1 MiB; the field at 0x60).
incompat="$(od -An -tu4 -j $((1048576 + 1024 + 0x60)) -N4 "$img" | tr -d ' ')"
[ $((incompat & 4)) -ne 0 ] ||
  fail "the dirty guest's ext4 root does not need recovery: the recipe no longer makes a dirty image"
# What the test reads from the journal is really only there: read
# without recovery (debugfs ignores the journal), the symlink made
# after the last sync does not exist yet.  -c (catastrophic mode: no
# bitmaps read): a crash can leave a block bitmap written home before
# its group descriptor's checksum, which plain debugfs refuses to open.
PATH="$PATH:/sbin:/usr/sbin"
command -v debugfs > /dev/null ||
  { echo "SKIP: debugfs (e2fsprogs) is needed to check the dirty guest"; exit 77; }
debugfs -c -R "stat /etc/motd-after-sync" "$img?offset=1048576" 2>&1 |
  grep -q 'File not found' ||
  fail "the dirty guest's /etc/motd-after-sync is already home: the recipe no longer leaves it only in the journal"

# virt-cat: files synced before the crash, the symlink made after the
# last sync (only in ext4's journal) that points onto the xfs /srv, and
# the pattern files byte for byte.
run "$vc" -a "$img" /root/known.txt /etc/hostname /etc/motd-after-sync \
  /var/lib/dpkg/status
expect_rc 0
[ ! -s "$T/err" ] || { cat "$T/err"; fail "virt-cat: unexpected messages"; }
grep -qx 'written on the ext4 root before the last sync' "$T/out" ||
  fail "virt-cat: /root/known.txt is missing"
grep -qx 'dirty-guest' "$T/out" || fail "virt-cat: /etc/hostname is missing"
grep -qx '<p>written on the xfs /srv, synced, never checkpointed</p>' "$T/out" ||
  fail "virt-cat: /etc/motd-after-sync (journal only) or /srv (xfs log) is missing"
grep -qx 'Package: xfsprogs' "$T/out" ||
  fail "virt-cat: /var/lib/dpkg/status on the xfs /var is missing"
unchanged virt-cat
ok "virt-cat: the files of the ext4 journal and of both xfs logs"

run "$vc" -a "$img" /srv/data.bin
expect_rc 0
cmp -s "$T/out" <("$GC_MAKE_GUEST" --pattern 3M 17) ||
  fail "virt-cat: /srv/data.bin (xfs) differs from what was written"
run "$vc" -a "$img" /root/data.bin
expect_rc 0
cmp -s "$T/out" <("$GC_MAKE_GUEST" --pattern 1M 18) ||
  fail "virt-cat: /root/data.bin (ext4) differs from what was written"
unchanged virt-cat
ok "virt-cat: the data files byte for byte"

# virt-df: every filesystem, each with what was written on it.
run "$vd" --csv -a "$img"
expect_rc 0
[ ! -s "$T/err" ] || { cat "$T/err"; fail "virt-df: unexpected messages"; }
for fs in /dev/sda1 /dev/vg0/srv /dev/vg0/var; do
  grep -q "^dirty.img,$fs," "$T/out" || { cat "$T/out"; fail "virt-df: $fs is missing"; }
done
# /srv holds the 3 MiB file: its Used column is at least that.
used="$(awk -F, '$2 == "/dev/vg0/srv" { print $4 }' "$T/out")"
[ "$used" -ge 3072 ] || { cat "$T/out"; fail "virt-df: /srv uses ${used} KiB, less than its 3 MiB file"; }
unchanged virt-df
ok "virt-df: the ext4 root and both xfs filesystems"

# virt-inspector: the applications of the dpkg database on the xfs /var,
# the hostname, both xfs filesystems.
run "$vi" -a "$img"
expect_rc 0
[ ! -s "$T/err" ] || { cat "$T/err"; fail "virt-inspector: unexpected messages"; }
x () { xmllint --xpath "$1" "$T/out"; }
[ "$(x 'string(//hostname)')" = dirty-guest ] || fail "virt-inspector: no hostname"
[ "$(x 'count(//application)')" = 2 ] ||
  fail "virt-inspector: the applications (dpkg database on the xfs /var) are missing"
[ "$(x 'count(//filesystem[type="xfs"])')" = 2 ] || fail "virt-inspector: the xfs filesystems"
unchanged virt-inspector
ok "virt-inspector: hostname, applications from the xfs /var"
check_clean "dirty"
