# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# What virt-resize's tests share, sourced after tests/functions.sh:
#
#   check_resized IMAGE [FMT]
#                    the partition table is valid (sgdisk -v, sfdisk
#                    --verify, in the appliance) and every filesystem
#                    passes its own read-only check (tests/check-fs)
#   raw_of IMAGE     IMAGE if raw, else the path of a raw copy of it
#   table IMAGE      sfdisk's dump of IMAGE's table, raw or qcow2 (on a
#                    raw copy), partition lines without the file name
#   part_field IMAGE N FIELD
#                    start, size, type, uuid, name or attrs of partition
#                    N in that dump ("" if absent)
#   df IMAGE...      run virt-df on the images (--each-image: in parallel)
#   df_kib IMAGE DEV the size (KiB) the last df gave DEV's filesystem of
#                    IMAGE
#   signed IMAGE     true if the MBR signature 0x55AA is in sector 0
#                    (and for GPT, "EFI PART" in both headers)
#   sum FILE         its sha256
#   refused OUTDISK REGEX ARG...
#                    virt-resize ($vr) ARG... fails with status 1 and one
#                    error line matching REGEX, OUTDISK left as it was

check_resized ()
{
  local fmt=()
  [ -z "${2:-}" ] || fmt=(--format "$2")
  if ! "$GC_CHECK_FS" --parts "${fmt[@]}" "$1" > "$T/check.out" 2>&1; then
    cat "$T/check.out"
    fail "$1: the partition table or a filesystem is not clean"
  fi
  grep -q 'table: valid' "$T/check.out" || fail "$1: no partition table checked"
}

raw_of ()
{
  if cmp -s -n 4 "$1" <(printf 'QFI\373'); then
    qemu-img convert -O raw "$1" "$T/raw-of.raw"
    echo "$T/raw-of.raw"
  else
    echo "$1"
  fi
}

table ()
{
  local img
  img="$(raw_of "$1")"
  sfdisk --dump "$img" | sed -e "s|^$img\([0-9]*\) *:|\1 :|" \
    -e '/^device:/d'
}

part_field ()
{
  table "$1" | awk -v n="$2" -v f="$3" -F ' : ' '
    $1 == n {
      k = split($2, kv, ", ")
      for (i = 1; i <= k; i++) {
        sub(/^ +/, "", kv[i])
        if (kv[i] == "bootable" && f == "bootable") { print "yes"; exit }
        split(kv[i], p, "=")
        gsub(/^ +| +$|"/, "", p[2])
        if (p[1] == f) { print p[2]; exit }
      }
    }'
}

df ()
{
  local a=() i
  for i in "$@"; do a+=(-a "$i"); done
  "$VIRT_DF" --csv --each-image -P 2 "${a[@]}" > "$T/df.csv" ||
    fail "virt-df $*"
}

df_kib ()
{
  awk -F, -v i="$(basename "$1")" -v d="$2" \
    '$1 == i && $2 == d { print $3 }' "$T/df.csv"
}

signed ()
{
  local img size
  img="$(raw_of "$1")"
  size="$(stat -c %s "$img")"
  [ "$(od -An -tx1 -j510 -N2 "$img" | tr -d ' ')" = "55aa" ] || return 1
  if [ "$(od -An -tx1 -j450 -N1 "$img" | tr -d ' ')" = "ee" ]; then
    [ "$(dd if="$img" bs=512 skip=1 count=1 status=none | head -c 8)" = "EFI PART" ] &&
      [ "$(dd if="$img" bs=512 skip=$((size / 512 - 1)) count=1 status=none | head -c 8)" = "EFI PART" ]
  fi
}

sum ()
{
  sha256sum < "$1" | cut -d' ' -f1
}

refused ()
{
  local out="$1" re="$2" before
  shift 2
  before="$(sum "$out")"
  run "$vr" "$@"
  expect_rc 1
  expect_one_error "$re"
  [ "$(sum "$out")" = "$before" ] || fail "OUTDISK changed: virt-resize $*"
}
