#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The Debian package: dpkg-buildpackage -us -uc -b in a copy of the
# source tree (the files git tracks or would track), lintian clean but
# for debian/guestcell.lintian-overrides, its files (no virt-* in
# /usr/bin, no path into the build tree).  With GC_PACKAGE_INSTALL=1
# (.ci/run, on a throwaway root machine): apt-get installs it, the
# installed guestcell-cat and guestcell-df run on the Debian guest, and
# apt-get purges it again.
#
#   test-deb.sh

source "$GC_TESTS_SRCDIR/functions.sh"
for p in dpkg-buildpackage dh lintian git; do
  command -v "$p" > /dev/null ||
    skip "$p is not installed (dpkg-dev, debhelper, lintian, git: .ci/debian-packages)"
done
src="$(cd "$GC_TESTS_SRCDIR/.." && pwd)"
git -C "$src" rev-parse --git-dir > /dev/null 2>&1 ||
  skip "$src is not a git checkout (the copy to build takes git's file list)"

# dpkg-buildpackage and lintian leave their own temporary files: not in
# the $TMPDIR that check_clean watches for the tools'.
mkdir "$T/src" "$T/pkgtmp"
git -C "$src" ls-files -z --cached --others --exclude-standard |
  (cd "$src" && tar -c --null -T -) | tar -x -C "$T/src"
if ! (cd "$T/src" && TMPDIR="$T/pkgtmp" dpkg-buildpackage -us -uc -b) \
       > "$T/build.log" 2>&1; then
  tail -n 30 "$T/build.log"
  fail "dpkg-buildpackage failed"
fi
deb="$(ls "$T"/guestcell_*_amd64.deb)"
ok "built $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB"

if ! TMPDIR="$T/pkgtmp" lintian --fail-on error,warning "$T"/guestcell_*.changes \
       > "$T/lintian.log" 2>&1; then
  cat "$T/lintian.log"
  fail "lintian"
fi
ok "lintian clean (overrides: debian/guestcell.lintian-overrides)"

dpkg-deb -x "$deb" "$T/x"
for f in usr/bin/guestcell-cat usr/bin/guestcell-df usr/bin/guestcell-appliance \
         usr/libexec/guestcell/guestcelld usr/libexec/guestcell/gcinit \
         usr/share/guestcell/packages usr/share/man/man1/guestcell-cat.1.gz \
         usr/bin/guestcell-test-tool usr/share/man/man5/guestcell.conf.5.gz; do
  [ -e "$T/x/$f" ] || [ -L "$T/x/$f" ] || fail "not in the package: /$f"
done
clash="$(ls "$T/x/usr/bin" "$T/x/usr/share/man/man1" | grep '^virt-' || true)"
[ -z "$clash" ] || fail "names guestfs-tools has too: $clash"
leaks="$(grep -rlF "$T/src" "$T/x" || true)"
[ -z "$leaks" ] || fail "packaged files naming the build tree: $leaks"
ok "package contents"

if [ "${GC_PACKAGE_INSTALL:-}" != 1 ]; then
  ok "not installed: GC_PACKAGE_INSTALL=1 (.ci/run) installs, runs and purges it"
  exit 0
fi
[ "$(id -u)" = 0 ] || fail "GC_PACKAGE_INSTALL=1 needs root"
if dpkg-query -W -f='${Status}' guestcell 2>/dev/null | grep -q 'ok installed'; then
  skip "a guestcell package is installed already: not replacing and purging it"
fi
require_appliance
img="$(guest debian)"
purge () { apt-get purge -y -q guestcell > "$T/purge.log" 2>&1; }
trap 'purge || true; cleanup_test' EXIT
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" > "$T/apt.log" 2>&1; then
  tail -n 20 "$T/apt.log"
  fail "apt-get install $deb"
fi
ok "installed"
export GUESTCELL_CACHEDIR="$T/cache"
run /usr/bin/guestcell-cat -a "$img" /etc/hostname
expect_rc 0
[ "$(cat "$T/out")" = debian-guest ] || fail "guestcell-cat printed: $(cat "$T/out")"
run /usr/bin/guestcell-df -a "$img"
expect_rc 0
grep -q '/dev/debian-vg/root' "$T/out" || { cat "$T/out"; fail "guestcell-df: no root filesystem"; }
ok "the installed guestcell-cat and guestcell-df work"
trap cleanup_test EXIT
purge || { cat "$T/purge.log"; fail "apt-get purge guestcell"; }
[ ! -e /usr/bin/guestcell-cat ] || fail "/usr/bin/guestcell-cat left after the purge"
ok "purged"
