#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The completion script completes virt-cat's options from the program.
#
#   test-bash-completion.sh COMPLETION-SCRIPT VIRT-CAT

set -e
source "$1"
COMP_WORDS=("$2" --for)
COMP_CWORD=1
_guestcell "$2" --for "$2"
[ "${COMPREPLY[*]}" = "--format" ] || { echo "FAIL: --for completed to '${COMPREPLY[*]}'"; exit 1; }
COMP_WORDS=("$2" -)
_guestcell "$2" - "$2"
printf '%s\n' "${COMPREPLY[@]}" | grep -qx -- -a || { echo "FAIL: - does not complete to -a"; exit 1; }
COMP_WORDS=("$2" dis)
_guestcell "$2" dis "$2"
[ "${#COMPREPLY[@]}" -eq 0 ] || { echo "FAIL: a non-option completed"; exit 1; }
echo "ok: bash completion"
