#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# make-tree.py DIR: a host tree of every kind of entry for the round
# trip of virt-copy-in and virt-copy-out: regular files (empty, text,
# binary), a sparse 1 GiB file (data at 3 places), a directory 20
# levels deep, symbolic links (relative, absolute, dangling, to a
# directory), a FIFO, a character device (as root), hard links (3
# names across directories, and a hard-linked FIFO), names with spaces,
# a newline, UTF-8 and 255 bytes, odd modes (0604, setuid, setgid,
# sticky, 0000, a 0555 directory) and times (before 1970, nanoseconds,
# far future).  DIR must not exist.

import os
import sys

top = sys.argv[1]
os.mkdir(top, 0o755)


def path(*p):
    return os.path.join(top, *p)


def put(rel, data, mode=0o644):
    with open(path(rel), "wb") as f:
        f.write(data)
    os.chmod(path(rel), mode)


def times(rel, mtime_ns, follow=False):
    os.utime(path(rel), ns=(mtime_ns - 7_000_000_011, mtime_ns),
             follow_symlinks=follow)


put("plain.txt", b"plain text\n")
put("empty", b"")
put("binary.dat", bytes(range(256)) * 4097)
put("odd mode", b"mode 0604\n", 0o604)
put("setuid", b"#!/bin/sh\n", 0o4755)
put("setgid", b"#!/bin/sh\n", 0o2711)
if os.geteuid() == 0:
    put("no access", b"mode 0\n", 0o000)       # only root can read it
put("with space and\nnewline", b"a newline in the name\n")
put("caf\u00e9 \u20ac \U0001f427", b"UTF-8 name\n")
put("n" * 255, b"a name of 255 bytes\n")

# Sparse: 1 GiB, data at the start, in the middle and at the end.
with open(path("sparse-1G"), "wb") as f:
    f.write(b"head")
    f.seek(512 << 20)
    f.write(b"middle" * 1000)
    f.seek((1 << 30) - 3)
    f.write(b"end")

os.symlink("plain.txt", path("link-relative"))
os.symlink("/etc/passwd", path("link-absolute"))
os.symlink("nowhere/at/all", path("link-dangling"))
os.mkfifo(path("fifo"), 0o640)
if os.geteuid() == 0:
    os.mknod(path("char-dev"), 0o620 | 0o020000, os.makedev(1, 3))

os.mkdir(path("sub"), 0o750)
os.link(path("plain.txt"), path("sub", "hard link"))
put("sub/three names", b"hard-linked three times\n")
os.mkdir(path("sub", "other"))
os.link(path("sub", "three names"), path("sub", "other", "second"))
os.link(path("sub", "three names"), path("third"))
os.link(path("fifo"), path("sub", "fifo too"))
os.symlink("../sub", path("sub", "other", "link-to-dir"))

d = path("deep")
rel = "deep"
for i in range(20):
    os.mkdir(d)
    d = os.path.join(d, "level%02d" % i)
    rel = os.path.join(rel, "level%02d" % i)
put(rel, b"twenty levels down\n")
times(rel, 1_000_000_000_123_456_789)

os.mkdir(path("sticky"), 0o1777)
os.mkdir(path("setgid-dir"), 0o2775)
os.mkdir(path("read-only"), 0o755)
put("read-only/inside", b"in a read-only directory\n")
os.chmod(path("read-only"), 0o555)

times("plain.txt", 1_234_567_890_987_654_321)
times("binary.dat", -86400 * 365 * 10 * 1_000_000_000)    # 1960
times("empty", 4_000_000_000_000_000_001)                  # 2096
times("link-relative", 1_111_111_111_000_000_000)
times("sub", 1_500_000_000_000_000_042)
times("read-only", 1_600_000_000_000_000_000)
times("deep", 1_300_000_000_500_000_000)
