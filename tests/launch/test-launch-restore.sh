#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The saved appliance state, on a private cache: restored runs share no
# random state and get the host's clock; whatever goes wrong with the
# state, a run boots cold instead and succeeds.
#
#   test-launch-restore.sh LAUNCH-PROBE

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
probe="$(tool_under_test "$1")"
e4="$(guest ext4)"
export GUESTCELL_CACHEDIR="$T/cache"
unset GUESTCELL_SNAPSHOT GUESTCELL_QEMU GUESTCELL_VERBOSE
# The saved state is for TCG (KVM boots cold); no KVM test boot either.
export GUESTCELL_ACCEL=tcg

field () { sed -n "s/^$1: //p" "$T/out"; }
expect_launch ()
{
  if [ "$(field launch)" != "$1" ]; then
    cat "$T/out" "$T/err"
    fail "$2: the launch was '$(field launch)', not '$1'"
  fi
  [ "$(field devices)" = "${3:-1}" ] || fail "$2: $(field devices) devices, not ${3:-1}"
}
snapshot_dir () { ls -d "$T"/cache/appliance-*/snapshot-???????????????? 2>/dev/null || true; }

# The first run makes the appliance and its state, then restores it.
run "$probe" -v --urandom 32 "$e4"
expect_rc 0
expect_launch restored "first run"
grep -q 'snapshot: saved in' "$T/err" || fail "first run: no state saved"
snap="$(snapshot_dir)"
[ -n "$snap" ] && [ -f "$snap/ram" ] && [ -f "$snap/state" ] ||
  fail "no saved state in the cache: $(ls -R "$T/cache")"
ok "first run: state saved in $snap ($(du -h "$snap/state" | cut -f1) of state, $(du -h "$snap/ram" | cut -f1) of RAM file), then restored"
r1="$(field urandom)"

# Two more restored runs: every one draws its own random bytes.
run "$probe" --urandom 32 "$e4"
expect_rc 0
expect_launch restored "second run"
r2="$(field urandom)"
run "$probe" --urandom 32 "$e4"
expect_rc 0
expect_launch restored "third run"
r3="$(field urandom)"
[ ${#r1} -eq 64 ] && [ ${#r2} -eq 64 ] || fail "short urandom reads: '$r1' '$r2'"
if [ "$r1" = "$r2" ] || [ "$r2" = "$r3" ] || [ "$r1" = "$r3" ]; then
  fail "restored runs drew the same random bytes: $r1 $r2 $r3"
fi
ok "three restored runs drew different bytes: $r1 / $r2 / $r3 ($(field seconds) s to launch)"

# The clock is the host's, not the one of the boot that made the state.
truncate -s 64M "$T/scratch.img"
run "$probe" --clock "$T/scratch.img" "$e4"
expect_rc 0
expect_launch restored "clock" 2
d="$(field clock)"
[ -n "$d" ] && [ "${d#-}" -le 60 ] || fail "a directory made in a restored appliance is ${d}s off the host's clock"
ok "restored appliance's clock: ${d}s from the host's"

# GUESTCELL_SNAPSHOT=0: a cold boot.
GUESTCELL_SNAPSHOT=0 run "$probe" -v --urandom 32 "$e4"
expect_rc 0
expect_launch cold "GUESTCELL_SNAPSHOT=0"
grep -q 'cold boot (GUESTCELL_SNAPSHOT=0)' "$T/err" || fail "GUESTCELL_SNAPSHOT=0: no note under -v"
ok "GUESTCELL_SNAPSHOT=0: cold boot"

# A damaged state: the run boots cold (a note under -v, no error), the
# state is removed, and the next run makes it again and restores it.
damaged ()
{
  local what="$1"
  run "$probe" -v "$e4"
  expect_rc 0
  expect_launch cold "$what"
  grep -q 'restoring the saved state failed' "$T/err" ||
    fail "$what: no note under -v: $(grep -i 'snapshot\|restor' "$T/err")"
  [ -z "$(snapshot_dir)" ] || fail "$what: the state was not removed"
  ok "$what: cold boot ($(grep -o 'restoring the saved state failed.*' "$T/err" | head -c 200))"
  run "$probe" -v "$e4"
  expect_rc 0
  expect_launch restored "after $what"
  grep -q 'snapshot: saved in' "$T/err" || fail "after $what: the state was not made again"
  ok "after $what: state made again and restored"
}
snap="$(snapshot_dir)"
# Failure counts of other keys (another qemu, another memory size): the
# next state made removes the one whose last failure is a day old.
old_failed="$(dirname "$snap")/snapshot-0123456789abcdef.failed"
new_failed="$(dirname "$snap")/snapshot-fedcba9876543210.failed"
echo 2 > "$old_failed"; touch -d '2 days ago' "$old_failed"
echo 2 > "$new_failed"
printf 'JUNK' | dd of="$snap/state" bs=1 seek=0 conv=notrunc status=none
damaged "corrupted state (bad header)"
[ ! -e "$old_failed" ] || fail "another key's failure count, 2 days old, was left"
[ -e "$new_failed" ] || fail "another key's failure count of today was removed"
ok "other keys' failure counts: removed a day after their last failure"
snap="$(snapshot_dir)"
truncate -s $(( $(stat -c %s "$snap/state") / 2 )) "$snap/state"
damaged "truncated state"

# A truncated RAM file is seen before qemu starts: made again at once.
snap="$(snapshot_dir)"
truncate -s 1M "$snap/ram"
run "$probe" -v "$e4"
expect_rc 0
expect_launch restored "truncated RAM file"
grep -q 'snapshot: saved in' "$T/err" || fail "truncated RAM file: not made again"
ok "truncated RAM file: made again, restored"

# A qemu that cannot restore (here: one refusing -incoming): each run
# still succeeds, booting cold; after two failures the state of that
# qemu is not made again.
cat > "$T/qemu-norestore" <<'EOW'
#!/bin/sh
for a; do
  [ "$a" = -incoming ] && { echo "qemu-norestore: no -incoming" >&2; exit 1; }
done
exec qemu-system-x86_64 "$@"
EOW
chmod +x "$T/qemu-norestore"
export GUESTCELL_QEMU="$T/qemu-norestore"
for i in 1 2 3; do
  run "$probe" -v "$e4"
  expect_rc 0
  expect_launch cold "qemu without restore, run $i"
done
grep -q 'failed 2 times' "$T/err" || fail "qemu without restore: still tried on the third run"
! grep -q 'snapshot: saving' "$T/err" || fail "qemu without restore: saved again on the third run"
ok "qemu that cannot restore: three cold boots, given up after two failures"
