# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# bench.sh -t edit: sourced by bench/bench.sh, which defines $build,
# $work, $img (the Debian guest), $runs, $lg_runs and bench/run_one.
#
# virt-edit -e on /etc/fstab of a copy of the Debian guest (the copy
# made before the timed runs; the expression flips the root's
# errors=remount-ro and errors=panic, so that every run writes the file
# back), wall time and peak RSS; then libguestfs's virt-edit -e, the same
# expression on its own copy, and the ratio (target: at most 1/8 of its
# wall time).

ve="$build/edit/virt-edit"
[ -x "$ve" ] || { echo "$0: $ve not built (ninja -C $build)" >&2; exit 1; }
flip='s/errors=remount-ro/errors=panic/ or s/errors=panic/errors=remount-ro/'
cp --sparse=always "$img" "$work/edit.img"
echo "== guestcell virt-edit -e ($ve), $runs runs"
bench edit "$runs" "$ve" -a "$work/edit.img" /etc/fstab -e "$flip"
"$build/cat/virt-cat" -a "$work/edit.img" /etc/fstab | grep -q ' errors=\(panic\|remount-ro\) ' ||
  echo "warning: the edited fstab is not as expected" >&2

if [ -x /usr/bin/virt-edit ] && [ "$lg_runs" -gt 0 ]; then
  echo "== libguestfs virt-edit -e (/usr/bin/virt-edit, direct backend, TCG), $lg_runs runs"
  cp --sparse=always "$img" "$work/lgedit.img"
  export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
  if bench lgedit "$lg_runs" /usr/bin/virt-edit -a "$work/lgedit.img" /etc/fstab -e "$flip"; then
    awk -v ow="$(cat "$work/edit.wall")" -v lw="$(cat "$work/lgedit.wall")" \
        -v om="$(cat "$work/edit.total")" -v lm="$(cat "$work/lgedit.total")" 'BEGIN {
      printf "virt-edit -e: guestcell %.2f s vs libguestfs %.2f s: ratio %.3f (target <= 0.125: %s); peak RSS ratio %.3f\n",
        ow, lw, ow / lw, ow / lw <= 0.125 ? "met" : "MISSED", om / lm }'
  else
    echo "libguestfs's virt-edit failed on this image"
  fi
  unset LIBGUESTFS_BACKEND LIBGUESTFS_BACKEND_SETTINGS
else
  echo "libguestfs's virt-edit not installed: no ratio"
fi
