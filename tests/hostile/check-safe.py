#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# check-safe.py [--json] FILE...: each file must be valid UTF-8 holding
# no control character but tab and newline (no C0 but those, no DEL, no
# C1), nor U+FFFE/U+FFFF; with --json it must also be strict JSON
# (RFC 8259) whose strings obey the same rule (JSON could carry an ESC
# as \u001b).  Prints what is wrong; exit 1 if anything is.

import json
import sys


def bad_char(s):
    for i, ch in enumerate(s):
        o = ord(ch)
        if (o < 0x20 and ch not in "\t\n") or 0x7F <= o <= 0x9F or o in (0xFFFE, 0xFFFF):
            return i, o
    return None


def strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from strings(x)


def main():
    args = sys.argv[1:]
    as_json = bool(args) and args[0] == "--json"
    if as_json:
        args = args[1:]
    ok = True
    for path in args:
        data = open(path, "rb").read()
        try:
            text = data.decode("utf-8", errors="strict")
        except UnicodeDecodeError as e:
            print(f"{path}: not UTF-8: {e}")
            ok = False
            continue
        b = bad_char(text)
        if b:
            print(f"{path}: control character U+{b[1]:04X} at offset {b[0]}")
            ok = False
        if as_json:
            try:
                doc = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
            except ValueError as e:
                print(f"{path}: not strict JSON: {e}")
                ok = False
                continue
            for s in strings(doc):
                b = bad_char(s)
                if b:
                    print(f"{path}: a JSON string holds U+{b[1]:04X}: {s!r}")
                    ok = False
    sys.exit(0 if ok else 1)


main()
