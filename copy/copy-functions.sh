# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# What the copy tests share, sourced after tests/functions.sh:
#
#   await_io PID COUNTER THRESHOLD
#                    wait until PID's COUNTER in /proc/PID/io (rchar:
#                    bytes it read; wchar: bytes it wrote) reaches
#                    THRESHOLD: status 0 then (PID still running), 1 if
#                    PID ended first; the last reading in $io

await_io ()
{
  local pid="$1" counter="$2" threshold="$3"
  io=0
  while kill -0 "$pid" 2>/dev/null; do
    io=$(awk "/^$counter:/ { print \$2 }" "/proc/$pid/io" 2>/dev/null || echo 0)
    [ "${io:-0}" -ge "$threshold" ] && return 0
    sleep 0.02
  done
  return 1
}
