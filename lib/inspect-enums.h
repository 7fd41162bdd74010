/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Every enumerated value inspection can report, in one place: the OS
 * types, the distros, the package formats and the package managers.
 * Each list is an X-macro: X("value"); an unknown value is no value
 * (the element is left out), as in libguestfs's schema.  The core only
 * emits these strings (through the gc_int_inspect_* tables built from
 * them),
 * inspector/virt-inspector.rng lists the same values, and the test
 * inspector/test-virt-inspector-enums.py checks that both agree (it
 * runs inspector/dump-inspect-enums, which prints these lists).
 */

#ifndef GC_INSPECT_ENUMS_H
#define GC_INSPECT_ENUMS_H

/* <name>: the OS type. */
#define GC_INSPECT_OS_TYPES(X) \
  X ("linux") X ("windows")

/* <distro>. */
#define GC_INSPECT_DISTROS(X) \
  X ("alpinelinux") X ("altlinux") X ("archlinux") X ("centos") X ("coreos") \
  X ("debian") X ("fedora") X ("gentoo") X ("kalilinux") X ("linuxmint") \
  X ("mageia") X ("opensuse") X ("oraclelinux") X ("redhat-based") \
  X ("rhel") X ("rocky") X ("slackware") X ("sles") X ("ubuntu") \
  X ("voidlinux") X ("windows")

/* <package_format>. */
#define GC_INSPECT_PACKAGE_FORMATS(X) \
  X ("apk") X ("deb") X ("ebuild") X ("pacman") X ("pkgsrc") X ("rpm") \
  X ("xbps")

/* <package_management>. */
#define GC_INSPECT_PACKAGE_MANAGEMENTS(X) \
  X ("apk") X ("apt") X ("dnf") X ("pacman") X ("portage") X ("up2date") \
  X ("urpmi") X ("xbps") X ("yum") X ("zypper")

#endif /* GC_INSPECT_ENUMS_H */
