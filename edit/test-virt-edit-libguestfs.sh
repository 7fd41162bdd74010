#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# libguestfs as an independent checker of what virt-edit wrote: on a
# copy of the Fedora guest edited by ours (xfs root), libguestfs's
# guestfish (its own appliance, its own kernel) reads the new contents,
# the SELinux label and the ACL of the edited file, and its mode and
# owner.  Skipped without guestfish (guestfs-tools); one launch of it
# takes 30-90 s here.
#
#   test-virt-edit-libguestfs.sh VIRT-EDIT

source "$GC_TESTS_SRCDIR/functions.sh"
here="$(dirname "$0")"
source "$here/edit-functions.sh"
require_appliance
command -v guestfish > /dev/null || skip "libguestfs's guestfish is not installed"
ve="$(tool_under_test "$1")"
build_guests fedora
img="$(copy_guest fedora)"

run "$ve" -a "$img" /etc/known.txt /etc/hostname \
  -e 's/xfs root/edited root/; s/^fedora-guest$/checked-guest/'
expect_rc 0

export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
guestfish --ro -a "$img" -i > "$T/lg" 2> "$T/lg.err" <<'EOF2' ||
cat /etc/known.txt
cat /etc/hostname
lgetxattrs /etc/known.txt
lstatns /etc/known.txt
EOF2
  { cat "$T/lg.err"; fail "guestfish failed"; }
grep -qx 'on the edited root filesystem' "$T/lg" || { cat "$T/lg"; fail "libguestfs: not the new /etc/known.txt"; }
grep -qx 'checked-guest' "$T/lg" || fail "libguestfs: not the new /etc/hostname"
grep -q 'attrname: security.selinux' "$T/lg" && grep -q 'attrval: system_u:object_r:etc_t:s0' "$T/lg" ||
  { cat "$T/lg"; fail "libguestfs: the SELinux label is not there"; }
grep -q 'attrname: system.posix_acl_access' "$T/lg" || { cat "$T/lg"; fail "libguestfs: the ACL is not there"; }
grep -q '^st_mode: 33188$' "$T/lg" && grep -q '^st_uid: 0$' "$T/lg" ||
  { cat "$T/lg"; fail "libguestfs: not mode 0100644, owner 0"; }
ok "libguestfs reads what virt-edit wrote: contents, SELinux label, ACL, mode and owner"
