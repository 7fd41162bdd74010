/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Running the appliance's tools (blkid, mkfs, parted, lvm, modprobe):
 * fork and exec without a shell, stdin from /dev/null, stdout and stderr
 * captured in memory.
 */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "daemon.h"

struct capture {
  char *buf;
  size_t len, cap;
};

static int
capture_read (int fd, struct capture *c)
{
  if (c->len + 4096 + 1 > c->cap) {
    size_t ncap = c->cap ? c->cap * 2 : 8192;
    char *p = realloc (c->buf, ncap);
    if (p == NULL)
      return -1;
    c->buf = p;
    c->cap = ncap;
  }
  ssize_t r = read (fd, c->buf + c->len, c->cap - c->len - 1);
  if (r == -1)
    return errno == EINTR || errno == EAGAIN ? 1 : -1;
  c->len += r;
  c->buf[c->len] = '\0';
  return r == 0 ? 0 : 1;
}

/* Runs argv[0] (searched in PATH) with the arguments; stdout and stderr
 * in malloc'd strings if out/err are not NULL (caller frees).  Returns
 * the exit status (128 + signal if killed), -1 if it could not run
 * (errno set). */
int
commandv (char **out, char **err, char *const *argv)
{
  int pout[2], perr[2];
  struct capture co = { 0 }, ce = { 0 };

  if (verbose) {
    fputs ("guestcelld: run:", stderr);
    for (size_t i = 0; argv[i]; ++i)
      fprintf (stderr, " %s", argv[i]);
    fputc ('\n', stderr);
  }
  if (out)
    *out = NULL;
  if (err)
    *err = NULL;

  if (pipe2 (pout, O_CLOEXEC) == -1)
    return -1;
  if (pipe2 (perr, O_CLOEXEC) == -1) {
    close (pout[0]);
    close (pout[1]);
    return -1;
  }
  pid_t pid = fork ();
  if (pid == -1) {
    int e = errno;
    close (pout[0]); close (pout[1]); close (perr[0]); close (perr[1]);
    errno = e;
    return -1;
  }
  if (pid == 0) {
    int null = open ("/dev/null", O_RDONLY);
    if (null >= 0)
      dup2 (null, 0);
    dup2 (pout[1], 1);
    dup2 (perr[1], 2);
    execvp (argv[0], argv);
    fprintf (stderr, "%s: %m\n", argv[0]);
    _exit (127);
  }
  close (pout[1]);
  close (perr[1]);

  struct pollfd pfd[2] = { { .fd = pout[0], .events = POLLIN },
                           { .fd = perr[0], .events = POLLIN } };
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll (pfd, 2, -1) == -1) {
      if (errno == EINTR)
        continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (pfd[i].fd >= 0 && pfd[i].revents) {
        int r = capture_read (pfd[i].fd, i == 0 ? &co : &ce);
        if (r <= 0) {
          close (pfd[i].fd);
          pfd[i].fd = -1;
          --open_fds;
        }
      }
    }
  }
  for (int i = 0; i < 2; ++i)
    if (pfd[i].fd >= 0)
      close (pfd[i].fd);

  int status;
  while (waitpid (pid, &status, 0) == -1)
    if (errno != EINTR)
      return -1;

  if (co.buf == NULL)
    co.buf = strdup ("");
  if (ce.buf == NULL)
    ce.buf = strdup ("");
  if (WIFSIGNALED (status) && ce.buf) {
    /* Say so where the callers look for the reason of a failure. */
    char *s;
    if (asprintf (&s, "%s%s was killed by signal %d (%s)", ce.buf, argv[0],
                  WTERMSIG (status), strsignal (WTERMSIG (status))) != -1) {
      free (ce.buf);
      ce.buf = s;
    }
  }
  if (verbose && ce.buf && ce.buf[0])
    fprintf (stderr, "guestcelld: %s stderr: %s", argv[0], ce.buf);
  if (out)
    *out = co.buf;
  else
    free (co.buf);
  if (err)
    *err = ce.buf;
  else
    free (ce.buf);

  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + WTERMSIG (status);
}

/* As commandv, the arguments ending with NULL. */
int
command (char **out, char **err, const char *prog, ...)
{
  va_list args;
  const char *argv[64];
  size_t n = 0;

  argv[n++] = prog;
  va_start (args, prog);
  const char *a;
  while ((a = va_arg (args, const char *)) != NULL && n < 63)
    argv[n++] = a;
  va_end (args);
  argv[n] = NULL;
  return commandv (out, err, (char *const *) argv);
}

/* A tool's stderr made one readable line (malloc'd; NULL if out of
 * memory): its lines (blank ones dropped) joined by "; ", and when
 * there are more than three (lvm prints one per volume that failed:
 * thousands), the first two, how many were left out, and the last
 * one; at most 1,000 bytes.  A text of several lines goes whole to the
 * console (-v) first. */
static char *
shorten_message (const char *err)
{
  enum { KEEP_FIRST = 2, MAX_LEN = 1000 };
  size_t lines = 0;
  char *save = NULL, *last = NULL;
  CLEANUP_FREE char *copy = strdup (err);
  char *r = malloc (strlen (err) + 64);

  if (copy == NULL || r == NULL) {
    free (r);
    return NULL;
  }
  if (strchr (err, '\n'))
    fprintf (stderr, "guestcelld: %s: the tool said:\n%s\n",
             gc_d_action (), err);
  char *out = r;
  *out = '\0';
  for (char *l = strtok_r (copy, "\n", &save); l;
       l = strtok_r (NULL, "\n", &save)) {
    l += strspn (l, " \t\r");
    if (!*l)
      continue;
    if (lines++ < KEEP_FIRST) {
      if (out != r)
        out = stpcpy (out, "; ");
      out = stpcpy (out, l);
    }
    last = l;
  }
  /* The last line is at most what the dropped lines and their
   * newlines took, and the note fits the 64 spare bytes. */
  if (lines > KEEP_FIRST + 1)
    out += sprintf (out, "; (%zu more lines)", lines - KEEP_FIRST - 1);
  if (lines > KEEP_FIRST)
    out = stpcpy (stpcpy (out, "; "), last);
  if (strlen (r) > MAX_LEN)
    strcpy (r + MAX_LEN - 4, "...");
  return r;
}

/* See daemon.h. */
void
reply_tool_failure (char *err, const char *fs, ...)
{
  va_list args;
  CLEANUP_FREE char *what = NULL;
  va_start (args, fs);
  if (vasprintf (&what, fs, args) == -1)
    what = NULL;
  va_end (args);

  size_t n = err ? strlen (err) : 0;
  while (n > 0 && isspace ((unsigned char) err[n - 1]))
    err[--n] = '\0';
  CLEANUP_FREE char *one = n > 0 ? shorten_message (err) : NULL;
  CLEANUP_FREE char *msg = one ? gc_d_names_to_user (one) : NULL;
  reply_with_error ("%s: %s", what ? what : gc_d_action (),
                    msg && *msg ? msg : "no error message");
}
