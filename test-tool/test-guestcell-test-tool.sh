#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# guestcell-test-tool: it passes here, showing every section (versions,
# the config in force with its sources, the accelerator and why, the
# launch's phases), and with a qemu that does not work
# (GUESTCELL_QEMU=/bin/false) its verdict names qemu and it exits 1.
# Neither run leaves a process or a temporary file.
#
#   test-guestcell-test-tool.sh GUESTCELL-TEST-TOOL

source "$GC_TESTS_SRCDIR/functions.sh"
tt="$(tool_under_test "$1")"
require_appliance

run "$tt" --timeout 300
expect_rc 0
for s in versions environment config launch job accelerator appliance times; do
  grep -q "^===== $s" "$T/out" || { cat "$T/out"; fail "no $s section"; }
done
grep -q '^qemu: QEMU emulator version' "$T/out" || fail "no qemu version"
grep -q '^supermin: supermin ' "$T/out" || fail "no supermin version"
grep -q '^launch_timeout = 120 (built-in)' "$T/out" && fail "--timeout not shown"
grep -q '^launch_timeout = 300 (--timeout)' "$T/out" ||
  fail "--timeout not shown as the source of launch_timeout"
grep -q '^memsize = 384 (built-in)' "$T/out" || fail "memsize and its source"
grep -q '^device: /dev/sda$' "$T/out" || fail "the scratch disk's device"
grep -Eq '^accel: (kvm|tcg) \(' "$T/out" || fail "no accelerator decision and reason"
grep -q "^/dev/kvm: " "$T/out" || fail "no /dev/kvm line"
# (A launch restored from a saved appliance has no kernel banner to
# show: the line is there all the same.)
grep -Eq '^kernel: ' "$T/out" || fail "no appliance kernel line"
grep -Eq '^launch: .*[0-9] s' "$T/out" || fail "no launch phases"
grep -Eq '^launch [0-9.]+ s, job [0-9.]+ s, shutdown [0-9.]+ s$' "$T/out" ||
  fail "no times of the tool's own"
[ "$(tail -n 1 "$T/out")" = "===== TEST FINISHED OK =====" ] ||
  fail "last line: $(tail -n 1 "$T/out")"
ok "passes: $(grep '^launch:' "$T/out")"

# The verdict names qemu when qemu is what does not work.
GUESTCELL_QEMU=/bin/false run "$tt"
expect_rc 1
last="$(tail -n 1 "$T/out")"
echo "  $last"
[[ "$last" == "===== TEST FAILED: "*"qemu (/bin/false) does not work"* ]] ||
  fail "the verdict does not name qemu: $last"
grep -q '^qemu: /bin/false --version failed' "$T/out" || fail "qemu's version line"
ok "GUESTCELL_QEMU=/bin/false: exit 1, the verdict names qemu"

# A bad configuration stops it at once, naming the file and the line.
mkdir -p "$T/config/guestcell"
printf 'memsize = 512;\nparallel = ;\n' > "$T/config/guestcell/guestcell.conf"
XDG_CONFIG_HOME="$T/config" run "$tt"
expect_rc 2
expect_one_error "^guestcell-test-tool: error: $T/config/guestcell/guestcell.conf:2: syntax error$"
ok "a bad configuration file: exit 2, one line with its file and line"
