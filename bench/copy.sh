# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# bench.sh -t copy: sourced by bench/bench.sh, which defines $build,
# $work, $runs, $lg_runs and bench/run_one.
#
# virt-copy-in and virt-copy-out on the copy test guest (a Debian-like
# root with 2.4 GiB free, which libguestfs's tools can inspect), side by
# side with libguestfs's same commands on the same image:
#  - a small copy each way (a 1 KiB file in, /etc/hostname out): the
#    wall time, median of RUNS (libguestfs: LG_RUNS); target <= 1/8 of
#    libguestfs's;
#  - 1 GiB of pseudo-random data each way (make-guest --pattern 1G 42),
#    once: the wall time and the tool's own peak RSS (flat memory); and
#    the throughput of the copy itself, the launch and shutdown left
#    out, on the host's clock: ours from the line virt-copy-in/out -v
#    print around their one call, libguestfs's from guestfish's `time`
#    around the same copy-in/copy-out its virt-copy-in/out run (they
#    are `exec guestfish --rw -i copy-in "$@"`); target >= 2x;
#  - where the time of our 1 GiB copies goes, from the same -v runs:
#    the daemon's shares (copy-out: splicing file data from the disk to
#    the channel, records, directories; copy-in: writing the guest's
#    files, receiving from the channel, the final link and sync).
#    Shares only: under TCG the guest's clock runs at its own pace (ten
#    times too fast on a loaded host), so its seconds are not the
#    host's.

vin="$build/copy/virt-copy-in"
vout="$build/copy/virt-copy-out"
[ -x "$vin" ] && [ -x "$vout" ] || { echo "$0: virt-copy-in/out not built (ninja -C $build)" >&2; exit 1; }
ninja -C "$build" tests/guests/copy.img > /dev/null
cimg="$work/copy.img"
cp --sparse=always "$build/tests/guests/copy.img" "$cimg"
head -c 1024 /dev/urandom > "$work/small.dat"
"$build/tests/make-guest" --pattern 1G 42 > "$work/big.dat"
mkdir -p "$work/got" "$work/lggot"
unset LIBGUESTFS_BACKEND LIBGUESTFS_BACKEND_SETTINGS

echo "== guestcell virt-copy-in / virt-copy-out, small copies, $runs runs"
bench cin-small "$runs" "$vin" -a "$cimg" "$work/small.dat" /srv
bench cout-small "$runs" "$vout" -a "$cimg" /etc/hostname "$work/got"
echo "== guestcell, 1 GiB each way (once, then once more with -v)"
bench cin-big 1 "$vin" -a "$cimg" "$work/big.dat" /srv
bench cout-big 1 "$vout" -a "$cimg" /srv/big.dat "$work/got"
cmp -s "$work/big.dat" "$work/got/big.dat" || echo "warning: the 1 GiB file came back different" >&2
"$vin" -v -a "$cimg" "$work/big.dat" /srv > /dev/null 2> "$work/cin.v"
"$vout" -v -a "$cimg" /srv/big.dat "$work/got" > /dev/null 2> "$work/cout.v"
copy_secs ()                       # FILE -> seconds of the copy itself
{
  sed -n 's/^virt-copy-[a-z]*: copy_[a-z]*: [0-9]* bytes of file data in \([0-9.]*\) s.*/\1/p' "$1"
}
cin_s=$(copy_secs "$work/cin.v")
cout_s=$(copy_secs "$work/cout.v")
sed -n 's/^guestcelld: copy_in: .*clock): /  where the time goes, copy-in: /p' "$work/cin.v"
sed -n 's/^guestcelld: copy_out: .*clock): /  where the time goes, copy-out: /p' "$work/cout.v"
mbs () { awk -v s="$1" 'BEGIN { printf "%.1f", (s > 0 ? 1073.741824 / s : 0) }'; }
e2e () { mbs "$(cat "$work/$1.wall")"; }
echo "guestcell, 1 GiB: copy-in $(mbs "$cin_s") MB/s (the copy: $cin_s s; end to end $(e2e cin-big) MB/s)," \
     "copy-out $(mbs "$cout_s") MB/s (the copy: $cout_s s; end to end $(e2e cout-big) MB/s)"

if [ -x /usr/bin/virt-copy-in ] && [ -x /usr/bin/virt-copy-out ] && [ "$lg_runs" -gt 0 ]; then
  export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
  echo "== libguestfs virt-copy-in / virt-copy-out (direct backend, TCG), small copies, $lg_runs runs"
  bench lgcin-small "$lg_runs" /usr/bin/virt-copy-in -a "$cimg" "$work/small.dat" /srv
  bench lgcout-small "$lg_runs" /usr/bin/virt-copy-out -a "$cimg" /etc/hostname "$work/lggot"
  echo "== libguestfs, 1 GiB each way (once): guestfish -i time copy-in / copy-out"
  bench lgcin-big 1 guestfish --rw -a "$cimg" -i time copy-in "$work/big.dat" /srv
  bench lgcout-big 1 guestfish --ro -a "$cimg" -i time copy-out /srv/big.dat "$work/lggot"
  cmp -s "$work/big.dat" "$work/lggot/big.dat" || echo "warning: libguestfs's 1 GiB file came back different" >&2
  unset LIBGUESTFS_BACKEND LIBGUESTFS_BACKEND_SETTINGS
  lg_secs () { sed -n 's/^elapsed time: \([0-9.]*\) seconds.*/\1/p' "$work/$1.1.out" "$work/$1.1.err" | head -1; }
  lcin_s=$(lg_secs lgcin-big)
  lcout_s=$(lg_secs lgcout-big)
  echo "libguestfs, 1 GiB: copy-in $(mbs "$lcin_s") MB/s (the copy: $lcin_s s; end to end $(e2e lgcin-big) MB/s)," \
       "copy-out $(mbs "$lcout_s") MB/s (the copy: $lcout_s s; end to end $(e2e lgcout-big) MB/s)"
  for pair in "cin-small lgcin-small virt-copy-in" "cout-small lgcout-small virt-copy-out"; do
    read -r o l name <<< "$pair"
    awk -v o="$(cat "$work/$o.wall")" -v l="$(cat "$work/$l.wall")" -v n="$name" 'BEGIN {
      printf "%s, small copy: guestcell %.2f s vs libguestfs %.2f s: ratio %.3f (target <= 0.125: %s)\n",
        n, o, l, o / l, o / l <= 0.125 ? "met" : "MISSED" }'
  done
  for pair in "$cin_s $lcin_s cin-big lgcin-big copy-in" "$cout_s $lcout_s cout-big lgcout-big copy-out"; do
    read -r o l ow lw name <<< "$pair"
    awk -v o="$o" -v l="$l" -v ow="$(cat "$work/$ow.wall")" -v lw="$(cat "$work/$lw.wall")" -v n="$name" 'BEGIN {
      if (o <= 0 || l <= 0) { printf "1 GiB %s: no figure (see the -v and guestfish outputs)\n", n; exit }
      printf "1 GiB %s: throughput %.2fx libguestfs'\''s (target >= 2: %s); end to end %.2fx; wall %.2f s vs %.2f s\n",
        n, l / o, l / o >= 2 ? "met" : "MISSED", lw / ow, ow, lw }'
  done
else
  echo "libguestfs's virt-copy-in/out are not installed: no ratios"
fi
