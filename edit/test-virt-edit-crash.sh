#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Crash safety: qemu is killed (SIGKILL) in the middle of virt-edit's
# write-back of a large file, at several points, on ext4 (/root) and on
# xfs (/var) of copies of the edit guest.  The edit makes the 29 MiB
# text file 4 times larger (118 MiB: the replace call lasts a few
# seconds).  The points are how much of the new file virt-edit has sent
# (the read position of the file it streams, in /proc/PID/fdinfo):
# 10%, 90%, all of it (the appliance syncing and renaming), and just
# after the call returned.
# After each kill: virt-edit exits non-zero and leaves nothing behind;
# virt-cat shows the whole old file or the whole new one (sha256); a
# kill after replace returned shows the new one; check-fs says every
# filesystem is clean after its journal replay (e2fsck -fn,
# xfs_repair -n).  At least three kills must land during the call.
# Last, SIGTERM for virt-edit itself half-way: exit 143, the old file.
#
#   test-virt-edit-crash.sh VIRT-EDIT VIRT-CAT

source "$GC_TESTS_SRCDIR/functions.sh"
here="$(dirname "$0")"
source "$here/edit-functions.sh"
require_appliance
ve="$(tool_under_test "$1")"
vc="$2"
build_guests edit
expr='s/quick/QUICK/; $_ x= 4'

# The old and the new contents, made here without perl.
awk 'BEGIN { for (i = 0; i < 400000; i++)
  printf "%d: the quick brown fox jumps over the lazy dog, in the big text file\n", i }' |
  sha256sum > "$T/old.sum"
awk 'BEGIN { for (i = 0; i < 400000; i++) for (j = 0; j < 4; j++)
  printf "%d: the QUICK brown fox jumps over the lazy dog, in the big text file\n", i }' |
  sha256sum > "$T/new.sum"

content_of ()                   # IMG PATH -> old, new or other
{
  local s
  s="$("$vc" -a "$1" "$2" | sha256sum)"
  check_clean "virt-cat"
  if [ "$s" = "$(cat "$T/old.sum")" ]; then echo old
  elif [ "$s" = "$(cat "$T/new.sum")" ]; then echo new
  else echo other; fi
}

# The new file's size; where the upload stands is the read position of
# the file virt-edit streams (its fd is in the replace call's trace).
size=$((4 * 29488890))
pos_of ()                       # PID FD -> the fd's position, or -1
{
  local k v
  while read -r k v; do
    [ "$k" = "pos:" ] && { echo "$v"; return; }
  done < "/proc/$1/fdinfo/$2" 2>/dev/null || true
  echo -1
}

exec {nap}<> <(:)                 # read -t on it: a sleep without a fork
during=0
img=""
for path in /root/big.txt /var/big.txt; do
  for point in 0.1 0.9 1 after; do
    rm -f "$img"
    img="$(copy_guest edit)"
    set +e
    "$ve" -x -a "$img" "$path" -e "$expr" > /dev/null 2> "$T/err" &
    pid=$!
    want='trace: replace "'
    [ $point = after ] && want='trace: replace = 0'
    while ! grep -q "$want" "$T/err" && kill -0 $pid 2>/dev/null; do
      sleep 0.01
    done
    if [ $point != after ]; then
      fd="$(sed -n 's/.*trace: replace ".*" NULL [0-9]* <fd \([0-9]*\)>$/\1/p' "$T/err")"
      goal="$(awk -v s=$size -v p=$point 'BEGIN { printf "%d", s * p }')"
      while [ "$(pos_of $pid "$fd")" -lt "$goal" ] && kill -0 $pid 2>/dev/null; do
        read -r -t 0.002 -u $nap || true
      done
    fi
    qemu="$(pgrep -f -- "qemu-system.*$TMPDIR/gc\\.")"
    [ -n "$qemu" ] && kill -KILL $qemu
    wait $pid
    rc=$?
    set -e
    check_clean "killed at $point"
    if [ -z "$qemu" ]; then when="after the run ended"
    elif grep -q 'trace: replace = 0' "$T/err"; then when="after replace returned"
    elif grep -q 'trace: replace "' "$T/err"; then when="during replace"; during=$((during + 1))
    else when="before replace"; fi
    if [ -z "$qemu" ]; then
      [ "$rc" -eq 0 ] || { cat "$T/err"; fail "$path, $point: exit $rc"; }
    else
      [ "$rc" -ne 0 ] || { cat "$T/err"; fail "$path, $point: exit 0 after qemu was killed"; }
    fi
    got="$(content_of "$img" "$path")"
    [ "$got" != other ] || fail "$path, killed $when: neither the old nor the new file"
    case "$when" in
      after*) [ "$got" = new ] || fail "$path, killed $when: the old file" ;;
    esac
    "$GC_CHECK_FS" "$img" > "$T/fsck" 2>&1 || { cat "$T/fsck"; fail "$path, killed $when: not clean"; }
    check_clean "check-fs"
    [ $point = after ] && sent="the call returned" || sent="$point of the new file sent"
    ok "$path: qemu killed when $sent ($when): the $got file whole, every filesystem clean"
  done
done
[ "$during" -ge 3 ] || fail "only $during kills landed during the replace call"
ok "$during kills landed during the replace call"

# SIGTERM for virt-edit itself half-way through the write-back: it stops
# the appliance and dies by the signal; the old file, nothing left.
# The write-back may end before the signal is sent (a busy machine's
# timing): then the run is made again on a new copy, at most 3 times.
landed=false
for attempt in 1 2 3; do
  rm -f "$img"
  img="$(copy_guest edit)"
  set +e
  "$ve" -x -a "$img" /root/big.txt -e "$expr" > /dev/null 2> "$T/err" &
  pid=$!
  while ! grep -q 'trace: replace "' "$T/err" && kill -0 $pid 2>/dev/null; do
    sleep 0.01
  done
  fd="$(sed -n 's/.*trace: replace ".*" NULL [0-9]* <fd \([0-9]*\)>$/\1/p' "$T/err")"
  while [ "$(pos_of $pid "$fd")" -lt $((size / 2)) ] && kill -0 $pid 2>/dev/null; do
    read -r -t 0.002 -u $nap || true
  done
  kill -TERM $pid 2>/dev/null && landed=true
  wait $pid
  rc=$?
  set -e
  $landed && break
  echo "virt-edit finished before the SIGTERM (attempt $attempt): again"
done
$landed || fail "SIGTERM during the write-back: virt-edit always finished first"
check_clean "SIGTERM during the write-back"
[ "$rc" -eq 143 ] || { cat "$T/err"; fail "SIGTERM during the write-back: exit $rc"; }
grep -q 'trace: replace = 0' "$T/err" && fail "SIGTERM came after the write-back"
[ "$(content_of "$img" /root/big.txt)" = old ] || fail "SIGTERM during the write-back: not the old file"
"$GC_CHECK_FS" "$img" > "$T/fsck" 2>&1 || { cat "$T/fsck"; fail "SIGTERM during the write-back: not clean"; }
check_clean "check-fs"
ok "SIGTERM half-way through the write-back: exit 143, the old file whole, clean, nothing left"
