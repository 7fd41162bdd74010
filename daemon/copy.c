/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Tree copies (virt-copy-in, virt-copy-out): the appliance's end of the
 * tree stream (common/utils/treestream.h).  copy_in extracts a stream
 * from the host below a guest directory, durably (files are linked in
 * place only when whole and synced); copy_out writes guest paths as a
 * stream to the host.  The guest paths the user names are resolved
 * with openat2 RESOLVE_IN_ROOT, so a guest symlink cannot lead outside
 * the guest's root; below them nothing is followed.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "daemon.h"
#include "gc-daemon-actions.h"
#include "treestream.h"

/* Where a copy's time goes, for the -v line that ends it.  The guest's
 * clock runs at its own pace under TCG (on a loaded host, ten times
 * too fast): only the shares are to be trusted. */
static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A reader's error, with the guest directory in front of its path. */
static void
reply_reader_error (const char *directory, struct gc_tree_reader *r)
{
  const char *msg = gc_tree_reader_error (r);
  int err = gc_tree_reader_errno (r);
  if (msg == NULL)
    msg = "unknown error";
  /* "PATH: what" below directory, or "what" for the stream as a whole. */
  bool slash = directory[strlen (directory) - 1] == '/';
  if (err == EBADMSG)
    reply_with_error_errno (err, "copy_in: %s", msg);
  else
    reply_with_error_errno (err, "copy_in: %s%s%s", directory,
                            slash ? "" : "/", msg);
}

struct in_state {
  struct gc_tree_reader *r;
  double feeding;               /* seconds spent writing the guest */
};

static int
feed (void *opaque, const void *buf, size_t len)
{
  struct in_state *s = opaque;
  double t = now_s ();
  int r = gc_tree_reader_feed (s->r, buf, len);
  s->feeding += now_s () - t;
  return r;
}

static void
debug_warning (void *opaque, const char *msg)
{
  gc_d_debug ("copy_in: warning in the stream: %s", msg);
}

/* 0 after consuming the stream, -1 after replying. */
int
do_copy_in (const char *directory)
{
  CLEANUP_CLOSE int rootfd = gc_d_open_guest (directory, O_RDONLY |
                                              O_DIRECTORY, 0);
  if (rootfd == -1) {
    reply_with_perror ("copy_in: %s", directory);
    return -1;
  }
  struct gc_tree_reader *r =
    gc_tree_reader_new (rootfd, GC_TREE_R_DURABLE | GC_TREE_R_CHOWN |
                        GC_TREE_R_DEVICES | GC_TREE_R_SETUID);
  if (r == NULL) {
    reply_with_perror ("copy_in: malloc");
    return -1;
  }
  gc_tree_reader_set_warn (r, debug_warning, NULL);

  struct in_state st = { .r = r };
  double t0 = now_s ();
  int rs = receive_file (feed, &st);
  double t1 = now_s ();
  /* Whatever happened, what is whole goes in place, synced. */
  int rf = gc_tree_reader_finish (r);
  if (rf == 0)
    sync ();
  double t2 = now_s ();
  double all = t2 > t0 ? t2 - t0 : 1e-9;
  gc_d_debug ("copy_in: %s: %ju entries, %ju bytes in %.2f s (the guest's "
              "clock): %.0f%% writing the guest's files, %.0f%% receiving "
              "from the channel, %.0f%% linking and syncing at the end",
              directory, (uintmax_t) gc_tree_reader_entries (r),
              (uintmax_t) gc_tree_reader_bytes (r), all,
              100 * st.feeding / all, 100 * (t1 - t0 - st.feeding) / all,
              100 * (t2 - t1) / all);
  int ret = 0;
  if (rs == -2) {
    reply_with_error_errno (ECANCELED, "copy_in: %s: cancelled", directory);
    ret = -1;
  }
  else if (rs < -2) {
    reply_with_error ("copy_in: %s: error on the channel", directory);
    ret = -1;
  }
  else if (rf == -1) {
    reply_reader_error (directory, r);
    ret = -1;
  }
  gc_tree_reader_free (r);
  return ret;
}

/* One path to copy out: the parent's fd and the name in it, or the
 * directory itself (name NULL) when its contents are asked for. */
struct source {
  int fd;
  char *name;
};

static void
free_sources (struct source *s, size_t n)
{
  for (size_t i = 0; i < n; ++i) {
    if (s[i].fd >= 0)
      close (s[i].fd);
    free (s[i].name);
  }
  free (s);
}

/* "/" or ".../." : the directory's contents. */
static bool
wants_contents (const char *path)
{
  size_t n = strlen (path);
  while (n > 1 && path[n - 1] == '/')
    --n;
  return (n == 1 && path[0] == '/') ||
    (n >= 2 && path[n - 1] == '.' && path[n - 2] == '/');
}

/* Each path resolved; NULL after replying. */
static struct source *
open_sources (char *const *paths, size_t n)
{
  struct source *s = calloc (n ? n : 1, sizeof *s);
  if (s == NULL) {
    reply_with_perror ("copy_out: malloc");
    return NULL;
  }
  for (size_t i = 0; i < n; ++i)
    s[i].fd = -1;
  for (size_t i = 0; i < n; ++i) {
    struct stat st;
    if (paths[i][0] != '/') {
      reply_with_error_errno (EINVAL, "copy_out: %s: the path must be "
                              "absolute", paths[i]);
      goto err;
    }
    if (wants_contents (paths[i])) {
      s[i].fd = gc_d_open_guest (paths[i], O_RDONLY | O_DIRECTORY, 0);
      if (s[i].fd == -1) {
        reply_with_perror ("copy_out: %s", paths[i]);
        goto err;
      }
      continue;
    }
    s[i].fd = gc_d_open_parent (paths[i], &s[i].name);
    if (s[i].fd == -1 ||
        fstatat (s[i].fd, s[i].name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
      reply_with_perror ("copy_out: %s", paths[i]);
      goto err;
    }
  }
  return s;

 err:
  free_sources (s, n);
  return NULL;
}

/* The guest directory whose entries a source's stream names start from,
 * with a trailing '/': "/var/" for /var/log, "/var/log/" for
 * /var/log/.; NULL on ENOMEM. */
static char *
source_dir (const char *path, const char *name)
{
  size_t n = strlen (path);
  while (n > 1 && path[n - 1] == '/')
    --n;
  if (name == NULL) {           /* the contents: path itself, minus "." */
    if (n >= 2 && path[n - 1] == '.')
      --n;
    return strndup (path, n);
  }
  while (n > 0 && path[n - 1] != '/')
    --n;
  return strndup (path, n);
}

struct out_state {
  struct gc_tree_writer *w;
  uint64_t total;
  bool cancelled;
  double sending;               /* seconds sending buffered records */
  double splicing;              /* seconds splicing file data */
};

static int
sink (void *opaque, const void *buf, size_t len)
{
  struct out_state *o = opaque;
  double t = now_s ();
  int r = send_file_write (buf, len);
  o->sending += now_s () - t;
  if (r == -2) {
    o->cancelled = true;
    errno = ECANCELED;
    return -1;
  }
  return r;
}

static ssize_t
sink_fd (void *opaque, int fd, off_t offset, size_t len)
{
  struct out_state *o = opaque;
  double t = now_s ();
  ssize_t r = send_file_splice (fd, offset, len);
  o->splicing += now_s () - t;
  if (r == -2) {
    o->cancelled = true;
    errno = ECANCELED;
    return -1;
  }
  return r;
}

static void
warn_in_stream (void *opaque, const char *msg)
{
  struct out_state *o = opaque;
  gc_tree_write_warning (o->w, msg);
}

static void
progress (void *opaque, uint64_t bytes)
{
  struct out_state *o = opaque;
  if (o->total)
    notify_progress (bytes < o->total ? bytes : o->total - 1, o->total);
}

/* 0 after streaming, -1 after replying (with the cancel chunk first if
 * the stream had started). */
int
do_copy_out (char *const *paths, int measure)
{
  size_t n = 0;
  while (paths[n])
    ++n;
  struct source *s = open_sources (paths, n);
  if (s == NULL)
    return -1;

  struct out_state o = { .total = 0 };
  o.w = gc_tree_writer_new (GC_CHUNK_MAX, 0, sink, &o);
  if (o.w == NULL) {
    reply_with_perror ("copy_out: malloc");
    free_sources (s, n);
    return -1;
  }
  gc_tree_writer_set_warn (o.w, warn_in_stream, &o);
  gc_tree_writer_set_sink_fd (o.w, sink_fd);
  gc_tree_writer_set_progress (o.w, progress, &o);
  if (measure)
    for (size_t i = 0; i < n; ++i)
      o.total += s[i].name ? gc_tree_measure (s[i].fd, s[i].name)
        : gc_tree_measure (s[i].fd, ".");

  reply (NULL, NULL);

  double t0 = now_s ();
  int r = 0;
  size_t i;
  for (i = 0; i < n && r == 0; ++i)
    r = s[i].name ? gc_tree_write_entry (o.w, s[i].fd, s[i].name, s[i].name)
      : gc_tree_write_contents (o.w, s[i].fd);
  if (r == 0)
    r = gc_tree_write_end (o.w);
  double t1 = now_s ();
  double all = t1 > t0 ? t1 - t0 : 1e-9;
  gc_d_debug ("copy_out: %ju entries, %ju bytes in %.2f s (the guest's "
              "clock): %.0f%% splicing file data from the disk to the "
              "channel, %.0f%% sending records and small files, %.0f%% "
              "reading directories and small files",
              (uintmax_t) gc_tree_writer_entries (o.w),
              (uintmax_t) gc_tree_writer_bytes (o.w), all,
              100 * o.splicing / all, 100 * o.sending / all,
              100 * (all - o.splicing - o.sending) / all);
  if (r == 0) {
    if (o.total)
      notify_progress (o.total, o.total);
    send_file_end (0);
  }
  else {
    send_file_end (1);
    if (o.cancelled)
      reply_with_error_errno (ECANCELED, "copy_out: cancelled");
    else {
      /* The writer names entries from the stream's root: put the guest
       * directory the failing path's entries came from in front. */
      CLEANUP_FREE char *dir = i > 0 ? source_dir (paths[i - 1], s[i - 1].name)
        : NULL;
      reply_with_error_errno (gc_tree_writer_errno (o.w), "copy_out: %s%s",
                              dir ? dir : "", gc_tree_writer_error (o.w));
    }
  }
  gc_tree_writer_free (o.w);
  free_sources (s, n);
  return r;
}
