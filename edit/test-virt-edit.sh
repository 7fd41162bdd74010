#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-edit -e on copies of the test guests, checked in the guest
# afterwards (virt-cat for the bytes, guest-stat for the rest):
#  - Debian (LVM, /dev/mapper fstab) and Fedora (GPT, xfs root, ext4
#    /boot): exactly the lines asked change, whole files compared; each
#    edited file is a new inode with the old owner and mode, and on
#    Fedora its SELinux label and ACL;
#  - the edit guest: CRLF, no final newline, Latin-1 and binary bytes
#    kept apart from the edit, $lineno; a setuid-setgid tool of user 1000
#    keeps its mode, owner and capabilities; an ACL, a label and a user
#    attribute kept; a symlink edited through stays a link;
#  - -b: the backup holds the old contents, an existing backup is
#    replaced, an unchanged file gets none; no temporary file is left.
#
#   test-virt-edit.sh VIRT-EDIT VIRT-CAT

source "$GC_TESTS_SRCDIR/functions.sh"
here="$(dirname "$0")"
source "$here/edit-functions.sh"
require_appliance
ve="$(tool_under_test "$1")"
vc="$2"
build_guests debian fedora edit

hex () { printf '0x'; printf "$1" | od -An -tx1 | tr -d ' \n'; }

# --- Debian: one fstab line commented out, the hostname changed.
deb="$(copy_guest debian)"
stat_guest "$deb" "$T/before" /etc/fstab /etc/hostname
run "$ve" -a "$deb" /etc/fstab /etc/hostname \
  -e 's{^(/dev/sr0\s)}{#$1}; s/^debian-guest$/edited-guest/'
expect_rc 0
[ ! -s "$T/err" ] || { cat "$T/err"; fail "debian: said something"; }
run "$vc" -a "$deb" /etc/fstab /etc/hostname
{ sed 's|^/dev/sr0 |#/dev/sr0 |' "$here/../cat/expected-debian-fstab.txt"
  echo edited-guest; } > "$T/expected"
diff -u "$T/expected" "$T/out" || fail "debian: not the expected files"
[ "$(diff "$here/../cat/expected-debian-fstab.txt" <(head -n -1 "$T/out") |
     grep -c '^[<>]')" -eq 2 ] || fail "debian: not exactly one fstab line changed"
stat_guest "$deb" "$T/after" /etc/fstab /etc/hostname
for f in /etc/fstab /etc/hostname; do
  [ "$(kept "$T/before" $f)" = "$(kept "$T/after" $f)" ] ||
    { cat "$T/before" "$T/after"; fail "debian: $f: owner or mode changed"; }
  [ "$(field "$T/before" $f ino)" != "$(field "$T/after" $f ino)" ] ||
    fail "debian: $f: the same inode (not replaced?)"
  [ "$(field "$T/after" $f mtime)" -ge "$(field "$T/before" $f mtime)" ] ||
    fail "debian: $f: mtime went back"
done
ok "debian: one fstab line and the hostname changed, new inodes, owner and mode kept"

# --- Fedora: labels and an ACL survive (xfs root, ext4 /boot).
fed="$(copy_guest fedora)"
files=(/etc/fstab /etc/hostname /etc/known.txt /boot/known.txt)
stat_guest "$fed" "$T/before" "${files[@]}"
run "$ve" -a "$fed" "${files[@]}" \
  -e 's/defaults(\s+1 2)$/defaults,noatime$1/; s/^fedora-guest$/web02/;
      s/xfs root/XFS root/; s{ext4 /boot}{EXT4 /boot}'
expect_rc 0
run "$vc" -a "$fed" "${files[@]}"
{ sed 's/defaults\(  *1 2\)$/defaults,noatime\1/' "$here/../cat/expected-fedora-fstab.txt"
  printf '%s\n' web02 "on the XFS root filesystem" "on the EXT4 /boot filesystem"
} > "$T/expected"
diff -u "$T/expected" "$T/out" || fail "fedora: not the expected files"
stat_guest "$fed" "$T/after" "${files[@]}"
for f in "${files[@]}"; do
  [ "$(kept "$T/before" $f)" = "$(kept "$T/after" $f)" ] ||
    { cat "$T/before" "$T/after"; fail "fedora: $f: owner, mode or attributes changed"; }
  [ "$(field "$T/before" $f ino)" != "$(field "$T/after" $f ino)" ] ||
    fail "fedora: $f: the same inode"
done
[ "$(field "$T/after" /etc/fstab security.selinux)" = "$(hex system_u:object_r:etc_t:s0)" ] ||
  fail "fedora: /etc/fstab: not its SELinux label"
[ "$(field "$T/after" /etc/hostname security.selinux)" = "$(hex system_u:object_r:hostname_etc_t:s0)" ] ||
  fail "fedora: /etc/hostname: not its SELinux label"
[ "$(field "$T/after" /boot/known.txt security.selinux)" = "$(hex system_u:object_r:boot_t:s0)" ] ||
  fail "fedora: /boot/known.txt: not its SELinux label"
# u::rw-,u:1000:r--,g::r--,m::r--,o::r--
acl=0x0200000001000600ffffffff02000400e803000004000400ffffffff10000400ffffffff20000400ffffffff
[ "$(field "$T/after" /etc/known.txt system.posix_acl_access)" = $acl ] ||
  fail "fedora: /etc/known.txt: its ACL is gone"
ok "fedora: the lines asked changed; SELinux labels and the ACL kept (xfs, ext4)"

# --- The edit guest: bytes, metadata, links.
ed="$(copy_guest edit)"
paths=(/etc/crlf.txt /etc/nonl.txt /etc/latin1.txt /etc/binary.dat
       /usr/local/bin/tool.sh /etc/acl.conf /srv/target.txt)
stat_guest "$ed" "$T/before" "${paths[@]}" /etc/motd
run "$ve" -a "$ed" /etc/crlf.txt /etc/nonl.txt /etc/latin1.txt \
  /etc/binary.dat /usr/local/bin/tool.sh /etc/acl.conf /etc/abs-link -e '
    $_ = "$lineno:$_" if /^first/;
    s/two/TWO/; s/end$/END/; s/cr\xe8me/CREME/; s/\xff\xfe/\xfe\xff/;
    s/\x7f\x80/\x80\x7f/; s/version 1/version 2/; s/^setting = 1/setting = 10/;
    s/the target/the new target/'
expect_rc 0
[ ! -s "$T/err" ] || { cat "$T/err"; fail "edit guest: said something"; }

# -b: a backup of each file changed, through a link beside its target;
# none for an unchanged file; an existing backup replaced.
run "$ve" -b .orig -a "$ed" /etc/motd /etc/rel-link /etc/hostname \
  -e 's/stays/is changed/; s/new target/newer target/'
expect_rc 0
run "$ve" --backup=.orig -a "$ed" /etc/motd -e 's/is changed/changed twice/'
expect_rc 0

run "$vc" -a "$ed" "${paths[@]}" /etc/motd /etc/motd.orig /srv/target.txt.orig
printf 'line one\r\nline TWO\r\nlast line\r\n1:first\nsecond\nno newline at the END' > "$T/expected"
printf 'caf\xe9 CREME\n\xfe\xff not UTF-8\n' >> "$T/expected"
printf '\x00\x01\x02\x0a\x80\x7f\x81\xfe\xff\x0d\x00\x0a\xff\xff\x00\x0a\x4d\x5a\x90\x00\x0d\x0d\x0a\x00' >> "$T/expected"
printf '#!/bin/sh\necho tool version 2\nsetting = 10\nother = 2\n' >> "$T/expected"
printf 'the newer target of TWO links\n' >> "$T/expected"
printf 'Welcome to the edit guest.\nThis line changed twice.\n' >> "$T/expected"
printf 'Welcome to the edit guest.\nThis line is changed.\n' >> "$T/expected"
printf 'the new target of TWO links\n' >> "$T/expected"
cmp "$T/expected" "$T/out" ||
  { diff <(od -c "$T/expected") <(od -c "$T/out"); fail "edit guest: not the expected bytes"; }
ok "edit guest: CRLF, no final newline, Latin-1, binary bytes and \$lineno as expected"
ok "-b: backups hold the previous contents, beside a link's target; an existing backup replaced"

stat_guest "$ed" "$T/after" "${paths[@]}" /etc/abs-link /etc/rel-link \
  /etc/motd /etc/motd.orig /etc/hostname.orig /srv/target.txt.orig \
  /etc /srv /usr/local/bin
for f in "${paths[@]}"; do
  [ "$(kept "$T/before" $f)" = "$(kept "$T/after" $f)" ] ||
    { grep "^$f " "$T/before" "$T/after"; fail "edit guest: $f: owner, mode or attributes changed"; }
done
grep -q '^/usr/local/bin/tool.sh reg 6750 1000:1000 .* security.capability=0x0100000200200000000000000000000000000000$' "$T/after" ||
  { cat "$T/after"; fail "tool.sh: setuid, setgid, owner or capabilities lost"; }
grep -q '^/etc/acl.conf reg 0660 0:0 .* security.selinux=0x.* system.posix_acl_access=0x0200000001000600ffffffff02000400e8030000.* user.comment=0x6b65707420627920766972742d65646974$' "$T/after" ||
  { cat "$T/after"; fail "acl.conf: ACL, label or user attribute lost"; }
grep -q '^/etc/abs-link lnk .* -> /srv/target.txt$' "$T/after" || fail "abs-link is no longer the link"
grep -q '^/etc/rel-link lnk .* -> ../srv/target.txt$' "$T/after" || fail "rel-link is no longer the link"
grep -q '^/etc/hostname.orig missing$' "$T/after" || fail "an unchanged file got a backup"
[ "$(field "$T/after" /etc/motd.orig nlink)" = 1 ] || fail "motd.orig: more than one link"
[ "$(field "$T/after" /etc/motd.orig ino)" != "$(field "$T/before" /etc/motd ino)" ] ||
  fail "motd.orig: still the first backup"
# Nothing but what was there, the edits and the backups.
grep -q '^/etc dir .* ls=abs-link,acl.conf,binary.dat,crlf.txt,dir.d,fifo,fstab,hostname,latin1.txt,motd,motd.orig,nonl.txt,null-device,os-release,rel-link$' "$T/after" ||
  { grep '^/etc ' "$T/after"; fail "/etc: a file left behind"; }
grep -q '^/srv dir .* ls=target.txt,target.txt.orig$' "$T/after" || fail "/srv: a file left behind"
grep -q '^/usr/local/bin dir .* ls=tool.sh$' "$T/after" || fail "/usr/local/bin: a file left behind"
ok "edit guest: setuid tool with capabilities, ACL, label, user attribute, links kept; nothing left behind"
