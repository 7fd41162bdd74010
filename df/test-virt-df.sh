#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# virt-df on the test guests, against golden files:
#  - the ext4 guest in every mode (default, -h, -i, --csv, --csv -i,
#    --json, --uuid), one launch each;
#  - the Debian (MBR, ext2 /boot, LVM, a swap LV that is skipped) and
#    Fedora (GPT, xfs) guests with --each-image in one run, default
#    mode, then -i and --json in one run each.
# The numbers: the JSON records carry the raw statvfs fields the
# appliance returned for each filesystem (mounted read-only by the
# appliance, statvfs(3) of its mount point); the rows of the text
# output (blocks and inodes) must be what those fields give, computed
# here by awk independently of the tool's arithmetic.  The goldens were
# checked against libguestfs's virt-df on the same images (default,
# -h, -i, --csv: byte-identical but for the --uuid meaning).
# And those raw fields must be what statvfs gives through the core
# directly (test-statvfs, one launch per guest), not through virt-df.
# Usage errors need no appliance.  No image changes.
#
#   test-virt-df.sh VIRT-DF TEST-STATVFS

source "$GC_TESTS_SRCDIR/functions.sh"
vd="$(tool_under_test "$1")"
here="$(dirname "$0")"

# Usage errors: exit 2, one line and the hint.
for args in "" "--csv --json" "-h --csv" "-h --json" "-a x.img extra" \
            "-a x.img -m /dev/sda1" "-P -1 -a x.img"; do
  run "$vd" $args
  expect_rc 2
  grep -q -- "--help" "$T/err" || fail "virt-df $args: no hint"
  [ ! -s "$T/out" ] || fail "virt-df $args: printed something on stdout"
done
ok "usage errors: exit 2"

require_appliance
build_guests ext4 debian fedora

# ext4: every mode.
e4="$(guest ext4)"
sum_before="$(sha256sum < "$e4")"
for mode in default -h -i --csv "--csv -i" --json --uuid; do
  args=$mode; [ "$mode" = default ] && args=
  name="$(echo "$mode" | tr -d ' -')"
  run "$vd" --format=raw -a "$e4" $args
  expect_rc 0
  no_errors "ext4 $mode"
  cp "$T/out" "$T/ext4-$name.out"
  diff -u "$here/expected-ext4-$name.txt" "$T/out" ||
    fail "ext4 $mode: differs from expected-ext4-$name.txt"
done
[ "$(sha256sum < "$e4")" = "$sum_before" ] || fail "ext4: the image changed"
ok "ext4: default, -h, -i, --csv, --csv -i, --json, --uuid match the goldens; image unchanged"

# Debian and Fedora, each in its own appliance, in the order given.
deb="$(guest debian)"
fed="$(guest fedora)"
sum_before="$(cat "$deb" "$fed" | sha256sum)"
for mode in default -i --json; do
  args=$mode; [ "$mode" = default ] && args=
  name="$(echo "$mode" | tr -d ' -')"
  run "$vd" --each-image -P 2 -a "$deb" -a "$fed" $args
  expect_rc 0
  no_errors "debian+fedora $mode"
  cp "$T/out" "$T/df-$name.out"
  diff -u "$here/expected-debian-fedora-$name.txt" "$T/out" ||
    fail "debian+fedora $mode: differs from expected-debian-fedora-$name.txt"
done
[ "$(cat "$deb" "$fed" | sha256sum)" = "$sum_before" ] || fail "the images changed"
ok "debian (LVM, swap skipped) + fedora (xfs), --each-image: default, -i, --json match"

# The numbers against statvfs: one line per filesystem from the raw
# fields of the JSON output, in the text format of the tool, computed
# here with df's rules (1K blocks, used = blocks - bfree, Use% rounded
# up; inodes likewise).
from_statvfs ()                 # JSON-FILE blocks|inodes
{
  python3 - "$1" "$2" <<'PY'
import json, math, sys
recs = json.load(open(sys.argv[1]))
print("%-36s%10s %10s %10s %5s" % (("Filesystem",) + (
    ("1K-blocks", "Used", "Available", "Use%") if sys.argv[2] == "blocks"
    else ("Inodes", "IUsed", "IFree", "IUse%"))))
for r in recs:
    s = r["statvfs"]
    unit = s["frsize"] or s["bsize"]
    if sys.argv[2] == "blocks":
        k = lambda n: n * unit // 1024
        nums = (k(s["blocks"]), k(s["blocks"] - s["bfree"]), k(s["bavail"]))
        pct = 100 - 100 * s["bfree"] / s["blocks"] if s["blocks"] else 0
    else:
        nums = (s["files"], s["files"] - s["ffree"], s["ffree"])
        pct = 100 - 100 * s["ffree"] / s["files"] if s["files"] else 0
    name = r["guest"] + ":" + r["filesystem"]
    print(name.ljust(36) if len(name) <= 36 else name + "\n" + " " * 36, end="")
    print("%10d %10d %10d %4d%%" % (nums + (math.ceil(round(pct, 4)),)))
PY
}
command -v python3 > /dev/null || skip "python3 is needed to read the JSON"
from_statvfs "$T/ext4-json.out" blocks > "$T/expected"
diff -u "$T/expected" "$T/ext4-default.out" || fail "ext4: blocks differ from statvfs"
from_statvfs "$T/ext4-json.out" inodes > "$T/expected"
diff -u "$T/expected" "$T/ext4-i.out" || fail "ext4: inodes differ from statvfs"
from_statvfs "$T/df-json.out" blocks > "$T/expected"
diff -u "$T/expected" "$T/df-default.out" || fail "debian+fedora: blocks differ from statvfs"
from_statvfs "$T/df-json.out" inodes > "$T/expected"
diff -u "$T/expected" "$T/df-i.out" || fail "debian+fedora: inodes differ from statvfs"
ok "the numbers of every filesystem are those of its statvfs"

# The raw fields in virt-df's JSON against statvfs through the core
# directly, for the Debian and Fedora guests.
for name in debian fedora; do
  "$2" "$(guest $name)" > "$T/direct-$name" || fail "test-statvfs $name failed"
  [ -s "$T/direct-$name" ] || fail "test-statvfs $name: no filesystem"
done
python3 - "$T/df-json.out" "$T/direct-debian" "$T/direct-fedora" <<'PY' > "$T/from-json"
import json, sys
for r in json.load(open(sys.argv[1])):
    s = r["statvfs"]
    print(r["filesystem"], s["frsize"], s["blocks"], s["bfree"], s["bavail"],
          s["files"], s["ffree"])
PY
cat "$T/direct-debian" "$T/direct-fedora" | diff -u - "$T/from-json" ||
  fail "virt-df's statvfs fields differ from statvfs through the core"
ok "virt-df's statvfs fields are those of statvfs through the core"
