# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# What virt-edit's tests share, after tests/functions.sh:
#
#   copy_guest NAME  a private copy of build/tests/guests/NAME.img in $T
#                    (sparse; the cached image itself is never written),
#                    its path printed
#   stat_guest IMG OUT PATH...
#                    guest-stat's lines for PATHs of IMG into OUT
#   field OUT PATH KEY
#                    the value of KEY= (ino, nlink, size, mtime, or an
#                    attribute's name) in PATH's line of OUT
#   same_sum IMG SUM WHAT
#                    IMG's sha256 must still be SUM (nothing written)

copy_guest ()
{
  local src
  src="$(guest "$1")"
  cp --sparse=always "$src" "$T/$1-copy.img"
  echo "$T/$1-copy.img"
}

stat_guest ()
{
  local img="$1" out="$2"
  shift 2
  "$GC_GUEST_STAT" -a "$img" "$@" > "$out" 2> "$T/stat.err" ||
    { cat "$T/stat.err"; fail "guest-stat $*"; }
  check_clean "guest-stat"
}

field ()
{
  awk -v p="$2" -v k="$3" '$1 == p { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' "$1"
}

# PATH's line without what an edit changes (inode, size, mtime).
kept ()
{
  awk -v p="$2" '$1 == p { $0 = $0; gsub(/ (ino|size|mtime)=[0-9]+/, ""); print }' "$1"
}

same_sum ()
{
  [ "$(sha256sum < "$1")" = "$2" ] || fail "$3: the image changed"
}
