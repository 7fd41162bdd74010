/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* virt-copy-in: copy local files and directories into a disk image.
 *
 * The drives are added read-write (qemu's lock refuses an image a
 * running VM holds) and the guest is mounted read-write.  A thread
 * walks the local trees and writes them as one tree stream
 * (common/utils/treestream.h) into a pipe, which the core streams to
 * the daemon's copy_in: it extracts below GUESTDIR, linking each file
 * into place only once it is whole and synced.  Success is reported
 * only after gc_tool_finish_writes: every filesystem unmounted and
 * synced, qemu exited.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "options.h"
#include "strutils.h"
#include "treestream.h"
#include "copy.h"

static int preserve_owner;

static struct poptOption options[] = {
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, gc_common_options, 0,
    "Common options:", NULL },
  { "preserve-owner", '\0', POPT_ARG_NONE, &preserve_owner, 0,
    "Give the copies the local files' numeric owner and group "
    "(default: root)", NULL },
  POPT_TABLEEND
};

/* One LOCAL: its parent directory and its name there, or (name NULL)
 * a directory whose contents are copied ("dir/."). */
struct local {
  const char *arg;
  int dirfd;
  char *name;
};

struct writer_job {
  struct local *locals;
  size_t n;
  int fd;                       /* the pipe's write end */
  struct copy_progress progress;
  char *error;                  /* the writer's error, or NULL */
  uint64_t bytes;               /* file data written to the stream */
};

static void
free_locals (struct local *l, size_t n)
{
  for (size_t i = 0; i < n; ++i) {
    if (l[i].dirfd >= 0)
      close (l[i].dirfd);
    free (l[i].name);
  }
  free (l);
}

/* Open each LOCAL's parent and check it is there; NULL after printing
 * the error. */
static struct local *
open_locals (const char **args, size_t n)
{
  struct local *l = calloc (n, sizeof *l);
  if (l == NULL) {
    gc_tool_error ("out of memory");
    return NULL;
  }
  for (size_t i = 0; i < n; ++i)
    l[i].dirfd = -1;
  for (size_t i = 0; i < n; ++i) {
    const char *a = args[i];
    size_t len = strlen (a);
    l[i].arg = a;
    while (len > 1 && a[len - 1] == '/')
      --len;
    size_t start = len;
    while (start > 0 && a[start - 1] != '/')
      --start;
    CLEANUP_FREE char *dir = start == 0 ? strdup (".")
      : strndup (a, start);
    char *name = strndup (a + start, len - start);
    if (dir == NULL || name == NULL) {
      free (name);
      gc_tool_error ("out of memory");
      goto err;
    }
    bool contents = strcmp (name, ".") == 0;
    if (contents) {
      free (name);
      name = NULL;
      l[i].dirfd = open (a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    else if (len == 1 && a[0] == '/') {
      free (name);
      gc_tool_error ("%s: the root directory has no name to give it in "
                     "the guest: use /. to copy what it holds", a);
      goto err;
    }
    else if (strcmp (name, "..") == 0) {
      free (name);
      gc_tool_error ("%s: name the directory itself, not \"..\"", a);
      goto err;
    }
    else
      l[i].dirfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    l[i].name = name;
    struct stat st;
    if (l[i].dirfd == -1 ||
        (name && fstatat (l[i].dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)) {
      gc_tool_error ("%s: %s", a, strerror (errno));
      goto err;
    }
  }
  return l;

 err:
  free_locals (l, n);
  return NULL;
}

static int
pipe_sink (void *opaque, const void *buf, size_t len)
{
  struct writer_job *j = opaque;
  return gc_write_all (j->fd, buf, len);
}

static void
writer_warning (void *opaque, const char *msg)
{
  copy_warning (msg);
}

static void
writer_progress (void *opaque, uint64_t bytes)
{
  struct writer_job *j = opaque;
  copy_progress_update (&j->progress, bytes);
}

/* The writer thread: every LOCAL into the pipe, then close it.  An
 * error ends the stream early (the daemon then refuses it whole) and
 * is kept in j->error. */
static void *
writer_thread (void *arg)
{
  struct writer_job *j = arg;
  struct gc_tree_writer *w =
    gc_tree_writer_new (GC_CHUNK_MAX, preserve_owner ? 0
                        : GC_TREE_W_ROOT_OWNER, pipe_sink, j);
  if (w == NULL) {
    j->error = strdup ("out of memory");
    close (j->fd);
    return NULL;
  }
  gc_tree_writer_set_warn (w, writer_warning, j);
  gc_tree_writer_set_progress (w, writer_progress, j);
  int r = 0;
  size_t i;
  for (i = 0; i < j->n && r == 0; ++i)
    r = j->locals[i].name
      ? gc_tree_write_entry (w, j->locals[i].dirfd, j->locals[i].name,
                             j->locals[i].name)
      : gc_tree_write_contents (w, j->locals[i].dirfd);
  if (r == 0)
    r = gc_tree_write_end (w);
  j->bytes = gc_tree_writer_bytes (w);
  if (r == -1) {
    /* The writer names paths from the stream's root: say which LOCAL. */
    const struct local *l = &j->locals[i ? i - 1 : 0];
    const char *msg = gc_tree_writer_error (w);
    if (l->name == NULL) {
      if (asprintf (&j->error, "%s/%s", l->arg, msg) == -1)
        j->error = NULL;
    }
    else {
      size_t k = strlen (l->arg);
      while (k > 1 && l->arg[k - 1] == '/')
        --k;
      k -= strlen (l->name);
      if (asprintf (&j->error, "%.*s%s", (int) k, l->arg, msg) == -1)
        j->error = NULL;
    }
    if (j->error == NULL)
      j->error = strdup ("out of memory");
  }
  close (j->fd);
  gc_tree_writer_free (w);
  return NULL;
}

/* Is the guest path an existing directory?  GC_EXIT_OK, or an exit
 * code after printing why not. */
static int
check_guest_dir (gc_h *g, const char *shown, const char *path)
{
  struct gc_stat *st = gc_stat (g, path);
  if (st == NULL) {
    if (gc_get_state (g) != GC_STATE_READY)
      return gc_tool_handle_error (g);
    gc_tool_error ("%s: %s", shown, strerror (gc_last_errno (g)
                                              ? gc_last_errno (g) : EIO));
    return GC_EXIT_ERROR;
  }
  bool dir = S_ISDIR (st->mode);
  free (st);
  if (!dir) {
    gc_tool_error ("%s: %s", shown, strerror (ENOTDIR));
    return GC_EXIT_ERROR;
  }
  return GC_EXIT_OK;
}

/* Stream the locals into the guest directory.  GC_EXIT_OK or an exit
 * code after printing the error. */
static int
copy_in (gc_h *g, struct local *locals, size_t n, const char *guestdir)
{
  int fds[2];
  pthread_t t;
  struct writer_job j = { .locals = locals, .n = n };
  uint64_t total = 0;

  if (copy_progress_wanted ())
    for (size_t i = 0; i < n; ++i)
      total += gc_tree_measure (locals[i].dirfd, locals[i].name
                                ? locals[i].name : ".");
  copy_progress_init (&j.progress, total);
  if (copy_pipe (fds) == -1)
    return GC_EXIT_ERROR;
  /* The core's reads then notice a cancel while the writer is slow. */
  fcntl (fds[0], F_SETFL, O_NONBLOCK);
  j.fd = fds[1];
  if (copy_start_thread (&t, writer_thread, &j) == -1) {
    close (fds[0]);
    close (fds[1]);
    return GC_EXIT_ERROR;
  }
  double t0 = copy_now ();
  int r = gc_copy_in (g, guestdir, fds[0]);
  /* The writer may be blocked on a full pipe: this ends it. */
  close (fds[0]);
  pthread_join (t, NULL);
  if (r == 0)
    copy_report ("copy_in", j.bytes, copy_now () - t0);
  copy_progress_end (&j.progress);
  copy_warnings_done ();

  int code = GC_EXIT_OK;
  if (j.error && gc_get_state (g) == GC_STATE_READY &&
      (r == 0 || gc_last_errno (g) == EBADMSG)) {
    /* Our own error (a local file unreadable...) cut the stream. */
    gc_tool_error ("%s", j.error);
    code = GC_EXIT_ERROR;
  }
  else if (r == -1)
    code = copy_call_error (g, "copy_in");
  free (j.error);
  return code;
}

static int
run (int argc, char **argv)
{
  poptContext ctx = NULL;
  const char **args;
  size_t nargs;
  int code;
  if (copy_parse (argc, argv, options, "LOCAL... GUESTDIR",
                  "name at least one LOCAL file or directory, then the "
                  "GUESTDIR to copy it into", &ctx, &args, &nargs,
                  &code) == -1)
    return code;
  const char *guestdir = args[nargs - 1];
  struct local *locals = open_locals (args, nargs - 1);
  if (locals == NULL) {
    poptFreeContext (ctx);
    return GC_EXIT_ERROR;
  }

  CLEANUP_GC_HANDLE gc_h *g = gc_tool_create_handle ();
  if (g == NULL)
    code = GC_EXIT_ERROR;
  else if (gc_tool_add_drives (g, false) == -1)
    code = GC_EXIT_ERROR;
  else if (gc_tool_launch (g) == -1)
    code = GC_EXIT_LAUNCH;
  else if ((code = gc_tool_mount (g, false)) == GC_EXIT_OK) {
    CLEANUP_FREE char *real = NULL;
    int fatal = 0;
    if (gc_tool_windows_root) {
      real = gc_tool_windows_path (g, guestdir, &fatal);
      if (real == NULL)
        code = GC_EXIT_ERROR;
    }
    else if (guestdir[0] != '/') {
      gc_tool_error ("%s: the guest directory must be an absolute path "
                     "(start with '/')", guestdir);
      code = GC_EXIT_ERROR;
    }
    if (code == GC_EXIT_OK)
      code = check_guest_dir (g, guestdir, real ? real : guestdir);
    if (code == GC_EXIT_OK)
      code = copy_in (g, locals, nargs - 1, real ? real : guestdir);
    /* What was copied before an error is in place too: finish it. */
    if (gc_get_state (g) == GC_STATE_READY && !fatal) {
      int c = gc_tool_finish_writes (g);
      if (code == GC_EXIT_OK)
        code = c;
    }
  }
  free_locals (locals, nargs - 1);
  poptFreeContext (ctx);
  return code;
}

int
main (int argc, char **argv)
{
  int code = run (argc, argv);
  gc_options_free ();
  return gc_tool_exit_status (code);
}
