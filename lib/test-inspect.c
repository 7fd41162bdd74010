/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Unit test of the parsers of inspection (lib/inspect.c,
 * lib/inspect-apps.c), no appliance: os-release and the older release
 * files, versions, packaging, ELF headers, hostnames, the dpkg and apk
 * databases, and damaged inputs of each (empty, truncated, binary
 * garbage) that must leave fields out without crashing.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestcell.h"
#include "internal.h"
#include "tap.h"

static bool
streq (const char *a, const char *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return strcmp (a, b) == 0;
}

#define S(lit) lit, sizeof lit - 1

static void
test_release (void)
{
  struct gc_int_osinfo o = { .major = -1, .minor = -1 };
  gc_int_parse_os_release (S ("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
                              "VERSION_ID=\"12\"\nID=debian\n"), &o);
  gc_int_parse_release_file ("debian_version", S ("12.5\n"), &o);
  CHECK (streq (o.distro, "debian"), "os-release: debian");
  CHECK (streq (o.product_name, "Debian GNU/Linux 12 (bookworm)"),
         "os-release: PRETTY_NAME");
  CHECK (o.major == 12 && o.minor == 5, "debian_version gives the minor");
  gc_int_osinfo_free (&o);

  o = (struct gc_int_osinfo) { .major = -1, .minor = -1 };
  gc_int_parse_os_release (S ("ID='ubuntu'\nVERSION_ID=22.04\n"
                              "PRETTY_NAME=\"Ubuntu \\\"22.04\\\" LTS\"\n"), &o);
  CHECK (streq (o.distro, "ubuntu") && o.major == 22 && o.minor == 4,
         "os-release: ubuntu 22.04");
  CHECK (streq (o.product_name, "Ubuntu \"22.04\" LTS"), "escapes");
  gc_int_osinfo_free (&o);

  /* openSUSE Tumbleweed: the version is the snapshot's date. */
  o = (struct gc_int_osinfo) { .major = -1, .minor = -1 };
  gc_int_parse_os_release (S ("ID=\"opensuse-tumbleweed\"\n"
                              "VERSION_ID=\"20240110\"\n"), &o);
  CHECK (streq (o.distro, "opensuse") && o.major == 20240110 && o.minor == 0,
         "Tumbleweed: VERSION_ID 20240110 is the major version");
  gc_int_osinfo_free (&o);

  /* Damaged: empty, no ID, unknown ID, garbage, binary. */
  static const char *const bad[] = { "", "\n\n", "ID=\n", "ID=plan9\n",
                                     "=\n==\nID", ("\x7f" "ELF\0\0\0=\"") };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    o = (struct gc_int_osinfo) { .major = -1, .minor = -1 };
    int r = gc_int_parse_os_release (bad[i], strlen (bad[i]) + (i == 5 ? 3 : 0), &o);
    CHECK (r == 0 && o.distro == NULL && o.major == -1,
           "damaged os-release %zu: nothing found", i);
    gc_int_osinfo_free (&o);
  }
  o = (struct gc_int_osinfo) { .major = -1, .minor = -1 };
  gc_int_parse_os_release (S ("VERSION_ID=\"3"), &o);   /* truncated */
  CHECK (o.major == 3 && o.minor == 0, "truncated VERSION_ID");
  gc_int_osinfo_free (&o);

  static const struct { const char *file, *text, *distro; int maj, min; }
  older[] = {
    { "redhat-release", "Fedora release 39 (Thirty Nine)\n", "fedora", 39, 0 },
    { "redhat-release", "CentOS Linux release 7.9.2009 (Core)\n", "centos", 7, 9 },
    { "redhat-release", "Red Hat Enterprise Linux release 8.4 (Ootpa)", "rhel", 8, 4 },
    { "redhat-release", "Some Clone release 5.1", "redhat-based", 5, 1 },
    { "SuSE-release", "openSUSE 13.1 (x86_64)\nVERSION = 13.1\n", "opensuse", 13, 1 },
    { "SuSE-release", "SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\nPATCHLEVEL = 3\n", "sles", 12, 3 },
    { "lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=10.04\nDISTRIB_DESCRIPTION=\"Ubuntu 10.04 LTS\"\n", "ubuntu", 10, 4 },
    { "alpine-release", "3.18.4\n", "alpinelinux", 3, 18 },
    { "arch-release", "", "archlinux", -1, -1 },
    { "gentoo-release", "Gentoo Base System release 2.14\n", "gentoo", 2, 14 },
    { "debian_version", "bookworm/sid\n", "debian", -1, -1 },
    { "redhat-release", "", NULL, -1, -1 },
    { "lsb-release", "DISTRIB_ID", NULL, -1, -1 },
    { "alpine-release", "\n", NULL, -1, -1 },
  };
  for (size_t i = 0; i < sizeof older / sizeof older[0]; ++i) {
    o = (struct gc_int_osinfo) { .major = -1, .minor = -1 };
    gc_int_parse_release_file (older[i].file, older[i].text,
                               strlen (older[i].text), &o);
    CHECK (streq (o.distro, older[i].distro) && o.major == older[i].maj
           && (o.major == -1 || o.minor == older[i].min),
           "%s #%zu -> %s %d.%d (got %s %d.%d)", older[i].file, i,
           older[i].distro, older[i].maj, older[i].min, o.distro, o.major,
           o.minor);
    gc_int_osinfo_free (&o);
  }
}

/* Debian and Ubuntu without os-release, read in inspect.c's order:
 * lsb-release, then debian_version. */
static void
test_old_debian (void)
{
  static const struct {
    const char *lsb, *debian_version, *distro, *product;
    int maj, min;
  } t[] = {
    { NULL, "7.11\n", "debian", "7.11", 7, 11 },
    { NULL, "8.11\n", "debian", "8.11", 8, 11 },
    { NULL, "6.0.10\n", "debian", "6.0.10", 6, 0 },
    { NULL, "squeeze/sid\n", "debian", "squeeze/sid", -1, -1 },
    { "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=14.04\nDISTRIB_CODENAME=trusty\n"
      "DISTRIB_DESCRIPTION=\"Ubuntu 14.04.6 LTS\"\n", "jessie/sid\n",
      "ubuntu", "Ubuntu 14.04.6 LTS", 14, 4 },
    { "DISTRIB_ID=LinuxMint\r\nDISTRIB_RELEASE=17.3\r\n"
      "DISTRIB_DESCRIPTION=\"Linux Mint 17.3 Rosa\"\r\n", "jessie/sid\n",
      "linuxmint", "Linux Mint 17.3 Rosa", 17, 3 },
    { "DISTRIB_ID=Mageia\nDISTRIB_RELEASE=5\n"
      "DISTRIB_DESCRIPTION=\"Mageia 5\"\n", NULL, "mageia", "Mageia 5", 5, 0 },
    /* The lsb-release package on Debian: debian_version tells. */
    { "DISTRIB_ID=Debian\nDISTRIB_RELEASE=8.11\n"
      "DISTRIB_DESCRIPTION=\"Debian GNU/Linux 8.11 (jessie)\"\n", "8.11\n",
      "debian", "8.11", 8, 11 },
    /* Damaged. */
    { "DISTRIB_ID=\"Ubuntu\nDISTRIB_RELEASE=\n", "\n\n", "ubuntu", NULL, -1, -1 },
    { "DISTRIB_ID=Plan9\nDISTRIB_RELEASE=4\n", "\n\n", NULL, NULL, -1, -1 },
    /* Not text: made text. */
    /* The parser keeps the bytes; gc_inspect makes them safe. */
    { "\x01\x02=\n=\n", "\xff\xfe", "debian", "\xff\xfe", -1, -1 },
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; ++i) {
    struct gc_int_osinfo o = { .major = -1, .minor = -1 };
    if (t[i].lsb)
      gc_int_parse_release_file ("lsb-release", t[i].lsb, strlen (t[i].lsb),
                                 &o);
    if (t[i].debian_version)
      gc_int_parse_release_file ("debian_version", t[i].debian_version,
                                 strlen (t[i].debian_version), &o);
    CHECK (streq (o.distro, t[i].distro) && streq (o.product_name, t[i].product)
           && o.major == t[i].maj && (o.major == -1 || o.minor == t[i].min),
           "old Debian/Ubuntu #%zu -> %s \"%s\" %d.%d (got %s \"%s\" %d.%d)",
           i, t[i].distro, t[i].product, t[i].maj, t[i].min, o.distro,
           o.product_name, o.major, o.minor);
    gc_int_osinfo_free (&o);
  }
}

/* Container Linux and Flatcar: "coreos", as libguestfs reports both. */
static void
test_coreos_release (void)
{
  static const char *const t[] = {
    "ID=flatcar\nID_LIKE=coreos\nVERSION_ID=3602.2.1\n"
    "PRETTY_NAME=\"Flatcar Container Linux by Kinvolk 3602.2.1 (Oklo)\"\n",
    "NAME=\"Container Linux by CoreOS\"\nID=coreos\nVERSION_ID=3602.2.1\n"
    "PRETTY_NAME=\"Container Linux by CoreOS 3602.2.1 (Ladybug)\"\n",
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; ++i) {
    struct gc_int_osinfo o = { .major = -1, .minor = -1 };
    gc_int_parse_os_release (t[i], strlen (t[i]), &o);
    const char *f, *m;
    gc_int_distro_packaging (o.distro, o.major, &f, &m);
    CHECK (streq (o.distro, "coreos") && o.major == 3602 && o.minor == 2
           && f == NULL && m == NULL, "coreos #%zu: coreos 3602.2, no "
           "packaging (got %s %d.%d)", i, o.distro, o.major, o.minor);
    gc_int_osinfo_free (&o);
  }
}

static void
test_tables (void)
{
  const char *f, *m;
  /* Every distro maps to values of the tables (or nothing). */
  for (size_t i = 0; gc_int_inspect_distros[i]; ++i) {
    gc_int_distro_packaging (gc_int_inspect_distros[i], 9, &f, &m);
    CHECK ((f == NULL) == (m == NULL), "%s: packaging both or neither",
           gc_int_inspect_distros[i]);
  }
  gc_int_distro_packaging ("debian", 12, &f, &m);
  CHECK (streq (f, "deb") && streq (m, "apt"), "debian: deb, apt");
  gc_int_distro_packaging ("fedora", 39, &f, &m);
  CHECK (streq (f, "rpm") && streq (m, "dnf"), "fedora: rpm, dnf");
  gc_int_distro_packaging ("centos", 7, &f, &m);
  CHECK (streq (f, "rpm") && streq (m, "yum"), "centos 7: rpm, yum");
  gc_int_distro_packaging ("alpinelinux", 3, &f, &m);
  CHECK (streq (f, "apk") && streq (m, "apk"), "alpine: apk");
  CHECK (gc_int_inspect_distro ("nosuch") == NULL, "unknown distro refused");
}

static void
test_elf (void)
{
  char h[64] = "\177ELF\2\1\1";
  h[18] = 62;
  CHECK (streq (gc_int_elf_arch (h, sizeof h), "x86_64"), "ELF x86_64");
  h[18] = (char) 183;
  CHECK (streq (gc_int_elf_arch (h, sizeof h), "aarch64"), "ELF aarch64");
  h[4] = 1; h[18] = 3;
  CHECK (streq (gc_int_elf_arch (h, sizeof h), "i386"), "ELF i386");
  h[4] = 2; h[5] = 2; h[18] = 0; h[19] = 21;
  CHECK (streq (gc_int_elf_arch (h, sizeof h), "ppc64"), "ELF ppc64 big-endian");
  CHECK (gc_int_elf_arch (h, 19) == NULL, "truncated ELF header");
  CHECK (gc_int_elf_arch ("#!/bin/sh\n echo hello world\n", 27) == NULL,
         "a script is not ELF");
  h[19] = 99;
  CHECK (gc_int_elf_arch (h, sizeof h) == NULL, "unknown machine");
}

static void
test_hostname (void)
{
  char *h = gc_int_parse_hostname (S ("# comment\n  web01.example.com \n"));
  CHECK (streq (h, "web01.example.com"), "hostname");
  free (h);
  h = gc_int_parse_hostname (S (""));
  CHECK (h == NULL, "empty hostname file");
  h = gc_int_parse_hostname (S ("bad host;rm\n"));
  CHECK (h == NULL, "invalid hostname refused");
  h = gc_int_parse_sysconfig_hostname (S ("NETWORKING=yes\nHOSTNAME=\"old.example\"\n"));
  CHECK (streq (h, "old.example"), "sysconfig HOSTNAME");
  free (h);
}

static const char dpkg[] =
  "Package: libc6\n"
  "Status: install ok installed\n"
  "Architecture: amd64\n"
  "Source: glibc (2.36-9)\n"
  "Version: 2.36-9+deb12u4\n"
  "Description: GNU C Library: Shared libraries\n"
  " Contains the standard libraries.\n"
  " .\n"
  " Second paragraph.\n"
  "Homepage: https://www.gnu.org/software/libc/libc.html\n"
  "\n"
  "Package: removed\n"
  "Status: deinstall ok config-files\n"
  "Version: 1.0\n"
  "\n"
  "Package: adduser\n"
  "Status: install ok installed\n"
  "Version: 1:3.134\n"
  "Architecture: all\n"
  "Description: add and remove users\n"
  "garbage line without colon\n"
  "\n";

static void
test_dpkg (void)
{
  gc_int_app_vector v = EMPTY_VECTOR;
  CHECK (gc_int_parse_dpkg_status (S (dpkg), &v) == 0 && v.len == 2,
         "dpkg: two installed packages (got %zu)", v.len);
  if (v.len == 2) {
    struct gc_inspect_app *a = &v.ptr[0], *b = &v.ptr[1];
    CHECK (streq (a->name, "libc6") && streq (a->version, "2.36")
           && streq (a->release, "9+deb12u4") && a->epoch == 0
           && streq (a->arch, "amd64") && streq (a->source_package, "glibc")
           && streq (a->url, "https://www.gnu.org/software/libc/libc.html")
           && streq (a->summary, "GNU C Library: Shared libraries")
           && streq (a->description, "Contains the standard libraries.\n\n"
                     "Second paragraph."),
           "dpkg: libc6's fields");
    CHECK (streq (b->name, "adduser") && b->epoch == 1
           && streq (b->version, "3.134") && b->release == NULL
           && b->description == NULL, "dpkg: epoch, no revision");
  }
  gc_int_apps_free (&v);

  /* Truncated at every byte: never a crash, never more than 2. */
  bool ok = true;
  for (size_t n = 0; n <= sizeof dpkg - 1; ++n) {
    if (gc_int_parse_dpkg_status (dpkg, n, &v) == -1 || v.len > 2)
      ok = false;
    gc_int_apps_free (&v);
  }
  CHECK (ok, "dpkg: truncated at every length");
  gc_int_parse_dpkg_status (dpkg, 200, &v);
  CHECK (v.len == 1 && streq (v.ptr[0].name, "libc6"),
         "dpkg: truncated in the 1st stanza's description keeps it");
  gc_int_apps_free (&v);
  gc_int_parse_dpkg_status ("\0\0\xff\n:\n: :\n", 9, &v);
  CHECK (v.len == 0, "dpkg: garbage");
  gc_int_apps_free (&v);
}

/* The forms of dpkg status entries: what dpkg itself writes and what
 * other writers (opkg, hand-made or converted files) do.  Each stanza
 * is a package named after what it tests; "yes-" ones are installed. */
static const char dpkg_forms[] =
  /* dpkg's own: hold and deinstall of installed packages are installed. */
  "Package: yes-hold\nStatus: hold ok installed\nVersion: 1.0-1\n\n"
  "Package: yes-deinstall\nStatus: deinstall ok installed\nVersion: 1.0-1\n\n"
  "Package: yes-purge\nStatus: purge ok installed\nVersion: 1.0-1\n\n"
  "Package: yes-trig-pend\nStatus: install ok triggers-pending\n"
  "Version: 1.0-1\n\n"
  "Package: yes-trig-await\nStatus: install ok triggers-awaited\n"
  "Version: 1.0-1\n\n"
  /* Not installed, whatever libguestfs's substring test says. */
  "Package: no-config\nStatus: deinstall ok config-files\nVersion: 1.0-1\n\n"
  "Package: no-half\nStatus: install reinstreq half-installed\n"
  "Version: 1.0-1\n\n"
  "Package: no-unpacked\nStatus: install ok unpacked\nVersion: 1.0-1\n\n"
  "Package: no-halfconf\nStatus: install ok half-configured\n"
  "Version: 1.0-1\n\n"
  "Package: no-notinst\nStatus: purge ok not-installed\n\n"
  "Package: no-status\nVersion: 1.0-1\n\n"
  "Package: no-oneword\nStatus: installed\nVersion: 1.0-1\n\n"
  "Package: no-prefix\nStatus: install ok xinstalled\nVersion: 1.0-1\n\n"
  /* Fields in any order, any case, with or without the space; a Depends
   * continued on the next line. */
  "vErSiOn:2:1.2.3-4-5\nstatus:   install   ok   installed  \n"
  "Depends: libc6 (>= 2.36),\n libfoo\nARCHITECTURE: arm64\n"
  "PACKAGE:yes-case\n\n"
  /* Multiarch: one name, two arches, in reverse order. */
  "Package: yes-multi\nStatus: install ok installed\nArchitecture: i386\n"
  "Multi-Arch: same\nVersion: 3.0-2\n\n"
  "Package: yes-multi\nStatus: install ok installed\nArchitecture: amd64\n"
  "Multi-Arch: same\nVersion: 3.0-2\n\n"
  /* CRLF, with a CRLF blank line, and a tab-continued description. */
  "Package: yes-crlf\r\nStatus: install ok installed\r\n"
  "Version: 0.9\r\nDescription: crlf\r\n\tmore\r\n\r\n"
  /* Several blank lines, blanks-only lines between stanzas. */
  "\n\n \t \n"
  /* opkg: flag "user", Installed-Time, no Description. */
  "Package: yes-opkg\nVersion: 2023.1-r0\nDepends: libc\n"
  "Status: install user installed\nArchitecture: aarch64_cortex-a53\n"
  "Installed-Time: 1700000000\n\n"
  /* No blank line before the next Package. */
  "Package: yes-noblank\nStatus: install ok installed\nVersion: 5\n"
  "Package: yes-after\nStatus: install ok installed\nVersion: 6\n\n"
  /* An epoch that is not a number; not valid UTF-8 nor text. */
  "Package: yes-badepoch\nStatus: install ok installed\nVersion: x:1.0\n"
  "Description: \xff\x01" "bad\n\n"
  /* The last stanza with no newline at the end. */
  "Package: yes-last\nStatus: install ok installed\nVersion: 7.0-1";

static void
test_dpkg_forms (void)
{
  gc_int_app_vector v = EMPTY_VECTOR;
  struct gc_inspect_os os = { 0 };
  CHECK (gc_int_parse_dpkg_status (S (dpkg_forms), &v) == 0, "dpkg forms");
  gc_int_apps_take (&os, &v);
  size_t yes = 0;
  for (const char *p = dpkg_forms; (p = strstr (p, "yes-")); p++)
    if (p[-1] == ' ' || p[-1] == ':')
      yes++;
  yes--;                        /* yes-multi is in two stanzas ... */
  yes++;                        /* ... and listed twice: one each arch */
  for (size_t i = 0; i < os.nr_applications; ++i)
    CHECK (gc_str_prefix (os.applications[i].name, "yes-"),
           "dpkg forms: %s is listed", os.applications[i].name);
  CHECK (os.nr_applications == yes, "dpkg forms: %zu listed (got %zu)", yes,
         os.nr_applications);
  const struct gc_inspect_app *multi = NULL, *casey = NULL, *crlf = NULL,
    *opkg = NULL, *bad = NULL, *last = NULL;
  for (size_t i = 0; i < os.nr_applications; ++i) {
    const struct gc_inspect_app *a = &os.applications[i];
    if (streq (a->name, "yes-multi") && multi == NULL) multi = a;
    if (streq (a->name, "yes-case")) casey = a;
    if (streq (a->name, "yes-crlf")) crlf = a;
    if (streq (a->name, "yes-opkg")) opkg = a;
    if (streq (a->name, "yes-badepoch")) bad = a;
    if (streq (a->name, "yes-last")) last = a;
  }
  CHECK (multi && streq (multi->arch, "amd64") && streq (multi[1].name, "yes-multi")
         && streq (multi[1].arch, "i386") && streq (multi[1].version, "3.0"),
         "dpkg forms: multiarch, both, sorted by arch");
  CHECK (casey && casey->epoch == 2 && streq (casey->version, "1.2.3-4")
         && streq (casey->release, "5") && streq (casey->arch, "arm64"),
         "dpkg forms: any case, any order; the revision after the last '-'");
  CHECK (crlf && streq (crlf->version, "0.9") && crlf->release == NULL
         && streq (crlf->summary, "crlf") && streq (crlf->description, "more"),
         "dpkg forms: CRLF");
  CHECK (opkg && streq (opkg->version, "2023.1") && streq (opkg->release, "r0")
         && streq (opkg->arch, "aarch64_cortex-a53"), "dpkg forms: opkg");
  CHECK (bad && bad->epoch == 0 && streq (bad->version, "1.0")
         && streq (bad->summary, "\xff\x01" "bad"),
         "dpkg forms: bad epoch, bytes that are not text kept for "
         "gc_inspect to make safe");
  CHECK (last && streq (last->version, "7.0") && streq (last->release, "1"),
         "dpkg forms: no newline at the end");
  for (size_t i = 0; i < os.nr_applications; ++i)
    gc_int_app_free (&os.applications[i]);
  free (os.applications);

  /* Every prefix of it: no crash, never more than the whole. */
  bool ok = true;
  for (size_t n = 0; n <= sizeof dpkg_forms - 1; n += 7) {
    if (gc_int_parse_dpkg_status (dpkg_forms, n, &v) == -1 || v.len > yes)
      ok = false;
    gc_int_apps_free (&v);
  }
  CHECK (ok, "dpkg forms: truncated anywhere");
}

static const char apk[] =
  "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nT:the musl c library\n"
  "U:https://musl.libc.org/\no:musl\n\n"
  "P:busybox\nV:1.36.1_git-rc1-r5\nA:x86_64\nT:Size optimized toolbox\n\n";

static void
test_apk (void)
{
  gc_int_app_vector v = EMPTY_VECTOR;
  CHECK (gc_int_parse_apk_installed (S (apk), &v) == 0 && v.len == 2,
         "apk: two packages");
  if (v.len == 2)
    CHECK (streq (v.ptr[0].name, "musl") && streq (v.ptr[0].version, "1.2.4")
           && streq (v.ptr[0].release, "r2") && streq (v.ptr[0].arch, "x86_64")
           && streq (v.ptr[0].url, "https://musl.libc.org/")
           && streq (v.ptr[0].source_package, "musl")
           && streq (v.ptr[0].summary, "the musl c library")
           && streq (v.ptr[1].version, "1.36.1_git-rc1")
           && streq (v.ptr[1].release, "r5"), "apk: fields");
  gc_int_apps_free (&v);
  bool ok = true;
  for (size_t n = 0; n <= sizeof apk - 1; ++n) {
    if (gc_int_parse_apk_installed (apk, n, &v) == -1 || v.len > 2)
      ok = false;
    gc_int_apps_free (&v);
  }
  CHECK (ok, "apk: truncated at every length");
}

static const char pacman[] =
  "%NAME%\nbash\n\n%VERSION%\n1:5.2.026-2\n\n%BASE%\nbash\n\n"
  "%DESC%\nThe GNU Bourne Again shell\n\n%URL%\n"
  "https://www.gnu.org/software/bash/bash.html\n\n%ARCH%\nx86_64\n\n"
  "%BUILDDATE%\n1704844823\n";

static void
test_pacman (void)
{
  gc_int_app_vector v = EMPTY_VECTOR;
  CHECK (gc_int_parse_pacman_desc (S (pacman), &v) == 0 && v.len == 1,
         "pacman: one package");
  if (v.len == 1)
    CHECK (streq (v.ptr[0].name, "bash") && v.ptr[0].epoch == 1
           && streq (v.ptr[0].version, "5.2.026")
           && streq (v.ptr[0].release, "2") && streq (v.ptr[0].arch, "x86_64")
           && streq (v.ptr[0].source_package, "bash")
           && streq (v.ptr[0].summary, "The GNU Bourne Again shell")
           && streq (v.ptr[0].url, "https://www.gnu.org/software/bash/bash.html"),
           "pacman: fields");
  gc_int_apps_free (&v);
  bool ok = true;
  for (size_t n = 0; n <= sizeof pacman - 1; ++n) {
    if (gc_int_parse_pacman_desc (pacman, n, &v) == -1 || v.len > 1)
      ok = false;
    gc_int_apps_free (&v);
  }
  CHECK (ok, "pacman: truncated at every length");
  gc_int_parse_pacman_desc (S ("%NAME%\n\n%VERSION%\n1\n"), &v);
  CHECK (v.len == 0, "pacman: no name, no package");
  gc_int_apps_free (&v);
}

static void
test_windows (void)
{
  /* A PE header at 0x80: "PE\0\0", then Machine. */
  char pe[0x100] = "MZ";
  pe[0x3c] = (char) 0x80;
  memcpy (pe + 0x80, "PE\0\0\x64\x86", 6);
  uint32_t off = 0;
  CHECK (streq (gc_int_pe_arch (pe, sizeof pe, &off), "x86_64")
         && off == 0x80, "PE x86_64, e_lfanew 0x80");
  memcpy (pe + 0x84, "\x4c\x01", 2);
  CHECK (streq (gc_int_pe_arch (pe, sizeof pe, NULL), "i386"), "PE i386");
  memcpy (pe + 0x84, "\x64\xaa", 2);
  CHECK (streq (gc_int_pe_arch (pe, sizeof pe, NULL), "aarch64"), "PE arm64");
  memcpy (pe + 0x84, "\x34\x12", 2);
  CHECK (gc_int_pe_arch (pe, sizeof pe, NULL) == NULL, "PE unknown machine");
  CHECK (gc_int_pe_arch (pe, 0x84, &off) == NULL && off == 0x80,
         "PE header beyond the buffer: no arch, but its offset");
  pe[0x3c] = (char) 0xff; pe[0x3d] = (char) 0xff;
  pe[0x3e] = (char) 0xff; pe[0x3f] = (char) 0xff;
  CHECK (gc_int_pe_arch (pe, sizeof pe, NULL) == NULL, "e_lfanew 4 GiB");
  CHECK (gc_int_pe_arch ("MZ", 2, NULL) == NULL, "truncated MZ header");
  CHECK (gc_int_pe_arch ("\x7f" "ELF", 4, NULL) == NULL, "not PE");

  char want[40];
  uint64_t offset = 1;
  CHECK (gc_int_parse_drive_mapping ("78563412" "0000100000000000", want,
                                     sizeof want, &offset) == 1
         && streq (want, "12345678") && offset == 0x100000,
         "MountedDevices MBR: signature and offset");
  CHECK (gc_int_parse_drive_mapping ("444d494f3a49443a"
                                     "33221100554477668899aabbccddeeff",
                                     want, sizeof want, &offset) == 2
         && streq (want, "00112233-4455-6677-8899-aabbccddeeff"),
         "MountedDevices GPT: DMIO:ID: and the partition GUID");
  static const char *const bad[] = {
    "", "7856341200001000000000", "785634120000100000000000ff",
    "zz5634120000100000000000", "5c003f003f005c00", NULL
  };
  bool ok = true;
  for (size_t i = 0; bad[i]; ++i)
    if (gc_int_parse_drive_mapping (bad[i], want, sizeof want, &offset) != 0)
      ok = false;
  CHECK (ok, "MountedDevices: other lengths, odd or non-hex data refused");
}

static void
test_crypttab (void)
{
  gc_int_fstab t = EMPTY_VECTOR;
  static const char text[] =
    "# <target name> <source device> <key file> <options>\n"
    "secret UUID=1234-abcd none luks,discard\n"
    "\n"
    "   swapcrypt\t/dev/vda3 /dev/urandom swap\n"
    "onlyonefield\n"
    "two fields";
  CHECK (gc_int_parse_crypttab (text, sizeof text - 1, &t) == 0 && t.len == 3,
         "crypttab: three entries (got %zu)", t.len);
  CHECK (t.len == 3 && streq (t.ptr[0].mountpoint, "secret")
         && streq (t.ptr[0].spec, "UUID=1234-abcd")
         && streq (t.ptr[1].mountpoint, "swapcrypt")
         && streq (t.ptr[1].spec, "/dev/vda3")
         && streq (t.ptr[2].spec, "fields"),
         "crypttab: names and devices");
  gc_int_fstab_free (&t);
  bool ok = true;
  for (size_t n = 0; n < sizeof text; ++n) {
    gc_int_fstab u = EMPTY_VECTOR;
    if (gc_int_parse_crypttab (text, n, &u) == -1)
      ok = false;
    gc_int_fstab_free (&u);
  }
  CHECK (ok, "crypttab: truncated at every length");
}

int
main (void)
{
  test_release ();
  test_old_debian ();
  test_coreos_release ();
  test_tables ();
  test_elf ();
  test_hostname ();
  test_dpkg ();
  test_dpkg_forms ();
  test_apk ();
  test_pacman ();
  test_windows ();
  test_crypttab ();
  return tap_done ();
}
