#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# check-virt-ls.py TREE GUESTDIR < CSV
#
# What an independent reader says the guest holds: CSV is the output of
# libguestfs's `virt-ls --csv -lR --checksum=sha256 --extra-stats
# --time-t --uids GUESTDIR` (columns: type, mode, size, uid, gid, atime,
# mtime, ctime, dev, ino, nlink, rdev, blocks, checksum, path[, link
# target]), GUESTDIR the guest copy of the host directory TREE.  Every
# entry of TREE must be there with the same type, permission bits,
# size, mtime (seconds), link target and SHA-256, and a file sparse in
# TREE must be sparse in the guest (st_blocks).  Exits 1 on a
# difference.

import csv
import hashlib
import os
import stat
import sys

tree, guestdir = sys.argv[1], sys.argv[2].rstrip("/")
rows = {}
for r in csv.reader(sys.stdin):
    if len(r) >= 15:
        rows[r[14]] = r

types = {stat.S_IFDIR: "d", stat.S_IFREG: "-", stat.S_IFLNK: "l",
         stat.S_IFIFO: "p", stat.S_IFCHR: "c", stat.S_IFBLK: "b"}
problems = []
n = 0
for dirpath, dirnames, filenames in os.walk(tree):
    for name in dirnames + filenames:
        p = os.path.join(dirpath, name)
        st = os.lstat(p)
        g = guestdir + "/" + os.path.basename(tree) + "/" + os.path.relpath(p, tree)
        r = rows.get(g)
        if r is None:
            problems.append("%r: not in the guest" % g)
            continue
        n += 1
        t = types.get(stat.S_IFMT(st.st_mode), "?")
        if r[0] != t:
            problems.append("%r: type %s, not %s" % (g, r[0], t))
            continue
        if t != "l" and int(r[1], 8) != stat.S_IMODE(st.st_mode):
            problems.append("%r: mode %s, not %o" % (g, r[1], stat.S_IMODE(st.st_mode)))
        if t != "p" and int(r[6]) != st.st_mtime_ns // 10**9:
            problems.append("%r: mtime %s, not %d" % (g, r[6], st.st_mtime_ns // 10**9))
        if t == "-":
            if int(r[2]) != st.st_size:
                problems.append("%r: size %s, not %d" % (g, r[2], st.st_size))
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for b in iter(lambda: f.read(1 << 20), b""):
                    h.update(b)
            if r[13] != h.hexdigest():
                problems.append("%r: SHA-256 differs" % g)
            if st.st_blocks * 512 < st.st_size // 2 and \
               int(r[12]) * 512 > st.st_blocks * 512 + (1 << 20):
                problems.append("%r: not sparse in the guest: %s blocks" % (g, r[12]))
        if t == "l" and (len(r) < 16 or r[15] != os.readlink(p)):
            problems.append("%r: link target differs" % g)
for p in problems:
    print("DIFF: " + p)
if problems:
    sys.exit(1)
print("libguestfs's virt-ls agrees on %d entries (type, mode, size, mtime, "
      "SHA-256, link targets, holes)" % n)
