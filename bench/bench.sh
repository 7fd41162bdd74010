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
# Each name in TOOLS is a file bench/NAME.sh, sourced in that order
# with what this file defines: $build, $here (bench/), $work (a private
# directory), $img (a link to the Debian guest), $runs, $lg_runs, and
# the functions bench, run_one, median and now.
#
# Prints for guestcell's virt-cat, as the median of RUNS runs:
#  - the wall time of the whole command;
#  - the launch broken into phases, from the "launch: ..." and
#    "shutdown: ..." lines the core prints under -v (separate runs with
#    -v, so the timed runs carry no debug output);
#  - the peak memory: the tool's own peak RSS plus qemu's, each its
#    VmHWM read from /proc/PID/status every 50 ms while it runs (VmHWM
#    only grows, so the last reading is the peak, missing at most the
#    last 50 ms).  The sum of the two peaks is an upper bound of the
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
# launch (-t launch): the fast launch against the cold boot, virt-cat on
# the Debian and ext4 guests (bench/launch.sh).
# virt-edit (-t edit): virt-edit -e on /etc/fstab of a copy of the
# Debian guest (made before the timed runs), wall time and peak RSS,
# beside libguestfs's virt-edit -e on its own copy (target <= 1/8).

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
here="$(dirname "$(realpath "$0")")"

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
# its children's peaks), PREFIX.cpu (user+sys seconds of the tool and
# of the children it reaped: qemu).
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
  done 2>/dev/null < "/proc/$1/status" || true
}
descendants ()                     # PID -> every descendant's pid
{
  local k ks=""
  read -r ks 2>/dev/null < "/proc/$1/task/$1/children" || true
  for k in $ks; do echo $k; descendants $k; done
}
# The user+sys seconds of the shell's reaped children (the tool and,
# reaped by it, qemu), from the times builtin.
# (times in this shell, not in a $(...) subshell, whose children are
# its own.)  Sets $cpu.
children_cpu ()
{
  times > "$work/.times"
  cpu=$(tail -n 1 "$work/.times" |
        awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); s += a[1] * 60 + a[2] } print s }')
}
run_one ()
{
  local prefix="$1"; shift
  local start end pid tool=0 c kids tick tree=0 cpu cpu0 cpu1
  local -A peak=()
  children_cpu; cpu0=$cpu
  start=$(now)
  "$@" > "$prefix.out" 2> "$prefix.err" &
  pid=$!
  while hwm_of $pid; [ "$state" != Z ]; do
    [ "$hwm" -gt "$tool" ] && tool=$hwm
    tick=$rss
    kids=""
    read -r kids 2>/dev/null < "/proc/$pid/task/$pid/children" || true
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
  children_cpu; cpu1=$cpu
  awk "BEGIN { print $end - $start }" > "$prefix.wall"
  awk "BEGIN { print $cpu1 - $cpu0 }" > "$prefix.cpu"
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
  cat "$work/$name".*.cpu | median > "$work/$name.cpu"
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

for t in $tools; do
  [ -f "$here/$t.sh" ] || { echo "$0: no benchmark $t (bench/$t.sh)" >&2; exit 2; }
  # shellcheck source=/dev/null
  source "$here/$t.sh"
done
