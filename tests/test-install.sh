#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# meson install into a temporary DESTDIR: the tools, the daemon, the
# init, the package list, the man pages (not their .pod sources) and the
# bash completion are there; no installed file names the build or the
# source directory; the installed virt-cat builds its appliance from the
# installed files (in a private cache) and reads the Debian guest.
#
#   test-install.sh

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
deb="$(guest debian)"
dest="$T/dest"
src="$(cd "$GC_TESTS_SRCDIR/.." && pwd)"

if ! meson install -C "$GC_BUILD_ROOT" --destdir "$dest" --no-rebuild \
       > "$T/install.log" 2>&1; then
  cat "$T/install.log"
  fail "meson install failed"
fi
bin="$(dirname "$(find "$dest" -path '*/bin/virt-cat')")"
root="$(dirname "$bin")"
for f in bin/virt-cat bin/virt-df bin/guestcell-appliance \
         libexec/guestcell/guestcelld libexec/guestcell/gcinit \
         share/guestcell/packages share/man/man1/virt-cat.1 \
         share/man/man1/guestcell-appliance.1 \
         share/man/man7/guestcell-actions.7 share/man/man5/guestcell.conf.5 \
         bin/guestcell-test-tool share/man/man1/guestcell-test-tool.1 \
         share/bash-completion/completions/virt-cat; do
  [ -e "$root/$f" ] || fail "not installed: $f (under $root)"
done
pods="$(find "$dest" -name '*.pod')"
[ -z "$pods" ] || fail "POD sources installed: $pods"
ok "installed under $root: $(find "$dest" -type f | wc -l) files"

# No path into the build or the source tree (the build tree is inside
# the source tree here, or beside it).
leaks="$(grep -rlF -e "$GC_BUILD_ROOT" -e "$src/" "$dest" || true)"
[ -z "$leaks" ] || fail "installed files naming the build tree: $leaks"
ok "no installed file names $GC_BUILD_ROOT or $src/"

export GUESTCELL_CACHEDIR="$T/cache"
run "$bin/virt-cat" -a "$deb" /etc/hostname
expect_rc 0
[ "$(cat "$T/out")" = debian-guest ] || fail "installed virt-cat printed: $(cat "$T/out")"
# Its appliance is the installed tree's, not the build tree's.
run "$bin/guestcell-appliance" --status
expect_rc 0
installed="$(sed -n 's/^current appliance: \([^ ]*\) (built.*/\1/p' "$T/out")"
[ -n "$installed" ] || { cat "$T/out"; fail "the installed tree's appliance is not built"; }
kver="$(sed -n 's/^kernel: \([^ ]*\) .*/\1/p' "$T/out")"
[ -n "$kver" ] && [ -f "/boot/vmlinuz-$kver" ] && [ -d "/lib/modules/$kver" ] ||
  { cat "$T/out"; fail "--status names no installed kernel"; }
run "$GC_BUILD_ROOT/appliance-tool/guestcell-appliance" --status
grep -q "^current appliance: $installed " "$T/out" && fail "the installed virt-cat used the build tree's appliance"
ok "the installed virt-cat ran on its own appliance"
