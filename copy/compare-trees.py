#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# compare-trees.py [--owners] [--no-setuid] [--no-devices] [--no-dir-times]
#                  SRC DST
#
# Is DST a faithful copy of SRC?  Every entry of each is in the other,
# with the same type, permission bits (setuid/setgid of files left out
# with --no-setuid), modification time to the nanosecond (directories
# and files; links to the second), symbolic link target, device
# numbers, size and SHA-256 of the content; hard links group the same
# names on both sides; a file that is sparse in SRC (fewer blocks than
# half its size) is sparse in DST too (at most 1 MiB more allocated).
# With --owners, the numeric owner and group too.  With --no-devices,
# SRC's device nodes (and their hard links) must be missing from DST.
# With --no-dir-times, directories' times are not compared (a copy into
# directories that existed: they keep their own, and change as entries
# are replaced in them).
# Prints each difference; exits 1 if there is one, and otherwise prints
# what it checked.

import hashlib
import os
import stat
import sys

args = sys.argv[1:]
owners = "--owners" in args
no_setuid = "--no-setuid" in args
no_devices = "--no-devices" in args
no_dir_times = "--no-dir-times" in args
src, dst = [a for a in args if not a.startswith("--")]

problems = []
counts = {}


def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def kind(m):
    for name, test in (("dir", stat.S_ISDIR), ("file", stat.S_ISREG),
                       ("link", stat.S_ISLNK), ("fifo", stat.S_ISFIFO),
                       ("chr", stat.S_ISCHR), ("blk", stat.S_ISBLK)):
        if test(m):
            return name
    return "other"


def walk(root):
    """Relative path -> lstat, for everything below root."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            out[os.path.relpath(p, root)] = os.lstat(p)
    return out


a = walk(src)
b = walk(dst)
links_a, links_b = {}, {}
for rel in sorted(a):
    sa = a[rel]
    k = kind(sa.st_mode)
    if no_devices and k in ("chr", "blk"):
        if rel in b:
            problems.append("%r: a device node that should not be there" % rel)
        continue
    if rel not in b:
        problems.append("%r: missing" % rel)
        continue
    sb = b[rel]
    counts[k] = counts.get(k, 0) + 1
    if kind(sb.st_mode) != k:
        problems.append("%r: a %s, not a %s" % (rel, kind(sb.st_mode), k))
        continue
    perm = stat.S_IMODE(sa.st_mode)
    if no_setuid and k != "dir":
        perm &= ~0o6000
    if k != "link" and stat.S_IMODE(sb.st_mode) != perm:
        problems.append("%r: mode %o, not %o" % (rel, stat.S_IMODE(sb.st_mode), perm))
    if k == "link":
        if sa.st_mtime_ns // 10**9 != sb.st_mtime_ns // 10**9:
            problems.append("%r: link mtime %d, not %d" % (rel, sb.st_mtime_ns, sa.st_mtime_ns))
        if os.readlink(os.path.join(src, rel)) != os.readlink(os.path.join(dst, rel)):
            problems.append("%r: link target differs" % rel)
    elif k != "fifo" and not (k == "dir" and no_dir_times) and \
            sa.st_mtime_ns != sb.st_mtime_ns:
        problems.append("%r: mtime %d, not %d" % (rel, sb.st_mtime_ns, sa.st_mtime_ns))
    if owners and (sa.st_uid, sa.st_gid) != (sb.st_uid, sb.st_gid):
        problems.append("%r: owner %d:%d, not %d:%d" % (rel, sb.st_uid, sb.st_gid,
                                                       sa.st_uid, sa.st_gid))
    if k in ("chr", "blk") and sa.st_rdev != sb.st_rdev:
        problems.append("%r: device %x, not %x" % (rel, sb.st_rdev, sa.st_rdev))
    if k == "file":
        if sa.st_size != sb.st_size:
            problems.append("%r: %d bytes, not %d" % (rel, sb.st_size, sa.st_size))
        elif sha(os.path.join(src, rel)) != sha(os.path.join(dst, rel)):
            problems.append("%r: the content differs" % rel)
        if sa.st_blocks * 512 < sa.st_size // 2 and \
           sb.st_blocks * 512 > sa.st_blocks * 512 + (1 << 20):
            problems.append("%r: not sparse: %d blocks, the source %d" %
                            (rel, sb.st_blocks, sa.st_blocks))
    if k != "dir" and sa.st_nlink > 1:
        links_a.setdefault(sa.st_ino, set()).add(rel)
        links_b.setdefault(sb.st_ino, set()).add(rel)
for rel in sorted(set(b) - set(a)):
    problems.append("%r: not in the source" % rel)
ga = sorted(sorted(g) for g in links_a.values())
gb = sorted(sorted(g) for g in links_b.values())
if ga != gb:
    problems.append("hard links: %s, not %s" % (gb, ga))

for p in problems:
    print("DIFF: " + p)
if problems:
    sys.exit(1)
print("identical: %s; %d hard-link groups" %
      (", ".join("%d %s" % (n, k) for k, n in sorted(counts.items())), len(ga)))
