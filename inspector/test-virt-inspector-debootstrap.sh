#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# A real Debian 12 tree, not a recipe: the debootstrap guest
# (tests/guests/debootstrap.sh: debootstrap --variant=minbase bookworm
# from apt's mirror, built once and cached in the build tree).
# virt-inspector's applications must be dpkg-query's list, run on the
# host on the tree's /var/lib/dpkg: name, epoch, upstream version,
# revision (dpkg's split: the epoch before the first ':', the revision
# after the last '-') and arch, every package, nothing more.  The XML
# validates against both schemas (no golden file: the mirror's point
# release moves the versions and debian_version's minor), names Debian
# 12, its hostname, the root by its fstab UUID and its filesystem;
# virt-cat reads a known file.  Two launches, and the
# build of the guest the first time (about 40 s with a near mirror).
#
#   test-virt-inspector-debootstrap.sh VIRT-INSPECTOR VIRT-CAT

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vi="$(tool_under_test "$1")"
vc="$(tool_under_test "$2")"
here="$(dirname "$0")"
source "$here/golden.sh"
command -v dpkg-query > /dev/null || skip "dpkg-query is not installed"
command -v python3 > /dev/null || skip "python3 is not installed"

# Built by ninja like the other guests, but the builder may find that it
# cannot work here (not root, no mirror reachable): it says SKIP.
mkdir -p "$GC_GUESTS"
start=$(date +%s)
if ! flock "$GC_GUESTS/.lock" ninja -C "$GC_BUILD_ROOT" \
       tests/guests/debootstrap.img > "$T/ninja.log" 2>&1; then
  why="$(sed -n 's/^debootstrap.sh: SKIP: //p' "$T/ninja.log" | head -1)"
  [ -z "$why" ] || skip "$why"
  cat "$T/ninja.log" >&2
  fail "could not build the debootstrap guest"
fi
grep -h '^debootstrap.sh:' "$T/ninja.log" || true
echo "guest ready in $(( $(date +%s) - start )) s"
ln -f "$GC_GUESTS/debootstrap.img" "$T/debootstrap.img"
img="$T/debootstrap.img"
sum_before="$(sha256sum < "$img")"

mkdir "$T/admin"
tar -C "$T/admin" -xf "$GC_GUESTS/debootstrap-dpkg.tar"
dpkg-query --admindir="$T/admin/dpkg" -W \
  -f '${Package} ${Version} ${Architecture}\n' > "$T/dpkg-query"
[ -s "$T/dpkg-query" ] || fail "dpkg-query lists nothing"

start=$(date +%s)
run "$vi" -a "$img"
expect_rc 0
echo "virt-inspector: $(( $(date +%s) - start )) s"
xmllint --noout --relaxng "$inspector_dir/virt-inspector.rng" "$T/out" ||
  fail "debootstrap: the XML does not validate against our schema"
if [ -r "$lg_rng" ]; then
  xmllint --noout --relaxng <(zcat "$lg_rng") "$T/out" ||
    fail "debootstrap: not valid against libguestfs's schema"
fi

python3 - "$T/out" "$T/dpkg-query" <<'PY'
import sys
import xml.etree.ElementTree as ET

def dpkg_split(v):
    """dpkg's [epoch:]upstream[-revision], as deb-version(7) says."""
    epoch = 0
    if ":" in v:
        e, v = v.split(":", 1)
        epoch = int(e)
    rev = None
    if "-" in v:
        v, rev = v.rsplit("-", 1)
    return (epoch, v, rev)

root = ET.parse(sys.argv[1]).getroot()
oses = root.findall("operatingsystem")
if len(oses) != 1:
    sys.exit(f"FAIL: {len(oses)} operating systems")
os_ = oses[0]
want = {"root": "/dev/sda1", "distro": "debian", "major_version": "12",
        "hostname": "debootstrap-guest", "package_format": "deb",
        "package_management": "apt", "arch": "x86_64"}
for k, v in want.items():
    got = os_.findtext(k)
    if got != v:
        sys.exit(f"FAIL: <{k}> is {got!r}, not {v!r}")
mps = [(m.text, m.get("dev")) for m in os_.iter("mountpoint")]
if mps != [("/", "/dev/sda1")]:
    sys.exit(f"FAIL: mount points {mps}")
fss = [(f.get("dev"), f.findtext("type"), f.findtext("label"), f.findtext("uuid"))
       for f in os_.iter("filesystem")]
if fss != [("/dev/sda1", "ext4", "debian-root",
            "4b1d0c5e-9a3f-4e62-8d17-2f6a0b9c3e51")]:
    sys.exit(f"FAIL: filesystems {fss}")
if not (os_.findtext("product_name") or "").startswith("Debian GNU/Linux 12"):
    sys.exit("FAIL: product name " + repr(os_.findtext("product_name")))

ours = []
for a in os_.iter("application"):
    ours.append((a.findtext("name"), int(a.findtext("epoch") or 0),
                 a.findtext("version"), a.findtext("release"),
                 a.findtext("arch")))
theirs = []
with open(sys.argv[2]) as f:
    for line in f:
        name, version, arch = line.split()
        theirs.append((name,) + dpkg_split(version) + (arch,))
ours.sort()
theirs.sort()
if ours != theirs:
    o, t = set(ours), set(theirs)
    for x in sorted(t - o):
        print("dpkg-query only:", x)
    for x in sorted(o - t):
        print("virt-inspector only:", x)
    sys.exit(f"FAIL: virt-inspector lists {len(ours)} applications, "
             f"dpkg-query {len(theirs)}, and they differ")
print(f"ok: {len(ours)} applications, each as dpkg-query lists it")
PY
ok "debootstrap: the applications are dpkg-query's"

run "$vc" -a "$img" /root/known.txt /etc/debian_version
expect_rc 0
head -1 "$T/out" | grep -qx 'on the debootstrapped root' ||
  { cat "$T/out" "$T/err"; fail "debootstrap: virt-cat /root/known.txt"; }
ok "debootstrap: virt-cat reads a known file (debian_version $(tail -1 "$T/out"))"
[ "$(sha256sum < "$img")" = "$sum_before" ] || fail "debootstrap: the image changed"
