/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The handle: creation from the environment's defaults, settings, drives,
 * state, and closing. */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static bool
env_true (const char *name)
{
  const char *v = getenv (name);
  return v && *v && strcmp (v, "0") != 0;
}

static char *
env_str (const char *name)
{
  const char *v = getenv (name);
  return v && *v ? strdup (v) : NULL;
}

/* A new handle in CONFIG state, its settings taken from the
 * configuration files and the GUESTCELL_* variables (lib/config.c); NULL
 * with errno set if out of memory.  Settings that cannot be loaded (a
 * bad file) leave the built-in defaults and make gc_launch fail.  Free
 * with gc_close. */
gc_h *
gc_create (void)
{
  gc_h *g = calloc (1, sizeof *g);
  if (g == NULL)
    return NULL;

  g->state = GC_STATE_CONFIG;
  g->sock = -1;
  g->console_fd = -1;
  g->serial = 1;
  g->verbose = env_true ("GUESTCELL_VERBOSE");
  g->trace = env_true ("GUESTCELL_TRACE");
  g->qemu = env_str ("GUESTCELL_QEMU");
  g->append = env_str ("GUESTCELL_APPEND");
  if (gc_settings_load (&g->settings, &g->config_error) == -1) {
    if (g->config_error == NULL) {
      gc_close (g);
      errno = ENOMEM;
      return NULL;
    }
    gc_settings_free (&g->settings);
    /* The built-in defaults, as if there were no configuration. */
    g->memsize = GC_DEFAULT_MEMSIZE;
    g->launch_timeout = GC_DEFAULT_LAUNCH_TIMEOUT;
    g->snapshot = 1;
    return g;
  }
  g->memsize = g->settings.memsize;
  g->launch_timeout = g->settings.launch_timeout;
  g->snapshot = g->settings.snapshot;
  if ((g->settings.cachedir &&
       (g->cachedir = strdup (g->settings.cachedir)) == NULL) ||
      (g->settings.accel &&
       (g->accel = strdup (g->settings.accel)) == NULL)) {
    gc_close (g);
    errno = ENOMEM;
    return NULL;
  }
  return g;
}

/* Shut the appliance down if it runs, then free everything. */
void
gc_close (gc_h *g)
{
  if (g == NULL)
    return;

  gc_int_warnings_summary (g);
  gc_int_event (g, GC_EVENT_CLOSE, NULL, 0, NULL, 0);
  if (g->state == GC_STATE_READY && !g->cancelled)
    gc_shutdown (g);
  gc_int_stop_appliance (g, 0);

  for (size_t i = 0; i < g->drives.len; ++i) {
    free (g->drives.ptr[i].filename);
    free (g->drives.ptr[i].format);
    gc_strings_free (g->drives.ptr[i].allowed_data_files);
  }
  gc_drive_vector_reset (&g->drives);
  gc_event_handler_vector_reset (&g->events);
  gc_string_vector_free (&g->trace_scratch);
  gc_int_luks_free (g);
  free (g->last_error);
  free (g->qemu);
  free (g->append);
  free (g->cachedir);
  free (g->accel);
  free (g->tmpdir);
  gc_settings_free (&g->settings);
  free (g->config_error);
  free (g);
}

/* See guestcell.h. */
const char *
gc_get_config_error (gc_h *g)
{
  return g->config_error;
}

/* See guestcell.h. */
const struct gc_settings *
gc_get_settings (gc_h *g)
{
  return &g->settings;
}

enum gc_state
gc_get_state (gc_h *g)
{
  return g->state;
}

/* See guestcell.h. */
const char *
gc_get_tmpdir (gc_h *g)
{
  return g->tmpdir;
}

/* See guestcell.h. */
const char *
gc_drive_format (gc_h *g, size_t index)
{
  return index < g->drives.len ? g->drives.ptr[index].format : NULL;
}

/* See guestcell.h. */
int
gc_image_in_use (const char *filename, int writers_only)
{
  return gc_int_image_in_use (filename, writers_only);
}

void
gc_free_strings (char **list)
{
  gc_strings_free (list);
}

/* Settings may change only before launch. */
static int
check_config (gc_h *g, const char *what)
{
  if (g->state != GC_STATE_CONFIG) {
    gc_int_error_errno (g, EINVAL,
                        "%s: only possible before the appliance is launched",
                        what);
    return -1;
  }
  return 0;
}

static int
set_string (gc_h *g, const char *what, char **field, const char *value)
{
  char *copy = NULL;

  if (check_config (g, what) == -1)
    return -1;
  if (value && (copy = strdup (value)) == NULL) {
    gc_int_perror (g, "%s", what);
    return -1;
  }
  free (*field);
  *field = copy;
  return 0;
}

int
gc_set_verbose (gc_h *g, int verbose)
{
  g->verbose = verbose != 0;
  return 0;
}

int
gc_get_verbose (gc_h *g)
{
  return g->verbose;
}

int
gc_set_trace (gc_h *g, int trace)
{
  g->trace = trace != 0;
  return 0;
}

int
gc_get_trace (gc_h *g)
{
  return g->trace;
}

int
gc_set_qemu (gc_h *g, const char *qemu)
{
  return set_string (g, "set_qemu", &g->qemu, qemu);
}

int
gc_set_append (gc_h *g, const char *append)
{
  return set_string (g, "set_append", &g->append, append);
}

int
gc_set_cachedir (gc_h *g, const char *dir)
{
  return set_string (g, "set_cachedir", &g->cachedir, dir);
}

int
gc_set_accel (gc_h *g, const char *accel)
{
  if (accel && strcmp (accel, "kvm") != 0 && strcmp (accel, "tcg") != 0) {
    gc_int_error_errno (g, EINVAL,
                        "set_accel: %s: must be \"kvm\" or \"tcg\"", accel);
    return -1;
  }
  return set_string (g, "set_accel", &g->accel, accel);
}

int
gc_set_memsize (gc_h *g, int mb)
{
  if (check_config (g, "set_memsize") == -1)
    return -1;
  if (mb < 128) {
    gc_int_error_errno (g, EINVAL, "set_memsize: %d MiB is too small", mb);
    return -1;
  }
  g->memsize = mb;
  return 0;
}

int
gc_set_launch_timeout (gc_h *g, int seconds)
{
  if (seconds <= 0) {
    gc_int_error_errno (g, EINVAL, "set_launch_timeout: %d: must be > 0",
                        seconds);
    return -1;
  }
  g->launch_timeout = seconds;
  return 0;
}

static bool
valid_format_name (const char *format)
{
  if (*format == '\0' || strlen (format) > 32)
    return false;
  for (const char *p = format; *p; ++p)
    if (!isalnum ((unsigned char) *p) && *p != '_' && *p != '-')
      return false;
  return true;
}

/* Add a disk image.  -1 on error: missing or unreadable file, a format
 * name that is not one, an image that is unsafe or damaged. */
int
gc_add_drive (gc_h *g, const char *filename,
              const struct gc_drive_opts *opts)
{
  static const struct gc_drive_opts defaults = { 0 };
  struct gc_drive d = { 0 };
  struct stat st;
  int fd;

  if (opts == NULL)
    opts = &defaults;
  if (check_config (g, "add_drive") == -1)
    return -1;
  if (filename == NULL || *filename == '\0') {
    gc_int_error_errno (g, EINVAL, "add_drive: empty file name");
    return -1;
  }
  if (opts->format && !valid_format_name (opts->format)) {
    gc_int_error_errno (g, EINVAL, "%s: invalid format name \"%s\"",
                        filename, opts->format);
    return -1;
  }

  /* Open it the way qemu will, so a missing or unreadable file is one
   * clear error now rather than a qemu failure later. */
  fd = open (filename, (opts->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (fd == -1) {
    gc_int_perror (g, "%s", filename);
    return -1;
  }
  if (fstat (fd, &st) == -1) {
    gc_int_perror (g, "%s", filename);
    close (fd);
    return -1;
  }
  close (fd);
  if (S_ISDIR (st.st_mode)) {
    gc_int_error_errno (g, EISDIR, "%s: is a directory, not a disk image",
                        filename);
    return -1;
  }
  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode)) {
    gc_int_error_errno (g, EINVAL, "%s: not a disk image (neither a file "
                        "nor a block device)", filename);
    return -1;
  }
  if (S_ISREG (st.st_mode) && st.st_size == 0) {
    gc_int_error_errno (g, EINVAL, "%s: an empty file (0 bytes), not a disk "
                        "image", filename);
    return -1;
  }

  d.readonly = opts->readonly;
  d.filename = realpath (filename, NULL);
  if (d.filename == NULL) {
    gc_int_perror (g, "%s", filename);
    return -1;
  }

  if (opts->format == NULL)
    d.format = gc_int_probe_format (g, d.filename, opts->allow_backing);
  else if (strcmp (opts->format, "qcow2") == 0) {
    /* The user said qcow2: check the header anyway (a truncated image is
     * one clear error); backing files are the user's choice (named in a
     * warning), external data files only those allowed. */
    if (gc_int_check_qcow2 (g, d.filename, opts->allowed_data_files, true)
        == 0)
      d.format = strdup ("qcow2");
    else
      errno = EINVAL;
  }
  else
    d.format = strdup (opts->format);
  if (d.format == NULL) {
    if (errno == ENOMEM)
      gc_int_perror (g, "%s", filename);
    free (d.filename);
    return -1;
  }

  /* A running VM's disk: read, with a warning; never written. */
  if (d.readonly && gc_int_image_in_use (d.filename, true) == 1)
    gc_int_warning (g, "%s: the image is in use by another process for "
                    "writing (a running VM?): what is read from it may "
                    "be inconsistent", filename);
  if (!d.readonly && gc_int_image_in_use (d.filename, false) == 1) {
    gc_int_error_errno (g, EBUSY, "%s: the image is in use by another "
                        "process (a running VM?): refused, as writing to "
                        "it could corrupt the guest", filename);
    free (d.filename);
    free (d.format);
    return -1;
  }

  if (opts->allowed_data_files &&
      (d.allowed_data_files = gc_strings_copy (opts->allowed_data_files))
      == NULL) {
    gc_int_perror (g, "add_drive");
    free (d.filename);
    free (d.format);
    return -1;
  }
  if (gc_drive_vector_append (&g->drives, d) == -1) {
    gc_strings_free (d.allowed_data_files);
    gc_int_perror (g, "add_drive");
    free (d.filename);
    free (d.format);
    return -1;
  }
  gc_int_debug (g, "drive %zu: %s format=%s%s", g->drives.len - 1,
                d.filename, d.format, d.readonly ? " readonly" : "");
  return 0;
}
