# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# bench.sh -t inspector: sourced by bench/bench.sh, which defines $build,
# $work, $img (the Debian guest), $runs, $lg_runs and bench/run_one.

# virt-inspector, on the Debian guest and on the Windows-like guest.
insp="$build/inspector/virt-inspector"
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
