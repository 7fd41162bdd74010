#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The man-page glue: expand "=include FRAGMENT.pod" lines of a tool's POD
# with the shared fragments of man/, replace @VERSION@, check the result
# (podchecker, and the sections every page must have), then render it
# with pod2man.  Writes the assembled POD too: the docs tests read it.
#
#   podwrapper.py --version V --man OUT.1 --pod OUT.pod IN.pod

import argparse
import os
import re
import subprocess
import sys

REQUIRED = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS",
            "ENVIRONMENT", "SEE ALSO"]
HERE = os.path.dirname(os.path.abspath(__file__))


def expand(path, depth=0):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^=include\s+(\S+)\s*$", line)
            if m:
                if depth > 4:
                    sys.exit(f"{path}: =include nested too deep")
                out.extend(expand(os.path.join(HERE, m.group(1)), depth + 1))
            else:
                out.append(line)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", required=True)
    ap.add_argument("--man", required=True)
    ap.add_argument("--pod", required=True)
    ap.add_argument("input")
    a = ap.parse_args()

    text = "".join(expand(a.input)).replace("@VERSION@", a.version)
    heads = re.findall(r"^=head1\s+(.*?)\s*$", text, re.M)
    missing = [h for h in REQUIRED if h not in heads]
    if missing:
        sys.exit(f"{a.input}: missing sections: {', '.join(missing)}")
    with open(a.pod, "w", encoding="utf-8") as f:
        f.write(text)

    chk = subprocess.run(["podchecker", "-warnings", a.pod],
                         capture_output=True, text=True)
    if chk.returncode != 0 or "WARNING" in chk.stderr:
        sys.stderr.write(chk.stderr)
        sys.exit(f"{a.input}: podchecker found problems")

    name = os.path.basename(a.man).rsplit(".", 1)
    subprocess.run(["pod2man", "--utf8", "--section", name[1],
                    "--name", name[0].upper(), "--center", "guestcell",
                    "--release", "guestcell " + a.version,
                    "--date", "", a.pod, a.man], check=True)


main()
