/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* virt-copy-out: copy files and directories out of a disk image.
 *
 * The drives are added read-only and the guest mounted read-only.  The
 * daemon's copy_out writes the guest paths as one tree stream
 * (common/utils/treestream.h); the core copies it into a pipe, and a
 * thread here extracts it below LOCALDIR with the stream reader, which
 * takes every byte as hostile: names are single components, nothing is
 * followed or made outside LOCALDIR, files appear only when whole,
 * device nodes and setuid/setgid bits only when asked.
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
#include "treestream.h"
#include "copy.h"

static int preserve_owner, devices, setuid_bits;

static struct poptOption options[] = {
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, gc_common_options, 0,
    "Common options:", NULL },
  { "preserve-owner", '\0', POPT_ARG_NONE, &preserve_owner, 0,
    "Give the copies the guest's numeric owner and group (root only; "
    "default: yours)", NULL },
  { "devices", '\0', POPT_ARG_NONE, &devices, 0,
    "Make the guest's device nodes (root only; default: skipped)", NULL },
  { "setuid", '\0', POPT_ARG_NONE, &setuid_bits, 0,
    "Keep the setuid and setgid bits of files (default: dropped)", NULL },
  POPT_TABLEEND
};

struct reader_job {
  int fd;                       /* the pipe's read end */
  int rootfd;                   /* LOCALDIR */
  int result;                   /* gc_tree_reader_finish's */
  char *error;
  uint64_t skipped_devices, dropped_setuid;
  uint64_t bytes;               /* file data written */
};

static void
reader_warning (void *opaque, const char *msg)
{
  copy_warning (msg);
}

/* The reader thread: extract the pipe into LOCALDIR until its end.
 * On an error it stops reading and closes the pipe, which makes the
 * core cancel the transfer. */
static void *
reader_thread (void *arg)
{
  struct reader_job *j = arg;
  unsigned flags = (preserve_owner ? GC_TREE_R_CHOWN : 0) |
    (devices ? GC_TREE_R_DEVICES : 0) | (setuid_bits ? GC_TREE_R_SETUID : 0);
  struct gc_tree_reader *r = gc_tree_reader_new (j->rootfd, flags);
  CLEANUP_FREE char *buf = malloc (GC_CHUNK_MAX);
  if (r == NULL || buf == NULL) {
    j->result = -1;
    j->error = strdup ("out of memory");
    close (j->fd);
    gc_tree_reader_free (r);
    return NULL;
  }
  gc_tree_reader_set_warn (r, reader_warning, j);
  for (;;) {
    ssize_t n = read (j->fd, buf, GC_CHUNK_MAX);
    if (n == -1 && errno == EINTR)
      continue;
    if (n <= 0 || gc_tree_reader_feed (r, buf, n) == -1)
      break;
  }
  close (j->fd);
  j->result = gc_tree_reader_finish (r);
  if (j->result == -1)
    j->error = strdup (gc_tree_reader_error (r));
  j->bytes = gc_tree_reader_bytes (r);
  j->skipped_devices = gc_tree_reader_skipped_devices (r);
  j->dropped_setuid = gc_tree_reader_dropped_setuid (r);
  gc_tree_reader_free (r);
  return NULL;
}

static void
on_progress (gc_h *g, void *opaque, uint64_t event, const char *buf,
             size_t len, const uint64_t *array, size_t array_len)
{
  struct copy_progress *p = opaque;
  if (array_len >= 4) {
    p->total = array[3];
    copy_progress_update (p, array[2]);
  }
}

/* Stream the guest paths into LOCALDIR.  GC_EXIT_OK or an exit code
 * after printing the error. */
static int
copy_out (gc_h *g, char **paths, int rootfd, const char *localdir)
{
  int fds[2];
  pthread_t t;
  struct reader_job j = { .rootfd = rootfd };
  struct copy_progress progress;

  copy_progress_init (&progress, 0);   /* the total comes with progress */
  int id = -1;
  if (progress.on)
    id = gc_set_event_callback (g, on_progress, GC_EVENT_PROGRESS,
                                &progress);
  if (copy_pipe (fds) == -1)
    return GC_EXIT_ERROR;
  j.fd = fds[0];
  if (copy_start_thread (&t, reader_thread, &j) == -1) {
    close (fds[0]);
    close (fds[1]);
    return GC_EXIT_ERROR;
  }
  double t0 = copy_now ();
  int r = gc_copy_out (g, paths, id >= 0, fds[1]);
  close (fds[1]);               /* the end of the stream for the reader */
  pthread_join (t, NULL);
  if (r == 0 && j.result == 0)
    copy_report ("copy_out", j.bytes, copy_now () - t0);
  copy_progress_end (&progress);
  copy_warnings_done ();

  /* The extraction failing (a hostile stream, a full disk...) closes
   * the pipe, and the call then fails with EPIPE: the extraction's
   * error is the one to tell.  The call failing on its own (a guest
   * path unreadable, the appliance gone) cuts the stream short: the
   * call's error is. */
  int code = GC_EXIT_OK;
  bool ours = j.result == -1 &&
    (r == 0 || (gc_get_state (g) == GC_STATE_READY &&
                gc_last_errno (g) == EPIPE));
  if (ours) {
    gc_tool_error ("%s/%s", localdir, j.error ? j.error : "out of memory");
    code = GC_EXIT_ERROR;
  }
  else if (r == -1)
    code = copy_call_error (g, "copy_out");
  if (j.skipped_devices)
    gc_tool_warning ("%ju device node%s not made (--devices makes them, "
                     "as root)", (uintmax_t) j.skipped_devices,
                     j.skipped_devices == 1 ? "" : "s");
  if (j.dropped_setuid)
    gc_tool_warning ("setuid/setgid bits left out on %ju file%s (--setuid "
                     "keeps them)", (uintmax_t) j.dropped_setuid,
                     j.dropped_setuid == 1 ? "" : "s");
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
  if (copy_parse (argc, argv, options, "GUESTPATH... LOCALDIR",
                  "name at least one GUESTPATH, then the LOCALDIR to copy "
                  "it into", &ctx, &args, &nargs, &code) == -1)
    return code;
  if ((preserve_owner || devices) && geteuid () != 0) {
    poptFreeContext (ctx);
    return gc_tool_usage_error ("%s needs root", preserve_owner
                                ? "--preserve-owner" : "--devices");
  }
  const char *localdir = args[nargs - 1];
  CLEANUP_CLOSE int rootfd = open (localdir, O_RDONLY | O_DIRECTORY |
                                   O_CLOEXEC);
  if (rootfd == -1) {
    gc_tool_error ("%s: %s", localdir, strerror (errno));
    poptFreeContext (ctx);
    return GC_EXIT_ERROR;
  }

  CLEANUP_GC_HANDLE gc_h *g = gc_tool_create_handle ();
  if (g == NULL)
    code = GC_EXIT_ERROR;
  else if (gc_tool_add_drives (g, true) == -1)
    code = GC_EXIT_ERROR;
  else if (gc_tool_launch (g) == -1)
    code = GC_EXIT_LAUNCH;
  else if ((code = gc_tool_mount (g, true)) == GC_EXIT_OK) {
    CLEANUP_FREE_STRINGS char **paths = calloc (nargs, sizeof (char *));
    int fatal = 0;
    if (paths == NULL) {
      gc_tool_error ("out of memory");
      code = GC_EXIT_ERROR;
    }
    for (size_t i = 0; code == GC_EXIT_OK && i < nargs - 1; ++i) {
      if (gc_tool_windows_root)
        paths[i] = gc_tool_windows_path (g, args[i], &fatal);
      else if (args[i][0] != '/')
        gc_tool_error ("%s: the path must be absolute (start with '/')",
                       args[i]);
      else if ((paths[i] = strdup (args[i])) == NULL)
        gc_tool_error ("out of memory");
      if (paths[i] == NULL)
        code = GC_EXIT_ERROR;
    }
    if (code == GC_EXIT_OK)
      code = copy_out (g, paths, rootfd, localdir);
    if (!fatal && gc_get_state (g) == GC_STATE_READY &&
        gc_shutdown (g) == -1 && code == GC_EXIT_OK)
      code = gc_tool_handle_error (g);
  }
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
