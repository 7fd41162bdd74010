#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The fleet recipe (README, virt-df(1), virt-inspector(1)): GNU parallel
# runs virt-df --jsonl, then virt-inspector --jsonl, once per image,
# two at a time, through --sshlogin ':' (this host, as a remote one
# would be named), with a job log and --halt never, over six images:
# five good ones (links to the debian test guest, one of them with a
# hostile file name: a newline, an escape sequence and a byte that is
# not UTF-8) and a broken one (its first MiB only, as a copy cut short
# leaves it).  Checked:
#  - parallel exits 1 (the number of failed runs);
#  - every line of the merged output is valid JSON naming its image,
#    the hostile name with U+FFFD for what is not printable;
#  - each good image has its records (5 filesystems; one debian OS),
#    and the broken one a failure record with exit status 3;
#  - the job log has the five 0s and the one 3, the broken image's;
#  - stderr has one error line, naming the broken image;
#  - no qemu and no temporary file left;
#  - virt-df --each-image --jsonl on this host alone prints the same
#    lines as the fleet;
#  - --jsonl with --json (or -h) is a usage error;
#  - on the hostile-strings guest (escape sequences, control characters
#    and bytes that are not UTF-8 in its names), every line of either
#    tool is strict JSON with no unsafe character in any string
#    (tests/hostile/check-safe.py).
#
#   test-fleet.sh VIRT-DF VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
vd="$(tool_under_test "$1")"
vi="$(tool_under_test "$2")"

for bad in "$vd --jsonl --json" "$vd --jsonl --csv" "$vd --jsonl -h" \
           "$vi --jsonl --json"; do
  run $bad -a /nonexistent.img
  expect_rc 2
  [ ! -s "$T/out" ] || fail "$bad: printed a record for a usage error"
done
ok "--jsonl with --json, --csv or -h: usage error, no record"

require_appliance
command -v parallel > /dev/null ||
  skip "GNU parallel is not installed (Debian package parallel)"
# parallel's own files (~/.parallel) in $T, removed at the end.
export PARALLEL_HOME="$T/parallel"

deb="$(guest debian)"
fleet="$T/fleet"
mkdir "$fleet"
for i in 1 2 3 4; do
  ln "$deb" "$fleet/guest$i.img" 2>/dev/null || ln -s "$deb" "$fleet/guest$i.img"
done
hostile="$fleet/$(printf 'guest 5\n\033[31m\377.img')"
ln "$deb" "$hostile" 2>/dev/null || ln -s "$deb" "$hostile"
broken="$fleet/broken.img"
head -c 1M "$deb" > "$broken"

# The recipe: every image under a directory, on every host of
# --sshlogin, two runs at a time on each.  $1: the job log, then the
# tool and its options.
fleet_run ()
{
  local joblog="$1"
  shift
  find "$fleet" -name '*.img' -print0 |
    parallel -0 --sshlogin : -j 2 --joblog "$joblog" --halt never \
      "$@" -a {}
}

# Check the merged output ($T/out), the job log ($1) and stderr: $2 is
# the python test of the records of one good image.
check_fleet ()
{
  local joblog="$1" good="$2"
  expect_rc 1
  python3 - "$T/out" "$fleet" "$good" <<'PY' || fail "wrong records in the merged output"
import json, sys
out, fleet, good = sys.argv[1], sys.argv[2], sys.argv[3]
by_image = {}
with open(out, "rb") as f:
    for n, raw in enumerate(f, 1):
        # Valid UTF-8 and valid JSON, one object a line.
        line = raw.decode("utf-8")
        r = json.loads(line)
        assert isinstance(r, dict), f"line {n}: not an object"
        assert "image" in r, f"line {n}: no image"
        by_image.setdefault(r["image"], []).append(r)
names = sorted(by_image)
expected = sorted([f"{fleet}/guest{i}.img" for i in range(1, 5)] +
                  [f"{fleet}/guest 5\ufffd\ufffd[31m\ufffd.img",
                   f"{fleet}/broken.img"])
assert names == expected, f"images {names!r}, expected {expected!r}"
for image, records in by_image.items():
    if image.endswith("/broken.img"):
        assert len(records) == 1, f"{image}: {records}"
        r = records[0]
        assert r["exit_status"] == 3, f"{image}: {r}"
        assert "broken.img: no partition and no filesystem" in r["error"], r
        continue
    assert not any("error" in r for r in records), f"{image}: {records}"
    assert eval(good), f"{image}: {records}"
print(f"  {sum(map(len, by_image.values()))} records: "
      f"{len(by_image) - 1} images good, broken.img exit status 3")
PY
  # Seq Host Starttime JobRuntime Send Receive Exitval Signal Command
  [ "$(awk -F'\t' 'NR > 1 { print $7 }' "$joblog" | sort | tr '\n' ' ')" = "0 0 0 0 0 3 " ] ||
    { cat "$joblog"; fail "the job log has not five 0s and one 3"; }
  awk -F'\t' 'NR > 1 && $7 == 3' "$joblog" | grep -q '/broken\.img$' ||
    { cat "$joblog"; fail "the failed job is not broken.img's"; }
  [ "$(grep -c 'error' "$T/err")" -eq 1 ] &&
    grep -q "error: $broken: no partition and no filesystem" "$T/err" ||
    { cat "$T/err"; fail "stderr: not one error line naming broken.img"; }
}

# run, for a pipeline: output in $T/out and $T/err, status in $rc.
run_fleet ()
{
  local start=$SECONDS
  set +e
  fleet_run "$@" > "$T/out" 2> "$T/err"
  rc=$?
  set -e
  echo "  ran the fleet with $(basename "$2") (exit $rc): $((SECONDS - start)) s"
  check_clean "the fleet with $(basename "$2")"
}

run_fleet "$T/df.log" "$vd" --jsonl
check_fleet "$T/df.log" \
  'sorted(r["filesystem"] for r in records) == ["/dev/debian-vg/home", "/dev/debian-vg/root", "/dev/debian-vg/usr", "/dev/debian-vg/var", "/dev/sda1"] and all(r["guest"] == image.rsplit("/", 1)[1] and r["1k_blocks"] > 0 for r in records)'
ok "virt-df over 6 images with parallel: 5 reported, broken.img failed (3)"

# One host alone: virt-df runs the appliances itself, same lines.
sort "$T/out" > "$T/fleet-df"
args=()
while IFS= read -r -d '' f; do args+=(-a "$f"); done < <(find "$fleet" -name '*.img' -print0)
run "$vd" --jsonl --each-image -P 2 "${args[@]}"
expect_rc 1
sort "$T/out" | diff -u "$T/fleet-df" - ||
  fail "virt-df --each-image --jsonl: not the lines of the fleet"
ok "virt-df --each-image -P 2 --jsonl: the same lines, exit 1"

run_fleet "$T/inspector.log" "$vi" --jsonl --no-applications
check_fleet "$T/inspector.log" \
  'len(records) == 1 and [o["distro"] for o in records[0]["operatingsystems"]] == ["debian"]'
ok "virt-inspector over 6 images with parallel: 5 inspected, broken.img failed (3)"

# Hostile guest strings: each line strict JSON, every string safe.
img="$(guest hostile-strings)"
check="$GC_TESTS_SRCDIR/hostile/check-safe.py"
for tool in "$vd" "$vi"; do
  run "$tool" --jsonl -a "$img"
  expect_rc 0
  mkdir "$T/lines"
  split -l 1 "$T/out" "$T/lines/"
  python3 "$check" --json "$T/lines/"* && python3 "$check" "$T/err" ||
    fail "$(basename "$tool") --jsonl: unsafe output on hostile-strings"
  echo "  $(basename "$tool"): $(ls "$T/lines" | wc -l) lines, all strict JSON and safe"
  rm -r "$T/lines"
done
ok "--jsonl on hostile guest strings: strict JSON, every string safe"
