#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The schema and the code agree: every <value> of the elements name,
# distro, package_format and package_management in virt-inspector.rng is
# in lib/inspect-enums.h (as printed by dump-inspect-enums) and the other
# way round.
#
#   test-virt-inspector-enums.py DUMP-INSPECT-ENUMS virt-inspector.rng

import subprocess
import sys
import xml.etree.ElementTree as ET

RNG = "{http://relaxng.org/ns/structure/1.0}"
dump, rng = sys.argv[1], sys.argv[2]

code = {}
for line in subprocess.run([dump], check=True, capture_output=True,
                           text=True).stdout.splitlines():
    kind, value = line.split(" ", 1)
    code.setdefault(kind, set()).add(value)

schema = {}
for elem in ET.parse(rng).iter(RNG + "element"):
    name = elem.get("name")
    if name in code:
        values = {v.text for v in elem.iter(RNG + "value")}
        schema.setdefault(name, set()).update(values)

status = 0
for kind in sorted(code):
    only_code = code[kind] - schema.get(kind, set())
    only_schema = schema.get(kind, set()) - code[kind]
    if only_code:
        print(f"{kind}: in the code, not in {rng}: {sorted(only_code)}")
        status = 1
    if only_schema:
        print(f"{kind}: in {rng}, not in the code: {sorted(only_schema)}")
        status = 1
    if not only_code and not only_schema:
        print(f"ok: {kind}: {len(code[kind])} values agree")
sys.exit(status)
