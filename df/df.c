/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* virt-df: the size, use and free space of the filesystems of disk
 * images, in the columns of df(1) and of libguestfs's virt-df.
 *
 * One guest (every -a together, the default): one appliance, every
 * filesystem list_filesystems finds (LVM activated first) except swap
 * and unknown ones is mounted read-only in turn and statvfs'd.  With
 * --each-image every -a is a guest of its own: one child process per
 * guest, each with its own handle and appliance, at most -P at once;
 * the children send their rows over a pipe and the parent prints them
 * in the order of the command line, whatever the order they finish in.
 *
 * With --jsonl each row is one line of JSON naming its image, and a
 * guest that fails is a line too (its error and exit status): the
 * output of many runs, on many hosts, merges by concatenation.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cleanup.h"
#include "options.h"
#include "utf8.h"

/* The options of virt-df itself. */
static int csv, json, jsonl, human, inodes, uuid, each_image;
static int max_procs;                   /* -P, 0: choose */

static struct poptOption df_options[] = {
  { "csv", '\0', POPT_ARG_NONE, &csv, 0,
    "Print comma-separated values (RFC 4180)", NULL },
  { "each-image", '\0', POPT_ARG_NONE, &each_image, 0,
    "Every -a IMAGE is a guest of its own, in its own appliance", NULL },
  { "human-readable", 'h', POPT_ARG_NONE, &human, 0,
    "Print sizes in powers of 1024 (K, M, G...)", NULL },
  { "inodes", 'i', POPT_ARG_NONE, &inodes, 0,
    "Print inode counts instead of blocks", NULL },
  { "json", '\0', POPT_ARG_NONE, &json, 0,
    "Print a JSON array of records", NULL },
  { "jsonl", '\0', POPT_ARG_NONE, &jsonl, 0,
    "Print JSON Lines: one record a line, naming its image", NULL },
  { "uuid", '\0', POPT_ARG_NONE, &uuid, 0,
    "Name filesystems by their UUID instead of the image", NULL },
  { NULL, 'P', POPT_ARG_INT, &max_procs, 0,
    "With --each-image: at most N appliances at once", "N" },
  POPT_TABLEEND
};

static struct poptOption options[] = {
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, gc_common_options, 0,
    "Options:", NULL },
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, df_options, 0,
    "virt-df options:", NULL },
  POPT_TABLEEND
};

/* One filesystem of a guest. */
struct df_row {
  char *dev;                    /* /dev/sda1, /dev/VG/LV */
  char *type;                   /* ext4, xfs... */
  char *uuid;                   /* "" if it has none */
  struct gc_statvfs st;
};
DEFINE_VECTOR_TYPE (df_row_vector, struct df_row);

static void
free_rows (df_row_vector *rows)
{
  for (size_t i = 0; i < rows->len; ++i) {
    free (rows->ptr[i].dev);
    free (rows->ptr[i].type);
    free (rows->ptr[i].uuid);
  }
  df_row_vector_reset (rows);
}

/* Output. */

/* A field of CSV, quoted per RFC 4180 when it holds a comma, a quote,
 * a space or a line break. */
static void
csv_field (FILE *fp, const char *s)
{
  if (strpbrk (s, ",\"\r\n ") == NULL) {
    fputs (s, fp);
    return;
  }
  fputc ('"', fp);
  for (; *s; ++s) {
    if (*s == '"')
      fputc ('"', fp);
    fputc (*s, fp);
  }
  fputc ('"', fp);
}

static void
print_title (void)
{
  const char *c2 = inodes ? "Inodes" : human ? "Size" : "1K-blocks";
  const char *c3 = inodes ? "IUsed" : "Used";
  const char *c4 = inodes ? "IFree" : "Available";
  const char *c5 = inodes ? "IUse%" : "Use%";
  if (jsonl)
    return;
  if (json)
    fputs ("[", stdout);
  else if (csv) {
    const char *cols[] = { "VirtualMachine", "Filesystem", c2, c3, c4, c5 };
    for (size_t i = 0; i < 6; ++i) {
      if (i)
        putchar (',');
      csv_field (stdout, cols[i]);
    }
    putchar ('\n');
  }
  else
    printf ("%-36s%10s %10s %10s %5s\n", "Filesystem", c2, c3, c4, c5);
}

/* Bytes in powers of 1024, the way df -h and libguestfs's virt-df
 * (gnulib's human_readable: autoscale, round to nearest, ties to even)
 * print them: "512", "9.8K", "98K", "1.0M". */
static void
human_size (char *buf, size_t len, unsigned __int128 bytes)
{
  static const char letters[] = "KMGTPEZY";
  int power = 0;
  unsigned __int128 d = 1;
  while (power < 8 && bytes / d >= 1024) {
    d *= 1024;
    ++power;
  }
  uint64_t q = bytes / d;
  unsigned __int128 r = bytes % d;
  if (power == 0) {
    snprintf (buf, len, "%" PRIu64, q);
    return;
  }
  if (q < 10) {
    unsigned __int128 x = r * 10;
    unsigned t = x / d;
    unsigned __int128 rem = x % d;
    if (2 * rem > d || (2 * rem == d && (t & 1)))
      ++t;
    if (t == 10) {
      ++q;
      t = 0;
    }
    if (q < 10) {
      snprintf (buf, len, "%" PRIu64 ".%u%c", q, t, letters[power - 1]);
      return;
    }
  }
  else if (2 * r > d || (2 * r == d && (q & 1)))
    ++q;
  if (q == 1024 && power < 8)
    snprintf (buf, len, "1.0%c", letters[power]);
  else
    snprintf (buf, len, "%" PRIu64 "%c", q, letters[power - 1]);
}

/* x in 1K blocks from blocks of 'unit' bytes. */
static int64_t
kib (int64_t x, int64_t unit)
{
  if (unit >= 1024)
    return x * (unit / 1024);
  return unit > 0 ? x / (1024 / unit) : 0;
}

/* What one row shows: the three numbers as text and the percentage. */
struct row_values {
  int64_t n[3];                 /* size, used, available (or inodes) */
  char text[3][64];
  double percent;
};

static void
row_values (const struct gc_statvfs *st, struct row_values *v)
{
  /* f_blocks counts fragments of f_frsize bytes. */
  int64_t unit = st->frsize > 0 ? st->frsize : st->bsize;
  if (!inodes) {
    v->n[0] = kib (st->blocks, unit);
    v->n[1] = kib (st->blocks - st->bfree, unit);
    v->n[2] = kib (st->bavail, unit);
    if (human) {
      human_size (v->text[0], 64, (unsigned __int128) st->blocks * unit);
      human_size (v->text[1], 64,
                  (unsigned __int128) (st->blocks - st->bfree) * unit);
      human_size (v->text[2], 64, (unsigned __int128) st->bavail * unit);
    }
    /* As libguestfs: the share of the blocks not free (reserved ones
     * count as used), computed in float. */
    v->percent = st->blocks ?
      (float) (100. - 100. * st->bfree / st->blocks) : 0;
  }
  else {
    v->n[0] = st->files;
    v->n[1] = st->files - st->ffree;
    v->n[2] = st->ffree;
    v->percent = st->files ?
      (float) (100. - 100. * st->ffree / st->files) : 0;
  }
  if (!human || inodes)
    for (int i = 0; i < 3; ++i)
      snprintf (v->text[i], 64, "%" PRId64, v->n[i]);
}

/* The JSON record of a row (--json, --jsonl), whose image, if given
 * (--jsonl), comes first.  NULL on ENOMEM. */
static json_t *
row_record (const struct gc_opt_drive *image, const char *guest,
            const struct df_row *r, const struct row_values *v)
{
  static const char *const keys[2][4] = {
    { "1k_blocks", "used", "available", "use_percent" },
    { "inodes", "iused", "ifree", "iuse_percent" },
  };
  const char *const *k = keys[inodes ? 1 : 0];
  json_t *o = json_object ();
  if (o == NULL)
    return NULL;
  json_t *more = json_pack ("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:f, "
                            "s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
                            "guest", guest, "filesystem", r->dev,
                            "type", r->type, "uuid", r->uuid,
                            k[0], (json_int_t) v->n[0],
                            k[1], (json_int_t) v->n[1],
                            k[2], (json_int_t) v->n[2],
                            k[3], round (v->percent * 10) / 10,
                            "statvfs",
                            "bsize", (json_int_t) r->st.bsize,
                            "frsize", (json_int_t) r->st.frsize,
                            "blocks", (json_int_t) r->st.blocks,
                            "bfree", (json_int_t) r->st.bfree,
                            "bavail", (json_int_t) r->st.bavail,
                            "files", (json_int_t) r->st.files,
                            "ffree", (json_int_t) r->st.ffree);
  if (more == NULL || (image && gc_tool_jsonl_image (o, image) == -1) ||
      json_object_update (o, more) == -1) {
    json_decref (more);
    json_decref (o);
    return NULL;
  }
  json_decref (more);
  return o;
}

/* Print one row of the guest named guest, whose first image is image. */
static void
print_row (const struct gc_opt_drive *image, const char *guest,
           const struct df_row *r, bool first)
{
  struct row_values v;
  row_values (&r->st, &v);
  const char *name = uuid && r->uuid[0] ? r->uuid : guest;

  if (jsonl) {
    if (gc_tool_jsonl_print (row_record (image, guest, r, &v)) == -1 &&
        errno == ENOMEM)
      gc_tool_error ("out of memory");
  }
  else if (json) {
    /* One record a line, made by jansson; the array around them is
     * written as the rows come (from parallel guests, in order). */
    char *line = NULL;
    json_t *o = row_record (NULL, guest, r, &v);
    if (o)
      line = json_dumps (o, JSON_REAL_PRECISION (6));
    json_decref (o);
    if (line == NULL) {
      gc_tool_error ("out of memory");
      return;
    }
    printf ("%s  %s", first ? "\n" : ",\n", line);
    free (line);
  }
  else if (csv) {
    csv_field (stdout, name);
    putchar (',');
    csv_field (stdout, r->dev);
    for (int i = 0; i < 3; ++i) {
      putchar (',');
      csv_field (stdout, v.text[i]);
    }
    printf (",%.1f\n", v.percent);
  }
  else {
    /* NAME:DEV in 36 columns, or on a line of its own if longer; the
     * percentage rounded up, as df does. */
    int len = printf ("%s:%s", name, r->dev);
    if (len <= 36)
      printf ("%*s", 36 - len, "");
    else
      printf ("\n%36s", "");
    printf ("%10s %10s %10s %4.0f%%\n", v.text[0], v.text[1], v.text[2],
            ceil (v.percent));
  }
}

/* The display name of a guest: the base name of its first image, and
 * a '+' for each further image (as libguestfs), made safe (utf8.h). */
static char *
display_name (const struct gc_opt_drive *drives, size_t n)
{
  const char *slash = strrchr (drives[0].filename, '/');
  const char *base = slash && slash[1] ? slash + 1 : drives[0].filename;
  char *name = malloc (strlen (base) + n);
  if (name == NULL)
    return NULL;
  strcpy (name, base);
  size_t len = strlen (name);
  for (size_t i = 1; i < n; ++i)
    name[len++] = '+';
  name[len] = '\0';
  /* A file name is bytes: shown by the same rule as the guest's names. */
  char *safe = gc_utf8_safe_line (name, len);
  free (name);
  return safe;
}

/* Scanning one guest. */

/* Launch an appliance on the n drives, and statvfs every mountable
 * filesystem into rows.  Returns an exit code (errors printed). */
static int
scan_guest (const struct gc_opt_drive *drives, size_t n, df_row_vector *rows)
{
  CLEANUP_GC_HANDLE gc_h *g = gc_tool_create_handle ();
  if (g == NULL)
    return GC_EXIT_ERROR;
  for (size_t i = 0; i < n; ++i)
    if (gc_tool_add_drive (g, &drives[i], true) == -1)
      return gc_tool_handle_error (g);
  if (gc_tool_launch (g) == -1)
    return GC_EXIT_LAUNCH;
  if (gc_scan_volumes (g) == -1)
    return gc_tool_handle_error (g);
  int code = gc_tool_check_disk_images (g, drives, n);
  if (code != GC_EXIT_OK)
    return code;
  CLEANUP_FREE_STRINGS char **fs = gc_list_filesystems (g);
  if (fs == NULL)
    return gc_tool_handle_error (g);

  for (size_t i = 0; fs[i] && fs[i + 1]; i += 2) {
    const char *dev = fs[i], *type = fs[i + 1];
    if (strcmp (type, "swap") == 0 || strcmp (type, "unknown") == 0 ||
        type[0] == '\0')
      continue;
    /* A filesystem the appliance cannot mount is not reported, as in
     * libguestfs; only a dead appliance is an error. */
    if (gc_mount (g, dev, "/", NULL, NULL, 1) == -1) {
      if (gc_get_state (g) != GC_STATE_READY)
        return gc_tool_handle_error (g);
      continue;
    }
    CLEANUP_FREE struct gc_statvfs *st = gc_statvfs (g, "/");
    if (st == NULL || gc_umount_all (g) == -1)
      return gc_tool_handle_error (g);
    char *u = gc_vfs_uuid (g, dev);
    if (u == NULL)
      return gc_tool_handle_error (g);
    /* The names are the guest's (LVM, md, btrfs names): made safe by
     * the one rule (utf8.h), as fields of one line, before any output
     * (and before a child sends them to the parent, a line a row). */
    struct df_row r = { .dev = gc_utf8_safe_line (dev, strlen (dev)),
                        .type = gc_utf8_safe_line (type, strlen (type)),
                        .uuid = gc_utf8_safe_line (u, strlen (u)),
                        .st = *st };
    free (u);
    if (r.dev == NULL || r.type == NULL || r.uuid == NULL ||
        df_row_vector_append (rows, r) == -1) {
      free (r.dev);
      free (r.type);
      free (r.uuid);
      gc_tool_error ("out of memory");
      return GC_EXIT_ERROR;
    }
  }
  if (gc_shutdown (g) == -1)
    return gc_tool_handle_error (g);
  return GC_EXIT_OK;
}

/* --each-image: children, pipes, order. */

struct job {
  pid_t pid;                    /* 0: not started or reaped */
  int fd;                       /* read end of its pipe, -1 when closed */
  char *buf;                    /* what it sent */
  size_t len, cap;
  int code;                     /* its exit code */
  bool done;
  char *error;                  /* the error it printed, if it said */
};

static volatile sig_atomic_t parent_signal;

static void
on_parent_signal (int sig)
{
  if (parent_signal == 0)
    parent_signal = sig;
}

/* In the child: scan one image and send the rows, one per line,
 * tab-separated, on fd, then after a failure a line with an empty
 * first field and the error printed (for --jsonl's failure record).
 * Never returns. */
static void __attribute__ ((noreturn))
child (size_t idx, int fd)
{
  df_row_vector rows = EMPTY_VECTOR;
  /* The parent's last error, if any, is not this child's. */
  const char *before = gc_tool_last_error ();
  int code = scan_guest (&gc_opts.drives.ptr[idx], 1, &rows);
  const char *error = gc_tool_last_error ();
  FILE *fp = fdopen (fd, "w");
  if (fp == NULL)
    code = GC_EXIT_ERROR;
  else {
    for (size_t i = 0; i < rows.len; ++i) {
      const struct df_row *r = &rows.ptr[i];
      fprintf (fp, "%s\t%s\t%s\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%"
               PRId64 "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\n",
               r->dev, r->type, r->uuid, r->st.bsize, r->st.frsize,
               r->st.blocks, r->st.bfree, r->st.bavail, r->st.files,
               r->st.ffree);
    }
    /* The message is one line without tabs (utf8.h). */
    if (code != GC_EXIT_OK && error && error != before)
      fprintf (fp, "\t%s\n", error);
    if (fclose (fp) == EOF && code == GC_EXIT_OK)
      code = GC_EXIT_ERROR;
  }
  free_rows (&rows);
  gc_options_free ();
  _exit (gc_tool_exit_status (code));
}

/* In the parent: the rows a child sent, and its error message if it
 * sent one (*error, malloc'd).  -1 if they do not parse. */
static int
parse_rows (char *buf, df_row_vector *rows, char **error)
{
  char *save = NULL;
  for (char *line = strtok_r (buf, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save)) {
    if (line[0] == '\t') {     /* no device has an empty name */
      free (*error);
      if ((*error = strdup (line + 1)) == NULL)
        return -1;
      continue;
    }
    char *f[10];
    char *p = line;
    for (int i = 0; i < 10; ++i) {
      f[i] = strsep (&p, "\t");
      if (f[i] == NULL)
        return -1;
    }
    struct df_row r = { .dev = strdup (f[0]), .type = strdup (f[1]),
                        .uuid = strdup (f[2]) };
    int64_t *num[] = { &r.st.bsize, &r.st.frsize, &r.st.blocks, &r.st.bfree,
                       &r.st.bavail, &r.st.files, &r.st.ffree };
    for (int i = 0; i < 7; ++i)
      *num[i] = strtoll (f[3 + i], NULL, 10);
    if (r.dev == NULL || r.type == NULL || r.uuid == NULL ||
        df_row_vector_append (rows, r) == -1) {
      free (r.dev);
      free (r.type);
      free (r.uuid);
      return -1;
    }
  }
  return 0;
}

/* The default -P: as many appliances as cores, and as memory allows
 * (~320 MiB each with qemu, appliance/NOTES.md), at least one. */
static int
default_procs (void)
{
  long cores = sysconf (_SC_NPROCESSORS_ONLN);
  long long avail_kib = 0;
  FILE *fp = fopen ("/proc/meminfo", "r");
  if (fp) {
    char line[256];
    while (fgets (line, sizeof line, fp))
      if (sscanf (line, "MemAvailable: %lld kB", &avail_kib) == 1)
        break;
    fclose (fp);
  }
  long n = cores > 0 ? cores : 1;
  if (avail_kib > 0 && avail_kib / (320 * 1024) < n)
    n = avail_kib / (320 * 1024);
  return n < 1 ? 1 : n;
}

static int
start_job (struct job *j, size_t idx)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) == -1) {
    gc_tool_error ("pipe: %s", strerror (errno));
    return -1;
  }
  fflush (stdout);
  fflush (stderr);
  pid_t pid = fork ();
  if (pid == -1) {
    gc_tool_error ("fork: %s", strerror (errno));
    close (p[0]);
    close (p[1]);
    return -1;
  }
  if (pid == 0) {
    close (p[0]);
    signal (SIGINT, SIG_DFL);
    signal (SIGTERM, SIG_DFL);
    signal (SIGHUP, SIG_DFL);
    child (idx, p[1]);
  }
  close (p[1]);
  j->pid = pid;
  j->fd = p[0];
  return 0;
}

/* Read what the running children sent until one closes its pipe, then
 * reap it.  -1 on a poll error. */
static int
wait_some (struct job *jobs, size_t n)
{
  struct pollfd pfd[n];
  size_t which[n], m = 0;
  for (size_t i = 0; i < n; ++i)
    if (jobs[i].fd >= 0) {
      pfd[m] = (struct pollfd) { .fd = jobs[i].fd, .events = POLLIN };
      which[m++] = i;
    }
  if (m == 0)
    return 0;
  if (poll (pfd, m, -1) == -1) {
    if (errno == EINTR)
      return 0;
    gc_tool_error ("poll: %s", strerror (errno));
    return -1;
  }
  for (size_t k = 0; k < m; ++k) {
    if (pfd[k].revents == 0)
      continue;
    struct job *j = &jobs[which[k]];
    if (j->cap - j->len < 4096) {
      size_t cap = j->cap ? j->cap * 2 : 8192;
      char *b = realloc (j->buf, cap);
      if (b == NULL) {
        gc_tool_error ("out of memory");
        return -1;
      }
      j->buf = b;
      j->cap = cap;
    }
    ssize_t r = read (j->fd, j->buf + j->len, j->cap - j->len - 1);
    if (r > 0) {
      j->len += r;
      continue;
    }
    if (r == -1 && errno == EINTR)
      continue;
    close (j->fd);
    j->fd = -1;
    int status;
    while (waitpid (j->pid, &status, 0) == -1 && errno == EINTR)
      ;
    j->pid = 0;
    j->done = true;
    if (WIFEXITED (status))
      j->code = WEXITSTATUS (status);
    else
      j->code = GC_EXIT_ERROR;
  }
  return 0;
}

static int
run_each_image (void)
{
  size_t n = gc_opts.drives.len;
  int procs = max_procs > 0 ? max_procs : gc_opts.settings.parallel > 0
    ? gc_opts.settings.parallel : default_procs ();
  if (gc_opts.verbose)
    fprintf (stderr, "%s: %zu images, %d at once (%s%s)\n",
             gc_opts.program_name, n, procs,
             max_procs > 0 ? "-P" : gc_opts.settings.parallel > 0
             ? "parallel from " : "from the cores and memory",
             max_procs > 0 || gc_opts.settings.parallel == 0 ? ""
             : gc_opts.settings.source[GC_SETTING_PARALLEL]);
  struct job *jobs = calloc (n, sizeof *jobs);
  if (jobs == NULL) {
    gc_tool_error ("out of memory");
    return GC_EXIT_ERROR;
  }
  for (size_t i = 0; i < n; ++i)
    jobs[i].fd = -1;

  struct sigaction sa = { .sa_handler = on_parent_signal }, old[3];
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, &old[0]);
  sigaction (SIGTERM, &sa, &old[1]);
  sigaction (SIGHUP, &sa, &old[2]);
  signal (SIGPIPE, SIG_IGN);

  int code = GC_EXIT_OK;
  size_t next_start = 0, next_print = 0;
  int running = 0;
  bool titled = false, first = true, failed = false;
  while (next_print < n) {
    while (!parent_signal && !failed && running < procs && next_start < n) {
      if (start_job (&jobs[next_start], next_start) == -1) {
        failed = true;
        break;
      }
      ++next_start;
      ++running;
    }
    if (parent_signal || failed) {
      /* Stop every child: each one kills its qemu on SIGTERM. */
      for (size_t i = 0; i < n; ++i)
        if (jobs[i].pid > 0)
          kill (jobs[i].pid, SIGTERM);
      if (running == 0)
        break;
    }
    if (running == 0)
      break;
    size_t before = 0;
    for (size_t i = 0; i < n; ++i)
      before += jobs[i].done;
    if (wait_some (jobs, n) == -1)
      failed = true;
    size_t after = 0;
    for (size_t i = 0; i < n; ++i)
      after += jobs[i].done;
    running -= after - before;

    /* Print, in the order given, every guest whose turn has come. */
    while (next_print < n && jobs[next_print].done && !parent_signal) {
      struct job *j = &jobs[next_print];
      if (!titled) {
        print_title ();
        titled = true;
      }
      df_row_vector rows = EMPTY_VECTOR;
      const struct gc_opt_drive *image = &gc_opts.drives.ptr[next_print];
      CLEANUP_FREE char *name = display_name (image, 1);
      if (j->buf)
        j->buf[j->len] = '\0';
      if (name == NULL ||
          (j->buf && parse_rows (j->buf, &rows, &j->error) == -1)) {
        gc_tool_error ("%s: bad output from the child process",
                       image->filename);
        j->code = GC_EXIT_ERROR;
        free (j->error);
        j->error = NULL;
      }
      else
        for (size_t k = 0; k < rows.len; ++k, first = false)
          print_row (image, name, &rows.ptr[k], first);
      free_rows (&rows);
      /* The child's own exit code: what a run on this image alone
       * would exit with. */
      if (jsonl && j->code != GC_EXIT_OK)
        gc_tool_jsonl_failure (image, j->error, j->code);
      if (j->code != GC_EXIT_OK && code == GC_EXIT_OK)
        code = GC_EXIT_ERROR;
      fflush (stdout);
      ++next_print;
    }
  }
  if (next_print < n && code == GC_EXIT_OK)
    code = GC_EXIT_ERROR;
  if (json && titled)
    fputs (first ? "]\n" : "\n]\n", stdout);

  for (size_t i = 0; i < n; ++i) {
    if (jobs[i].fd >= 0)
      close (jobs[i].fd);
    free (jobs[i].buf);
    free (jobs[i].error);
  }
  free (jobs);
  sigaction (SIGINT, &old[0], NULL);
  sigaction (SIGTERM, &old[1], NULL);
  sigaction (SIGHUP, &old[2], NULL);
  return code;
}

static int
run_one_guest (void)
{
  df_row_vector rows = EMPTY_VECTOR;
  int code = scan_guest (gc_opts.drives.ptr, gc_opts.drives.len, &rows);
  if (code == GC_EXIT_OK) {
    CLEANUP_FREE char *name =
      display_name (gc_opts.drives.ptr, gc_opts.drives.len);
    if (name == NULL) {
      gc_tool_error ("out of memory");
      code = GC_EXIT_ERROR;
    }
    else {
      print_title ();
      for (size_t i = 0; i < rows.len; ++i)
        print_row (gc_opts.drives.ptr, name, &rows.ptr[i], i == 0);
      if (json)
        fputs (rows.len ? "\n]\n" : "]\n", stdout);
    }
  }
  if (jsonl && code != GC_EXIT_OK)
    gc_tool_jsonl_failure (gc_opts.drives.ptr, gc_tool_last_error (), code);
  free_rows (&rows);
  return code;
}

static int
run (int argc, char **argv)
{
  poptContext ctx = NULL;
  int code;
  if (gc_options_parse (argc, argv, options, "", &ctx, &code) == -1)
    return code;
  const char **args = poptGetArgs (ctx);
  bool extra = args && args[0];
  poptFreeContext (ctx);

  if (extra)
    return gc_tool_usage_error ("unexpected argument: name the disk images "
                                "with -a");
  if (gc_opts.drives.len == 0)
    return gc_tool_usage_error ("no disk image given: use -a IMAGE");
  if (gc_opts.mounts.len > 0)
    return gc_tool_usage_error ("-m is not an option of virt-df: every "
                                "filesystem is reported");
  if (csv + json + jsonl > 1)
    return gc_tool_usage_error ("--csv, --json and --jsonl cannot be used "
                                "together");
  if (human && (csv || json || jsonl))
    return gc_tool_usage_error ("-h cannot be used with --csv, --json or "
                                "--jsonl: the numbers would not be numbers");
  if (max_procs < 0)
    return gc_tool_usage_error ("-P must be a positive number");

  code = each_image ? run_each_image () : run_one_guest ();
  if (fflush (stdout) == EOF || ferror (stdout)) {
    if (errno == EPIPE)
      gc_tool_set_broken_pipe ();
    else
      gc_tool_error ("standard output: %s", strerror (errno));
    code = GC_EXIT_ERROR;
  }
  return code;
}

int
main (int argc, char **argv)
{
  int code = run (argc, argv);
  gc_options_free ();
  if (parent_signal) {
    signal (parent_signal, SIG_DFL);
    raise (parent_signal);
  }
  return gc_tool_exit_status (code);
}
