#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Encrypted guests, as installers make them: LVM on LUKS (luks-lvm: the
# root inside, crypttab names the volume luks-UUID) and LUKS on LVM
# (lvm-luks: /srv on the LV vg0/secret, crypttab names it srv_crypt).
# Keys by device, by LUKS UUID, by "all", from a file and from stdin;
# a wrong key is one line naming the device and exit 1; no key leaves
# the volume out with a warning while inspection still lists it; -x
# never shows a key.  The images do not change.  One launch a run.
#
#   test-luks.sh VIRT-CAT VIRT-INSPECTOR VIRT-DF

source "$GC_TESTS_SRCDIR/functions.sh"
require_appliance
vc="$(tool_under_test "$1")"
vi="$(tool_under_test "$2")"
vd="$(tool_under_test "$3")"
rng="$GC_TESTS_SRCDIR/../inspector/virt-inspector.rng"
outer="$(guest luks-lvm)"
inner="$(guest lvm-luks)"
sums="$(sha256sum < "$outer") $(sha256sum < "$inner")"
outer_key=guestcell-luks
inner_key=guestcell-lvm-luks
inner_mapper=/dev/mapper/luks-8b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e

xpath () { xmllint --xpath "$1" "$T/out"; }

run "$vc" --key "/dev/sda2:key:$outer_key" -a "$outer" /root/secret.txt /boot/known.txt
expect_rc 0
[ "$(cat "$T/out")" = "inside LVM on LUKS
on the unencrypted /boot" ] || { cat "$T/out" "$T/err"; fail "virt-cat luks-lvm"; }
[ ! -s "$T/err" ] || { cat "$T/err"; fail "virt-cat luks-lvm: stderr"; }
ok "LVM on LUKS: virt-cat with --key DEVICE:key: reads the root inside"

printf '%s' "$outer_key" > "$T/keyfile"
run "$vi" --key "7A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D:file:$T/keyfile" -a "$outer"
expect_rc 0
xmllint --noout --relaxng "$rng" "$T/out" || fail "luks-lvm: XML does not validate"
[ "$(xpath 'string(//root)')" = /dev/vgluks/root ] &&
  [ "$(xpath 'string(//hostname)')" = luks-lvm.example.org ] &&
  [ "$(xpath 'string(//mountpoint[.="/boot"]/@dev)')" = /dev/sda1 ] ||
  { cat "$T/out"; fail "virt-inspector luks-lvm"; }
ok "LVM on LUKS: virt-inspector with --key UUID:file: (any case)"

run "$vc" --keys-from-stdin -a "$inner" /srv/known.txt <<< "$inner_key"
expect_rc 0
[ "$(cat "$T/out")" = "inside LUKS on LVM" ] || { cat "$T/err"; fail "virt-cat lvm-luks"; }
ok "LUKS on LVM: virt-cat --keys-from-stdin reads /srv through crypttab's srv_crypt"

run "$vi" --keys-from-stdin -a "$inner" <<< "$inner_key"
expect_rc 0
xmllint --noout --relaxng "$rng" "$T/out" || fail "lvm-luks: XML does not validate"
[ "$(xpath 'string(//mountpoint[.="/srv"]/@dev)')" = "$inner_mapper" ] ||
  { cat "$T/out"; fail "virt-inspector lvm-luks: /srv"; }
ok "LUKS on LVM: virt-inspector puts /srv on $inner_mapper"

run "$vd" -x --key "all:key:$inner_key" -a "$inner"
expect_rc 0
grep -q "^lvm-luks.img:$inner_mapper" "$T/out" || { cat "$T/out"; fail "virt-df lvm-luks"; }
! grep -q -- "$inner_key" "$T/err" || fail "-x shows the key"
grep -q 'luks_open "/dev/vg0/secret" <key>' "$T/err" || fail "-x: no luks_open line"
ok "virt-df --key all: lists the opened volume; -x hides the key"

run "$vc" --key all:key:wrong -a "$inner" /srv/known.txt
expect_rc 1
expect_one_error '^virt-cat: error: .*/dev/vg0/secret: wrong key for the encrypted volume \(LUKS UUID 8b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e\)$'
ok "a wrong key: one line naming the device, exit 1"

# No key, and no terminal to ask on.
run setsid -w "$vi" -a "$inner" < /dev/null
expect_rc 0
grep -q '^virt-inspector: warning: /dev/vg0/secret is encrypted (LUKS UUID 8b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e) and no key was given for it' "$T/err" ||
  { cat "$T/err"; fail "no key: no warning"; }
[ "$(xpath 'string(//mountpoint[.="/srv"]/@dev)')" = /dev/mapper/srv_crypt ] &&
  [ "$(xpath 'string(//filesystem[@dev="/dev/vg0/secret"]/type)')" = crypto_LUKS ] ||
  { cat "$T/out"; fail "no key: the volume is not listed"; }
ok "no key: a warning, and inspection still lists the volume and /srv"

for bad in nocolon /dev/sda2:key: /dev/sda2:pass:x ":key:x" "all:file:$T/none"; do
  run "$vc" --key "$bad" -a "$inner" /srv/known.txt
  expect_rc 2
  grep -q -- '--key: ' "$T/err" || { cat "$T/err"; fail "--key $bad: no usage error"; }
done
ok "malformed --key arguments are usage errors"

[ "$(sha256sum < "$outer") $(sha256sum < "$inner")" = "$sums" ] ||
  fail "an image changed"
ok "the images are unchanged"
