#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The appliance cache keeps the current appliance only.  A copy of the
# build tree's programs and appliance inputs in $T (a build-tree marker,
# the daemon, the init, the package list) and a private cache: the
# package list is touched three times, each time the next --build makes
# a new appliance and removes the old ones, while a virt-cat started on
# the old appliance just before the rebuild must still succeed.  Then
# --status and --clean; appliances of other installations (build trees)
# go only when unused for a day.
#
#   test-guestcell-appliance.sh GUESTCELL-APPLIANCE

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
build="$GC_BUILD_ROOT"
deb="$(guest debian)"

tree="$T/tree"
mkdir -p "$tree/bin" "$tree/daemon" "$tree/appliance"
cp "$build/guestcell-build-root" "$tree/"
cp "$1" "$build/cat/virt-cat" "$tree/bin/"
cp "$build/daemon/guestcelld" "$tree/daemon/"
cp "$build/appliance/gcinit" "$build/appliance/packages" "$tree/appliance/"
ga="$(tool_under_test "$tree/bin/guestcell-appliance")"
export GUESTCELL_CACHEDIR="$T/cache"

count () { find "$T/cache" -maxdepth 1 -name "$1" | wc -l; }

run "$ga" --status
expect_rc 0
grep -q "^cache directory: $T/cache\$" "$T/out" || fail "--status: no cache directory line"
grep -q "^current appliance: .*(not built" "$T/out" || fail "--status: current should be unbuilt"

run "$ga" --build
expect_rc 0
cat "$T/out"
first="$(ls -d "$T/cache"/appliance-*)"
root_mb=$(( $(stat -c %b "$first/root") * $(stat -c %B "$first/root") / 1000000 ))
echo "  root image: $root_mb MB allocated"

# Appliances of other installations: one used just now stays, one
# unused for three days goes.
other="$T/cache/appliance-1111111111111111-1111111111111111"
stale="$T/cache/appliance-2222222222222222-2222222222222222"
mkdir "$other" "$stale"
touch -d '3 days ago' "$stale"

for i in 1 2 3; do
  old="$(ls -d "$T/cache"/appliance-* | grep -v -e "$other" -e "$stale")"
  # A run on the current appliance, racing the rebuild.
  "$tree/bin/virt-cat" -a "$deb" /etc/hostname > "$T/cat.out" 2> "$T/cat.err" &
  cat_pid=$!
  sleep 1
  touch -d "@$(( $(date +%s) - i ))" "$tree/appliance/packages"
  "$ga" --build > "$T/out" 2> "$T/err" || { cat "$T/err"; fail "rebuild $i: --build failed"; }
  cat "$T/out"
  wait "$cat_pid" || { cat "$T/cat.err"; fail "rebuild $i: virt-cat on the old appliance failed"; }
  check_clean "rebuild $i"
  [ "$(cat "$T/cat.out")" = debian-guest ] || fail "rebuild $i: virt-cat printed $(cat "$T/cat.out")"
  if [ "$i" = 1 ]; then
    [ -d "$other" ] || fail "a recent appliance of another installation was removed"
    [ ! -e "$stale" ] || fail "a stale appliance of another installation was kept"
    rmdir "$other"
    ok "another installation's recent appliance kept, the stale one removed"
  fi
  new="$(ls -d "$T/cache"/appliance-*)"
  [ "$(count 'appliance-*')" -eq 1 ] || fail "rebuild $i: $(count 'appliance-*') appliances in the cache"
  [ "$new" != "$old" ] || fail "rebuild $i: the appliance was not rebuilt"
  [ "$(count 'build-*')" -eq 0 ] || fail "rebuild $i: a build directory was left"
  [ "$(count 'vmlinux-*')" -le 1 ] || fail "rebuild $i: $(count 'vmlinux-*') kernels in the cache"
  ok "rebuild $i: one appliance left"
done

run "$ga" --status
expect_rc 0
cat "$T/out"
grep -q "^current appliance: $new (built, [0-9]* MB)\$" "$T/out" || fail "--status: current should be $new, built"
if grep -q "^other:" "$T/out"; then fail "--status: other entries listed"; fi

# An unused entry is listed, then --clean removes everything.
mkdir "$T/cache/appliance-0000000000000000-0000000000000000"
run "$ga" --status
grep -q "^other: $T/cache/appliance-0000000000000000-0000000000000000 " "$T/out" || fail "--status: the other appliance is not listed"
run "$ga" --clean --status
expect_rc 0
cat "$T/out"
grep -q "^removed 3 cache entries$" "$T/out" || fail "--clean: expected 3 entries removed (2 appliances, 1 kernel)"
[ "$(count 'appliance-*')" -eq 0 ] && [ "$(count 'vmlinux-*')" -eq 0 ] || fail "--clean left appliances"

# A cache directory that cannot be made: one line naming it.
run env GUESTCELL_CACHEDIR=/proc/no-such-cache "$ga" --status
expect_rc 1
expect_one_error "^guestcell-appliance: error: cache directory /proc/no-such-cache: "

# Usage errors.
run "$ga"
expect_rc 2
grep -q "nothing to do" "$T/err" || fail "no action: no usage error"
run "$ga" --status extra
expect_rc 2
ok "guestcell-appliance"
