#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The docs test of a tool: the options of its popt table (from
# --long-options and --short-options) and the "=item B<-x>" entries of
# the OPTIONS section of its assembled POD must be the same, both ways.
#
#   test-docs.sh TOOL ASSEMBLED.pod

set -e
set -o pipefail
tool="$1"
pod="$2"
name="$(basename "$tool")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

{ "$tool" --long-options; "$tool" --short-options; } | sort -u > "$tmp/table"
sed -n '/^=head1 OPTIONS/,/^=head1 /p' "$pod" |
  sed -n 's/^=item B<\(--*[A-Za-z0-9][-A-Za-z0-9]*\)>.*/\1/p' |
  sort -u > "$tmp/pod"

test -s "$tmp/table" || { echo "$name: --long-options printed nothing"; exit 1; }
test -s "$tmp/pod" || { echo "$pod: no option in the OPTIONS section"; exit 1; }

status=0
if comm -23 "$tmp/table" "$tmp/pod" | grep .; then
  echo "^ $name: options missing from the OPTIONS section of $pod"
  status=1
fi
if comm -13 "$tmp/table" "$tmp/pod" | grep .; then
  echo "^ $name: documented in $pod but not an option of the program"
  status=1
fi
# --help must come from the same table.
"$tool" --help > "$tmp/help"
grep -q -- '--version' "$tmp/help" || { echo "$name --help: no --version"; status=1; }
# A bad option is a usage error (exit 2), with a hint.
set +e
"$tool" --no-such-option > /dev/null 2> "$tmp/err"
r=$?
set -e
if [ $r -ne 2 ]; then echo "$name --no-such-option: exit $r, not 2"; status=1; fi
grep -q -- "--help" "$tmp/err" || { echo "$name: no hint after a bad option"; status=1; }
[ $status -eq 0 ] && echo "$name: $(wc -l < "$tmp/table") options, all documented"
exit $status
