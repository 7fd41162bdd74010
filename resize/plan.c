/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* virt-resize's plan: where each partition of INDISK goes on OUTDISK,
 * how big it becomes, what number it gets and how its content grows,
 * from the table resize_layout read and the options.  Pure computation
 * (no appliance, no I/O but messages), so test-plan.c checks it.
 *
 * The rules, as libguestfs's virt-resize has them: partitions keep
 * their order on the disk; the first one stays where it is (unless
 * --align-first always), each of the others starts at the first
 * multiple of --alignment sectors after the one before; --resize sets
 * sizes, then --expand takes all the surplus or --shrink gives up the
 * deficit; any surplus left of 10 MiB or more becomes an extra
 * partition.  Beyond those: BIOS boot and EFI system partitions never
 * move (a boot loader may know their sectors), and deleting a partition
 * renumbers only those after it.  Logical partitions move inside their
 * extended partition, byte for byte.
 */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "options.h"
#include "strutils.h"
#include "resize.h"

/* See resize.h: main.c fills it from the command line. */
struct rz_options rz_opts = {
  .resize = EMPTY_VECTOR, .resize_force = EMPTY_VECTOR,
  .delete = EMPTY_VECTOR, .ignore = EMPTY_VECTOR, .lvs = EMPTY_VECTOR,
  .alignment = 128,
};

static const char bios_boot_guid[] = "21686148-6449-6e6f-744e-656564454649";
static const char esp_guid[] = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";

/* See resize.h. */
int
rz_parse_size (const char *spec, uint64_t old, uint64_t *r, const char **why)
{
  const char *p = spec;
  int sign = 0;
  if (*p == '+' || *p == '-')
    sign = *p++ == '+' ? 1 : -1;
  size_t digits = strspn (p, "0123456789.");
  if (digits == 0 || strchr (p, '.') != strrchr (p, '.') ||
      strspn (p, "0123456789") == 0) {
    *why = "expected a number (with K, M, G, T or %), +SIZE or -SIZE";
    return -1;
  }
  char *end;
  double v = strtod (p, &end);
  if (end != p + digits) {
    *why = "expected a number";
    return -1;
  }
  double unit;
  switch (*end) {
  case '\0': case 'b': unit = 1; break;
  case 'K': case 'k': unit = 1024.0; break;
  case 'M': case 'm': unit = 1024.0 * 1024; break;
  case 'G': case 'g': unit = 1024.0 * 1024 * 1024; break;
  case 'T': case 't': unit = 1024.0 * 1024 * 1024 * 1024; break;
  case '%': unit = -1; break;
  default:
    *why = "unknown unit (b, K, M, G, T or %)";
    return -1;
  }
  if (*end && end[1] != '\0') {
    *why = "unexpected characters after the unit";
    return -1;
  }
  double bytes = unit < 0 ? (double) old * v / 100 : v * unit;
  double result = sign ? (double) old + sign * bytes : bytes;
  if (!isfinite (result) || result >= 9.2e18) {
    *why = "too large";
    return -1;
  }
  if (result < 1) {
    *why = "the size must be more than 0";
    return -1;
  }
  *r = (uint64_t) ceil (result);
  return 0;
}

/* See resize.h. */
char *
rz_canonical_part (const char *name)
{
  static const char *const prefixes[] = {
    "/dev/sda", "/dev/vda", "/dev/hda", "/dev/xvda", "sda", "vda", "hda",
    "xvda",
  };
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; ++i) {
    if (!gc_str_prefix (name, prefixes[i]))
      continue;
    const char *n = name + strlen (prefixes[i]);
    size_t d = strspn (n, "0123456789");
    if (d == 0 || d > 4 || n[d] != '\0' || n[0] == '0')
      break;
    char *r;
    if (asprintf (&r, "/dev/sda%s", n) == -1)
      return NULL;
    return r;
  }
  errno = EINVAL;
  return NULL;
}

/* One option that names a partition, for the conflict checks. */
struct named {
  const char *option;
  const char *arg;              /* as given */
  char *part;                   /* canonical */
};
DEFINE_VECTOR_TYPE (named_vector, struct named);

static void
named_free (named_vector *v)
{
  for (size_t i = 0; i < v->len; ++i)
    free (v->ptr[i].part);
  free (v->ptr);
}

/* Add one named partition: -1 after printing a usage error. */
static int
add_named (named_vector *v, const char *option, const char *arg,
           size_t len)
{
  CLEANUP_FREE char *copy = strndup (arg, len);
  char *part = copy ? rz_canonical_part (copy) : NULL;
  if (part == NULL) {
    gc_tool_usage_error ("%s %s: not a partition of INDISK (expected "
                         "/dev/sdaN)", option, arg);
    return -1;
  }
  for (size_t i = 0; i < v->len; ++i)
    if (strcmp (v->ptr[i].part, part) == 0) {
      if (strcmp (v->ptr[i].option, option) == 0)
        gc_tool_usage_error ("%s %s: the partition is named twice by %s",
                             option, arg, option);
      else
        gc_tool_usage_error ("%s %s: the partition is already named by %s "
                             "%s: choose one", option, arg,
                             v->ptr[i].option, v->ptr[i].arg);
      free (part);
      return -1;
    }
  struct named n = { option, arg, part };
  if (named_vector_append (v, n) == -1) {
    free (part);
    gc_tool_usage_error ("out of memory");
    return -1;
  }
  return 0;
}

static bool
is_forced (const char *arg)
{
  for (size_t i = 0; i < rz_opts.resize_force.len; ++i)
    if (rz_opts.resize_force.ptr[i] == arg)
      return true;
  return false;
}

/* See resize.h. */
int
rz_check_options (void)
{
  named_vector v = EMPTY_VECTOR;
  int r = -1;

  if (rz_opts.expand && rz_opts.shrink) {
    gc_tool_usage_error ("--expand and --shrink cannot be used together: "
                         "the first takes a surplus, the second gives up a "
                         "deficit");
    return -1;
  }
  if (rz_opts.expand && add_named (&v, "--expand", rz_opts.expand,
                                   strlen (rz_opts.expand)) == -1)
    goto out;
  if (rz_opts.shrink && add_named (&v, "--shrink", rz_opts.shrink,
                                   strlen (rz_opts.shrink)) == -1)
    goto out;
  for (size_t i = 0; i < rz_opts.resize.len; ++i) {
    const char *arg = rz_opts.resize.ptr[i];
    const char *opt = is_forced (arg) ? "--resize-force" : "--resize";
    const char *eq = strchr (arg, '=');
    const char *why;
    uint64_t dummy;
    if (eq == NULL) {
      gc_tool_usage_error ("%s %s: expected PART=SIZE", opt, arg);
      goto out;
    }
    if (add_named (&v, opt, arg, eq - arg) == -1)
      goto out;
    if (rz_parse_size (eq + 1, UINT64_C (1) << 40, &dummy, &why) == -1) {
      gc_tool_usage_error ("%s %s: %s", opt, arg, why);
      goto out;
    }
  }
  for (size_t i = 0; i < rz_opts.delete.len; ++i)
    if (add_named (&v, "--delete", rz_opts.delete.ptr[i],
                   strlen (rz_opts.delete.ptr[i])) == -1)
      goto out;
  for (size_t i = 0; i < rz_opts.ignore.len; ++i)
    if (add_named (&v, "--ignore", rz_opts.ignore.ptr[i],
                   strlen (rz_opts.ignore.ptr[i])) == -1)
      goto out;
  for (size_t i = 0; i < rz_opts.lvs.len; ++i) {
    const char *lv = rz_opts.lvs.ptr[i].name;
    if (!gc_str_prefix (lv, "/dev/") || strchr (lv + 5, '/') == NULL) {
      gc_tool_usage_error ("--LV-expand %s: expected a logical volume as "
                           "/dev/VG/LV", lv);
      goto out;
    }
    for (size_t j = 0; j < i; ++j)
      if (strcmp (rz_opts.lvs.ptr[j].name, lv) == 0) {
        gc_tool_usage_error ("--LV-expand %s: named twice", lv);
        goto out;
      }
  }
  if (rz_opts.alignment < 1 || rz_opts.alignment > 1024 * 1024) {
    gc_tool_usage_error ("--alignment %d: expected a number of sectors "
                         "from 1 to 1048576", rz_opts.alignment);
    goto out;
  }
  if (strcmp (rz_opts.align_first, "auto") != 0 &&
      strcmp (rz_opts.align_first, "never") != 0 &&
      strcmp (rz_opts.align_first, "always") != 0) {
    gc_tool_usage_error ("--align-first %s: expected auto, never or always",
                         rz_opts.align_first);
    goto out;
  }
  if (strcmp (rz_opts.unknown_fs, "ignore") != 0 &&
      strcmp (rz_opts.unknown_fs, "warn") != 0 &&
      strcmp (rz_opts.unknown_fs, "error") != 0) {
    gc_tool_usage_error ("--unknown-filesystems %s: expected ignore, warn "
                         "or error", rz_opts.unknown_fs);
    goto out;
  }
  r = 0;
 out:
  named_free (&v);
  return r;
}

static int
parse_u64 (const char *s, uint64_t *r)
{
  char *end;
  errno = 0;
  unsigned long long v = strtoull (s, &end, 10);
  if (errno || end == s || *end) {
    errno = EINVAL;
    return -1;
  }
  *r = v;
  return 0;
}

/* See resize.h. */
int
rz_layout_parse (char **list, struct rz_layout *l)
{
  size_t n = gc_strings_len (list);
  uint64_t entries;

  memset (l, 0, sizeof *l);
  if (n < 6 || (n - 6) % 7 ||
      (strcmp (list[0], "dos") != 0 && strcmp (list[0], "gpt") != 0) ||
      parse_u64 (list[1], &l->size) == -1 ||
      parse_u64 (list[2], &l->boot_start) == -1 ||
      parse_u64 (list[3], &l->first_usable) == -1 ||
      parse_u64 (list[4], &l->backup) == -1 ||
      parse_u64 (list[5], &entries) == -1 || entries > 65536) {
    errno = EINVAL;
    return -1;
  }
  l->gpt = list[0][0] == 'g';
  l->entries = entries;
  l->nparts = (n - 6) / 7;
  l->parts = calloc (l->nparts ? l->nparts : 1, sizeof *l->parts);
  if (l->parts == NULL)
    return -1;
  for (size_t i = 0; i < l->nparts; ++i) {
    char **f = list + 6 + 7 * i;
    struct rz_part *p = &l->parts[i];
    uint64_t num;
    if (parse_u64 (f[0], &num) == -1 || num < 1 || num > 65536 ||
        parse_u64 (f[2], &p->start) == -1 ||
        parse_u64 (f[3], &p->size) == -1 || p->size == 0) {
      errno = EINVAL;
      return -1;
    }
    p->num = num;
    if (strcmp (f[1], "primary") == 0)
      p->kind = RZ_PRIMARY;
    else if (strcmp (f[1], "extended") == 0)
      p->kind = RZ_EXTENDED;
    else if (strcmp (f[1], "logical") == 0)
      p->kind = RZ_LOGICAL;
    else {
      errno = EINVAL;
      return -1;
    }
    p->type = strdup (f[4]);
    p->flags = strdup (f[5]);
    p->content = strdup (f[6]);
    if (p->type == NULL || p->flags == NULL || p->content == NULL)
      return -1;
    p->fixed = strcmp (p->type, bios_boot_guid) == 0 ||
      strcmp (p->type, esp_guid) == 0 || strcmp (p->type, "0xef") == 0;
    p->needed = -1;
    if (i > 0 && p->start < l->parts[i - 1].start) {
      errno = EINVAL;
      return -1;
    }
  }
  return 0;
}

/* See resize.h. */
void
rz_layout_free (struct rz_layout *l)
{
  for (size_t i = 0; i < l->nparts; ++i) {
    free (l->parts[i].type);
    free (l->parts[i].flags);
    free (l->parts[i].content);
  }
  free (l->parts);
  l->parts = NULL;
  l->nparts = 0;
}

static struct rz_part *
find_part (struct rz_layout *l, int num)
{
  for (size_t i = 0; i < l->nparts; ++i)
    if (l->parts[i].num == num)
      return &l->parts[i];
  return NULL;
}

/* The partition an option names, checked against INDISK; NULL after
 * printing the error. */
static struct rz_part *
named_part (struct rz_layout *l, const char *option, const char *arg,
            size_t len)
{
  CLEANUP_FREE char *copy = strndup (arg, len);
  CLEANUP_FREE char *canon = copy ? rz_canonical_part (copy) : NULL;
  if (canon == NULL) {
    rz_error ("out of memory");
    return NULL;
  }
  struct rz_part *p = find_part (l, atoi (canon + strlen ("/dev/sda")));
  if (p == NULL) {
    CLEANUP_FREE char *list = NULL;
    size_t size = 0;
    FILE *f = open_memstream (&list, &size);
    if (f == NULL) {
      rz_error ("out of memory");
      return NULL;
    }
    for (size_t i = 0; i < l->nparts; ++i)
      fprintf (f, "%s/dev/sda%d", i ? ", " : "", l->parts[i].num);
    fclose (f);
    rz_error ("%s %s: INDISK has no partition %s (it has %s)", option, arg,
              canon, l->nparts ? list : "none");
    return NULL;
  }
  if (p->kind == RZ_LOGICAL) {
    const struct rz_part *x = NULL;
    for (size_t i = 0; i < l->nparts; ++i)
      if (l->parts[i].kind == RZ_EXTENDED)
        x = &l->parts[i];
    rz_error ("%s %s: a logical partition cannot be changed on its own: it "
              "moves, byte for byte, with its extended partition "
              "/dev/sda%d", option, arg, x ? x->num : 0);
    return NULL;
  }
  return p;
}

/* See resize.h. */
int
rz_apply_options (struct rz_layout *l)
{
  struct rz_part *p;

  if (rz_opts.expand) {
    if ((p = named_part (l, "--expand", rz_opts.expand,
                         strlen (rz_opts.expand))) == NULL)
      return -1;
    p->op = RZ_EXPAND;
  }
  if (rz_opts.shrink) {
    if ((p = named_part (l, "--shrink", rz_opts.shrink,
                         strlen (rz_opts.shrink))) == NULL)
      return -1;
    p->op = RZ_SHRINK;
  }
  for (size_t i = 0; i < rz_opts.resize.len; ++i) {
    char *arg = rz_opts.resize.ptr[i];
    const char *opt = is_forced (arg) ? "--resize-force" : "--resize";
    const char *eq = strchr (arg, '='), *why;
    if ((p = named_part (l, opt, arg, eq - arg)) == NULL)
      return -1;
    if (rz_parse_size (eq + 1, p->size, &p->new_size, &why) == -1) {
      rz_error ("%s %s: %s", opt, arg, why);
      return -1;
    }
    p->new_size = (p->new_size + SECTOR - 1) / SECTOR * SECTOR;
    p->op = RZ_RESIZE;
    p->resize_spec = eq + 1;
    p->force = is_forced (arg);
  }
  for (size_t i = 0; i < rz_opts.delete.len; ++i) {
    const char *arg = rz_opts.delete.ptr[i];
    if ((p = named_part (l, "--delete", arg, strlen (arg))) == NULL)
      return -1;
    p->op = RZ_DELETE;
  }
  for (size_t i = 0; i < rz_opts.ignore.len; ++i) {
    const char *arg = rz_opts.ignore.ptr[i];
    if ((p = named_part (l, "--ignore", arg, strlen (arg))) == NULL)
      return -1;
    if (p->kind == RZ_EXTENDED) {
      rz_error ("--ignore %s: an extended partition holds its logical "
                "partitions' tables: keep it or --delete it", arg);
      return -1;
    }
    p->op = RZ_IGNORE;
  }
  return 0;
}

/* See resize.h. */
bool
rz_needs_content_size (const struct rz_part *p)
{
  if (p->kind != RZ_PRIMARY || p->op == RZ_DELETE || p->op == RZ_IGNORE)
    return false;
  return p->op == RZ_SHRINK ||
    (p->op == RZ_RESIZE && !p->force && p->new_size < p->size);
}

/* See resize.h. */
const char *
rz_grow_method (const char *content)
{
  static const struct { const char *type, *method; } m[] = {
    { "ext2", "resize2fs" }, { "ext3", "resize2fs" }, { "ext4", "resize2fs" },
    { "xfs", "xfs_growfs" }, { "btrfs", "btrfs filesystem resize" },
    { "ntfs", "ntfsresize" }, { "swap", "mkswap" },
    { "LVM2_member", "pvresize" },
  };
  for (size_t i = 0; i < sizeof m / sizeof m[0]; ++i)
    if (strcmp (content, m[i].type) == 0)
      return m[i].method;
  return NULL;
}

/* See resize.h. */
const char *
rz_outname (int num)
{
  static char buf[4][32];
  static int next;
  char *b = buf[next++ % 4];
  snprintf (b, sizeof buf[0], "/dev/sda%d", num);
  return b;
}

static uint64_t
align_up (uint64_t v, uint64_t a)
{
  return (v + a - 1) / a * a;
}

/* Where each partition goes with the sizes set; the end of the last
 * one in *end.  -1 after printing the error (a fixed partition would be
 * overlapped). */
static int
place (struct rz_layout *l, uint64_t *end)
{
  uint64_t align = (uint64_t) rz_opts.alignment * SECTOR, pos = 0;
  const struct rz_part *prev = NULL;

  for (size_t i = 0; i < l->nparts; ++i) {
    struct rz_part *p = &l->parts[i];
    if (p->kind == RZ_LOGICAL || p->op == RZ_DELETE)
      continue;
    uint64_t start;
    if (prev == NULL) {
      start = p->start;
      if (strcmp (rz_opts.align_first, "always") == 0 && !p->fixed)
        start = align_up (start, align);
    }
    else
      start = align_up (pos, align);
    if (p->fixed) {
      if (pos > p->start) {
        rz_error ("/dev/sda%d cannot end at sector %" PRIu64 ": /dev/sda%d "
                  "after it is %s partition, which never moves (a boot "
                  "loader may know its place)", prev->num, pos / SECTOR,
                  p->num, p->type[0] == '2' ? "a BIOS boot" : "an EFI system");
        return -1;
      }
      start = p->start;
    }
    p->new_start = start;
    pos = start + p->new_size;
    prev = p;
  }
  *end = pos;
  return 0;
}

/* The last partition on the disk (not deleted, not logical). */
static const struct rz_part *
last_part (const struct rz_layout *l)
{
  const struct rz_part *last = NULL;
  for (size_t i = 0; i < l->nparts; ++i)
    if (l->parts[i].kind != RZ_LOGICAL && l->parts[i].op != RZ_DELETE)
      last = &l->parts[i];
  return last;
}

/* The bytes an extended partition needs for its logical partitions. */
static uint64_t
extended_needs (const struct rz_layout *l, const struct rz_part *x)
{
  uint64_t need = SECTOR;
  for (size_t i = 0; i < l->nparts; ++i)
    if (l->parts[i].kind == RZ_LOGICAL &&
        l->parts[i].start + l->parts[i].size - x->start > need)
      need = l->parts[i].start + l->parts[i].size - x->start;
  return need;
}

/* Check that a partition made smaller still holds its content; -1
 * after printing the error. */
static int
check_fits (const struct rz_layout *l, const struct rz_part *p,
            const char *how)
{
  char a[32], b[32];
  if (p->kind == RZ_EXTENDED) {
    uint64_t need = extended_needs (l, p);
    if (p->new_size < need) {
      rz_human (p->new_size, a);
      rz_human (need, b);
      rz_error ("%s /dev/sda%d: the extended partition cannot be made %s: "
                "its logical partitions need %s", how, p->num, a, b);
      return -1;
    }
    return 0;
  }
  if (p->force)
    return 0;
  if (p->needed < 0) {
    rz_error ("%s /dev/sda%d: it cannot be made smaller: how much of it its "
              "%s%s uses is not known%s", how, p->num,
              p->content[0] ? p->content : "content",
              p->content[0] ? " content" : "",
              p->op == RZ_RESIZE ? " (--resize-force cuts it anyway)" : "");
    return -1;
  }
  if ((uint64_t) p->needed > p->new_size) {
    rz_human (p->new_size, a);
    rz_human (p->needed, b);
    rz_error ("%s /dev/sda%d: it cannot be made %s: its %s content needs "
              "%s (%" PRIi64 " bytes): shrink the content first (resize2fs, "
              "pvresize, ntfsresize...)", how, p->num, a, p->content, b,
              p->needed);
    return -1;
  }
  return 0;
}

/* The error for an OUTDISK smaller than needed bytes. */
static void
too_small (const struct rz_plan *plan, uint64_t needed, const char *hint)
{
  char a[32], b[32];
  rz_human (plan->out_size, a);
  rz_human (needed, b);
  rz_error ("OUTDISK is too small: %s (%" PRIu64 " bytes); it needs at least "
            "%s (%" PRIu64 " bytes)%s", a, plan->out_size, b, needed, hint);
}

/* The policy of --unknown-filesystems for content that cannot grow: -1
 * after printing the error. */
static int
unknown_content (const char *what, const char *content)
{
  if (strcmp (rz_opts.unknown_fs, "ignore") == 0)
    return 0;
  if (strcmp (rz_opts.unknown_fs, "error") == 0) {
    rz_error ("%s: virt-resize cannot grow its %s content "
              "(--unknown-filesystems error)", what, content);
    return -1;
  }
  rz_warning ("%s: virt-resize cannot grow its %s content: it keeps its "
              "size in the bigger space", what, content);
  return 0;
}

/* See resize.h. */
int
rz_plan (struct rz_layout *l, uint64_t out_size, struct rz_plan *plan)
{
  uint64_t align = (uint64_t) rz_opts.alignment * SECTOR, end;
  struct rz_part *expand = NULL, *shrink = NULL;

  memset (plan, 0, sizeof *plan);
  plan->out_size = out_size / SECTOR * SECTOR;
  if (l->gpt)
    plan->usable_end = plan->out_size > l->backup ?
      plan->out_size - l->backup : 0;
  else {
    plan->usable_end = plan->out_size < (UINT64_C (1) << 41) ?
      plan->out_size : UINT64_C (1) << 41;
    if (plan->usable_end < plan->out_size)
      rz_warning ("OUTDISK is bigger than an MBR partition table can use "
                  "(2 TiB): the rest stays unused");
  }

  for (size_t i = 0; i < l->nparts; ++i) {
    struct rz_part *p = &l->parts[i];
    if (p->kind == RZ_LOGICAL)
      continue;
    if (p->op != RZ_RESIZE)
      p->new_size = p->size;
    if (p->op == RZ_EXPAND)
      expand = p;
    if (p->op == RZ_SHRINK)
      shrink = p;
    if (p->op == RZ_RESIZE && p->new_size < p->size &&
        check_fits (l, p, p->force ? "--resize-force" : "--resize") == -1)
      return -1;
  }
  if (place (l, &end) == -1)
    return -1;
  plan->surplus = end <= plan->usable_end ? (int64_t) (plan->usable_end - end)
    : -(int64_t) (end - plan->usable_end);

  const struct rz_part *last = last_part (l);
  if (expand && plan->surplus > 0) {
    uint64_t add = plan->surplus;
    if (expand != last)
      add = add / align * align;
    expand->new_size += add;
    if (place (l, &end) == -1)
      return -1;
  }
  else if (shrink && plan->surplus < 0) {
    uint64_t cut = -plan->surplus;
    if (shrink != last)
      cut = align_up (cut, align);
    uint64_t floor = shrink->kind == RZ_EXTENDED ? extended_needs (l, shrink)
      : shrink->needed > 0 ? (uint64_t) shrink->needed : SECTOR;
    floor = align_up (floor, SECTOR);
    if (cut >= shrink->new_size || shrink->new_size - cut < floor) {
      if (shrink->needed < 0 && shrink->kind != RZ_EXTENDED)
        return check_fits (l, shrink, "--shrink");
      uint64_t saved = shrink->new_size;
      shrink->new_size = floor;
      if (place (l, &end) == -1)
        return -1;
      shrink->new_size = saved;
      too_small (plan, plan->out_size + (end - plan->usable_end),
                 ", even with --shrink");
      return -1;
    }
    shrink->new_size -= cut;
    if (check_fits (l, shrink, "--shrink") == -1 || place (l, &end) == -1)
      return -1;
  }
  else if (shrink)
    rz_warning ("--shrink %s: OUTDISK is big enough: nothing to shrink",
                rz_outname (shrink->num));
  if (end > plan->usable_end) {
    too_small (plan, plan->out_size + (end - plan->usable_end),
               expand || shrink ? "" : " (or give --shrink PART)");
    return -1;
  }
  plan->end = end;
  plan->needed = end + (l->gpt ? l->backup : 0);
  plan->surplus = plan->usable_end - end;

  /* Numbers: each partition loses one for every partition deleted
   * before it (logical ones keep theirs, or go with their extended). */
  int max_num = 0;
  bool extended_kept = false;
  for (size_t i = 0; i < l->nparts; ++i) {
    struct rz_part *p = &l->parts[i];
    if (p->kind == RZ_LOGICAL)
      continue;
    p->new_num = 0;
    if (p->op == RZ_DELETE)
      continue;
    p->new_num = p->num;
    for (size_t j = 0; j < l->nparts; ++j)
      if (l->parts[j].kind != RZ_LOGICAL && l->parts[j].op == RZ_DELETE &&
          l->parts[j].num < p->num)
        --p->new_num;
    if (p->new_num > max_num)
      max_num = p->new_num;
    if (p->kind == RZ_EXTENDED)
      extended_kept = true;
  }
  for (size_t i = 0; i < l->nparts; ++i) {
    struct rz_part *p = &l->parts[i];
    if (p->kind != RZ_LOGICAL)
      continue;
    p->new_num = extended_kept ? p->num : 0;
    for (size_t j = 0; extended_kept && j < l->nparts; ++j)
      if (l->parts[j].kind == RZ_EXTENDED) {
        p->new_start = l->parts[j].new_start + (p->start - l->parts[j].start);
        p->new_size = p->size;
      }
  }

  /* The extra partition. */
  if (!expand && !rz_opts.no_extra_partition &&
      plan->surplus >= EXTRA_MIN &&
      max_num + 1 <= (int) l->entries) {
    uint64_t start = align_up (end, align);
    if (start < plan->usable_end && plan->usable_end - start >= EXTRA_MIN) {
      plan->extra_start = start;
      plan->extra_size = (plan->usable_end - start) / SECTOR * SECTOR;
      plan->extra_num = max_num + 1;
    }
  }

  /* How the contents grow. */
  for (size_t i = 0; i < l->nparts; ++i) {
    struct rz_part *p = &l->parts[i];
    p->method = NULL;
    if (p->kind != RZ_PRIMARY || p->new_num == 0 || p->op == RZ_IGNORE ||
        p->new_size == p->size || rz_opts.no_expand_content)
      continue;
    p->method = rz_grow_method (p->content);
    /* Only swap is remade when it gets smaller; the others already fit. */
    if (p->method && p->new_size < p->size && strcmp (p->method, "mkswap"))
      p->method = NULL;
    if (p->method == NULL && p->new_size > p->size && p->content[0] &&
        unknown_content (rz_outname (p->new_num), p->content) == -1)
      return -1;
  }
  for (size_t i = 0; i < rz_opts.lvs.len; ++i) {
    struct rz_lv *lv = &rz_opts.lvs.ptr[i];
    lv->method = NULL;
    if (rz_opts.no_expand_content || lv->content == NULL)
      continue;
    lv->method = rz_grow_method (lv->content);
    if (lv->method && (strcmp (lv->method, "pvresize") == 0))
      lv->method = NULL;
    if (lv->method == NULL && lv->content[0] &&
        unknown_content (lv->name, lv->content) == -1)
      return -1;
  }
  return 0;
}
