#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The benchmark (not a test): virt-cat of /etc/fstab on the Debian test
# guest, end to end; then virt-df on one guest and on 6 guests.
#
#   bench/bench.sh [-n RUNS] [-l LG_RUNS] [-t TOOLS] [BUILD_DIR]
#                                  (defaults: 5, 3, "cat df inspector", build)
#
# Prints for guestcell's virt-cat, as the median of RUNS runs:
#  - the wall time of the whole command;
#  - the launch broken into phases, from the "launch: ..." and
#    "shutdown: ..." lines the core prints under -v (separate runs with
#    -v, so the timed runs carry no debug output);
#  - the peak memory: the tool's own peak RSS plus qemu's, each its
#    VmHWM read from /proc/PID/status every 20 ms while it runs (VmHWM
#    only grows, so the last reading is the peak, missing at most the
#    last 20 ms).  The sum of the two peaks is an upper bound of the
#    peak of the process tree.  (/usr/bin/time -f %M cannot be used: it
#    reports the largest process of the tree, which is qemu.)
# Then, when libguestfs's virt-cat is installed (/usr/bin/virt-cat), the
# same for it on the same image (LIBGUESTFS_BACKEND=direct,
# LIBGUESTFS_BACKEND_SETTINGS=force_tcg, LG_RUNS runs: each takes ~30 s),
# and the ratios against the targets: wall time <= 1/10 of libguestfs's
# and <= 3 s, peak RSS <= 1/3 of libguestfs's.
#
# virt-df (-t df), on the Debian guest (MBR, LVM: 5 filesystems):
#  - one guest: median of RUNS runs, wall and peak RSS as above;
#  - 6 guests (6 links to the image) in one run, --each-image -P 2:
#    median of RUNS runs; its peak RSS is the sum of the peaks of every
#    process of the tree (the virt-df children and their qemus), an
#    upper bound;
#  - the same 6 guests as 6 runs of virt-df one after another (once),
#    to show what the parallel run saves;
#  - libguestfs's virt-df where installed: one guest (median of
#    LG_RUNS), and the 6 guests as 6 runs one after another (once:
#    libguestfs needs a run per guest without libvirt), and the ratio
#    of our 6-guest wall time to that total (target <= 1/6).
# virt-inspector (-t inspector), on the Debian guest and on the Windows-
# like guest: wall time and peak RSS, beside libguestfs's virt-inspector
# (target <= 1/8 of its time).

set -e
set -o pipefail

runs=5
lg_runs=3
tools="cat df inspector"
while getopts n:l:t: opt; do
  case $opt in
    n) runs=$OPTARG ;;
    l) lg_runs=$OPTARG ;;
    t) tools=$OPTARG ;;
    *) echo "usage: $0 [-n RUNS] [-l LG_RUNS] [-t TOOLS] [BUILD_DIR]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
build="$(realpath "${1:-build}")"
ours="$build/cat/virt-cat"
[ -x "$ours" ] || { echo "$0: $ours not built (ninja -C $build)" >&2; exit 1; }

ninja -C "$build" tests/guests/debian.img > /dev/null
work="$(mktemp -d /tmp/gc-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
ln "$build/tests/guests/debian.img" "$work/debian.img" 2>/dev/null ||
  cp --sparse=always "$build/tests/guests/debian.img" "$work/debian.img"
img="$work/debian.img"

median () { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
now () { date +%s.%N; }

# run_one OUT-PREFIX CMD...: runs CMD and samples the VmHWM of it and
# of its children (qemu; for libguestfs also its small helper
# processes) every 50 ms with shell builtins only, so that the sampling
# costs the measured run as little CPU as possible; writes PREFIX.wall
# (seconds), PREFIX.rss (the tool's peak, KiB), PREFIX.qemu (the sum of
# its children's peaks).
exec {nap}<> <(:)                 # read -t on it: a sleep without a fork
hwm_of ()                          # PID -> $hwm, $rss (0 if gone), $state
{
  local k v u
  hwm=0 rss=0 state=Z
  [ -r "/proc/$1/status" ] || return 0
  while read -r k v u; do
    case $k in
      State:) state=$v ;;
      VmHWM:) hwm=$v ;;
      VmRSS:) rss=$v; return ;;
    esac
  done < "/proc/$1/status" 2>/dev/null || true
}
descendants ()                     # PID -> every descendant's pid
{
  local k ks=""
  read -r ks < "/proc/$1/task/$1/children" 2>/dev/null || true
  for k in $ks; do echo $k; descendants $k; done
}
run_one ()
{
  local prefix="$1"; shift
  local start end pid tool=0 c kids tick tree=0
  local -A peak=()
  start=$(now)
  "$@" > "$prefix.out" 2> "$prefix.err" &
  pid=$!
  while hwm_of $pid; [ "$state" != Z ]; do
    [ "$hwm" -gt "$tool" ] && tool=$hwm
    tick=$rss
    kids=""
    read -r kids < "/proc/$pid/task/$pid/children" 2>/dev/null || true
    if [ -n "${DEEP:-}" ]; then kids="$(descendants $pid)"; fi
    for c in $kids; do
      hwm_of "$c"
      [ "$hwm" -gt "${peak[$c]:-0}" ] && peak[$c]=$hwm
      tick=$((tick + rss))
    done
    [ "$tick" -gt "$tree" ] && tree=$tick
    read -r -t 0.05 -u $nap || true
  done
  wait $pid || { echo "failed: $*" >&2; head -5 "$prefix.err" >&2; return 1; }
  end=$(now)
  awk "BEGIN { print $end - $start }" > "$prefix.wall"
  echo $tool > "$prefix.rss"
  c=0
  for v in "${peak[@]}"; do c=$((c + v)); done
  echo $c > "$prefix.qemu"
  echo $tree > "$prefix.tree"
}

# bench NAME RUNS CMD...: prints and stores NAME.{wall,rss,qemu,total}
bench ()
{
  local name="$1" n="$2"; shift 2
  for i in $(seq "$n"); do
    run_one "$work/$name.$i" "$@" || return 1
  done
  cat "$work/$name".*.wall | median > "$work/$name.wall"
  cat "$work/$name".*.rss | median > "$work/$name.rss"
  cat "$work/$name".*.qemu | median > "$work/$name.qemu"
  echo $(( $(cat "$work/$name.rss") + $(cat "$work/$name.qemu") )) > "$work/$name.total"
  printf '%-10s wall %6.2f s (median of %d: %s)\n' "$name" "$(cat "$work/$name.wall")" "$n" \
    "$(cat "$work/$name".*.wall | xargs printf '%.2f ')"
  printf '%-10s peak RSS: tool %d KiB + its children (qemu) %d KiB = %d KiB\n' "$name" \
    "$(cat "$work/$name.rss")" "$(cat "$work/$name.qemu")" "$(cat "$work/$name.total")"
  if [ -n "${DEEP:-}" ]; then
    # Several qemus, not all at once: the sum of their peaks overstates.
    cat "$work/$name".*.tree | median > "$work/$name.treepeak"
    printf '%-10s peak RSS of the whole process tree at one moment (sum of VmRSS, sampled): %d KiB\n' \
      "$name" "$(cat "$work/$name.treepeak")"
  fi
}

if [[ " $tools " == *" cat "* ]]; then
echo "== guestcell virt-cat ($ours), $runs runs"
bench guestcell "$runs" "$ours" -a "$img" /etc/fstab
cmp -s "$work/guestcell.1.out" "$(dirname "$0")/../cat/expected-debian-fstab.txt" ||
  echo "warning: the output is not the expected fstab" >&2

# Phases, from -v runs.
for i in $(seq "$runs"); do
  "$ours" -v -a "$img" /etc/fstab 2>&1 > /dev/null |
    grep -E 'guestcell: (launch: [a-z]+, appliance|shutdown:)' > "$work/phases.$i" || true
done
if [ -s "$work/phases.1" ]; then
  echo "launch phases (median of $runs -v runs, seconds since gc_launch started):"
  for phase in appliance 'qemu started' connected hello; do
    v=$(sed -n "s/.*[ ,]$phase \([0-9.]*\) s.*/\1/p" "$work"/phases.* | median)
    printf '  %-13s %s\n' "$phase" "${v:-?}"
  done
  v=$(sed -n 's/.*shutdown: \([0-9.]*\) s.*/\1/p' "$work"/phases.* | median)
  printf '  %-13s %s\n' shutdown "${v:-?}"
else
  echo "launch phases: no 'launch:' line under -v"
fi

if [ -x /usr/bin/virt-cat ] && [ "$lg_runs" -gt 0 ]; then
  echo "== libguestfs virt-cat (/usr/bin/virt-cat, direct backend, TCG), $lg_runs runs"
  export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
  if bench libguestfs "$lg_runs" /usr/bin/virt-cat -a "$img" /etc/fstab; then
    awk -v ow="$(cat "$work/guestcell.wall")" -v lw="$(cat "$work/libguestfs.wall")" \
        -v om="$(cat "$work/guestcell.total")" -v lm="$(cat "$work/libguestfs.total")" 'BEGIN {
      printf "ratios guestcell/libguestfs: wall %.3f (target <= 0.100: %s), peak RSS %.3f (target <= 0.333: %s)\n",
        ow / lw, ow / lw <= 0.1 ? "met" : "MISSED", om / lm, om / lm <= 1 / 3 ? "met" : "MISSED"
      printf "guestcell wall %.2f s (target <= 3 s: %s)\n", ow, ow <= 3 ? "met" : "MISSED"
    }'
  else
    echo "libguestfs's virt-cat failed on this image"
  fi
else
  awk -v ow="$(cat "$work/guestcell.wall")" 'BEGIN {
    printf "guestcell wall %.2f s (target <= 3 s: %s); libguestfs not installed, no ratios\n",
      ow, ow <= 3 ? "met" : "MISSED" }'
fi
fi

# virt-df.
df="$build/df/virt-df"
if [[ " $tools " == *" df "* ]]; then
  [ -x "$df" ] || { echo "$0: $df not built (ninja -C $build)" >&2; exit 1; }
  six=()
  for i in 1 2 3 4 5 6; do
    ln "$img" "$work/guest$i.img" 2>/dev/null || ln -s "$img" "$work/guest$i.img"
    six+=(-a "$work/guest$i.img")
  done
  unset LIBGUESTFS_BACKEND LIBGUESTFS_BACKEND_SETTINGS
  echo "== guestcell virt-df ($df): one guest, $runs runs"
  bench df1 "$runs" "$df" -a "$img"
  echo "== guestcell virt-df: 6 guests, --each-image -P 2, $runs runs"
  DEEP=1 bench df6 "$runs" "$df" --each-image -P 2 "${six[@]}"
  [ "$(grep -c '^guest' "$work/df6.1.out")" -eq 30 ] ||
    echo "warning: the 6-guest run did not print 30 filesystems" >&2
  echo "== guestcell virt-df: the 6 guests as 6 runs one after another (once)"
  DEEP=1 bench df6seq 1 bash -c 'for i in 1 2 3 4 5 6; do "$0" -a "$1/guest$i.img" || exit 1; done' "$df" "$work"
  awk -v p="$(cat "$work/df6.wall")" -v s="$(cat "$work/df6seq.wall")" 'BEGIN {
    printf "6 guests: -P 2 %.2f s vs 6 runs in a row %.2f s (%.2fx faster)\n", p, s, s / p }'

  if [ -x /usr/bin/virt-df ] && [ "$lg_runs" -gt 0 ]; then
    export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
    echo "== libguestfs virt-df (/usr/bin/virt-df, direct backend, TCG): one guest, $lg_runs runs"
    if bench lgdf1 "$lg_runs" /usr/bin/virt-df -a "$img"; then
      cmp -s "$work/lgdf1.1.out" "$work/df1.1.out" ||
        echo "warning: libguestfs's virt-df printed something else than ours" >&2
      echo "== libguestfs virt-df: the 6 guests as 6 runs one after another (once)"
      DEEP=1 bench lgdf6 1 bash -c 'for i in 1 2 3 4 5 6; do "$0" -a "$1/guest$i.img" || exit 1; done' /usr/bin/virt-df "$work"
      awk -v o1="$(cat "$work/df1.wall")" -v l1="$(cat "$work/lgdf1.wall")" \
          -v o6="$(cat "$work/df6.wall")" -v l6="$(cat "$work/lgdf6.wall")" \
          -v m1="$(cat "$work/df1.total")" -v n1="$(cat "$work/lgdf1.total")" 'BEGIN {
        printf "virt-df one guest: guestcell %.2f s vs libguestfs %.2f s (ratio %.3f); peak RSS %d vs %d KiB (ratio %.3f)\n",
          o1, l1, o1 / l1, m1, n1, m1 / n1
        printf "virt-df 6 guests: guestcell -P 2 %.2f s vs libguestfs 6 runs %.2f s: ratio %.3f (target <= 0.167: %s)\n",
          o6, l6, o6 / l6, o6 / l6 <= 1 / 6 ? "met" : "MISSED"
      }'
    else
      echo "libguestfs's virt-df failed on this image"
    fi
  elif [ "$lg_runs" -eq 0 ]; then
    echo "libguestfs skipped (-l 0): no ratios"
  else
    echo "libguestfs's virt-df not installed: no ratios"
  fi
fi

# virt-inspector (-t inspector), on the Debian guest and on the
# Windows-like guest.
insp="$build/inspector/virt-inspector"
if [[ " $tools " == *" inspector "* ]]; then
  [ -x "$insp" ] || { echo "$0: $insp not built (ninja -C $build)" >&2; exit 1; }
  ninja -C "$build" tests/guests/windows.img > /dev/null
  ln "$build/tests/guests/windows.img" "$work/windows.img" 2>/dev/null ||
    cp --sparse=always "$build/tests/guests/windows.img" "$work/windows.img"
  for guest in debian windows; do
    gimg="$work/$guest.img"
    echo "== guestcell virt-inspector ($insp): the $guest guest, $runs runs"
    bench "insp-$guest" "$runs" "$insp" -a "$gimg"
    if [ -x /usr/bin/virt-inspector ] && [ "$lg_runs" -gt 0 ]; then
      echo "== libguestfs virt-inspector (/usr/bin/virt-inspector, direct backend, TCG): the $guest guest, $lg_runs runs"
      export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
      if bench "lginsp-$guest" "$lg_runs" /usr/bin/virt-inspector -a "$gimg"; then
        awk -v g="$guest" \
            -v ow="$(cat "$work/insp-$guest.wall")" -v lw="$(cat "$work/lginsp-$guest.wall")" \
            -v om="$(cat "$work/insp-$guest.total")" -v lm="$(cat "$work/lginsp-$guest.total")" 'BEGIN {
          printf "virt-inspector, %s guest: guestcell %.2f s vs libguestfs %.2f s: ratio %.3f (target <= 0.125: %s); peak RSS ratio %.3f\n",
            g, ow, lw, ow / lw, ow / lw <= 0.125 ? "met" : "MISSED", om / lm }'
      else
        echo "libguestfs's virt-inspector failed on the $guest guest"
      fi
      unset LIBGUESTFS_BACKEND LIBGUESTFS_BACKEND_SETTINGS
    else
      echo "libguestfs's virt-inspector not installed: no ratios"
    fi
  done
fi
