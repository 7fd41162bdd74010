# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Sourced by the virt-inspector tests after tests/functions.sh.
#
#   golden NAME
#
# checks the XML in $T/out: valid against our schema and, where
# libguestfs's is installed, against that one too (its consumers must
# read ours unchanged); then equal to expected-NAME.xml, once the swap
# UUID that the Debian recipe leaves random is masked.

inspector_dir="$(dirname "${BASH_SOURCE[0]}")"
lg_rng=/usr/share/doc/guestfs-tools/virt-inspector.rng.gz
command -v xmllint > /dev/null || skip "xmllint is not installed"

golden ()
{
  local name="$1" schemas="our schema"
  xmllint --noout --relaxng "$inspector_dir/virt-inspector.rng" "$T/out" \
    2> "$T/xmllint" ||
    { cat "$T/xmllint" "$T/out"; fail "$name: the XML does not validate"; }
  if [ -r "$lg_rng" ]; then
    xmllint --noout --relaxng <(zcat "$lg_rng") "$T/out" 2> "$T/xmllint" ||
      { cat "$T/xmllint"; fail "$name: not valid against libguestfs's schema"; }
    schemas="our schema and libguestfs's"
  fi
  sed '/debian-vg\/swap_1/,/<\/filesystem>/s|<uuid>[^<]*</uuid>|<uuid>(random)</uuid>|' \
    "$T/out" > "$T/out.golden"
  diff -u "$inspector_dir/expected-$name.xml" "$T/out.golden" ||
    fail "$name: wrong XML"
  ok "$name: golden XML, valid against $schemas"
}
