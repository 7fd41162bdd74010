# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# bench.sh -t df: sourced by bench/bench.sh, which defines $build,
# $work, $img (the Debian guest), $runs, $lg_runs and bench/run_one.

df="$build/df/virt-df"
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
