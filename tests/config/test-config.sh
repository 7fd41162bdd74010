#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# guestcell.conf(5): each setting observed in its effect, the precedence
# command line > environment > user file > system file > built-in, and
# bad files (a syntax error, a wrong type, an unknown setting, a value
# out of range) and a bad variable reported as one line with the file
# and the line, exit status 2.
#
# Cheap observations first: with GUESTCELL_QEMU=/bin/false a launch
# stops right after printing (under -v) the settings with their sources
# and the qemu command line (-m, -accel); virt-df -v --each-image says
# how many appliances it runs at once before its children fail on empty
# files.  Then real launches: a 1 s launch_timeout times out, the
# progress bar of virt-copy-in on a terminal (script(1)) follows the
# files, and guestcell-test-tool passes with both files in force.
#
#   test-config.sh VIRT-CAT VIRT-DF VIRT-COPY-IN GUESTCELL-TEST-TOOL

source "$GC_TESTS_SRCDIR/functions.sh"
cat="$(tool_under_test "$1")"
df="$(tool_under_test "$2")"
copy_in="$(tool_under_test "$3")"
tt="$(tool_under_test "$4")"
require_appliance

sys="$T/etc/guestcell/guestcell.conf"
user="$T/config/guestcell/guestcell.conf"
mkdir -p "$(dirname "$sys")" "$(dirname "$user")"
export GUESTCELL_SYSCONFDIR="$T/etc" XDG_CONFIG_HOME="$T/config"
unset GUESTCELL_ACCEL GUESTCELL_MEMSIZE GUESTCELL_CACHEDIR \
  GUESTCELL_LAUNCH_TIMEOUT GUESTCELL_PARALLEL GUESTCELL_PROGRESS \
  GUESTCELL_SNAPSHOT GUESTCELL_QEMU GUESTCELL_VERBOSE
truncate -s 16M "$T/scratch.img"
: > "$T/empty1"
: > "$T/empty2"

# virt-cat -v up to qemu's start (qemu is /bin/false): stderr has the
# "config:" lines and the qemu command line.
probe ()
{
  GUESTCELL_QEMU=/bin/false run "$cat" -v -a "$T/scratch.img" /etc/fstab
  expect_rc 4
}
expect_err ()
{
  grep -qF -- "$1" "$T/err" || { cat "$T/err"; fail "not on stderr: $1"; }
}
# virt-df's line about its appliances at once.
df_procs ()
{
  run "$df" -v --each-image "$@" -a "$T/empty1" -a "$T/empty2"
  expect_rc 1
}

# 1. Built-in defaults: no file at all.
probe
expect_err " -m 384 "
for s in 'accel = "auto"' 'memsize = 384' 'cachedir = (default)' \
  'launch_timeout = 120' 'parallel = 0' 'progress = true' 'snapshot = true'; do
  expect_err "config: $s (built-in)"
done
df_procs
expect_err "virt-df: 2 images, "
expect_err " at once (from the cores and memory)"
ok "built-in defaults: memsize 384 (-m 384), every setting built-in"

# 2. The system's file.
cat > "$sys" <<'END'
# the site's defaults
accel = "tcg";
memsize = 512;
launch_timeout = 300;
parallel = 3;
progress = false;
snapshot = false;
END
probe
expect_err " -m 512 "
expect_err " -accel tcg"
expect_err "accel: tcg (as asked)"
expect_err "config: accel = \"tcg\" ($sys:2)"
expect_err "config: memsize = 512 ($sys:3)"
expect_err "config: launch_timeout = 300 ($sys:4)"
# Nothing uses snapshot until the fast launch: its value and source.
expect_err "config: snapshot = false ($sys:7)"
df_procs
expect_err "virt-df: 2 images, 3 at once (parallel from $sys:5)"
ok "system file: accel tcg (-accel tcg), memsize 512 (-m 512), parallel 3, snapshot false"

# 3. The user's file over it.
printf 'memsize = 448;\nparallel = 2;\n' > "$user"
probe
expect_err " -m 448 "
expect_err "config: memsize = 448 ($user:1)"
expect_err "config: accel = \"tcg\" ($sys:2)"
df_procs
expect_err "virt-df: 2 images, 2 at once (parallel from $user:2)"
ok "user file over the system's: memsize 448 (-m 448), parallel 2"

# 4. The environment over the files, 5. the command line over it.
GUESTCELL_MEMSIZE=400 probe
expect_err " -m 400 "
expect_err "config: memsize = 400 (GUESTCELL_MEMSIZE)"
GUESTCELL_PARALLEL=4 df_procs
expect_err "virt-df: 2 images, 4 at once (parallel from GUESTCELL_PARALLEL)"
GUESTCELL_PARALLEL=4 df_procs -P 1
expect_err "virt-df: 2 images, 1 at once (-P)"
ok "environment over the files (memsize 400, parallel 4), -P 1 over the environment"

# cachedir: where the appliance is looked for ("~/" is HOME).
mkdir -p "$T/home"
: > "$T/home/file"
cp "$user" "$T/user.saved"
echo 'cachedir = "~/file/cache";' >> "$user"
HOME="$T/home" run "$cat" -a "$T/scratch.img" /etc/fstab
expect_rc 4
expect_one_error "cache directory $T/home/file/cache: Not a directory"
ok "cachedir = \"~/file/cache\" is where the appliance is looked for"

# launch_timeout: 1 s is too short for a boot under TCG (or a KVM one
# with its module loading: the daemon's hello takes longer).
printf 'launch_timeout = 1;\n' > "$user"
start=$(date +%s)
run "$cat" -a "$T/scratch.img" /etc/fstab
expect_rc 4
expect_one_error "launch: timed out"
took=$(( $(date +%s) - start ))
[ "$took" -lt 30 ] || fail "launch_timeout = 1: the launch took $took s"
ok "launch_timeout = 1: timed out ($took s)"
cp "$T/user.saved" "$user"

# progress: virt-copy-in's bar on a terminal.  The system's file says
# false: no bar; the user's file says true: a bar.
command -v script > /dev/null || skip "script(1) is not installed (bsdutils)"
command -v mkfs.ext4 > /dev/null || skip "mkfs.ext4 is not installed"
truncate -s 400M "$T/fs.img"
mkfs.ext4 -q -F "$T/fs.img"
head -c 150M /dev/urandom > "$T/big"
copy_on_tty ()
{
  run script -qec "$copy_in -a $T/fs.img -m /dev/sda $T/big /" /dev/null
  expect_rc 0
}
copy_on_tty
grep -q '%.*\[#*-*\]' "$T/out" && { cat -v "$T/out"; fail "a bar with progress = false"; }
echo 'progress = true;' >> "$user"
copy_on_tty
grep -q '%.*\[#*-*\]' "$T/out" || { cat -v "$T/out"; fail "no bar with progress = true"; }
rm -f "$T/big" "$T/fs.img"
ok "progress: no bar (system file: false), a bar (user file: true)"

# A real run with both files: guestcell-test-tool shows each source;
# --timeout over GUESTCELL_LAUNCH_TIMEOUT.
GUESTCELL_LAUNCH_TIMEOUT=200 run "$tt" --timeout 300
expect_rc 0
for l in "accel = \"tcg\" ($sys:2)" "memsize = 448 ($user:1)" \
  'launch_timeout = 300 (--timeout)' "parallel = 2 ($user:2)" \
  "progress = true ($user:3)" "snapshot = false ($sys:7)" \
  'cachedir = (default) (built-in)' '===== TEST FINISHED OK ====='; do
  grep -qxF "$l" "$T/out" || { cat "$T/out"; fail "guestcell-test-tool: no line: $l"; }
done
expect_err " -m 448 "
ok "guestcell-test-tool passes with the files, --timeout over GUESTCELL_LAUNCH_TIMEOUT"

# Bad files and variables: one line, the file and the line, exit 2.
bad ()
{
  local tool="$1" want="$2"
  run "$tool" -a "$T/scratch.img" /etc/fstab
  expect_rc 2
  expect_one_error "^$(basename "$tool"): error: $want\$"
}
cp "$sys" "$T/sys.saved"
printf '# broken\nmemsize = 512;\naccel = ;\n' > "$sys"
bad "$cat" "$sys:3: syntax error"
run "$df" -a "$T/scratch.img"
expect_rc 2
expect_one_error "^virt-df: error: $sys:3: syntax error\$"
run "$cat" --help
expect_rc 0
cp "$T/sys.saved" "$sys"
printf 'parallel = 1;\nmemsize = "512";\n' > "$user"
bad "$cat" "$user:2: memsize: expected an integer, not a string"
printf 'memsise = 512;\n' > "$user"
bad "$cat" "$user:1: memsise: unknown setting"
printf '\n\nmemsize = 64;\n' > "$user"
bad "$cat" "$user:3: memsize: 64 is out of range \\(128 to 1048576 MiB\\)"
printf 'progress = 1;\n' > "$user"
bad "$cat" "$user:1: progress: expected a boolean \\(true or false\\), not an integer"
printf 'accel = "xen";\n' > "$user"
bad "$cat" "$user:1: accel: \"xen\": expected \"kvm\", \"tcg\" or \"auto\""
rm "$user"
GUESTCELL_MEMSIZE=lots bad "$cat" "GUESTCELL_MEMSIZE=lots: expected an integer \\(MiB\\)"
ok "syntax error, wrong type, unknown setting, out of range, bad variable: one line each, exit 2"
