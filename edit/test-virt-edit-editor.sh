#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-edit with an editor, and the runs that must write nothing, on a
# copy of the edit guest whose checksum is compared after each of them:
#  - EDITOR=true: nothing written back (checksum, inode, mtime, bytes);
#  - the editor gets the file under its own name in a private 0700
#    directory under $TMPDIR, removed afterwards; $VISUAL before
#    $EDITOR; an EDITOR with arguments; a script that changes two files
#    (sed -i: a new file renamed over the copy);
#  - an editor that fails, a die in -e (the files after it untouched),
#    an expression that does not compile: one line each, exit 1;
#  - SIGTERM while the editor runs: exit 143, nothing written, nothing
#    left; Ctrl-C (SIGINT to the process group): the editor's, one line,
#    nothing written; SIGINT to virt-edit alone is ignored while the
#    editor runs, as system(3) does.
#
#   test-virt-edit-editor.sh VIRT-EDIT VIRT-CAT

source "$GC_TESTS_SRCDIR/functions.sh"
here="$(dirname "$0")"
source "$here/edit-functions.sh"
require_appliance
ve="$(tool_under_test "$1")"
vc="$2"
build_guests edit
img="$(copy_guest edit)"
sum="$(sha256sum < "$img")"

# EDITOR=true: the file is not written back.
stat_guest "$img" "$T/before" /etc/motd /etc/hostname
EDITOR=true VISUAL= run "$ve" -a "$img" /etc/motd /etc/hostname
expect_rc 0
[ ! -s "$T/err" ] || { cat "$T/err"; fail "EDITOR=true: said something"; }
same_sum "$img" "$sum" "EDITOR=true"
stat_guest "$img" "$T/after" /etc/motd /etc/hostname
cmp "$T/before" "$T/after" || fail "EDITOR=true: inode or mtime changed"
ok "EDITOR=true: nothing written back (image checksum, inode, mtime unchanged)"

# What the editor gets; an editor that changes nothing is not a change.
cat > "$T/look.sh" <<EOF
#!/bin/sh
{ echo "\$1"; stat -c %a "\$(dirname "\$1")"; cat "\$1"; } > "$T/seen"
EOF
chmod +x "$T/look.sh"
EDITOR=false VISUAL="$T/look.sh" run "$ve" -a "$img" /etc/motd
expect_rc 0
same_sum "$img" "$sum" "an editor that only looks"
arg="$(head -n 1 "$T/seen")"
case "$arg" in
  "$TMPDIR"/gc.*/motd) ;;
  *) fail "the editor got $arg, not motd in the private directory under \$TMPDIR" ;;
esac
[ "$(sed -n 2p "$T/seen")" = 700 ] || fail "the editor's directory is not 0700"
printf 'Welcome to the edit guest.\nThis line stays.\n' | cmp - <(tail -n +3 "$T/seen") ||
  fail "the editor did not get the file's contents"
[ ! -e "$arg" ] || fail "the copy is still there"
ok "the editor (\$VISUAL first) gets $(basename "$arg") in a 0700 directory under \$TMPDIR, removed after"

# Editors that fail; a die; an expression that does not compile.
EDITOR=false VISUAL= run "$ve" -a "$img" /etc/motd
expect_rc 1
expect_one_error '^virt-edit: error: /etc/motd: the editor \(false\) exited with status 1: the file was not changed$'
same_sum "$img" "$sum" "EDITOR=false"
run "$ve" -a "$img" /etc/motd /etc/hostname -e 's/stays/is gone/; die "stopped at line $lineno\n" if $lineno == 2'
expect_rc 1
expect_one_error '^virt-edit: error: /etc/motd: -e: stopped at line 2$'
same_sum "$img" "$sum" "die"
run "$ve" -a "$img" /etc/motd -e 's/unterminated'
expect_rc 1
expect_one_error '^virt-edit: error: /etc/motd: -e: Substitution pattern not terminated at '
same_sum "$img" "$sum" "a bad expression"
ok "a failing editor, die, a bad expression: one line each, exit 1, image unchanged"

# Signals while the editor runs.  edit_signalled EDITOR SIGNAL [setsid]
# runs virt-edit on /etc/motd in the background with EDITOR (which
# touches "started", and may write its pid to editor.pid), sends SIGNAL
# once the editor has started (to virt-edit, or with setsid to its whole
# process group, as a Ctrl-C on a terminal does), and sets $rc.
edit_signalled ()
{
  local editor="$1" sig="$2" target
  shift 2
  rm -f "$T/started" "$T/editor.pid"
  set +e
  EDITOR="$editor" VISUAL= "$@" "$ve" -a "$img" /etc/motd > "$T/out" 2> "$T/err" &
  local pid=$!
  for _ in $(seq 600); do [ -e "$T/started" ] && break; sleep 0.1; done
  [ -e "$T/started" ] || { kill -9 $pid; fail "$sig: the editor never started"; }
  target=$pid
  [ $# -eq 0 ] || target="-$pid"
  kill -$sig -- $target
  wait $pid
  rc=$?
  set -e
  [ ! -e "$T/editor.pid" ] || kill "$(cat "$T/editor.pid")" 2>/dev/null || true
  check_clean "$sig during the editor"
}
cat > "$T/slow.sh" <<EOF
#!/bin/sh
echo \$\$ > "$T/editor.pid"
touch "$T/started"
exec sleep 30
EOF
cat > "$T/nap.sh" <<EOF
#!/bin/sh
touch "$T/started"
sleep 3
echo "added by the editor" >> "\$1"
EOF
chmod +x "$T/slow.sh" "$T/nap.sh"

edit_signalled "$T/slow.sh" TERM
[ "$rc" -eq 143 ] || { cat "$T/err"; fail "SIGTERM during the editor: exit $rc"; }
[ ! -s "$T/err" ] || { cat "$T/err"; fail "SIGTERM: said something"; }
same_sum "$img" "$sum" "SIGTERM"
ok "SIGTERM while the editor runs: exit 143, nothing written, nothing left"

# Ctrl-C: SIGINT to the whole process group kills this editor.
edit_signalled "$T/slow.sh" INT setsid
[ "$rc" -eq 1 ] || { cat "$T/err"; fail "Ctrl-C during the editor: exit $rc"; }
expect_one_error '^virt-edit: error: /etc/motd: the editor \(.*slow.sh\) was killed by signal 2: the file was not changed$'
same_sum "$img" "$sum" "Ctrl-C"
ok "Ctrl-C while the editor runs: the editor's; one line, exit 1, nothing written"

# SIGINT to virt-edit alone: ignored while the editor runs.
edit_signalled "$T/nap.sh" INT
[ "$rc" -eq 0 ] || { cat "$T/err"; fail "SIGINT to virt-edit during the editor: exit $rc"; }

# A script editor with arguments, changing two files with sed -i (which
# renames a new file over the copy).
EDITOR="sed -i 's/edit-guest/renamed-guest/;s/^Welcome/Hello/'" VISUAL= \
  run "$ve" -a "$img" /etc/motd /etc/hostname
expect_rc 0
run "$vc" -a "$img" /etc/motd /etc/hostname
printf 'Hello to the edit guest.\nThis line stays.\nadded by the editor\nrenamed-guest\n' |
  diff -u - "$T/out" || fail "the editors' changes are not there"
ok "SIGINT to virt-edit alone ignored during the editor; an EDITOR with arguments changes two files"
