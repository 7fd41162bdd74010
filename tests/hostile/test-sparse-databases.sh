#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Package databases that are huge sparse files (tests/guests/
# hostile-sparse.recipe: an 8 GiB dpkg status, a 1 TiB apk database, a
# few KiB of the image each): virt-inspector reports both guests without
# their applications, -v says each database was left out and how fast
# (under a second: a stat in the appliance, before any transfer), and
# nothing is written under $TMPDIR (watched while it runs).  The time
# and peak memory of the run are printed.  One launch.
#
#   test-sparse-databases.sh VIRT-INSPECTOR

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vi="$(tool_under_test "$1")"
img="$(guest hostile-sparse)"

# The most $TMPDIR held at any moment, in KiB, written to $T/tmp-peak.
( peak=0
  while [ ! -e "$T/done" ]; do
    k=$(du -sk "$TMPDIR" | cut -f1)
    [ "$k" -gt "$peak" ] && peak=$k
    echo "$peak" > "$T/tmp-peak"
    sleep 0.05
  done ) &
watcher=$!
run /usr/bin/time -f "%e s, peak RSS of the largest process %M KiB" \
  -o "$T/time" "$vi" -v -a "$img"
touch "$T/done"
wait $watcher
expect_rc 0
echo "virt-inspector: $(cat "$T/time"); \$TMPDIR peak $(cat "$T/tmp-peak") KiB"

x () { xmllint --xpath "$1" "$T/out"; }
[ "$(x 'count(//operatingsystem)')" = 2 ] || { cat "$T/out"; fail "not both guests"; }
[ "$(x 'count(//application)')" = 0 ] || fail "applications were read from a sparse database"
for db in "/var/lib/dpkg/status: 8589934592 bytes" \
          "/lib/apk/db/installed: 1099511627776 bytes"; do
  line="$(grep "applications left out (after [0-9]* ms): $db, more than" "$T/err")" ||
    { grep 'left out' "$T/err"; fail "-v does not say why $db was left out"; }
  ms="$(sed 's/.*after \([0-9]*\) ms.*/\1/' <<< "$line")"
  [ "$ms" -lt 1000 ] || fail "$db: left out after $ms ms"
  ok "${db%%:*}: left out after $ms ms"
done
[ "$(cat "$T/tmp-peak")" -le 1024 ] || fail "more than 1 MiB was written under \$TMPDIR"
ok "nothing of the databases reached \$TMPDIR"
