#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# From a fresh Debian 12 to virt-cat printing a file of a disk image:
#  1. install the Debian packages (.ci/debian-packages and
#     appliance/packages; apt-get runs only if one is missing),
#  2. build (meson setup build, ninja -C build),
#  3. build the small Debian-like demo guest with our own builder
#     (build/tests/guests/debian.img: LVM, /boot by UUID=),
#  4. run virt-cat on it: its /etc/fstab and /etc/os-release.
# The first run also builds the appliance (cached in ~/.cache/guestcell).
#
# Environment: BUILD_DIR (default build), MESON_ARGS (extra meson setup
# arguments, e.g. -Dwerror=true as .ci/run gives).

set -e
set -o pipefail
cd "$(dirname "$0")"
build="${BUILD_DIR:-build}"

step () { printf '\n=== %s\n' "$*"; }

step "1/4 Debian packages"
pkgs="$(cat .ci/debian-packages appliance/packages | sed 's/#.*//' | xargs)"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
    missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -q -y --no-install-recommends $missing
else
  echo "all installed"
fi

step "2/4 build ($build)"
if [ -f "$build/build.ninja" ]; then
  # shellcheck disable=SC2086
  meson setup --reconfigure "$build" ${MESON_ARGS:-} > "$build.setup.log" 2>&1 ||
    { cat "$build.setup.log"; exit 1; }
else
  # shellcheck disable=SC2086
  meson setup "$build" ${MESON_ARGS:-}
fi
rm -f "$build.setup.log"
ninja -C "$build"

step "3/4 demo guest ($build/tests/guests/debian.img)"
ninja -C "$build" tests/guests/debian.img

step "4/4 virt-cat -a $build/tests/guests/debian.img /etc/fstab /etc/os-release"
time "$build/cat/virt-cat" -a "$build/tests/guests/debian.img" /etc/fstab /etc/os-release
