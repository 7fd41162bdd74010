# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# bench.sh -t resize: sourced by bench/bench.sh, which defines $build,
# $work, $runs, $lg_runs and bench/run_one/median.
#
# virt-resize of the resize-big guest (2 GiB: /boot, an LVM root holding
# 1 GiB of pseudo-random data) to a new 4 GiB raw disk, growing the PV
# and the root LV with their filesystem (--expand /dev/sda2 --LV-expand
# /dev/bench/root): wall time and peak RSS (the tool's, and the sum of
# its whole process tree at one moment: its qemus and qemu-imgs), the
# median of RUNS runs.  The copy phase ("Copied the partitions and
# flushed OUTDISK in N s": the qemu-img copies and the flush that makes
# them durable) as a throughput of the input's allocated bytes, beside
# `qemu-img convert -t writeback` of the whole image (which flushes at
# its end too), run right after each virt-resize so both find the host
# in the same state (page cache, writeback of other runs); target >=
# 80%.  Then libguestfs's virt-resize with the same arguments, image and
# output size (LG_RUNS runs) and the ratios (targets: wall time and peak
# RSS at most 1/3 of libguestfs's).

vr="$build/resize/virt-resize"
[ -x "$vr" ] || { echo "$0: $vr not built (ninja -C $build)" >&2; exit 1; }
ninja -C "$build" tests/guests/resize-big.img > /dev/null
big="$work/resize-big.img"
ln "$build/tests/guests/resize-big.img" "$big" 2>/dev/null ||
  cp --sparse=always "$build/tests/guests/resize-big.img" "$big"
data=$(( $(du -B1 "$big" | cut -f1) ))
args=(--expand /dev/sda2 --LV-expand /dev/bench/root)
# Each run gets a new OUTDISK (truncate: instant, not worth measuring).
resize_once ()
{
  rm -f "$work/out.img"
  truncate -s 4G "$work/out.img"
  exec "$@" "$work/out.img"
}
export -f resize_once
export work

unset LIBGUESTFS_BACKEND LIBGUESTFS_BACKEND_SETTINGS
echo "== guestcell virt-resize ($vr), 2 GiB guest with $((data / 1048576)) MiB allocated -> 4 GiB, $runs runs, each followed by qemu-img convert of the whole image"
cat "$big" > /dev/null
: > "$work/convert.walls"
for i in $(seq "$runs"); do
  DEEP=1 bench "resize$i" 1 bash -c 'resize_once "$@"' _ "$vr" "${args[@]}" "$big"
  rm -f "$work/convert.img"
  t0=$(now)
  qemu-img convert -t writeback -f raw -O raw "$big" "$work/convert.img"
  awk "BEGIN { print $(now) - $t0 }" >> "$work/convert.walls"
  rm -f "$work/convert.img"
done
for k in wall rss qemu total treepeak; do
  cat "$work"/resize[0-9]*.$k | median > "$work/resize.$k"
done
printf 'resize     wall %6.2f s (median of %d), peak RSS of the process tree %d KiB\n' \
  "$(cat "$work/resize.wall")" "$runs" "$(cat "$work/resize.treepeak")"
grep -h '^\[' "$work/resize1.1.out" | sed 's/^/  /'
copy="$(for f in "$work"/resize[0-9]*.1.out; do
          sed -n 's/.*Copied the partitions and flushed .* in \([0-9.]*\) s.*/\1/p' "$f"
        done | median)"
awk -v d="$data" -v c="$copy" -v q="$(median < "$work/convert.walls")" 'BEGIN {
  printf "copy phase (median): %.2f s, %.0f MiB/s of allocated data; qemu-img convert -t writeback (median): %.2f s, %.0f MiB/s; ratio %.2f (target >= 0.80: %s)\n",
    c, d / c / 1048576, q, d / q / 1048576, q / c, q / c >= 0.8 ? "met" : "MISSED" }'

if [ -x /usr/bin/virt-resize ] && [ "$lg_runs" -gt 0 ]; then
  echo "== libguestfs virt-resize (/usr/bin/virt-resize, direct backend, TCG), $lg_runs runs"
  export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
  if DEEP=1 bench lgresize "$lg_runs" bash -c 'resize_once "$@"' _ /usr/bin/virt-resize "${args[@]}" "$big"; then
    awk -v ow="$(cat "$work/resize.wall")" -v lw="$(cat "$work/lgresize.wall")" \
        -v om="$(cat "$work/resize.treepeak")" -v lm="$(cat "$work/lgresize.treepeak")" 'BEGIN {
      printf "ratios guestcell/libguestfs: wall %.3f (target <= 0.333: %s), peak RSS of the process tree %.3f (target <= 0.333: %s)\n",
        ow / lw, ow / lw <= 1 / 3 ? "met" : "MISSED", om / lm, om / lm <= 1 / 3 ? "met" : "MISSED" }'
  else
    echo "libguestfs's virt-resize failed on this image"
  fi
  unset LIBGUESTFS_BACKEND LIBGUESTFS_BACKEND_SETTINGS
fi
rm -f "$work/out.img"
