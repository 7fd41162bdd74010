/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* virt-resize's copy, on the host: every partition's bytes (and the
 * boot loader area before the first one) move from INDISK to OUTDISK
 * by qemu-img convert between raw windows of the two images (qemu's
 * raw driver with offset= and size= over each image in its own format,
 * given explicitly, never probed).  qemu-img reads the bytes without
 * interpreting them, skips what is unallocated or zero (unless
 * --no-sparse), keeps both formats right, takes qemu's image locks, and
 * runs at the host's disk speed: copying through the emulated appliance
 * is what makes libguestfs's virt-resize slow under TCG (25 s for a
 * 447 MiB partition here, against a fraction of a second).
 *
 * Then the partition table that the first launch wrote inert is signed
 * (or, after a failure, its signatures wiped) with qemu-io, which
 * flushes OUTDISK to its disk.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cleanup.h"
#include "options.h"
#include "strutils.h"
#include "resize.h"

/* What qemu-img says on stderr, kept for the error message. */
#define ERR_MAX 4096

/* See resize.h. */
char *
rz_image_opts (const char *file, const char *fmt, uint64_t offset,
               uint64_t size)
{
  struct stat st;
  const char *proto = stat (file, &st) == 0 && S_ISBLK (st.st_mode)
    ? "host_device" : "file";
  /* A comma in a value is written twice. */
  CLEANUP_FREE char *esc = malloc (2 * strlen (file) + 1);
  if (esc == NULL)
    return NULL;
  char *q = esc;
  for (const char *p = file; *p; ++p) {
    *q++ = *p;
    if (*p == ',')
      *q++ = ',';
  }
  *q = '\0';

  char *r;
  int n;
  bool raw = strcmp (fmt, "raw") == 0;
  if (size == 0 && raw)
    n = asprintf (&r, "driver=raw,file.driver=%s,file.filename=%s", proto,
                  esc);
  else if (size == 0)
    n = asprintf (&r, "driver=%s,file.driver=%s,file.filename=%s", fmt, proto,
                  esc);
  else if (raw)
    n = asprintf (&r, "driver=raw,offset=%" PRIu64 ",size=%" PRIu64
                  ",file.driver=%s,file.filename=%s", offset, size, proto,
                  esc);
  else
    n = asprintf (&r, "driver=raw,offset=%" PRIu64 ",size=%" PRIu64
                  ",file.driver=%s,file.file.driver=%s,file.file.filename=%s",
                  offset, size, fmt, proto, esc);
  return n == -1 ? NULL : r;
}

/* One range to copy. */
struct range {
  int num;                      /* INDISK's partition; 0: the boot area */
  bool zero;                    /* write zeros instead */
  uint64_t src, dst, len;
};

static const char *
range_name (const struct range *r)
{
  return r->num ? rz_outname (r->num) : "the boot loader area";
}
DEFINE_VECTOR_TYPE (range_vector, struct range);

/* The last line qemu-img printed on stderr, as one line. */
static char *
last_words (char *err)
{
  size_t n = strlen (err);
  while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
    err[--n] = '\0';
  for (char *p = err; *p; ++p)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  return err[0] ? err : "no error message";
}

/* Run a qemu program; while it runs, feed the percentages it prints on
 * stdout ("(12.34/100%)") to progress (if not NULL) and keep its
 * stderr.  If interruptible, stop it on SIGINT/SIGTERM.  0; -1 after
 * printing the error (what names the job); -2 (nothing printed) after
 * a signal stopped it. */
static int
run_qemu_tool (char *const *argv, const char *what, bool interruptible,
               void (*progress) (double, void *), void *opaque)
{
  int pout[2], perr[2];
  char err[ERR_MAX + 1], out[256];
  size_t elen = 0, olen = 0;

  if (gc_opts.verbose) {
    fprintf (stderr, "%s: run:", gc_opts.program_name);
    for (size_t i = 0; argv[i]; ++i)
      fprintf (stderr, " %s", argv[i]);
    fputc ('\n', stderr);
  }
  if (pipe2 (pout, O_CLOEXEC) == -1)
    goto sys_error;
  if (pipe2 (perr, O_CLOEXEC) == -1) {
    close (pout[0]);
    close (pout[1]);
    goto sys_error;
  }
  pid_t pid = fork ();
  if (pid == -1) {
    close (pout[0]); close (pout[1]); close (perr[0]); close (perr[1]);
    goto sys_error;
  }
  if (pid == 0) {
    signal (SIGINT, SIG_DFL);
    signal (SIGTERM, SIG_DFL);
    signal (SIGPIPE, SIG_DFL);
    int null = open ("/dev/null", O_RDONLY);
    if (null == -1 || dup2 (null, 0) == -1 || dup2 (pout[1], 1) == -1 ||
        dup2 (perr[1], 2) == -1)
      _exit (126);
    execvp (argv[0], argv);
    fprintf (stderr, "%s: %s", argv[0], strerror (errno));
    _exit (127);
  }
  close (pout[1]);
  close (perr[1]);

  struct pollfd fds[2] = {
    { .fd = pout[0], .events = POLLIN }, { .fd = perr[0], .events = POLLIN },
  };
  int open_fds = 2, status = 0;
  bool stopped = false;
  while (open_fds > 0) {
    if (interruptible && gc_tool_interrupted () && !stopped) {
      kill (pid, SIGTERM);
      stopped = true;
    }
    int r = poll (fds, 2, 200);
    if (r == -1 && errno != EINTR)
      break;
    for (int i = 0; r > 0 && i < 2; ++i) {
      if (fds[i].fd == -1 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      char buf[4096];
      ssize_t n = read (fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        if (n == -1 && errno == EINTR)
          continue;
        close (fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      if (i == 1) {
        /* Keep the end of stderr. */
        if ((size_t) n >= ERR_MAX) {
          memcpy (err, buf + n - ERR_MAX, ERR_MAX);
          elen = ERR_MAX;
        }
        else {
          if (elen + n > ERR_MAX) {
            memmove (err, err + (elen + n - ERR_MAX), ERR_MAX - n);
            elen = ERR_MAX - n;
          }
          memcpy (err + elen, buf, n);
          elen += n;
        }
        continue;
      }
      /* Progress: the last complete "(N/100%)" in what came. */
      for (ssize_t k = 0; k < n; ++k) {
        if (olen == sizeof out - 1)
          olen = 0;
        out[olen++] = buf[k];
        out[olen] = '\0';
        if (buf[k] == ')') {
          char *open_paren = strrchr (out, '(');
          double pct;
          if (open_paren && sscanf (open_paren, "(%lf/100%%)", &pct) == 1 &&
              progress)
            progress (pct, opaque);
          olen = 0;
        }
      }
    }
  }
  for (int i = 0; i < 2; ++i)
    if (fds[i].fd != -1)
      close (fds[i].fd);
  while (waitpid (pid, &status, 0) == -1 && errno == EINTR)
    ;
  err[elen] = '\0';
  if (stopped || (interruptible && gc_tool_interrupted ()))
    return -2;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFSIGNALED (status))
    rz_error ("%s: %s was killed by signal %d", what, argv[0],
              WTERMSIG (status));
  else
    rz_error ("%s: %s", what, last_words (err));
  return -1;

 sys_error:
  rz_error ("%s: %s: %s", what, argv[0], strerror (errno));
  return -1;
}

struct copy_progress {
  uint64_t done, len, total;
};

static void
copy_progress (double pct, void *opaque)
{
  struct copy_progress *c = opaque;
  uint64_t now = c->done + (uint64_t) (c->len * (pct / 100));
  rz_progress (now < c->total ? now : c->total - 1, c->total);
}

/* Copy (or zero) one range with qemu-img convert. */
static int
copy_range (const struct range *r, const char *in, const char *in_fmt,
            const char *out, const char *out_fmt, struct copy_progress *cp)
{
  CLEANUP_FREE char *src = NULL, *dst = NULL;
  if (r->zero) {
    if (asprintf (&src, "driver=null-co,size=%" PRIu64 ",read-zeroes=on",
                  r->len) == -1)
      src = NULL;
  }
  else
    src = rz_image_opts (in, in_fmt, r->src, r->len);
  dst = rz_image_opts (out, out_fmt, r->dst, r->len);
  if (src == NULL || dst == NULL) {
    rz_error ("out of memory");
    return -1;
  }
  const char *argv[20];
  size_t n = 0;
  argv[n++] = "qemu-img";
  argv[n++] = "convert";
  argv[n++] = "-p";
  argv[n++] = "-n";
  /* Out-of-order writes, more requests in flight: the windows are
   * written whole before anyone reads them. */
  argv[n++] = "-W";
  argv[n++] = "-m";
  argv[n++] = "16";
  /* Sparse: zeros are not written on an OUTDISK assumed zero (as
   * libguestfs assumes it); --no-sparse writes every byte. */
  argv[n++] = "-S";
  argv[n++] = rz_opts.no_sparse ? "0" : "4k";
  if (!rz_opts.no_sparse)
    argv[n++] = "--target-is-zero";
  const char *rate = getenv ("GUESTCELL_RESIZE_RATE");
  if (rate && rate[0]) {
    argv[n++] = "-r";
    argv[n++] = rate;
  }
  argv[n++] = "--image-opts";
  argv[n++] = src;
  argv[n++] = "--target-image-opts";
  argv[n++] = dst;
  argv[n] = NULL;
  CLEANUP_FREE char *what = NULL;
  if (asprintf (&what, "copying %s", range_name (r)) == -1)
    what = NULL;
  cp->len = r->len;
  int ret = run_qemu_tool ((char *const *) argv, what ? what : "copying",
                           true, copy_progress, cp);
  cp->done += r->len;
  return ret;
}

/* See resize.h. */
int
rz_check_rate (void)
{
  const char *rate = getenv ("GUESTCELL_RESIZE_RATE");
  if (rate == NULL || rate[0] == '\0')
    return 0;
  size_t d = strspn (rate, "0123456789");
  if (d == 0 || (rate[d] && (strchr ("KMG", rate[d]) == NULL ||
                             rate[d + 1] != '\0'))) {
    rz_error ("GUESTCELL_RESIZE_RATE=%s: expected bytes a second, with K, M "
              "or G", rate);
    return -1;
  }
  return 0;
}

/* See resize.h. */
int
rz_copy (const struct rz_layout *l, const char *in, const char *in_fmt,
         const char *out, const char *out_fmt)
{
  range_vector v = EMPTY_VECTOR;
  uint64_t total = 0;
  int ret = -1;

  /* The boot loader area: after the primary table, before the first
   * partition (sector 0's boot code goes with the table). */
  if (!rz_opts.no_copy_boot_loader && l->nparts > 0 &&
      l->parts[0].start > l->boot_start) {
    struct range r = { 0, false, l->boot_start, l->boot_start,
                       l->parts[0].start - l->boot_start };
    if (range_vector_append (&v, r) == -1)
      goto nomem;
  }
  for (size_t i = 0; i < l->nparts; ++i) {
    const struct rz_part *p = &l->parts[i];
    if (p->kind == RZ_LOGICAL || p->new_num == 0)
      continue;
    struct range r = { p->num, false, p->start, p->new_start,
                       p->size < p->new_size ? p->size : p->new_size };
    if (p->op == RZ_IGNORE) {
      if (!rz_opts.no_sparse)
        continue;
      r.zero = true;
      r.len = p->new_size;
    }
    if (range_vector_append (&v, r) == -1)
      goto nomem;
  }
  for (size_t i = 0; i < v.len; ++i)
    total += v.ptr[i].len;

  struct copy_progress cp = { 0, 0, total };
  for (size_t i = 0; i < v.len; ++i) {
    const struct range *r = &v.ptr[i];
    if (r->zero)
      rz_message ("Zeroing %s (--ignore, --no-sparse)", range_name (r));
    else
      rz_message ("Copying %s", range_name (r));
    int c = copy_range (r, in, in_fmt, out, out_fmt, &cp);
    if (c != 0) {
      if (cp.done < total)
        rz_progress (total, total);     /* end the bar's line */
      goto out;
    }
  }
  rz_progress (total, total);
  ret = 0;
 out:
  free (v.ptr);
  return ret;
 nomem:
  rz_error ("out of memory");
  goto out;
}

/* See resize.h. */
int
rz_sign_table (const char *out, const char *out_fmt, bool gpt,
               uint64_t out_size, bool sign)
{
  static const char efi[] = "EFI PART";
  CLEANUP_FREE char *opts = rz_image_opts (out, out_fmt, 0, 0);
  string_vector cmds = EMPTY_VECTOR;
  const char *argv[64];
  size_t n = 0;
  int ret = -1;

  if (opts == NULL)
    goto nomem;
  argv[n++] = "qemu-io";
  argv[n++] = "--image-opts";
  argv[n++] = opts;
  /* Bytes: 0x55 0xaa at 510; for GPT "EFI PART" in LBA 1 and in the
   * last LBA (the backup header). */
  struct byte { uint64_t off; unsigned char byte; } w[18];
  size_t nw = 0;
  w[nw++] = (struct byte) { 510, 0x55 };
  w[nw++] = (struct byte) { 511, 0xaa };
  for (int i = 0; gpt && i < 8; ++i) {
    w[nw++] = (struct byte) { SECTOR + i, efi[i] };
    w[nw++] = (struct byte) { out_size - SECTOR + i, efi[i] };
  }
  for (size_t i = 0; i < nw; ++i) {
    char *c;
    if (asprintf (&c, "write -q -P 0x%02x %" PRIu64 " 1",
                  sign ? w[i].byte : 0, w[i].off) == -1)
      goto nomem;
    if (string_vector_append (&cmds, c) == -1) {
      free (c);
      goto nomem;
    }
    argv[n++] = "-c";
    argv[n++] = c;
  }
  argv[n++] = "-c";
  argv[n++] = "flush";
  argv[n] = NULL;
  /* Signing stops on a signal (the table is wiped then); wiping goes
   * on whatever comes. */
  int r = run_qemu_tool ((char *const *) argv, sign ? "signing the "
                         "partition table" : "wiping the partition table",
                         sign, NULL, NULL);
  if (r == -2)
    rz_error ("%s the partition table: interrupted", sign ? "signing" :
              "wiping");
  ret = r == 0 ? 0 : -1;
 out:
  gc_string_vector_free (&cmds);
  return ret;
 nomem:
  rz_error ("out of memory");
  goto out;
}
