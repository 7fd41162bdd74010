/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The options every tool shares and what goes with them: parsing with
 * popt (one table, included by each tool), adding the drives, mounting
 * the guest, printing messages and events, signal handling and exit
 * codes.  See options.h. */

#include <config.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "strutils.h"
#include "utf8.h"
#include "options.h"

struct gc_tool_options gc_opts = {
  .program_name = "guestcell",
  .drives = EMPTY_VECTOR,
  .mounts = EMPTY_VECTOR,
  .data_files = EMPTY_VECTOR,
};

/* The text of the last error printed, for gc_tool_last_error. */
static char *last_error;

enum {
  OPT_ADD = 1, OPT_FORMAT, OPT_MOUNT, OPT_VERBOSE, OPT_TRACE, OPT_VERSION,
  OPT_HELP, OPT_LONG, OPT_SHORT, OPT_DATA_FILE, OPT_KEY, OPT_KEYS_FROM_STDIN,
  OPT_ECHO_KEYS,
};

static void
usage_error (const char *fs, ...)
{
  va_list ap;
  fprintf (stderr, "%s: error: ", gc_opts.program_name);
  va_start (ap, fs);
  vfprintf (stderr, fs, ap);
  va_end (ap);
  fprintf (stderr, "\n");
  gc_opts.usage_error = true;
}

static char *
xstrdup_or_null (const char *s)
{
  return s ? strdup (s) : NULL;
}

/* -m DEV[:MNT[:OPTS[:FSTYPE]]], split at the first three colons. */
static void
add_mount (const char *arg)
{
  CLEANUP_FREE char *copy = strdup (arg);
  if (copy == NULL) {
    usage_error ("out of memory");
    return;
  }
  char *field[4] = { copy, NULL, NULL, NULL };
  for (int i = 1; i < 4; ++i) {
    /* The colon of a btrfsvol:DEVICE/SUBVOLUME is part of the name. */
    char *from = field[i - 1];
    if (i == 1 && gc_str_prefix (from, "btrfsvol:"))
      from += 9;
    char *colon = strchr (from, ':');
    if (colon == NULL)
      break;
    *colon = '\0';
    field[i] = colon + 1;
  }
  if (field[0][0] == '\0') {
    usage_error ("-m '%s': the device is missing (-m DEV[:MNT[:OPTS[:FSTYPE]]])",
                 arg);
    return;
  }
  const char *mnt = field[1] && field[1][0] ? field[1] : "/";
  if (mnt[0] != '/') {
    usage_error ("-m '%s': the mount point must be an absolute path", arg);
    return;
  }
  struct gc_opt_mount m = {
    .device = strdup (field[0]),
    .mountpoint = strdup (mnt),
    .options = xstrdup_or_null (field[2] && field[2][0] ? field[2] : NULL),
    .fstype = xstrdup_or_null (field[3] && field[3][0] ? field[3] : NULL),
  };
  if (m.device == NULL || m.mountpoint == NULL ||
      gc_opt_mount_vector_append (&gc_opts.mounts, m) == -1) {
    free (m.device);
    free (m.mountpoint);
    free (m.options);
    free (m.fstype);
    usage_error ("out of memory");
  }
}

static void
callback (poptContext ctx, enum poptCallbackReason reason,
          const struct poptOption *opt, const char *arg, const void *data)
{
  if (reason != POPT_CALLBACK_REASON_OPTION)
    return;

  switch (opt->val) {
  case OPT_ADD: {
    struct gc_opt_drive d = {
      .filename = strdup (arg),
      .format = xstrdup_or_null (gc_opts.format),
    };
    if (d.filename == NULL ||
        gc_opt_drive_vector_append (&gc_opts.drives, d) == -1) {
      free (d.filename);
      free (d.format);
      usage_error ("out of memory");
    }
    break;
  }
  case OPT_FORMAT:
    /* --format alone, --format= or --format=auto: probe again. */
    free (gc_opts.format);
    gc_opts.format = NULL;
    if (arg && arg[0] && strcmp (arg, "auto") != 0) {
      gc_opts.format = strdup (arg);
      if (gc_opts.format == NULL)
        usage_error ("out of memory");
    }
    break;
  case OPT_MOUNT:
    add_mount (arg);
    break;
  case OPT_DATA_FILE: {
    char *f = strdup (arg);
    if (f == NULL || string_vector_append (&gc_opts.data_files, f) == -1) {
      free (f);
      usage_error ("out of memory");
    }
    break;
  }
  case OPT_KEY: {
    const char *why;
    if (gc_tool_add_key (arg, &why) == -1)
      usage_error ("--key: %s", why);
    break;
  }
  case OPT_KEYS_FROM_STDIN:
    gc_opts.keys_from_stdin = true;
    break;
  case OPT_ECHO_KEYS:
    gc_opts.echo_keys = true;
    break;
  case OPT_VERBOSE:
    gc_opts.verbose = 1;
    break;
  case OPT_TRACE:
    gc_opts.trace = 1;
    break;
  case OPT_VERSION:
    gc_opts.want_version = true;
    break;
  case OPT_HELP:
    gc_opts.want_help = true;
    break;
  case OPT_LONG:
    gc_opts.want_long = true;
    break;
  case OPT_SHORT:
    gc_opts.want_short = true;
    break;
  }
}

struct poptOption gc_common_options[] = {
  { NULL, '\0', POPT_ARG_CALLBACK, (void *) callback, 0, NULL, NULL },
  { "add", 'a', POPT_ARG_STRING, NULL, OPT_ADD,
    "Add a disk image (repeatable)", "IMAGE" },
  { "format", '\0', POPT_ARG_STRING | POPT_ARGFLAG_OPTIONAL, NULL, OPT_FORMAT,
    "Format of the following -a images (raw, qcow2...); alone: probe", "FMT" },
  { "allow-data-file", '\0', POPT_ARG_STRING, NULL, OPT_DATA_FILE,
    "Allow a --format=qcow2 image to keep its data in this host file "
    "(repeatable)", "FILE" },
  { "mount", 'm', POPT_ARG_STRING, NULL, OPT_MOUNT,
    "Mount a filesystem instead of finding the guest's root (repeatable)",
    "DEV[:MNT[:OPTS[:FSTYPE]]]" },
  { "key", '\0', POPT_ARG_STRING, NULL, OPT_KEY,
    "The key of an encrypted volume: SELECTOR is a device, a LUKS UUID or "
    "all (repeatable)", "SELECTOR:key:PASSPHRASE|SELECTOR:file:FILENAME" },
  { "keys-from-stdin", '\0', POPT_ARG_NONE, NULL, OPT_KEYS_FROM_STDIN,
    "Read the keys of encrypted volumes from stdin, one line each", NULL },
  { "echo-keys", '\0', POPT_ARG_NONE, NULL, OPT_ECHO_KEYS,
    "Show the keys typed at the prompt", NULL },
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, gc_basic_options, 0, NULL, NULL },
  POPT_TABLEEND
};

struct poptOption gc_basic_options[] = {
  { NULL, '\0', POPT_ARG_CALLBACK, (void *) callback, 0, NULL, NULL },
  { "verbose", 'v', POPT_ARG_NONE, NULL, OPT_VERBOSE,
    "Print debug messages and the appliance's console", NULL },
  { NULL, 'x', POPT_ARG_NONE, NULL, OPT_TRACE,
    "Trace every call to the appliance", NULL },
  { "version", 'V', POPT_ARG_NONE, NULL, OPT_VERSION,
    "Print the version and exit", NULL },
  { "help", '\0', POPT_ARG_NONE, NULL, OPT_HELP,
    "Print this help and exit", NULL },
  { "long-options", '\0', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, NULL,
    OPT_LONG, "List the long options", NULL },
  { "short-options", '\0', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, NULL,
    OPT_SHORT, "List the short options", NULL },
  POPT_TABLEEND
};

/* Every option of a table and the tables it includes, long or short. */
static void
list_options (const struct poptOption *table, bool want_long)
{
  for (const struct poptOption *o = table;
       o->longName || o->shortName || o->arg; ++o) {
    unsigned kind = o->argInfo & POPT_ARG_MASK;
    if (kind == POPT_ARG_INCLUDE_TABLE) {
      list_options (o->arg, want_long);
      continue;
    }
    if (kind == POPT_ARG_CALLBACK)
      continue;
    if (want_long && o->longName)
      printf ("--%s\n", o->longName);
    if (!want_long && o->shortName)
      printf ("-%c\n", o->shortName);
  }
}

int
gc_options_parse (int argc, char **argv, const struct poptOption *table,
                  const char *usage_args, poptContext *ctx_r, int *exit_r)
{
  const char *slash = strrchr (argv[0], '/');
  gc_opts.program_name = slash ? slash + 1 : argv[0];

  poptContext ctx = poptGetContext (gc_opts.program_name, argc,
                                    (const char **) argv, table, 0);
  if (ctx == NULL) {
    fprintf (stderr, "%s: error: out of memory\n", gc_opts.program_name);
    *exit_r = GC_EXIT_ERROR;
    return -1;
  }
  CLEANUP_FREE char *other = NULL;
  if (asprintf (&other, "[OPTION...] %s", usage_args) != -1)
    poptSetOtherOptionHelp (ctx, other);

  int r;
  while ((r = poptGetNextOpt (ctx)) > 0)
    ;
  /* --allow-data-file: a NULL-terminated list for gc_drive_opts. */
  if (gc_opts.data_files.len > 0 &&
      string_vector_append (&gc_opts.data_files, NULL) == -1)
    usage_error ("out of memory");
  if (r < -1) {
    usage_error ("%s: %s", poptBadOption (ctx, POPT_BADOPTION_NOALIAS),
                 poptStrerror (r));
  }

  if (gc_opts.usage_error) {
    fprintf (stderr, "Try '%s --help' for more information.\n",
             gc_opts.program_name);
    *exit_r = GC_EXIT_USAGE;
  }
  else if (gc_opts.want_help) {
    poptPrintHelp (ctx, stdout, 0);
    *exit_r = GC_EXIT_OK;
  }
  else if (gc_opts.want_version) {
    printf ("%s %s\n", gc_opts.program_name, PACKAGE_VERSION);
    *exit_r = GC_EXIT_OK;
  }
  else if (gc_opts.want_long || gc_opts.want_short) {
    list_options (table, gc_opts.want_long);
    *exit_r = GC_EXIT_OK;
  }
  else {
    CLEANUP_FREE char *error = NULL;
    if (gc_settings_load (&gc_opts.settings, &error) == 0) {
      *ctx_r = ctx;
      return 0;
    }
    gc_tool_error ("%s", error ? error : strerror (ENOMEM));
    *exit_r = GC_EXIT_USAGE;
  }
  poptFreeContext (ctx);
  return -1;
}

void
gc_options_free (void)
{
  for (size_t i = 0; i < gc_opts.drives.len; ++i) {
    free (gc_opts.drives.ptr[i].filename);
    free (gc_opts.drives.ptr[i].format);
  }
  gc_opt_drive_vector_reset (&gc_opts.drives);
  for (size_t i = 0; i < gc_opts.mounts.len; ++i) {
    free (gc_opts.mounts.ptr[i].device);
    free (gc_opts.mounts.ptr[i].mountpoint);
    free (gc_opts.mounts.ptr[i].options);
    free (gc_opts.mounts.ptr[i].fstype);
  }
  gc_opt_mount_vector_reset (&gc_opts.mounts);
  gc_string_vector_free (&gc_opts.data_files);
  gc_settings_free (&gc_opts.settings);
  gc_tool_free_keys ();
  free (gc_opts.format);
  gc_opts.format = NULL;
  free (gc_tool_windows_root);
  gc_tool_windows_root = NULL;
  gc_tool_windows_free ();
  free (last_error);
  last_error = NULL;
}

/* Messages. */

const char *
gc_tool_last_error (void)
{
  return last_error;
}

static void
vmessage (const char *kind, const char *fs, va_list ap)
{
  /* One write per line, so lines of parallel runs do not interleave. */
  CLEANUP_FREE char *msg = NULL, *safe = NULL;
  CLEANUP_FREE char *line = NULL;
  /* Messages quote guest strings: one line, no terminal controls. */
  if (vasprintf (&msg, fs, ap) == -1 ||
      (safe = gc_utf8_safe_line (msg, strlen (msg))) == NULL ||
      asprintf (&line, "%s: %s: %s\n", gc_opts.program_name, kind, safe) == -1) {
    fprintf (stderr, "%s: %s: out of memory\n", gc_opts.program_name, kind);
    return;
  }
  fputs (line, stderr);
  fflush (stderr);
  if (strcmp (kind, "error") == 0) {
    free (last_error);
    last_error = safe;
    safe = NULL;
  }
}

void
gc_tool_error (const char *fs, ...)
{
  va_list ap;
  va_start (ap, fs);
  vmessage ("error", fs, ap);
  va_end (ap);
}

int
gc_tool_usage_error (const char *fs, ...)
{
  va_list ap;
  va_start (ap, fs);
  vmessage ("error", fs, ap);
  va_end (ap);
  fprintf (stderr, "Try '%s --help' for more information.\n",
           gc_opts.program_name);
  return GC_EXIT_USAGE;
}

void
gc_tool_warning (const char *fs, ...)
{
  va_list ap;
  va_start (ap, fs);
  vmessage ("warning", fs, ap);
  va_end (ap);
}

/* Signals. */

static gc_h *volatile signal_handle;
static volatile sig_atomic_t signal_received;
static bool broken_pipe;

static void
on_signal (int sig)
{
  if (signal_received == 0)
    signal_received = sig;
  gc_h *g = signal_handle;
  if (g)
    gc_user_cancel (g);
}

static void
set_signals (void)
{
  struct sigaction sa = { .sa_handler = on_signal };
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);
}

int
gc_tool_handle_error (gc_h *g)
{
  if (signal_received)
    return GC_EXIT_ERROR;       /* main() dies by the signal */
  if (gc_tool_stdout_broken ()) {
    /* Our reader went away (virt-cat ... | head): not worth a word. */
    gc_tool_set_broken_pipe ();
    return GC_EXIT_ERROR;
  }
  const char *msg = gc_last_error (g);
  gc_tool_error ("%s", msg && msg[0] ? msg : "unknown error");
  return GC_EXIT_ERROR;
}

/* Errors about the path itself, worth "PATH: strerror" and nothing
 * more. */
static bool
is_path_errno (int e)
{
  switch (e) {
  case ENOENT: case ENOTDIR: case EISDIR: case EACCES: case ELOOP:
  case ENAMETOOLONG: case EPERM:
    return true;
  default:
    return false;
  }
}

int
gc_tool_file_error (gc_h *g, const char *path, const char *action,
                    int *fatal_r)
{
  int e = gc_last_errno (g);
  if (gc_get_state (g) != GC_STATE_READY || e == EINTR || e == EPIPE ||
      gc_tool_stdout_broken ()) {
    *fatal_r = 1;
    return gc_tool_handle_error (g);
  }
  if (is_path_errno (e)) {
    gc_tool_error ("%s: %s", path, strerror (e));
    return GC_EXIT_ERROR;
  }
  const char *msg = gc_last_error (g);
  /* The daemon names its action ("download: PATH: not a regular
   * file"): the user asked for a file, not an action. */
  size_t n = strlen (action);
  if (msg && strncmp (msg, action, n) == 0 && msg[n] == ':' &&
      msg[n + 1] == ' ')
    msg += n + 2;
  if (msg && strstr (msg, path))
    gc_tool_error ("%s", msg);
  else
    gc_tool_error ("%s: %s", path, msg && msg[0] ? msg : strerror (e));
  return GC_EXIT_ERROR;
}

int
gc_tool_finish_writes (gc_h *g)
{
  if (gc_shutdown (g) == 0)
    return GC_EXIT_OK;
  if (signal_received)
    return GC_EXIT_ERROR;
  const char *msg = gc_last_error (g);
  gc_tool_error ("%s: the changes may not all be on the disk",
                 msg && msg[0] ? msg : "the appliance did not stop cleanly");
  return GC_EXIT_ERROR;
}

int
gc_tool_interrupted (void)
{
  return signal_received;
}

bool
gc_tool_stdout_broken (void)
{
  /* A pipe's write end polls POLLERR once its readers are gone. */
  struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
  return poll (&p, 1, 0) == 1 && (p.revents & POLLERR);
}

void
gc_tool_set_broken_pipe (void)
{
  broken_pipe = true;
}

int
gc_tool_exit_status (int code)
{
  int sig = signal_received ? signal_received : broken_pipe ? SIGPIPE : 0;
  if (sig) {
    fflush (stdout);
    signal (sig, SIG_DFL);
    sigset_t set;
    sigemptyset (&set);
    sigaddset (&set, sig);
    sigprocmask (SIG_UNBLOCK, &set, NULL);
    raise (sig);
    return 128 + sig;           /* not reached */
  }
  return code;
}

/* Events: -v debug and console lines, -x trace lines, warnings. */
static void
on_event (gc_h *g, void *opaque, uint64_t event, const char *buf,
          size_t len, const uint64_t *array, size_t array_len)
{
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    --len;
  /* The appliance's console and the core's messages quote guest
   * strings: each is printed as one line without terminal controls. */
  CLEANUP_FREE char *safe = gc_utf8_safe_line (buf, len);
  if (safe == NULL)
    return;
  buf = safe;
  len = strlen (safe);
  const char *prefix;
  switch (event) {
  case GC_EVENT_LIBRARY: prefix = "guestcell: "; break;
  case GC_EVENT_TRACE: prefix = "guestcell: trace: "; break;
  case GC_EVENT_APPLIANCE: prefix = ""; break;
  case GC_EVENT_WARNING:
    fprintf (stderr, "%s: warning: %.*s\n", gc_opts.program_name,
             (int) len, buf);
    return;
  default:
    return;
  }
  if (event == GC_EVENT_APPLIANCE && !gc_opts.verbose)
    return;
  fprintf (stderr, "%s%.*s\n", prefix, (int) len, buf);
}

gc_h *
gc_tool_create_handle (void)
{
  gc_h *g = gc_create ();
  if (g == NULL) {
    gc_tool_error ("cannot create the handle: %s", strerror (errno));
    return NULL;
  }
  if ((gc_opts.verbose && gc_set_verbose (g, 1) == -1) ||
      (gc_opts.trace && gc_set_trace (g, 1) == -1) ||
      gc_set_key_callback (g, gc_tool_key_callback, NULL) == -1 ||
      gc_set_event_callback (g, on_event,
                             GC_EVENT_LIBRARY | GC_EVENT_TRACE |
                             GC_EVENT_APPLIANCE | GC_EVENT_WARNING,
                             NULL) == -1) {
    gc_tool_handle_error (g);
    gc_close (g);
    return NULL;
  }
  signal_handle = g;
  set_signals ();
  return g;
}

void
gc_tool_close_handle (gc_h *g)
{
  if (g == NULL)
    return;
  signal_handle = NULL;
  gc_close (g);
}

int
gc_tool_add_drive (gc_h *g, const struct gc_opt_drive *d, bool readonly)
{
  struct gc_drive_opts o = {
    .format = d->format, .readonly = readonly,
    .allowed_data_files = gc_opts.data_files.len ? gc_opts.data_files.ptr
    : NULL,
  };
  return gc_add_drive (g, d->filename, &o);
}

int
gc_tool_add_drives (gc_h *g, bool readonly)
{
  for (size_t i = 0; i < gc_opts.drives.len; ++i) {
    if (gc_tool_add_drive (g, &gc_opts.drives.ptr[i], readonly) == -1) {
      gc_tool_handle_error (g);
      return -1;
    }
  }
  return 0;
}

int
gc_tool_launch (gc_h *g)
{
  if (gc_launch (g) == -1) {
    gc_tool_handle_error (g);
    return -1;
  }
  return 0;
}

/* Number of components of a mount point: "/" 0, "/boot" 1, "/a/b/" 2. */
static size_t
depth (const char *path)
{
  size_t n = 0;
  for (const char *p = path; *p; ++p)
    if (*p != '/' && (p == path || p[-1] == '/'))
      ++n;
  return n;
}

/* A device the appliance knows without LVM: /dev/sda, /dev/sda1. */
static bool
is_plain_disk (const char *dev)
{
  if (!gc_str_prefix (dev, "/dev/sd"))
    return false;
  const char *p = dev + 7;
  while (*p >= 'a' && *p <= 'z')
    ++p;
  while (*p >= '0' && *p <= '9')
    ++p;
  return *p == '\0';
}

static int
mount_by_options (gc_h *g, bool readonly)
{
  size_t n = gc_opts.mounts.len;

  /* LVM volumes need their volume groups activated first; skip the
   * scan when only disks and partitions are named. */
  for (size_t i = 0; i < n; ++i)
    if (!is_plain_disk (gc_opts.mounts.ptr[i].device)) {
      if (gc_scan_volumes (g) == -1)
        return gc_tool_handle_error (g);
      break;
    }

  CLEANUP_FREE size_t *order = malloc (n * sizeof *order);
  if (order == NULL) {
    gc_tool_error ("out of memory");
    return GC_EXIT_ERROR;
  }
  /* Stable insertion sort by depth: parents before children, and the
   * user's order among equals. */
  for (size_t i = 0; i < n; ++i) {
    size_t j = i;
    size_t d = depth (gc_opts.mounts.ptr[i].mountpoint);
    while (j > 0 && depth (gc_opts.mounts.ptr[order[j - 1]].mountpoint) > d) {
      order[j] = order[j - 1];
      --j;
    }
    order[j] = i;
  }
  for (size_t i = 0; i < n; ++i) {
    const struct gc_opt_mount *m = &gc_opts.mounts.ptr[order[i]];
    if (gc_mount_mountable (g, m->device, m->mountpoint, m->options,
                            m->fstype, readonly) == -1) {
      if (gc_get_state (g) != GC_STATE_READY)
        return gc_tool_handle_error (g);
      const char *msg = gc_last_error (g);
      gc_tool_error ("-m %s:%s: %s", m->device, m->mountpoint,
                     msg ? msg : "cannot mount");
      return GC_EXIT_ERROR;
    }
  }
  return GC_EXIT_OK;
}

/* See options.h. */
int
gc_tool_check_disk_images (gc_h *g, const struct gc_opt_drive *drives,
                           size_t n)
{
  CLEANUP_FREE_STRINGS char **fs = gc_list_filesystems (g);
  CLEANUP_FREE_STRINGS char **parts = fs ? gc_list_partitions (g) : NULL;

  if (fs == NULL || parts == NULL)
    return gc_tool_handle_error (g);
  if (fs[0] || parts[0])
    return GC_EXIT_OK;
  if (n == 1)
    gc_tool_error ("%s: no partition and no filesystem found: "
                   "is it a disk image?", drives[0].filename);
  else
    gc_tool_error ("no partition and no filesystem found on the disk "
                   "images: are they disk images?");
  return GC_EXIT_NO_ROOT;
}

/* See options.h. */
char *gc_tool_windows_root;
bool gc_tool_mounted_readonly = true;

int
gc_tool_mount (gc_h *g, bool readonly)
{
  gc_tool_mounted_readonly = readonly;
  if (gc_opts.mounts.len > 0)
    return mount_by_options (g, readonly);

  CLEANUP_FREE_STRINGS char **linux_roots = NULL, **windows_roots = NULL;
  linux_roots = gc_find_roots (g, &windows_roots);
  if (linux_roots == NULL)
    return gc_tool_handle_error (g);
  size_t nl = gc_strings_len (linux_roots);
  size_t n = nl + gc_strings_len (windows_roots);
  if (n == 0) {
    int code = gc_tool_check_disk_images (g, gc_opts.drives.ptr,
                                          gc_opts.drives.len);
    if (code != GC_EXIT_OK)
      return code;
    gc_tool_error ("no operating system was found on the disk image%s: "
                   "use -m to say what to mount",
                   gc_opts.drives.len > 1 ? "s" : "");
    return GC_EXIT_NO_ROOT;
  }
  if (n > 1) {
    CLEANUP_FREE char *list = NULL;
    size_t size = 0;
    FILE *f = open_memstream (&list, &size);
    if (f == NULL) {
      gc_tool_error ("out of memory");
      return GC_EXIT_ERROR;
    }
    for (size_t i = 0; i < n; ++i)
      fprintf (f, "%s%s", i ? ", " : "",
               i < nl ? linux_roots[i] : windows_roots[i - nl]);
    fclose (f);
    gc_tool_error ("several operating systems were found (%s): "
                   "use -m to say which one to mount", list);
    return GC_EXIT_NO_ROOT;
  }
  if (nl == 0) {
    if (gc_mount_windows_root (g, windows_roots[0], readonly) == -1)
      return gc_tool_handle_error (g);
    gc_tool_windows_root = strdup (windows_roots[0]);
    if (gc_tool_windows_root == NULL) {
      gc_tool_error ("out of memory");
      return GC_EXIT_ERROR;
    }
    return GC_EXIT_OK;
  }
  if (gc_mount_linux_root (g, linux_roots[0], readonly) == -1)
    return gc_tool_handle_error (g);
  return GC_EXIT_OK;
}
