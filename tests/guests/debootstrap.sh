#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The debootstrap guest: a real Debian 12 tree, not a recipe.
#
#   debootstrap.sh OUTPUT.img OUTPUT-dpkg.tar
#
# `debootstrap --variant=minbase bookworm` from the mirror that apt on
# this machine uses (the first URI of /etc/apt/sources.list or
# /etc/apt/sources.list.d/ serving bookworm), an /etc/fstab naming the
# root by UUID and an /etc/hostname, then a disk image: GPT, one
# partition whose ext4 is made by mkfs.ext4 -d from the tree.  mkfs
# only reads our own fresh tree; nothing of a guest is parsed on the
# host.  OUTPUT-dpkg.tar holds the tree's /var/lib/dpkg, for the test
# to run dpkg-query --admindir on.  The tree itself is removed.
#
# Exit 77 with a line "debootstrap.sh: SKIP: WHY" if this cannot be
# done here (not root, no debootstrap, no mirror found or reachable), so
# that the test can skip saying why.

set -eu
set -o pipefail

img="$1"
dpkgtar="$2"
uuid=4b1d0c5e-9a3f-4e62-8d17-2f6a0b9c3e51
part_start=2048              # sectors (1 MiB)
fs_mib=1024

skip () { echo "debootstrap.sh: SKIP: $*" >&2; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap chroots and makes device nodes)"
command -v debootstrap > /dev/null || skip "debootstrap is not installed"
command -v mkfs.ext4 > /dev/null || skip "mkfs.ext4 is not installed"
command -v sfdisk > /dev/null || skip "sfdisk is not installed"

# The mirror of apt's sources serving bookworm: one-line "deb URI SUITE"
# entries and deb822 stanzas (Types/URIs/Suites).
find_mirror ()
{
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
           /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
      /^[ \t]*#/ { next }
      FILENAME ~ /\.sources$/ {
        if ($0 ~ /^[ \t]*$/) {
          if (types ~ /(^| )deb( |$)/ && suites ~ /(^| )bookworm( |$)/ && uris != "") {
            split (uris, u, " "); print u[1]; exit
          }
          types = uris = suites = ""; next
        }
        k = tolower ($1); sub (/:$/, "", k); $1 = ""; sub (/^ +/, "")
        if (k == "types") types = $0
        else if (k == "uris") uris = $0
        else if (k == "suites") suites = $0
        next
      }
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == "bookworm") { print $i; exit }
      }
      END {
        if (FILENAME ~ /\.sources$/ && types ~ /(^| )deb( |$)/ \
            && suites ~ /(^| )bookworm( |$)/ && uris != "") {
          split (uris, u, " "); print u[1]
        }
      }' "$f" | head -1
  done | head -1
}

mirror="$(find_mirror)"
[ -n "$mirror" ] || skip "no apt source for bookworm in /etc/apt/sources.list{,.d}"
if ! timeout 30 wget -q -O /dev/null "$mirror/dists/bookworm/Release"; then
  skip "the mirror $mirror cannot be reached from here"
fi

work="$(mktemp -d "$(dirname "$img")/debootstrap.XXXXXX")"
trap 'rm -rf "$work"' EXIT
tree="$work/tree"

start=$(date +%s)
if ! debootstrap --variant=minbase bookworm "$tree" "$mirror" \
       > "$work/debootstrap.log" 2>&1; then
  tail -20 "$work/debootstrap.log" >&2
  echo "debootstrap.sh: debootstrap from $mirror failed" >&2
  exit 1
fi
echo "debootstrap.sh: debootstrap from $mirror: $(( $(date +%s) - start )) s"

cat > "$tree/etc/fstab" <<END
# /etc/fstab: static file system information.
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
UUID=$uuid /               ext4    errors=remount-ro 0       1
END
echo debootstrap-guest > "$tree/etc/hostname"
mkdir -p "$tree/root"
echo "on the debootstrapped root" > "$tree/root/known.txt"
# What debootstrap downloaded is not part of the installed system.
rm -f "$tree"/var/cache/apt/archives/*.deb

tar -C "$tree/var/lib" -cf "$work/dpkg.tar" dpkg

# GPT, one Linux partition from 1 MiB; the ext4 written in place at its
# offset.
rm -f "$work/disk.img"
truncate -s $(( (fs_mib + 2) * 1024 * 1024 )) "$work/disk.img"
sfdisk -q "$work/disk.img" <<END
label: gpt
start=$part_start, size=$(( fs_mib * 2048 )), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=root
END
mkfs.ext4 -q -F -U "$uuid" -L debian-root -d "$tree" \
  -E offset=$(( part_start * 512 )) "$work/disk.img" "${fs_mib}M"
echo "debootstrap.sh: image made: $(( $(date +%s) - start )) s in all"

mv "$work/dpkg.tar" "$dpkgtar"
mv "$work/disk.img" "$img"
