#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Crash safety of virt-copy-in: qemu is killed (SIGKILL, nothing synced
# or unmounted) in the middle of a copy of a large file, at 30% and 70%
# of it and just as all of it has been sent (the appliance then syncs
# and links it); and in the middle of a tree of 24 files.  Afterwards
# each file is absent from the guest or whole (virt-copy-out and cmp),
# no temporary is left, and tests/check-fs finds the ext4 filesystems
# clean after the journal replay (the guest's vfat /boot/efi, mounted
# too, is left with its dirty bit set, as any crash leaves a mounted
# FAT, and fsck.fat -n exits 1 for that alone: it is not checked).  The
# tool says one line and exits 1.
#
# The middle is found from the tool's own counter of bytes read
# (/proc/PID/io rchar: the local file read once by the stream's writer
# and once more, as the stream, from the pipe by the core), so the kill
# lands at the same point of the copy however slow the machine is.
#
#   test-virt-copy-crash.sh VIRT-COPY-IN VIRT-COPY-OUT

source "$GC_TESTS_SRCDIR/functions.sh"
source "$(dirname "$0")/copy-functions.sh"
require_appliance
vin="$(tool_under_test "$1")"
vout="$(tool_under_test "$2")"
[ -z "${VG:-}" ] || skip "the kill point is found in the tool's /proc/PID/io"
base="$(guest copy)"

"$GC_MAKE_GUEST" --pattern 512M 7 > "$T/big.dat"
mkdir "$T/many"
for i in $(seq 10 33); do
  dd if="$T/big.dat" of="$T/many/file$i" bs=1M skip=$((i * 3)) count=16 status=none
done

# crash FRACTION LOCAL: copy LOCAL into /srv, kill qemu when the tool has
# read FRACTION of it (twice over), then check the guest.
crash ()
{
  local fraction="$1" src="$2" total threshold pid qemu killed=0
  total=$(du -sb --apparent-size "$src" | cut -f1)
  threshold=$(awk "BEGIN { printf \"%d\", 2 * $total * $fraction }")
  img="$T/crash.img"
  cp --sparse=always "$base" "$img"
  "$vin" -a "$img" "$src" /srv > "$T/out" 2> "$T/err" &
  pid=$!
  if await_io $pid rchar "$threshold"; then
    qemu=$(pgrep -P $pid qemu-system 2>/dev/null || true)
    if [ -n "$qemu" ]; then
      kill -9 $qemu
      killed=1
    fi
  fi
  set +e
  wait $pid
  rc=$?
  set -e
  check_clean "crash $fraction"
  if [ $killed = 1 ]; then
    expect_rc 1
    expect_one_error "^virt-copy-in: error: "
    echo "  killed qemu at $io bytes read of $((2 * total)): $(cat "$T/err")"
  else
    expect_rc 0
    echo "  the copy ended before the kill point"
  fi
  "$GC_CHECK_FS" "$img" -- /dev/sda2 /dev/sda3 > "$T/fsck" ||
    { cat "$T/fsck"; fail "crash $fraction: a filesystem is not clean"; }

  rm -rf "$T/got"
  mkdir "$T/got"
  "$vout" -a "$img" /srv/. "$T/got" 2> "$T/err" || { cat "$T/err"; fail "copying out after the crash"; }
  [ -z "$(find "$T/got" -name '.gc-tmp.*')" ] || fail "crash $fraction: a temporary was left"
  local whole=0 absent=0 f name
  if [ -d "$src" ]; then
    for f in "$src"/*; do
      name="$T/got/$(basename "$src")/$(basename "$f")"
      if [ -e "$name" ]; then
        cmp -s "$f" "$name" || fail "crash $fraction: $(basename "$f") is there but not whole"
        whole=$((whole + 1))
      else
        absent=$((absent + 1))
      fi
    done
  elif [ -e "$T/got/$(basename "$src")" ]; then
    cmp -s "$src" "$T/got/$(basename "$src")" || fail "crash $fraction: the file is there but not whole"
    whole=1
  else
    absent=1
  fi
  ok "killed at $fraction of the copy of $(basename "$src"): $whole whole, $absent absent, nothing partial, filesystems clean"
}

crash 0.3 "$T/big.dat"
crash 0.7 "$T/big.dat"
crash 1.0 "$T/big.dat"
crash 0.5 "$T/many"
