/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Unit test of virt-resize's plan (plan.c), no appliance: SIZE and PART
 * arguments, then layouts written as resize_layout describes them
 * (Debian-like MBR, Fedora-like GPT with an EFI system partition, an
 * extended partition with logical ones, four primaries) planned for
 * OUTDISKs of several sizes with the options: where each partition goes,
 * its size and number, the extra partition, and the refusals (too
 * small, content that does not fit, a fixed partition in the way).
 * Errors the plan prints go to stderr.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "strutils.h"
#include "resize.h"
#include "tap.h"

#define K 1024ULL
#define M (1024ULL * 1024)
#define G (1024ULL * 1024 * 1024)

static void
test_sizes (void)
{
  static const struct {
    const char *spec;
    uint64_t old, want;         /* want 0: an error */
  } t[] = {
    { "10G", G, 10 * G }, { "+1G", G, 2 * G }, { "-200M", G, G - 200 * M },
    { "90%", 1000, 900 }, { "+10%", 1000, 1100 }, { "-10%", 1000, 900 },
    { "1.5G", 0, 3 * G / 2 }, { "512", 7, 512 }, { "4b", 7, 4 },
    { "2K", 0, 2 * K }, { "1T", 0, 1024 * G }, { "128k", 0, 128 * K },
    { "0", G, 0 }, { "-2G", G, 0 }, { "foo", G, 0 }, { "10X", G, 0 },
    { "10GB", G, 0 }, { "", G, 0 }, { "+", G, 0 }, { "1.2.3G", G, 0 },
    { "-100%", G, 0 }, { "99999999999T", G, 0 },
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; ++i) {
    uint64_t r = 0;
    const char *why = NULL;
    int ok = rz_parse_size (t[i].spec, t[i].old, &r, &why) == 0;
    if (t[i].want)
      CHECK (ok && r == t[i].want, "size \"%s\" of %llu: %llu", t[i].spec,
             (unsigned long long) t[i].old, (unsigned long long) r);
    else
      CHECK (!ok && why, "size \"%s\" refused: %s", t[i].spec,
             why ? why : "(no reason)");
  }
}

static void
test_names (void)
{
  static const struct { const char *in, *want; } t[] = {
    { "/dev/sda1", "/dev/sda1" }, { "sda12", "/dev/sda12" },
    { "/dev/vda3", "/dev/sda3" }, { "/dev/hda2", "/dev/sda2" },
    { "/dev/xvda4", "/dev/sda4" }, { "/dev/sdb1", NULL },
    { "/dev/sda0", NULL }, { "/dev/sda", NULL }, { "/dev/sda1x", NULL },
    { "/dev/debian-vg/root", NULL }, { "sda01", NULL },
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; ++i) {
    char *r = rz_canonical_part (t[i].in);
    if (t[i].want)
      CHECK (r && strcmp (r, t[i].want) == 0, "%s is %s", t[i].in,
             r ? r : "(refused)");
    else
      CHECK (r == NULL, "%s refused", t[i].in);
    free (r);
  }
}

/* A layout from resize_layout's strings, separated by spaces ("-" for
 * an empty field). */
static void
layout (struct rz_layout *l, const char *desc)
{
  char *copy = strdup (desc), *save, *w;
  char *list[256];
  size_t n = 0;
  for (w = strtok_r (copy, " ", &save); w && n < 255;
       w = strtok_r (NULL, " ", &save))
    list[n++] = strcmp (w, "-") == 0 ? (char *) "" : w;
  list[n] = NULL;
  if (rz_layout_parse (list, l) == -1) {
    printf ("Bail out! invalid layout: %s\n", desc);
    exit (1);
  }
  free (copy);
}

static void
reset_options (void)
{
  free (rz_opts.expand);
  free (rz_opts.shrink);
  gc_string_vector_free (&rz_opts.resize);
  free (rz_opts.resize_force.ptr);
  gc_string_vector_free (&rz_opts.delete);
  gc_string_vector_free (&rz_opts.ignore);
  free (rz_opts.lvs.ptr);
  struct rz_options empty = {
    .alignment = 128, .align_first = "auto", .unknown_fs = "warn",
  };
  rz_opts = empty;
}

static void
add (string_vector *v, const char *s)
{
  string_vector_append (v, strdup (s));
}

/* Plan l for out bytes with the options set; -1 if refused. */
static int
plan (struct rz_layout *l, uint64_t out, struct rz_plan *p)
{
  if (rz_apply_options (l) == -1)
    return -1;
  return rz_plan (l, out, p);
}

static const char debian[] =
  "dos 536870912 512 512 0 4 "
  "1 primary 1048576 67108864 0x83 0x80 ext2 "
  "2 primary 68157440 468713472 0x8e 0x00 LVM2_member";

static void
test_debian (void)
{
  struct rz_layout l;
  struct rz_plan p;

  /* --expand: sda2 takes everything to the end of a 1 GiB disk. */
  reset_options ();
  rz_opts.expand = strdup ("/dev/sda2");
  layout (&l, debian);
  CHECK (plan (&l, G, &p) == 0, "debian 1G --expand sda2: planned");
  CHECK (l.parts[0].new_start == M && l.parts[0].new_size == 64 * M &&
         l.parts[0].method == NULL, "sda1 kept in place, unchanged");
  CHECK (l.parts[1].new_start == 65 * M && l.parts[1].new_size == G - 65 * M,
         "sda2 grown to the end: %llu",
         (unsigned long long) l.parts[1].new_size);
  CHECK (l.parts[1].method && strcmp (l.parts[1].method, "pvresize") == 0,
         "its PV grown by pvresize");
  CHECK (p.extra_size == 0, "no extra partition");
  rz_layout_free (&l);

  /* No --expand: the surplus is an extra partition sda3. */
  reset_options ();
  layout (&l, debian);
  CHECK (plan (&l, G, &p) == 0, "debian 1G: planned");
  CHECK (p.extra_num == 3 && p.extra_start == 512 * M &&
         p.extra_size == G - 512 * M, "extra sda3 at %llu, %llu bytes",
         (unsigned long long) p.extra_start,
         (unsigned long long) p.extra_size);
  CHECK (l.parts[1].method == NULL, "sda2 unchanged: nothing to grow");
  rz_layout_free (&l);

  /* --no-extra-partition, and a surplus under 10 MiB. */
  reset_options ();
  rz_opts.no_extra_partition = true;
  layout (&l, debian);
  CHECK (plan (&l, G, &p) == 0 && p.extra_size == 0 &&
         p.surplus == (int64_t) (G - 512 * M),
         "--no-extra-partition: the surplus left unpartitioned");
  rz_layout_free (&l);
  reset_options ();
  layout (&l, debian);
  CHECK (plan (&l, 512 * M + 5 * M, &p) == 0 && p.extra_size == 0,
         "a 5 MiB surplus makes no partition");
  rz_layout_free (&l);

  /* Too small, exactly big enough. */
  reset_options ();
  layout (&l, debian);
  CHECK (plan (&l, 256 * M, &p) == -1, "256M OUTDISK refused");
  rz_layout_free (&l);
  layout (&l, debian);
  CHECK (plan (&l, 512 * M, &p) == 0 && p.surplus == 0,
         "512M OUTDISK: an exact copy");
  rz_layout_free (&l);

  /* --resize sda1 bigger: sda2 moves, aligned to 128 sectors. */
  reset_options ();
  add (&rz_opts.resize, "/dev/sda1=+100000");
  rz_opts.expand = strdup ("/dev/sda2");
  layout (&l, debian);
  CHECK (plan (&l, G, &p) == 0, "--resize sda1=+100000: planned");
  uint64_t s1 = (64 * M + 100000 + 511) / 512 * 512;
  CHECK (l.parts[0].new_size == s1 &&
         l.parts[0].method && strcmp (l.parts[0].method, "resize2fs") == 0,
         "sda1 %llu bytes, resize2fs", (unsigned long long) s1);
  CHECK (l.parts[1].new_start == (M + s1 + 65535) / 65536 * 65536 &&
         l.parts[1].new_start + l.parts[1].new_size == G,
         "sda2 moved to %llu, to the end",
         (unsigned long long) l.parts[1].new_start);
  rz_layout_free (&l);

  /* --shrink with the PV's size known: fits, or not. */
  reset_options ();
  rz_opts.shrink = strdup ("/dev/sda2");
  layout (&l, debian);
  l.parts[1].needed = 200 * M;
  CHECK (plan (&l, 300 * M, &p) == 0 &&
         l.parts[1].new_size == 300 * M - 65 * M,
         "--shrink sda2 into 300M: %llu",
         (unsigned long long) l.parts[1].new_size);
  rz_layout_free (&l);
  layout (&l, debian);
  l.parts[1].needed = 400 * M;
  CHECK (plan (&l, 300 * M, &p) == -1, "--shrink: a PV of 400M cannot fit");
  rz_layout_free (&l);
  layout (&l, debian);
  CHECK (plan (&l, 300 * M, &p) == -1, "--shrink: unknown content refused");
  rz_layout_free (&l);

  /* --resize smaller: checked, or forced. */
  reset_options ();
  add (&rz_opts.resize, "/dev/sda1=32M");
  layout (&l, debian);
  l.parts[0].needed = 48 * M;
  CHECK (plan (&l, G, &p) == -1, "--resize sda1=32M: ext2 of 48M refused");
  rz_layout_free (&l);
  reset_options ();
  add (&rz_opts.resize, "/dev/sda1=32M");
  string_vector_append (&rz_opts.resize_force, rz_opts.resize.ptr[0]);
  layout (&l, debian);
  CHECK (plan (&l, G, &p) == 0 && l.parts[0].new_size == 32 * M &&
         l.parts[1].new_start == 33 * M,
         "--resize-force sda1=32M: cut, sda2 moves down to 33M");
  rz_layout_free (&l);

  /* --delete sda1: sda2 becomes sda1 and keeps its place. */
  reset_options ();
  add (&rz_opts.delete, "/dev/sda1");
  layout (&l, debian);
  CHECK (plan (&l, G, &p) == 0 && l.parts[0].new_num == 0 &&
         l.parts[1].new_num == 1 && l.parts[1].new_start == 65 * M &&
         p.extra_num == 2, "--delete sda1: sda2 is sda1, extra is sda2");
  rz_layout_free (&l);

  /* A partition INDISK does not have. */
  reset_options ();
  rz_opts.expand = strdup ("/dev/sda7");
  layout (&l, debian);
  CHECK (plan (&l, G, &p) == -1, "--expand sda7 refused");
  rz_layout_free (&l);
}

static const char fedora[] =
  "gpt 536870912 17408 17408 16896 128 "
  "1 primary 1048576 1048576 21686148-6449-6e6f-744e-656564454649 0x0 - "
  "2 primary 2097152 104857600 c12a7328-f81f-11d2-ba4b-00a0c93ec93b 0x0 vfat "
  "3 primary 106954752 134217728 0fc63daf-8483-4772-8e79-3d69d8477de4 0x4 ext4 "
  "4 primary 241172480 295681536 0fc63daf-8483-4772-8e79-3d69d8477de4 0x0 xfs";

static void
test_fedora (void)
{
  struct rz_layout l;
  struct rz_plan p;

  reset_options ();
  rz_opts.expand = strdup ("/dev/sda4");
  layout (&l, fedora);
  CHECK (plan (&l, G, &p) == 0, "fedora 1G --expand sda4: planned");
  CHECK (l.parts[0].fixed && l.parts[1].fixed && !l.parts[2].fixed,
         "BIOS boot and EFI system partitions are fixed");
  CHECK (p.usable_end == G - 16896 &&
         l.parts[3].new_start + l.parts[3].new_size == p.usable_end,
         "sda4 ends where the backup GPT begins");
  CHECK (l.parts[3].method && strcmp (l.parts[3].method, "xfs_growfs") == 0,
         "xfs grown by xfs_growfs");
  rz_layout_free (&l);

  /* Growing the BIOS boot partition would move the fixed ESP. */
  reset_options ();
  add (&rz_opts.resize, "/dev/sda1=2M");
  layout (&l, fedora);
  CHECK (plan (&l, G, &p) == -1, "the ESP does not move for sda1");
  rz_layout_free (&l);

  /* --align-first always leaves a fixed first partition in place. */
  reset_options ();
  rz_opts.align_first = "always";
  rz_opts.alignment = 4096;
  layout (&l, fedora);
  CHECK (plan (&l, G, &p) == 0 && l.parts[0].new_start == M &&
         l.parts[1].new_start == 2 * M && l.parts[2].new_start == 102 * M,
         "--alignment 4096: fixed ones stay, sda3 aligned to 2 MiB: %llu",
         (unsigned long long) l.parts[2].new_start);
  rz_layout_free (&l);

  /* Content that cannot grow: warn (default) or error. */
  reset_options ();
  add (&rz_opts.resize, "/dev/sda2=+10M");
  rz_opts.unknown_fs = "error";
  layout (&l, fedora);
  CHECK (plan (&l, G, &p) == -1, "vfat grown with --unknown-filesystems "
         "error: refused");
  rz_layout_free (&l);
}

static const char logical[] =
  "dos 209715200 512 512 0 4 "
  "1 primary 1048576 20971520 0x83 0x80 ext4 "
  "2 extended 22020096 153600000 0x05 0x00 - "
  "5 logical 23068672 20971520 - - ext4 "
  "6 logical 45088768 20971520 - - swap";

static const char four[] =
  "dos 104857600 512 512 0 4 "
  "1 primary 1048576 10485760 0x83 0x00 ext4 "
  "2 primary 11534336 10485760 0x83 0x00 ext4 "
  "3 primary 22020096 10485760 0x83 0x00 ext4 "
  "4 primary 32505856 10485760 0x83 0x00 ext4";

static void
test_logical (void)
{
  struct rz_layout l;
  struct rz_plan p;

  reset_options ();
  add (&rz_opts.resize, "/dev/sda1=+1M");
  rz_opts.expand = strdup ("/dev/sda2");
  layout (&l, logical);
  CHECK (plan (&l, 400 * M, &p) == 0, "logical 400M: planned");
  CHECK (l.parts[1].new_start == 22 * M &&
         l.parts[1].new_start + l.parts[1].new_size == 400 * M &&
         l.parts[1].method == NULL,
         "the extended partition moved and grown, nothing to grow in it");
  CHECK (l.parts[2].new_num == 5 &&
         l.parts[2].new_start == l.parts[1].new_start + M &&
         l.parts[3].new_start == l.parts[1].new_start + 22 * M,
         "the logical partitions move with it");
  rz_layout_free (&l);

  reset_options ();
  add (&rz_opts.resize, "/dev/sda2=40M");
  layout (&l, logical);
  CHECK (plan (&l, 400 * M, &p) == -1,
         "the extended partition cannot cut its logical partitions");
  rz_layout_free (&l);

  reset_options ();
  add (&rz_opts.delete, "/dev/sda5");
  layout (&l, logical);
  CHECK (plan (&l, 400 * M, &p) == -1, "a logical partition cannot be "
         "deleted on its own");
  rz_layout_free (&l);

  reset_options ();
  add (&rz_opts.delete, "/dev/sda2");
  layout (&l, logical);
  CHECK (plan (&l, 400 * M, &p) == 0 && l.parts[2].new_num == 0 &&
         l.parts[3].new_num == 0 && p.extra_num == 2,
         "deleting the extended partition deletes its logical ones");
  rz_layout_free (&l);

  reset_options ();
  layout (&l, four);
  CHECK (plan (&l, 400 * M, &p) == 0 && p.extra_size == 0 && p.surplus > 0,
         "four primaries: no entry for an extra partition");
  rz_layout_free (&l);
}

int
main (void)
{
  gc_opts.program_name = "test-plan";
  test_sizes ();
  test_names ();
  test_debian ();
  test_fedora ();
  test_logical ();
  reset_options ();
  return tap_done ();
}
