# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# bench.sh -t launch: the fast launch (lib/snapshot.c) against the cold
# boot, side by side: virt-cat of /etc/fstab on the Debian guest (MBR,
# LVM) and of /known.txt on the one-partition ext4 guest, each run once
# with GUESTCELL_SNAPSHOT=0 (cold boot) and once restored from the saved
# state, interleaved (cold, restored, cold, restored...) so that the
# load of a shared machine hits both alike.  Wall time, CPU time (user +
# sys of virt-cat and qemu) and peak RSS (tool + qemu), medians of
# RUNS; then gc_launch alone (its "launch:" line under -v) and the size
# of the saved state.  Sourced by bench/bench.sh.

ours="$build/cat/virt-cat"
ninja -C "$build" tests/guests/ext4.img > /dev/null
e4="$work/ext4.img"
ln "$build/tests/guests/ext4.img" "$e4" 2>/dev/null ||
  cp --sparse=always "$build/tests/guests/ext4.img" "$e4"

# Once, untimed: the appliance and its saved state are made (warm cache).
"$ours" -a "$img" /etc/fstab > /dev/null

launch_pair ()                     # NAME CMD...: cold and restored, interleaved
{
  local name="$1" i; shift
  for i in $(seq "$runs"); do
    GUESTCELL_SNAPSHOT=0 run_one "$work/$name-cold.$i" "$@" || return 1
    GUESTCELL_SNAPSHOT=1 run_one "$work/$name-restored.$i" "$@" || return 1
  done
  for v in cold restored; do
    for f in wall cpu rss qemu; do
      cat "$work/$name-$v".*.$f | median > "$work/$name-$v.$f"
    done
    printf '  %-9s wall %5.2f s  cpu %5.2f s  peak RSS %4d MiB (tool %d + qemu %d)   walls: %s\n' "$v" \
      "$(cat "$work/$name-$v.wall")" "$(cat "$work/$name-$v.cpu")" \
      $(( ($(cat "$work/$name-$v.rss") + $(cat "$work/$name-$v.qemu")) / 1024 )) \
      $(( $(cat "$work/$name-$v.rss") / 1024 )) $(( $(cat "$work/$name-$v.qemu") / 1024 )) \
      "$(cat "$work/$name-$v".*.wall | xargs printf '%.2f ')"
  done
  awk -v c="$(cat "$work/$name-cold.wall")" -v r="$(cat "$work/$name-restored.wall")" \
    'BEGIN { printf "  restored/cold wall: %.2f\n", r / c }'
}

echo "== virt-cat /etc/fstab, Debian guest (LVM), cold boot vs restored, $runs runs each, interleaved"
launch_pair debian "$ours" -a "$img" /etc/fstab
echo "== virt-cat /known.txt, ext4 guest (one partition), cold boot vs restored, $runs runs each"
launch_pair ext4 "$ours" -a "$e4" -m /dev/sda1 /known.txt

# gc_launch alone, from the -v line.
echo "== gc_launch until the appliance answers (median of $runs -v runs each)"
for i in $(seq "$runs"); do
  GUESTCELL_SNAPSHOT=0 "$ours" -v -a "$e4" -m /dev/sda1 /known.txt 2>&1 > /dev/null |
    sed -n 's/.*launch: tcg, .* \(hello\|ready\) \([0-9.]*\) s.*/\2/p' >> "$work/launch-cold"
  GUESTCELL_SNAPSHOT=1 "$ours" -v -a "$e4" -m /dev/sda1 /known.txt 2>&1 > /dev/null |
    sed -n 's/.*launch: tcg restored, .* ready \([0-9.]*\) s.*/\1/p' >> "$work/launch-restored"
done
printf '  cold boot to hello:            %s s\n' "$(median < "$work/launch-cold")"
printf '  restored, reseeded, disks found: %s s\n' "$(median < "$work/launch-restored")"
cache="${GUESTCELL_CACHEDIR:-${XDG_CACHE_HOME:-$HOME/.cache}/guestcell}"
for d in "$cache"/appliance-*/snapshot-????????????????; do
  [ -d "$d" ] || continue
  printf '  saved state %s: state %s, RAM file %s (%s allocated)\n' "$(basename "$d")" \
    "$(du -h --apparent-size "$d/state" | cut -f1)" "$(du -h --apparent-size "$d/ram" | cut -f1)" \
    "$(du -h "$d/ram" | cut -f1)"
done
