/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* What virt-resize says: timestamped lines of progress and the summary
 * on stdout (not with -q), warnings and errors on stderr, the copy's
 * progress bar on a terminal; with --machine-readable, each of those
 * messages also as one JSON object a line ({"message", "timestamp",
 * "type"}, as libguestfs's tools print them) on the channel it names,
 * and the progress as "DONE/TOTAL" lines on stdout.
 */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>

#include <jansson.h>

#include "cleanup.h"
#include "options.h"
#include "strutils.h"
#include "utf8.h"
#include "resize.h"

static struct timespec t0;
static FILE *mr;                /* the --machine-readable channel */
static bool mr_close;           /* it is ours to close */
static int last_permille = -1;

/* See resize.h. */
void
rz_output_init (void)
{
  clock_gettime (CLOCK_MONOTONIC, &t0);
}

/* See resize.h. */
int
rz_machine_readable_open (void)
{
  const char *f = rz_opts.machine_readable;
  if (f == NULL)
    return 0;
  if (f[0] == '\0' || strcmp (f, "stream:stdout") == 0)
    mr = stdout;
  else if (strcmp (f, "stream:stderr") == 0)
    mr = stderr;
  else if (gc_str_prefix (f, "file:") && f[5]) {
    mr = fopen (f + 5, "we");
    if (mr == NULL) {
      gc_tool_error ("--machine-readable=%s: %s", f, strerror (errno));
      return -1;
    }
    mr_close = true;
  }
  else if (gc_str_prefix (f, "fd:") && f[3] &&
           strspn (f + 3, "0123456789") == strlen (f + 3)) {
    mr = fdopen (atoi (f + 3), "w");
    if (mr == NULL) {
      gc_tool_error ("--machine-readable=%s: %s", f, strerror (errno));
      return -1;
    }
    mr_close = true;
  }
  else {
    gc_tool_usage_error ("--machine-readable=%s: expected file:NAME, "
                         "stream:stdout, stream:stderr or fd:N", f);
    return -1;
  }
  return 0;
}

/* See resize.h. */
void
rz_output_close (void)
{
  if (mr && mr_close)
    fclose (mr);
  mr = NULL;
}

/* See resize.h. */
void
rz_print_capabilities (void)
{
  /* What a program calling virt-resize may ask for, one a line. */
  static const char *const caps[] = {
    "virt-resize", "ntfsresize-force", "32bitok", "128-sector-alignment",
    "alignment", "align-first", "ntfs", "btrfs", "xfs", "lv-expand",
    "gpt-guids-kept", "no-sparse", NULL,
  };
  for (size_t i = 0; caps[i]; ++i)
    printf ("%s\n", caps[i]);
}

/* The time now in RFC 3339 ("2026-03-01T10:20:30.123456+01:00"). */
static void
rfc3339 (char *buf, size_t len)
{
  struct timeval tv;
  struct tm tm;
  char zone[8];
  gettimeofday (&tv, NULL);
  localtime_r (&tv.tv_sec, &tm);
  size_t n = strftime (buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  strftime (zone, sizeof zone, "%z", &tm);
  snprintf (buf + n, len - n, ".%06ld%.3s:%s", (long) tv.tv_usec, zone,
            zone + 3);
}

static void
log_json (const char *type, const char *msg)
{
  if (mr == NULL)
    return;
  char ts[64];
  rfc3339 (ts, sizeof ts);
  json_t *o = json_pack ("{s:s, s:s, s:s}", "message", msg, "timestamp", ts,
                         "type", type);
  char *s = o ? json_dumps (o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  if (s) {
    fprintf (mr, "%s\n", s);
    fflush (mr);
  }
  free (s);
  json_decref (o);
}

/* How each kind of message is shown. */
enum kind { MESSAGE, INFO, WARNING, ERROR };
static const char *const kind_json[] = { "message", "info", "warning",
                                         "error" };

/* Format a message as one safe line, log it as JSON, and show it. */
static void
emit (enum kind kind, const char *fs, va_list ap)
{
  CLEANUP_FREE char *raw = NULL, *msg = NULL;
  if (vasprintf (&raw, fs, ap) == -1 ||
      (msg = gc_utf8_safe_line (raw, strlen (raw))) == NULL)
    return;
  log_json (kind_json[kind], msg);
  switch (kind) {
  case MESSAGE:
  case INFO:
    if (rz_opts.quiet)
      return;
    if (kind == MESSAGE) {
      struct timespec t;
      clock_gettime (CLOCK_MONOTONIC, &t);
      printf ("[%6.1f] ", (t.tv_sec - t0.tv_sec) +
              (t.tv_nsec - t0.tv_nsec) / 1e9);
    }
    printf ("%s\n", msg);
    fflush (stdout);
    return;
  case WARNING:
    gc_tool_warning ("%s", msg);
    return;
  case ERROR:
    gc_tool_error ("%s", msg);
    return;
  }
}

#define EMITTER(name, kind)                     \
  void                                          \
  name (const char *fs, ...)                    \
  {                                             \
    va_list ap;                                 \
    va_start (ap, fs);                          \
    emit (kind, fs, ap);                        \
    va_end (ap);                                \
  }

/* See resize.h. */
EMITTER (rz_message, MESSAGE)
EMITTER (rz_info, INFO)
EMITTER (rz_warning, WARNING)
EMITTER (rz_error, ERROR)

/* See resize.h. */
int
rz_handle_error (gc_h *g)
{
  if (gc_tool_interrupted ())
    return GC_EXIT_ERROR;       /* main() dies by the signal */
  const char *msg = gc_last_error (g);
  rz_error ("%s", msg && msg[0] ? msg : "unknown error");
  return GC_EXIT_ERROR;
}

/* The core's warnings go to stderr through the common handler; here
 * they go to the JSON channel as well. */
static void
on_warning (gc_h *g, void *opaque, uint64_t event, const char *buf,
            size_t len, const uint64_t *array, size_t array_len)
{
  while (len > 0 && buf[len - 1] == '\n')
    --len;
  CLEANUP_FREE char *safe = gc_utf8_safe_line (buf, len);
  if (safe)
    log_json ("warning", safe);
}

/* See resize.h. */
void
rz_watch_handle (gc_h *g)
{
  if (mr)
    gc_set_event_callback (g, on_warning, GC_EVENT_WARNING, NULL);
}

/* See resize.h. */
void
rz_progress (uint64_t done, uint64_t total)
{
  if (rz_opts.quiet || total == 0)
    return;
  int permille = done >= total ? 1000 : (int) (done * 1000 / total);
  if (rz_opts.machine_readable) {
    /* One line a percent at most. */
    if (permille / 10 != last_permille / 10 || done >= total) {
      printf ("%" PRIu64 "/%" PRIu64 "\n", done, total);
      fflush (stdout);
    }
  }
  else if (gc_opts.settings.progress && isatty (STDOUT_FILENO) &&
           permille != last_permille) {
    char bar[41];
    int n = permille * 40 / 1000;
    memset (bar, '#', n);
    memset (bar + n, '-', 40 - n);
    bar[40] = '\0';
    printf ("\r  [%s] %3d%%%s", bar, permille / 10,
            done >= total ? "\n" : "");
    fflush (stdout);
  }
  last_permille = done >= total ? -1 : permille;
}

/* See resize.h. */
void
rz_human (uint64_t bytes, char buf[32])
{
  static const char units[] = "KMGTPE";
  if (bytes < 1024) {
    snprintf (buf, 32, "%" PRIu64, bytes);
    return;
  }
  double v = bytes;
  int u = -1;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  snprintf (buf, 32, "%.1f%c", v, units[u]);
}

/* A formatted string, or NULL on ENOMEM. */
static char *
format (const char *fs, ...)
  __attribute__ ((format (printf, 1, 2)));

static char *
format (const char *fs, ...)
{
  va_list ap;
  char *s;
  va_start (ap, fs);
  int r = vasprintf (&s, fs, ap);
  va_end (ap);
  return r == -1 ? NULL : s;
}

/* What a blkid TYPE is, in words. */
static const char *
content_name (const char *content)
{
  static const struct { const char *type, *name; } m[] = {
    { "ext2", "ext2 filesystem" }, { "ext3", "ext3 filesystem" },
    { "ext4", "ext4 filesystem" }, { "xfs", "xfs filesystem" },
    { "btrfs", "btrfs filesystem" }, { "ntfs", "NTFS filesystem" },
    { "vfat", "FAT filesystem" }, { "swap", "swap area" },
    { "LVM2_member", "LVM physical volume" },
    { "crypto_LUKS", "LUKS volume" },
  };
  for (size_t i = 0; i < sizeof m / sizeof m[0]; ++i)
    if (strcmp (content, m[i].type) == 0)
      return m[i].name;
  return content[0] ? content : "no known content";
}

/* One partition's line of the summary. */
static void
summary_line (const struct rz_layout *l, const struct rz_part *p)
{
  char a[32], b[32], renamed[48] = "", moved[64] = "";
  CLEANUP_FREE char *what = NULL, *grow = NULL, *logicals = NULL;

  if (p->new_num && p->new_num != p->num)
    snprintf (renamed, sizeof renamed, " (/dev/sda%d on OUTDISK)",
              p->new_num);
  if (p->new_num && p->new_start != p->start)
    snprintf (moved, sizeof moved, ", moved to sector %" PRIu64,
              p->new_start / SECTOR);
  rz_human (p->size, a);
  rz_human (p->new_size, b);
  const char *c = p->kind == RZ_EXTENDED ? "extended partition"
    : content_name (p->content);

  if (p->op == RZ_DELETE) {
    rz_info ("  /dev/sda%d: %s, %s: deleted%s", p->num, c, a,
             p->kind == RZ_EXTENDED ? ", with its logical partitions" : "");
    return;
  }
  if (p->op == RZ_IGNORE)
    what = strdup ("not copied: left blank");
  else if (p->new_size > p->size)
    what = format ("grown from %s to %s", a, b);
  else if (p->new_size < p->size)
    what = format ("shrunk from %s to %s", a, b);
  else
    what = format ("copied as it is (%s)", a);

  if (p->method && strcmp (p->method, "mkswap") == 0)
    grow = strdup ("; the swap area remade by mkswap, its UUID and label "
                   "kept");
  else if (p->method)
    grow = format ("; the %s grown with %s", c, p->method);
  else if (p->new_size > p->size && p->kind == RZ_PRIMARY && p->content[0] &&
           p->op != RZ_IGNORE)
    grow = format ("; the %s keeps its size%s", c,
                   rz_opts.no_expand_content ? " (--no-expand-content)" : "");

  if (p->kind == RZ_EXTENDED) {
    size_t size = 0;
    FILE *f = open_memstream (&logicals, &size);
    if (f) {
      int n = 0;
      for (size_t i = 0; i < l->nparts; ++i)
        if (l->parts[i].kind == RZ_LOGICAL)
          fprintf (f, "%s/dev/sda%d", n++ ? ", " : "", l->parts[i].num);
      fclose (f);
      if (n == 0) {
        free (logicals);
        logicals = NULL;
      }
    }
  }
  rz_info ("  /dev/sda%d%s: %s: %s%s%s%s%s%s", p->num, renamed, c,
           what ? what : "?", moved, grow ? grow : "",
           logicals ? "; its logical partitions " : "",
           logicals ? logicals : "", logicals ? " move with it, as they are"
           : "");
}

/* See resize.h. */
void
rz_print_summary (const struct rz_layout *l, const struct rz_plan *plan,
                  const char *in, const char *out)
{
  char a[32], b[32];
  rz_human (l->size, a);
  rz_human (plan->out_size, b);
  rz_info ("Summary of changes (%s table): %s (%s) -> %s (%s)",
           l->gpt ? "GPT" : "MBR", in, a, out, b);
  for (size_t i = 0; i < l->nparts; ++i)
    if (l->parts[i].kind != RZ_LOGICAL)
      summary_line (l, &l->parts[i]);
  for (size_t i = 0; i < rz_opts.lvs.len; ++i) {
    const struct rz_lv *lv = &rz_opts.lvs.ptr[i];
    const char *c = content_name (lv->content ? lv->content : "");
    if (lv->method)
      rz_info ("  %s: %s: grown over the free space of its volume group; "
               "the %s grown with %s", lv->name, c, c, lv->method);
    else
      rz_info ("  %s: %s: grown over the free space of its volume group%s",
               lv->name, c, rz_opts.no_expand_content ? "; its content "
               "keeps its size (--no-expand-content)" : "");
  }
  if (plan->extra_size) {
    rz_human (plan->extra_size, a);
    rz_info ("  /dev/sda%d: a new partition of %s for the surplus (empty)",
             plan->extra_num, a);
  }
  else if (plan->surplus > 0) {
    rz_human (plan->surplus, a);
    rz_info ("  %s left unpartitioned at the end%s", a,
             rz_opts.no_extra_partition ? " (--no-extra-partition)" :
             (uint64_t) plan->surplus < EXTRA_MIN ? "" :
             " (no free table entry for another partition)");
  }
}
