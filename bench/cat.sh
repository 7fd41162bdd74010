# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# bench.sh -t cat: sourced by bench/bench.sh, which defines $build,
# $work, $img (the Debian guest), $runs, $lg_runs and bench/run_one.

ours="$build/cat/virt-cat"
echo "== guestcell virt-cat ($ours), $runs runs"
bench guestcell "$runs" "$ours" -a "$img" /etc/fstab
cmp -s "$work/guestcell.1.out" "$here/../cat/expected-debian-fstab.txt" ||
  echo "warning: the output is not the expected fstab" >&2

# Phases, from -v runs.
for i in $(seq "$runs"); do
  "$ours" -v -a "$img" /etc/fstab 2>&1 > /dev/null |
    grep -E 'guestcell: (launch: [a-z]+( restored)?, appliance|shutdown:)' |
    sed 's/, ready /, hello /' > "$work/phases.$i" || true
done
if [ -s "$work/phases.1" ]; then
  echo "launch phases (median of $runs -v runs, seconds since gc_launch started;"
  echo "restored runs: 'hello' is the answer to internal_restored):"
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
