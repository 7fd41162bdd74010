/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* virt-edit: edit files of a disk image, in the user's editor or with a
 * Perl expression applied to each line.
 *
 * The drives are added read-write (qemu's image lock refuses a disk in
 * use), the guest is mounted read-only the way it mounts itself (or by
 * -m), and for each FILE in turn: the file is downloaded into an
 * unnamed file in the handle's private directory; $VISUAL, $EDITOR or
 * vi edits a named copy there (or perl rewrites it line by line); if
 * the bytes changed, the filesystem holding the file is made writable
 * (remount_rw) and the appliance's replace action puts the new contents
 * in place atomically (see daemon/replace.c), keeping the original as
 * FILE+EXT with -b.  An unchanged file is not written back, and a run
 * that writes nothing leaves the image byte for byte as it was.
 * The tool says it is done only after gc_tool_finish_writes.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include "cleanup.h"
#include "options.h"
#include "strutils.h"

static char *backup;            /* -b EXT, or NULL */
static char *expr;              /* -e EXPR, or NULL */

enum { OPT_BACKUP = 1, OPT_EXPR };

static void
edit_callback (poptContext ctx, enum poptCallbackReason reason,
               const struct poptOption *opt, const char *arg,
               const void *data)
{
  if (reason != POPT_CALLBACK_REASON_OPTION)
    return;
  char **where = opt->val == OPT_BACKUP ? &backup : &expr;
  free (*where);
  *where = strdup (arg);        /* NULL: out of memory, checked in run */
}

static struct poptOption edit_options[] = {
  { NULL, '\0', POPT_ARG_CALLBACK, (void *) edit_callback, 0, NULL, NULL },
  { "backup", 'b', POPT_ARG_STRING, NULL, OPT_BACKUP,
    "Keep the original of each FILE as FILE followed by EXT in the guest",
    "EXT" },
  { "expr", 'e', POPT_ARG_STRING, NULL, OPT_EXPR,
    "Apply the Perl expression EXPR to each line ($_) instead of running "
    "an editor", "EXPR" },
  { "edit", '\0', POPT_ARG_STRING, NULL, OPT_EXPR,
    "The same as --expr", "EXPR" },
  POPT_TABLEEND
};

static struct poptOption options[] = {
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, gc_common_options, 0,
    "Options:", NULL },
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, edit_options, 0,
    "Editing:", NULL },
  POPT_TABLEEND
};

/* The program perl runs for -e: the expression is compiled once, as the
 * body of a sub, and called for each line with the line (its line end
 * included) in $_ and its number in $lineno; what it leaves in $_ is
 * written out.  Bytes in, bytes out: no encoding layer. */
static const char perl_program[] =
  "binmode STDIN; binmode STDOUT;\n"
  "our $lineno = 0;\n"
  "my $gc_code = eval 'sub { ' . $ARGV[0] . \"\\n}\";\n"
  "die $@ if $@;\n"
  "while (<STDIN>) {\n"
  "  $lineno++;\n"
  "  $gc_code->();\n"
  "  print STDOUT $_ or die \"write: $!\\n\";\n"
  "}\n"
  "close STDOUT or die \"write: $!\\n\";\n";

/* A new unnamed file in the handle's private directory, open read-write
 * (nothing to remove, whatever happens).  -1 with errno. */
static int
anonymous_file (gc_h *g)
{
  const char *dir = gc_get_tmpdir (g);
  if (dir == NULL) {
    errno = ENOTCONN;
    return -1;
  }
  int fd = open (dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
    return fd;
  CLEANUP_FREE char *tmpl = NULL;
  if (asprintf (&tmpl, "%s/anon.XXXXXX", dir) == -1)
    return -1;
  fd = mkostemp (tmpl, O_CLOEXEC);
  if (fd >= 0)
    unlink (tmpl);
  return fd;
}

/* 1 if the two files hold the same bytes, 0 if not, -1 with errno. */
static int
same_contents (int a, int b)
{
  struct stat sa, sb;
  if (fstat (a, &sa) == -1 || fstat (b, &sb) == -1)
    return -1;
  if (sa.st_size != sb.st_size)
    return 0;
  char ba[65536], bb[65536];
  for (off_t pos = 0; pos < sa.st_size;) {
    ssize_t n = pread (a, ba, sizeof ba, pos);
    if (n == -1 && errno == EINTR)
      continue;
    if (n <= 0)
      return n == 0 ? 0 : -1;   /* shrank meanwhile: not the same */
    for (ssize_t got = 0; got < n;) {
      ssize_t m = pread (b, bb + got, n - got, pos + got);
      if (m == -1 && errno == EINTR)
        continue;
      if (m <= 0)
        return m == 0 ? 0 : -1;
      got += m;
    }
    if (memcmp (ba, bb, n) != 0)
      return 0;
    pos += n;
  }
  return 1;
}

/* Run argv with stdin, stdout and stderr as given (-1: the tool's own),
 * and wait for it.  An interactive child (the editor) owns the
 * terminal: SIGINT and SIGQUIT are ignored by the tool while it runs,
 * as system(3) does, so a Ctrl-C in the editor is the editor's.
 * SIGTERM or SIGHUP for the tool is passed on to the child.  Returns
 * the child's wait status, or -1 with errno if it could not be run;
 * *signalled set when the tool got one of those signals. */
static int
run_child (char *const *argv, int in, int out, int err, bool interactive,
           bool *signalled)
{
  struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
  sigemptyset (&ign.sa_mask);
  *signalled = false;
  if (interactive) {
    sigaction (SIGINT, &ign, &old_int);
    sigaction (SIGQUIT, &ign, &old_quit);
  }
  fflush (stdout);
  fflush (stderr);
  pid_t pid = fork ();
  if (pid == 0) {
    /* The dispositions and mask the tool changed go back to normal. */
    const int sigs[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; ++i)
      signal (sigs[i], SIG_DFL);
    sigset_t none;
    sigemptyset (&none);
    sigprocmask (SIG_SETMASK, &none, NULL);
    if ((in >= 0 && dup2 (in, STDIN_FILENO) == -1) ||
        (out >= 0 && dup2 (out, STDOUT_FILENO) == -1) ||
        (err >= 0 && dup2 (err, STDERR_FILENO) == -1))
      _exit (126);
    execvp (argv[0], argv);
    dprintf (STDERR_FILENO, "%s: %s\n", argv[0], strerror (errno));
    _exit (127);
  }
  int status = -1, e = errno;
  if (pid > 0) {
    while (waitpid (pid, &status, 0) == -1) {
      if (errno != EINTR) {
        status = -1;
        break;
      }
      /* Our handlers caught SIGTERM or SIGHUP (the handle is now
       * cancelled): the child goes too. */
      *signalled = true;
      kill (pid, SIGTERM);
    }
    e = errno;
  }
  if (interactive) {
    sigaction (SIGINT, &old_int, NULL);
    sigaction (SIGQUIT, &old_quit, NULL);
  }
  errno = e;
  return pid > 0 ? status : -1;
}

/* What a child's wait status means, for messages ("exited with status
 * 1"); static buffer. */
static const char *
describe_status (int status)
{
  static char buf[64];
  if (WIFEXITED (status))
    snprintf (buf, sizeof buf, "exited with status %d",
              WEXITSTATUS (status));
  else if (WIFSIGNALED (status))
    snprintf (buf, sizeof buf, "was killed by signal %d",
              WTERMSIG (status));
  else
    snprintf (buf, sizeof buf, "stopped (status %#x)", status);
  return buf;
}

/* -e: run perl on in (the original), its output in a new unnamed file
 * (*out_r).  0, or an exit code after printing the error. */
static int
apply_expr (gc_h *g, const char *path, int in, int *out_r, int *fatal_r)
{
  CLEANUP_CLOSE int out = anonymous_file (g);
  CLEANUP_CLOSE int err = anonymous_file (g);
  if (out == -1 || err == -1 || lseek (in, 0, SEEK_SET) == -1) {
    gc_tool_error ("%s: a temporary file: %s", path, strerror (errno));
    return GC_EXIT_ERROR;
  }
  char *argv[] = { (char *) "perl", (char *) "-e", (char *) perl_program,
                   (char *) "--", expr, NULL };
  bool signalled;
  int status = run_child (argv, in, out, err, false, &signalled);
  if (signalled || status == -1) {
    *fatal_r = signalled;
    if (!signalled)
      gc_tool_error ("perl: %s", strerror (errno));
    return GC_EXIT_ERROR;
  }

  /* What perl said: its die message when it failed (one line), else
   * the expression's own warnings, passed on as they are. */
  char msg[4096];
  ssize_t n = pread (err, msg, sizeof msg - 1, 0);
  n = n < 0 ? 0 : n;
  msg[n] = '\0';
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0) {
    if (n > 0)
      fputs (msg, stderr);
    *out_r = out;
    out = -1;
    return GC_EXIT_OK;
  }
  while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
    msg[--n] = '\0';
  for (char *p = msg; *p; ++p)
    if (*p == '\n')
      *p = ' ';
  if (n > 0)
    gc_tool_error ("%s: -e: %s", path, msg);
  else
    gc_tool_error ("%s: -e: perl %s", path, describe_status (status));
  return GC_EXIT_ERROR;
}

/* The editor the user wants: $VISUAL, then $EDITOR, then vi. */
static const char *
editor (void)
{
  const char *e = getenv ("VISUAL");
  if (e == NULL || *e == '\0')
    e = getenv ("EDITOR");
  return e && *e ? e : "vi";
}

/* A name for the copy the editor sees, in the handle's private
 * directory: the guest file's own name (editors choose their syntax by
 * it), or a made-up one if that is taken.  Malloc'd; the file is
 * created (empty, 0600) and its fd returned in *fd_r.  NULL with
 * errno. */
static char *
editable_name (gc_h *g, const char *path, int *fd_r)
{
  const char *dir = gc_get_tmpdir (g);
  const char *base = strrchr (path, '/');
  base = base ? base + 1 : path;
  char *name = NULL;
  if (dir == NULL) {
    errno = ENOTCONN;
    return NULL;
  }
  if (base[0] && base[0] != '.' && asprintf (&name, "%s/%s", dir, base) != -1) {
    *fd_r = open (name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (*fd_r >= 0)
      return name;
    free (name);
  }
  if (asprintf (&name, "%s/edit.XXXXXX", dir) == -1)
    return NULL;
  *fd_r = mkostemp (name, O_CLOEXEC);
  if (*fd_r == -1) {
    free (name);
    return NULL;
  }
  return name;
}

/* The editor on a named copy of in; its result in *out_r (an open fd,
 * the name already removed).  0, or an exit code after printing the
 * error. */
static int
run_editor (gc_h *g, const char *path, int in, int *out_r, int *fatal_r)
{
  int fd;
  CLEANUP_FREE char *name = editable_name (g, path, &fd);
  if (name == NULL) {
    gc_tool_error ("%s: a temporary file: %s", path, strerror (errno));
    return GC_EXIT_ERROR;
  }
  int r = gc_copy_all (in, fd);
  int e = errno;
  if (close (fd) == -1 && r == 0) {
    r = -1;
    e = errno;
  }
  if (r == -1) {
    unlink (name);
    gc_tool_error ("%s: %s: %s", path, name, strerror (e));
    return GC_EXIT_ERROR;
  }

  /* sh runs it, so that EDITOR="emacs -nw" works as everywhere. */
  CLEANUP_FREE char *cmd = NULL;
  if (asprintf (&cmd, "%s \"$1\"", editor ()) == -1) {
    unlink (name);
    gc_tool_error ("out of memory");
    return GC_EXIT_ERROR;
  }
  char *argv[] = { (char *) "/bin/sh", (char *) "-c", cmd, (char *) "sh",
                   name, NULL };
  bool signalled;
  int status = run_child (argv, -1, -1, -1, true, &signalled);
  e = errno;
  /* Editors may have replaced the file (write to a new one, rename):
   * read it by its name. */
  int out = open (name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int oe = errno;
  unlink (name);
  if (signalled || status == -1 ||
      !WIFEXITED (status) || WEXITSTATUS (status) != 0 || out == -1) {
    if (out >= 0)
      close (out);
    *fatal_r = signalled;
    if (signalled)
      return GC_EXIT_ERROR;
    if (status == -1)
      gc_tool_error ("%s: %s", editor (), strerror (e));
    else if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
      gc_tool_error ("%s: the editor (%s) %s: the file was not changed",
                     path, editor (), describe_status (status));
    else
      gc_tool_error ("%s: the edited copy %s: %s", path, name, strerror (oe));
    return GC_EXIT_ERROR;
  }
  *out_r = out;
  return GC_EXIT_OK;
}

/* Edit one guest file.  Returns 0, or an exit code after printing the
 * error; *fatal_r is set when the appliance is gone or a signal came. */
static int
edit_one (gc_h *g, const char *path, int *fatal_r)
{
  CLEANUP_FREE char *real = NULL;
  if (gc_tool_windows_root) {
    real = gc_tool_windows_path (g, path, fatal_r);
    if (real == NULL)
      return GC_EXIT_ERROR;
  }
  else if (path[0] != '/') {
    gc_tool_error ("%s: the path must be absolute (start with '/')", path);
    return GC_EXIT_ERROR;
  }
  const char *gpath = real ? real : path;

  /* The host holds the file twice (the original and the edited copy,
   * in the private directory, written whole): one that cannot fit is
   * refused before anything is read, so that a guest's huge sparse
   * file cannot fill the host's disk.  (If the stat fails, the
   * download says why.) */
  CLEANUP_FREE struct gc_stat *gst = gc_stat (g, gpath);
  const char *dir = gc_get_tmpdir (g);
  struct statvfs vfs;
  if (gst && S_ISREG (gst->mode) && dir && statvfs (dir, &vfs) == 0) {
    uint64_t avail = (uint64_t) vfs.f_bavail * vfs.f_frsize;
    if ((uint64_t) gst->size > avail / 2) {
      gc_tool_error ("%s: %" PRIi64 " bytes, too large to edit: the "
                     "original and the edited copy need twice that in %s, "
                     "which has %" PRIu64 " bytes free", path, gst->size,
                     dir, avail);
      return GC_EXIT_ERROR;
    }
  }

  CLEANUP_CLOSE int orig = anonymous_file (g);
  if (orig == -1) {
    gc_tool_error ("%s: a temporary file: %s", path, strerror (errno));
    return GC_EXIT_ERROR;
  }
  if (gc_download (g, gpath, orig) == -1)
    return gc_tool_file_error (g, path, "download", fatal_r);

  CLEANUP_CLOSE int edited = -1;
  int code = expr ? apply_expr (g, path, orig, &edited, fatal_r)
    : run_editor (g, path, orig, &edited, fatal_r);
  if (code != GC_EXIT_OK)
    return code;

  int same = same_contents (orig, edited);
  struct stat st;
  if (same == -1 || fstat (edited, &st) == -1 ||
      lseek (edited, 0, SEEK_SET) == -1) {
    gc_tool_error ("%s: the edited copy: %s", path, strerror (errno));
    return GC_EXIT_ERROR;
  }
  if (same) {
    if (gc_opts.verbose)
      fprintf (stderr, "%s: %s: unchanged: not written back\n",
               gc_opts.program_name, path);
    return GC_EXIT_OK;
  }
  if (gc_remount_rw (g, gpath) == -1)
    return gc_tool_file_error (g, path, "remount_rw", fatal_r);
  if (gc_replace (g, gpath, backup, st.st_size, edited) == -1)
    return gc_tool_file_error (g, path, "replace", fatal_r);
  return GC_EXIT_OK;
}

/* A FILE that cannot be a guest path in any guest: neither absolute
 * nor a Windows path (C:..., \...). */
static bool
is_relative (const char *path)
{
  bool drive = ((path[0] >= 'a' && path[0] <= 'z') ||
                (path[0] >= 'A' && path[0] <= 'Z')) && path[1] == ':';
  return path[0] != '/' && path[0] != '\\' && !drive;
}

static int
run (int argc, char **argv)
{
  poptContext ctx = NULL;
  int code = GC_EXIT_OK;
  if (gc_options_parse (argc, argv, options, "FILE...", &ctx, &code) == -1)
    return code;
  const char **files = poptGetArgs (ctx);
  if (gc_opts.drives.len == 0)
    code = gc_tool_usage_error ("no disk image given: use -a IMAGE");
  else if (files == NULL || files[0] == NULL)
    code = gc_tool_usage_error ("no file to edit: name at least one FILE");
  else if (backup && (backup[0] == '\0' || strchr (backup, '/')))
    code = gc_tool_usage_error ("-b '%s': the backup extension must be "
                                "non-empty, without '/'", backup);
  if (code != GC_EXIT_OK) {
    poptFreeContext (ctx);
    return code;
  }
  /* Before anything starts: nothing to edit in a relative path. */
  for (size_t i = 0; files[i]; ++i)
    if (is_relative (files[i])) {
      gc_tool_error ("%s: the path must be absolute (start with '/')",
                     files[i]);
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
  /* Read-only (devices included) until a file is written back: a run
   * that changes nothing leaves the image as it was. */
  else if (gc_mount_ro_devices (g, 1) == -1)
    code = gc_tool_handle_error (g);
  else if ((code = gc_tool_mount (g, true)) == GC_EXIT_OK) {
    /* Each file in turn; the first that cannot be edited stops the
     * rest (as a die in -e does), the ones before it stay edited. */
    int fatal = 0;
    for (size_t i = 0; files[i] && code == GC_EXIT_OK; ++i)
      code = edit_one (g, files[i], &fatal);
    if (!fatal) {
      int finish = gc_tool_finish_writes (g);
      if (code == GC_EXIT_OK)
        code = finish;
    }
  }
  poptFreeContext (ctx);
  return code;
}

int
main (int argc, char **argv)
{
  int code = run (argc, argv);
  gc_options_free ();
  free (backup);
  free (expr);
  return gc_tool_exit_status (code);
}
