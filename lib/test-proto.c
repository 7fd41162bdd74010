/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Unit test of the protocol client (lib/proto.c), no appliance needed.
 *
 * First the decoders are fed frames built by hand: good ones, and each
 * way an appliance could lie (sizes, serials, directions, statuses,
 * absurd string and array lengths, trailing bytes, progress for another
 * call, oversize chunks).  Then gc_int_call runs whole transactions
 * against a fake daemon (a child process on the other end of a
 * socketpair, playing canned frames): replies, progress, FileIn and
 * FileOut streams, cancellations both ways, EOF in the middle of a frame.
 *
 * The handle has no qemu (qemu_pid 0) and a console pipe that stays
 * silent, so gc_int_wait_sock only waits for the socket.  Prints one line per check
 * and a summary; exits 1 if any check failed.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "guestcell.h"
#include "internal.h"
#include "tap.h"
#include "gc_protocol.h"


/* The last error contains a string. */
static bool
err_has (gc_h *g, const char *s)
{
  const char *e = gc_last_error (g);
  bool r = strstr (e, s) != NULL;
  if (!r)
    printf ("# last error: %s\n", e);
  return r;
}

static void
put_be32 (char *p, uint32_t v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static uint32_t
get_be32 (const char *p)
{
  const unsigned char *u = (const unsigned char *) p;
  return ((uint32_t) u[0] << 24) | ((uint32_t) u[1] << 16)
    | ((uint32_t) u[2] << 8) | u[3];
}

/* A reply frame (length word included) into out; returns its size. */
static size_t
enc_msg (char *out, size_t cap, unsigned proc, unsigned serial,
         int direction, int status, xdrproc_t fn, void *body)
{
  XDR x;
  struct gc_message_header h = {
    .prog = GC_PROGRAM, .vers = GC_PROTOCOL_VERSION, .proc = proc,
    .direction = direction, .serial = serial, .status = status,
  };
  xdrmem_create (&x, out + 4, cap - 4, XDR_ENCODE);
  if (!xdr_gc_message_header (&x, &h) || (fn && !fn (&x, body))) {
    fprintf (stderr, "test bug: encoding failed\n");
    exit (2);
  }
  size_t n = xdr_getpos (&x);
  xdr_destroy (&x);
  put_be32 (out, n);
  return n + 4;
}

static size_t
enc_error (char *out, size_t cap, unsigned proc, unsigned serial, int err,
           const char *msg)
{
  struct gc_message_error e = { .linux_errno = err, .message = (char *) msg };
  return enc_msg (out, cap, proc, serial, GC_DIRECTION_REPLY,
                  GC_STATUS_ERROR, (xdrproc_t) xdr_gc_message_error, &e);
}

static size_t
enc_progress (char *out, unsigned proc, unsigned serial, uint64_t pos,
              uint64_t total)
{
  XDR x;
  struct gc_progress p = { proc, serial, pos, total };
  put_be32 (out, GC_PROGRESS_FLAG);
  xdrmem_create (&x, out + 4, GC_PROGRESS_SIZE, XDR_ENCODE);
  if (!xdr_gc_progress (&x, &p))
    exit (2);
  xdr_destroy (&x);
  return 4 + GC_PROGRESS_SIZE;
}

static size_t
enc_chunk (char *out, int cancel, const char *data, uint32_t n)
{
  size_t padded = (n + 3) & ~3u;
  put_be32 (out, 8 + padded);
  put_be32 (out + 4, cancel);
  put_be32 (out + 8, n);
  memcpy (out + 12, data, n);
  memset (out + 12 + n, 0, padded - n);
  return 12 + padded;
}

static struct gc_int_call
mkcall (const char *name, unsigned proc, xdrproc_t ret_fn, void *ret)
{
  struct gc_int_call c = {
    .name = name, .proc = proc, .ret_fn = ret_fn, .ret = ret,
    .fd_in = -1, .fd_out = -1,
  };
  return c;
}

/* Progress events seen. */
static uint64_t last_progress[4];
static int n_progress;

static void
progress_cb (gc_h *g, void *opaque, uint64_t event, const char *buf,
             size_t buf_len, const uint64_t *array, size_t array_len)
{
  if (array_len == 4) {
    memcpy (last_progress, array, sizeof last_progress);
    ++n_progress;
  }
}

/*----------------------------------------------------------------------
 * Decoders fed buffers.
 */

static void
test_decoders (void)
{
  gc_h *g = gc_create ();
  static char buf[GC_MESSAGE_MAX + 8];
  size_t n;

  if (g == NULL) {
    perror ("gc_create");
    exit (2);
  }
  gc_set_event_callback (g, progress_cb, GC_EVENT_PROGRESS, NULL);

  struct gc_list_devices_ret lret;
  struct gc_int_call c = mkcall ("list_devices", GC_PROC_LIST_DEVICES,
                                 (xdrproc_t) xdr_gc_list_devices_ret, &lret);

  /* Length words. */
  CHECK (gc_int_check_frame_length (g, &c, GC_MESSAGE_MAX + 4,
                                    GC_INT_FRAME_REPLY) == -1
         && err_has (g, "protocol error: list_devices: reply of 4194308 bytes (at most 4194304)"),
         "oversize length refused");
  CHECK (gc_int_check_frame_length (g, &c, 0xfffffff0, GC_INT_FRAME_REPLY) == -1,
         "huge length refused");
  CHECK (gc_int_check_frame_length (g, &c, 20, GC_INT_FRAME_REPLY) == -1
         && err_has (g, "shorter than a header"),
         "length smaller than a header refused");
  CHECK (gc_int_check_frame_length (g, &c, 26, GC_INT_FRAME_REPLY) == -1
         && err_has (g, "multiple of 4"), "unaligned length refused");
  CHECK (gc_int_check_frame_length (g, &c, GC_HELLO, GC_INT_FRAME_REPLY) == -1,
         "a stray hello word refused");
  CHECK (gc_int_check_frame_length (g, &c, GC_PROGRESS_FLAG,
                                    GC_INT_FRAME_REPLY) == 1,
         "progress flag recognised");
  CHECK (gc_int_check_frame_length (g, &c, 24, GC_INT_FRAME_REPLY) == 0
         && gc_int_check_frame_length (g, &c, GC_MESSAGE_MAX,
                                       GC_INT_FRAME_REPLY) == 0,
         "lengths at the bounds accepted");
  CHECK (gc_int_check_frame_length (g, &c, 8 + GC_CHUNK_MAX + 4,
                                    GC_INT_FRAME_CHUNK) == -1
         && err_has (g, "chunk frame of 131084 bytes"),
         "oversize chunk frame refused");
  CHECK (gc_int_check_frame_length (g, &c, 4, GC_INT_FRAME_CHUNK) == -1,
         "chunk frame smaller than its header refused");

  /* OK with a ret. */
  char *devs[] = { (char *) "/dev/sda", (char *) "/dev/sdb" };
  struct gc_list_devices_ret out = { { 2, devs } };
  n = enc_msg (buf, sizeof buf, GC_PROC_LIST_DEVICES, 5, GC_DIRECTION_REPLY,
               GC_STATUS_OK, (xdrproc_t) xdr_gc_list_devices_ret, &out);
  memset (&lret, 0, sizeof lret);
  int r = gc_int_decode_reply (g, buf + 4, n - 4, &c, 5);
  CHECK (r == 0 && lret.retval.gc_str_list_len == 2
         && strcmp (lret.retval.gc_str_list_val[1], "/dev/sdb") == 0,
         "OK reply with a list decoded");
  if (r == 0) {
    char **l = gc_int_list_from_xdr (g, lret.retval.gc_str_list_val,
                                     lret.retval.gc_str_list_len);
    CHECK (l && l[2] == NULL && strcmp (l[0], "/dev/sda") == 0,
           "list from xdr NULL-terminated");
    gc_free_strings (l);
  }

  /* The same frame, checked against the wrong serial / proc. */
  memset (&lret, 0, sizeof lret);
  CHECK (gc_int_decode_reply (g, buf + 4, n - 4, &c, 7) == -1
         && err_has (g, "protocol error: list_devices: reply serial 5, expected 7"),
         "wrong serial refused");
  struct gc_int_call c2 = mkcall ("list_partitions", GC_PROC_LIST_PARTITIONS,
                                  (xdrproc_t) xdr_gc_list_partitions_ret,
                                  &lret);
  CHECK (gc_int_decode_reply (g, buf + 4, n - 4, &c2, 5) == -1
         && err_has (g, "reply procedure 3, expected 4"),
         "wrong proc refused");

  /* Trailing bytes. */
  memset (buf + n, 0, 4);
  CHECK (gc_int_decode_reply (g, buf + 4, n, &c, 5) == -1
         && err_has (g, "4 trailing bytes"), "trailing bytes refused");
  CHECK (lret.retval.gc_str_list_val == NULL,
         "nothing left allocated after trailing bytes");

  /* Wrong direction, status, program, version. */
  n = enc_msg (buf, sizeof buf, GC_PROC_LIST_DEVICES, 5, GC_DIRECTION_CALL,
               GC_STATUS_OK, (xdrproc_t) xdr_gc_list_devices_ret, &out);
  CHECK (gc_int_decode_reply (g, buf + 4, n - 4, &c, 5) == -1
         && err_has (g, "direction 0, expected a reply"),
         "wrong direction refused");
  n = enc_msg (buf, sizeof buf, GC_PROC_LIST_DEVICES, 5, GC_DIRECTION_REPLY,
               7, NULL, NULL);
  CHECK (gc_int_decode_reply (g, buf + 4, n - 4, &c, 5) == -1
         && err_has (g, "unknown reply status 7"), "unknown status refused");
  put_be32 (buf + 4, 0x12345678);
  CHECK (gc_int_decode_reply (g, buf + 4, n - 4, &c, 5) == -1
         && err_has (g, "reply program 0x12345678"), "wrong program refused");
  n = enc_msg (buf, sizeof buf, GC_PROC_LIST_DEVICES, 5, GC_DIRECTION_REPLY,
               GC_STATUS_OK, NULL, NULL);
  put_be32 (buf + 8, 9);
  CHECK (gc_int_decode_reply (g, buf + 4, n - 4, &c, 5) == -1
         && err_has (g, "reply version 9"), "wrong version refused");
  CHECK (gc_int_decode_reply (g, buf + 4, 12, &c, 5) == -1
         && err_has (g, "could not decode the reply header"),
         "truncated header refused");

  /* OK but the body is missing. */
  n = enc_msg (buf, sizeof buf, GC_PROC_LIST_DEVICES, 5, GC_DIRECTION_REPLY,
               GC_STATUS_OK, NULL, NULL);
  CHECK (gc_int_decode_reply (g, buf + 4, n - 4, &c, 5) == -1
         && err_has (g, "could not decode the reply"), "missing body refused");

  /* Absurd array lengths. */
  n = enc_msg (buf, sizeof buf, GC_PROC_LIST_DEVICES, 5, GC_DIRECTION_REPLY,
               GC_STATUS_OK, NULL, NULL);
  put_be32 (buf + n, 0xffffffff);
  memset (&lret, 0, sizeof lret);
  CHECK (gc_int_decode_reply (g, buf + 4, n, &c, 5) == -1
         && lret.retval.gc_str_list_val == NULL,
         "array length 0xffffffff refused");
  put_be32 (buf + n, GC_LIST_MAX + 1);
  CHECK (gc_int_decode_reply (g, buf + 4, n, &c, 5) == -1,
         "array length GC_LIST_MAX+1 refused");
  put_be32 (buf + n, GC_LIST_MAX);
  CHECK (gc_int_decode_reply (g, buf + 4, n, &c, 5) == -1
         && lret.retval.gc_str_list_val == NULL,
         "array length GC_LIST_MAX with no data refused, nothing leaked");
  /* Two good strings, then a third cut short: the first two are freed. */
  {
    size_t m = n;
    put_be32 (buf + m, 3); m += 4;
    put_be32 (buf + m, 1); memcpy (buf + m + 4, "a\0\0\0", 4); m += 8;
    put_be32 (buf + m, 2); memcpy (buf + m + 4, "bc\0\0", 4); m += 8;
    put_be32 (buf + m, 100); m += 4;
    CHECK (gc_int_decode_reply (g, buf + 4, m - 4, &c, 5) == -1
           && lret.retval.gc_str_list_val == NULL,
           "list cut short refused, partial list freed");
  }

  /* Absurd string lengths. */
  struct gc_internal_test_echo_ret eret;
  memset (&eret, 0, sizeof eret);
  struct gc_int_call ce = mkcall ("internal_test_echo",
                                  GC_PROC_INTERNAL_TEST_ECHO,
                                  (xdrproc_t) xdr_gc_internal_test_echo_ret,
                                  &eret);
  n = enc_msg (buf, sizeof buf, GC_PROC_INTERNAL_TEST_ECHO, 5,
               GC_DIRECTION_REPLY, GC_STATUS_OK, NULL, NULL);
  put_be32 (buf + n, 0xfffffffc);
  CHECK (gc_int_decode_reply (g, buf + 4, n, &ce, 5) == -1
         && eret.retval == NULL, "string length 0xfffffffc refused");
  put_be32 (buf + n, 1000);
  memcpy (buf + n + 4, "abcd", 4);
  CHECK (gc_int_decode_reply (g, buf + 4, n + 4, &ce, 5) == -1
         && eret.retval == NULL, "string longer than the frame refused");
  put_be32 (buf + n, 3);
  memcpy (buf + n + 4, "abc\0", 4);
  CHECK (gc_int_decode_reply (g, buf + 4, n + 4, &ce, 5) == 0
         && eret.retval && strcmp (eret.retval, "abc") == 0,
         "good string decoded");
  xdr_free ((xdrproc_t) xdr_gc_internal_test_echo_ret, (char *) &eret);

  /* ERROR replies. */
  n = enc_error (buf, sizeof buf, GC_PROC_LIST_DEVICES, 5, ENOENT,
                 "/etc/fstab: No such file or directory");
  CHECK (gc_int_decode_reply (g, buf + 4, n - 4, &c, 5) == 1
         && gc_last_errno (g) == ENOENT
         && strcmp (gc_last_error (g),
                    "list_devices: /etc/fstab: No such file or directory") == 0,
         "ERROR reply: errno and message kept");
  n = enc_error (buf, sizeof buf, GC_PROC_LIST_DEVICES, 5, 123456,
                 "odd\033[2Jerrno\n");
  CHECK (gc_int_decode_reply (g, buf + 4, n - 4, &c, 5) == 1
         && gc_last_errno (g) == 0
         && strcmp (gc_last_error (g), "list_devices: odd?[2Jerrno") == 0,
         "ERROR reply: bad errno dropped, control characters replaced");
  {
    char *big = malloc (GC_ERROR_MAX + 2);
    memset (big, 'x', GC_ERROR_MAX + 1);
    big[GC_ERROR_MAX + 1] = '\0';
    n = enc_msg (buf, sizeof buf, GC_PROC_LIST_DEVICES, 5, GC_DIRECTION_REPLY,
                 GC_STATUS_ERROR, NULL, NULL);
    size_t m = n;
    put_be32 (buf + m, 5); m += 4;
    put_be32 (buf + m, GC_ERROR_MAX + 1); m += 4;
    memcpy (buf + m, big, GC_ERROR_MAX + 1);
    m += GC_ERROR_MAX + 4;
    CHECK (gc_int_decode_reply (g, buf + 4, m - 4, &c, 5) == -1
           && err_has (g, "could not decode the error reply"),
           "error message too long refused");
    big[GC_ERROR_MAX] = '\0';
    n = enc_error (buf, sizeof buf, GC_PROC_LIST_DEVICES, 5, EIO, big);
    CHECK (gc_int_decode_reply (g, buf + 4, n - 4, &c, 5) == 1
           && strlen (gc_last_error (g)) == strlen ("list_devices: ") + GC_ERROR_MAX,
           "error message of GC_ERROR_MAX bytes kept whole");
    memcpy (buf + n, "\0\0\0\0", 4);
    CHECK (gc_int_decode_reply (g, buf + 4, n, &c, 5) == -1
           && err_has (g, "trailing bytes after the error reply"),
           "trailing bytes after an error refused");
    free (big);
  }

  /* Progress. */
  n = enc_progress (buf, GC_PROC_LIST_DEVICES, 5, 100, 1000);
  n_progress = 0;
  CHECK (gc_int_decode_progress (g, buf + 4, n - 4, &c, 5) == 0
         && n_progress == 1 && last_progress[0] == GC_PROC_LIST_DEVICES
         && last_progress[1] == 5 && last_progress[2] == 100
         && last_progress[3] == 1000, "progress decoded and emitted");
  CHECK (gc_int_decode_progress (g, buf + 4, n - 4, &c, 4) == -1
         && err_has (g, "progress for procedure 3 serial 5, expected procedure 3 serial 4")
         && n_progress == 1, "progress for another serial refused");
  CHECK (gc_int_decode_progress (g, buf + 4, n - 4, &c2, 5) == -1,
         "progress for another procedure refused");
  CHECK (gc_int_decode_progress (g, buf + 4, 20, &c, 5) == -1,
         "short progress body refused");

  /* Chunks. */
  {
    const char *data;
    size_t dlen;
    int cancel;

    n = enc_chunk (buf, 0, "hello", 5);
    CHECK (gc_int_decode_chunk (g, buf + 4, n - 4, &c, &cancel, &data, &dlen) == 0
           && cancel == 0 && dlen == 5 && memcmp (data, "hello", 5) == 0,
           "chunk decoded");
    n = enc_chunk (buf, 0, "", 0);
    CHECK (gc_int_decode_chunk (g, buf + 4, n - 4, &c, &cancel, &data, &dlen) == 0
           && cancel == 0 && dlen == 0, "end chunk decoded");
    n = enc_chunk (buf, 1, "", 0);
    CHECK (gc_int_decode_chunk (g, buf + 4, n - 4, &c, &cancel, &data, &dlen) == 0
           && cancel == 1, "cancel chunk decoded");
    n = enc_chunk (buf, 2, "", 0);
    CHECK (gc_int_decode_chunk (g, buf + 4, n - 4, &c, &cancel, &data, &dlen) == -1,
           "bad cancel flag refused");
    n = enc_chunk (buf, 0, "hello", 5);
    put_be32 (buf + 8, GC_CHUNK_MAX + 1);
    CHECK (gc_int_decode_chunk (g, buf + 4, n - 4, &c, &cancel, &data, &dlen) == -1
           && err_has (g, "chunk of 131073 bytes (at most 131072)"),
           "oversize chunk refused");
    put_be32 (buf + 8, 100);
    CHECK (gc_int_decode_chunk (g, buf + 4, n - 4, &c, &cancel, &data, &dlen) == -1
           && err_has (g, "chunk of 100 bytes in a frame of 16 bytes"),
           "chunk longer than its frame refused");
    put_be32 (buf + 8, 2);
    CHECK (gc_int_decode_chunk (g, buf + 4, n - 4, &c, &cancel, &data, &dlen) == -1,
           "chunk shorter than its frame (trailing bytes) refused");
  }

  /* Lists to XDR. */
  {
    char **val;
    unsigned len;
    char *l[] = { (char *) "/dev/sda1", (char *) "/dev/sdb1", NULL };
    CHECK (gc_int_list_to_xdr (g, "vgcreate", l, &val, &len) == 0
           && len == 2 && val[1] == l[1], "list to xdr");
    free (val);
    CHECK (gc_int_list_to_xdr (g, "vgcreate", NULL, &val, &len) == -1
           && err_has (g, "vgcreate: list must not be NULL"),
           "NULL list refused");
  }

  gc_close (g);
}

/*----------------------------------------------------------------------
 * Whole calls against a fake daemon.
 */

/* Child side helpers: blocking I/O, exit 3 on trouble. */
static void
xwrite (int fd, const void *buf, size_t n)
{
  const char *p = buf;
  while (n > 0) {
    ssize_t r = write (fd, p, n);
    if (r <= 0)
      _exit (3);
    p += r;
    n -= r;
  }
}

static bool
xread (int fd, void *buf, size_t n)
{
  char *p = buf;
  while (n > 0) {
    ssize_t r = read (fd, p, n);
    if (r <= 0)
      return false;
    p += r;
    n -= r;
  }
  return true;
}

/* Read one frame from the core into buf (length word dropped); returns
 * its length, exits on EOF. */
static size_t
child_read_frame (int fd, char *buf, size_t cap)
{
  char w[4];
  if (!xread (fd, w, 4))
    _exit (4);
  uint32_t n = get_be32 (w);
  if (n > cap || !xread (fd, buf, n))
    _exit (5);
  return n;
}

/* The call's serial, checking it is a call for proc. */
static unsigned
child_read_call (int fd, unsigned proc)
{
  static char buf[65536];
  size_t n = child_read_frame (fd, buf, sizeof buf);
  if (n < 24 || get_be32 (buf) != GC_PROGRAM
      || get_be32 (buf + 8) != proc || get_be32 (buf + 12) != GC_DIRECTION_CALL)
    _exit (6);
  return get_be32 (buf + 16);
}

typedef void (*child_fn) (int fd);

struct run {
  gc_h *g;
  pid_t pid;
  int status;
  int console_w;                /* a console that stays silent */
};

static void
start (struct run *run, child_fn fn)
{
  int sv[2], cp[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1
      || pipe2 (cp, O_CLOEXEC | O_NONBLOCK) == -1) {
    perror ("socketpair");
    exit (2);
  }
  fflush (stdout);
  run->pid = fork ();
  if (run->pid == -1) {
    perror ("fork");
    exit (2);
  }
  if (run->pid == 0) {
    signal (SIGPIPE, SIG_IGN);
    close (sv[0]);
    close (cp[0]);
    close (cp[1]);
    fn (sv[1]);
    _exit (0);
  }
  close (sv[1]);
  fcntl (sv[0], F_SETFL, O_NONBLOCK);
  run->g = gc_create ();
  if (run->g == NULL)
    exit (2);
  run->g->sock = sv[0];
  /* A console pipe nobody writes to: gc_int_wait_sock then has no reason
   * to look for a qemu (there is none). */
  run->g->console_fd = cp[0];
  run->console_w = cp[1];
  run->g->state = GC_STATE_READY;
  gc_set_event_callback (run->g, progress_cb, GC_EVENT_PROGRESS, NULL);
}

/* Reap the child (its exit status in run->status), and free the handle
 * without a shutdown call. */
static void
finish (struct run *run)
{
  if (run->g->sock >= 0) {
    close (run->g->sock);
    run->g->sock = -1;
  }
  if (run->g->console_fd >= 0) {
    close (run->g->console_fd);
    run->g->console_fd = -1;
  }
  close (run->console_w);
  if (waitpid (run->pid, &run->status, 0) == -1)
    run->status = -1;
  run->g->state = GC_STATE_CLOSED;
  gc_close (run->g);
  run->g = NULL;
}

static bool
child_ok (struct run *run)
{
  bool ok = WIFEXITED (run->status) && WEXITSTATUS (run->status) == 0;
  if (!ok)
    printf ("# fake daemon exit status 0x%x\n", run->status);
  return ok;
}

static void
child_ping_progress (int fd)
{
  char buf[256];
  unsigned s = child_read_call (fd, GC_PROC_PING);
  xwrite (fd, buf, enc_progress (buf, GC_PROC_PING, s, 1, 2));
  xwrite (fd, buf, enc_progress (buf, GC_PROC_PING, s, 2, 2));
  xwrite (fd, buf, enc_msg (buf, sizeof buf, GC_PROC_PING, s,
                            GC_DIRECTION_REPLY, GC_STATUS_OK, NULL, NULL));
  /* A second call with an error reply. */
  s = child_read_call (fd, GC_PROC_PING);
  xwrite (fd, buf, enc_error (buf, sizeof buf, GC_PROC_PING, s, EPERM,
                              "not allowed"));
}

static void
child_echo_wrong_serial (int fd)
{
  char buf[256];
  unsigned s = child_read_call (fd, GC_PROC_INTERNAL_TEST_ECHO);
  struct gc_internal_test_echo_ret r = { (char *) "x" };
  xwrite (fd, buf, enc_msg (buf, sizeof buf, GC_PROC_INTERNAL_TEST_ECHO,
                            s + 2, GC_DIRECTION_REPLY, GC_STATUS_OK,
                            (xdrproc_t) xdr_gc_internal_test_echo_ret, &r));
  /* Wait for the core to hang up. */
  xread (fd, buf, 1);
}

static void
child_eof (int fd)
{
  char buf[256];
  child_read_call (fd, GC_PROC_PING);
  put_be32 (buf, 100);
  memset (buf + 4, 0, 10);
  xwrite (fd, buf, 14);
}

static void
child_progress_other (int fd)
{
  char buf[256];
  unsigned s = child_read_call (fd, GC_PROC_PING);
  xwrite (fd, buf, enc_progress (buf, GC_PROC_PING, s + 1, 1, 2));
  xread (fd, buf, 1);
}

static void
child_oversize (int fd)
{
  char buf[256];
  child_read_call (fd, GC_PROC_PING);
  put_be32 (buf, GC_MESSAGE_MAX + 1);
  xwrite (fd, buf, 4);
  xread (fd, buf, 1);
}

#define DL_SIZE (300 * 1024 + 7)

static char
pattern (size_t i)
{
  return (char) (i * 7 + i / 251);
}

/* download: OK, then chunks of odd sizes, then the end. */
static void
child_download (int fd)
{
  static char buf[GC_CHUNK_MAX + 64], data[GC_CHUNK_MAX];
  unsigned s = child_read_call (fd, GC_PROC_DOWNLOAD);
  size_t sent = 0, step = 1;

  xwrite (fd, buf, enc_msg (buf, sizeof buf, GC_PROC_DOWNLOAD, s,
                            GC_DIRECTION_REPLY, GC_STATUS_OK, NULL, NULL));
  while (sent < DL_SIZE) {
    size_t n = step;
    if (n > GC_CHUNK_MAX)
      n = GC_CHUNK_MAX;
    if (n > DL_SIZE - sent)
      n = DL_SIZE - sent;
    for (size_t i = 0; i < n; ++i)
      data[i] = pattern (sent + i);
    xwrite (fd, buf, enc_chunk (buf, 0, data, n));
    xwrite (fd, buf, enc_progress (buf, GC_PROC_DOWNLOAD, s, sent, DL_SIZE));
    sent += n;
    step = step * 3 + 1;
  }
  xwrite (fd, buf, enc_chunk (buf, 0, "", 0));
}

/* download whose local side fails: the core must cancel; we answer with
 * our cancel chunk and an error reply. */
static void
child_download_epipe (int fd)
{
  static char buf[GC_CHUNK_MAX + 64], data[GC_CHUNK_MAX];
  unsigned s = child_read_call (fd, GC_PROC_DOWNLOAD);

  memset (data, 'a', sizeof data);
  xwrite (fd, buf, enc_msg (buf, sizeof buf, GC_PROC_DOWNLOAD, s,
                            GC_DIRECTION_REPLY, GC_STATUS_OK, NULL, NULL));
  xwrite (fd, buf, enc_chunk (buf, 0, data, sizeof data));
  xwrite (fd, buf, enc_chunk (buf, 0, data, 1000));
  size_t n = child_read_frame (fd, buf, sizeof buf);
  if (n != 8 || get_be32 (buf) != 1 || get_be32 (buf + 4) != 0)
    _exit (7);
  xwrite (fd, buf, enc_chunk (buf, 1, "", 0));
  xwrite (fd, buf, enc_error (buf, sizeof buf, GC_PROC_DOWNLOAD, s, EINTR,
                              "cancelled by the core"));
  /* Then a ping, to show the channel is in step. */
  s = child_read_call (fd, GC_PROC_PING);
  xwrite (fd, buf, enc_msg (buf, sizeof buf, GC_PROC_PING, s,
                            GC_DIRECTION_REPLY, GC_STATUS_OK, NULL, NULL));
}

/* download where the daemon gives up. */
static void
child_download_cancel (int fd)
{
  static char buf[4096];
  unsigned s = child_read_call (fd, GC_PROC_DOWNLOAD);
  xwrite (fd, buf, enc_msg (buf, sizeof buf, GC_PROC_DOWNLOAD, s,
                            GC_DIRECTION_REPLY, GC_STATUS_OK, NULL, NULL));
  xwrite (fd, buf, enc_chunk (buf, 0, "abc", 3));
  xwrite (fd, buf, enc_chunk (buf, 1, "", 0));
  xwrite (fd, buf, enc_error (buf, sizeof buf, GC_PROC_DOWNLOAD, s, EIO,
                              "read: Input/output error"));
}

/* download with a chunk larger than allowed. */
static void
child_download_oversize (int fd)
{
  static char buf[GC_CHUNK_MAX + 64];
  unsigned s = child_read_call (fd, GC_PROC_DOWNLOAD);
  xwrite (fd, buf, enc_msg (buf, sizeof buf, GC_PROC_DOWNLOAD, s,
                            GC_DIRECTION_REPLY, GC_STATUS_OK, NULL, NULL));
  put_be32 (buf, 8 + GC_CHUNK_MAX + 8);
  xwrite (fd, buf, 4);
  xread (fd, buf, 1);
}

/* upload: check the stream, reply OK. */
static void
child_upload (int fd)
{
  static char buf[GC_CHUNK_MAX + 64];
  unsigned s = child_read_call (fd, GC_PROC_UPLOAD);
  size_t total = 0;

  for (;;) {
    size_t n = child_read_frame (fd, buf, sizeof buf);
    if (n < 8 || get_be32 (buf) != 0)
      _exit (8);
    uint32_t len = get_be32 (buf + 4);
    if (len > GC_CHUNK_MAX || 8 + ((len + 3) & ~3u) != n)
      _exit (9);
    for (size_t i = 0; i < len; ++i)
      if (buf[8 + i] != pattern (total + i))
        _exit (10);
    total += len;
    if (len == 0)
      break;
    xwrite (fd, buf, enc_progress (buf, GC_PROC_UPLOAD, s, total, DL_SIZE));
  }
  if (total != DL_SIZE)
    _exit (11);
  xwrite (fd, buf, enc_msg (buf, sizeof buf, GC_PROC_UPLOAD, s,
                            GC_DIRECTION_REPLY, GC_STATUS_OK, NULL, NULL));
}

/* upload whose local read fails: expect a cancel chunk at once. */
static void
child_upload_readerr (int fd)
{
  static char buf[4096];
  unsigned s = child_read_call (fd, GC_PROC_UPLOAD);
  size_t n = child_read_frame (fd, buf, sizeof buf);
  if (n != 8 || get_be32 (buf) != 1)
    _exit (12);
  xwrite (fd, buf, enc_error (buf, sizeof buf, GC_PROC_UPLOAD, s, EINTR,
                              "upload cancelled"));
}

/* upload refused by the daemon before it reads the stream. */
static void
child_upload_early (int fd)
{
  static char buf[GC_CHUNK_MAX + 64];
  unsigned s = child_read_call (fd, GC_PROC_UPLOAD);
  xwrite (fd, buf, enc_error (buf, sizeof buf, GC_PROC_UPLOAD, s, ENOSPC,
                              "/big: No space left on device"));
  /* Drain whatever the core sent until it hangs up. */
  while (read (fd, buf, sizeof buf) > 0)
    ;
}

static void
test_calls (void)
{
  struct run run;
  int r;

  /* Not READY. */
  {
    gc_h *g = gc_create ();
    r = gc_ping (g);
    CHECK (r == -1 && err_has (g, "ping: the appliance is not running"),
           "call in CONFIG state refused");
    gc_close (g);
  }

  /* Progress, then the reply; then an error reply. */
  start (&run, child_ping_progress);
  n_progress = 0;
  uint32_t serial = run.g->serial;
  r = gc_ping (run.g);
  CHECK (r == 0 && n_progress == 2 && last_progress[1] == serial
         && last_progress[2] == 2 && run.g->state == GC_STATE_READY
         && run.g->serial == serial + 1,
         "ping: progress then OK reply, READY after");
  r = gc_ping (run.g);
  CHECK (r == -1 && gc_last_errno (run.g) == EPERM
         && strcmp (gc_last_error (run.g), "ping: not allowed") == 0
         && run.g->state == GC_STATE_READY,
         "ping: ERROR reply reported, READY after");
  finish (&run);
  CHECK (child_ok (&run), "fake daemon for ping was happy");

  /* Wrong serial: protocol error, CLOSED. */
  start (&run, child_echo_wrong_serial);
  char *s = gc_internal_test_echo (run.g, "x");
  CHECK (s == NULL && err_has (run.g, "reply serial")
         && run.g->state == GC_STATE_CLOSED && run.g->sock == -1,
         "wrong serial over the wire: error, CLOSED, channel closed");
  r = gc_ping (run.g);
  CHECK (r == -1 && err_has (run.g, "not running"), "no call after CLOSED");
  finish (&run);

  /* EOF in the middle of a frame. */
  start (&run, child_eof);
  r = gc_ping (run.g);
  CHECK (r == -1 && err_has (run.g, "closed the channel (after 10 of 100 bytes")
         && run.g->state == GC_STATE_CLOSED, "EOF mid-frame: error, CLOSED");
  finish (&run);

  start (&run, child_progress_other);
  r = gc_ping (run.g);
  CHECK (r == -1 && err_has (run.g, "progress for procedure 1 serial")
         && run.g->state == GC_STATE_CLOSED,
         "progress for another serial over the wire: CLOSED");
  finish (&run);

  start (&run, child_oversize);
  r = gc_ping (run.g);
  CHECK (r == -1 && err_has (run.g, "reply of 4194305 bytes")
         && run.g->state == GC_STATE_CLOSED,
         "oversize length over the wire: CLOSED");
  finish (&run);

  /* FileOut. */
  {
    char tmpl[] = "/tmp/test-proto.XXXXXX";
    int fd = mkstemp (tmpl);
    unlink (tmpl);
    start (&run, child_download);
    n_progress = 0;
    r = gc_download (run.g, "/f", fd);
    off_t size = lseek (fd, 0, SEEK_END);
    bool same = size == DL_SIZE;
    char *back = malloc (DL_SIZE);
    if (same && pread (fd, back, DL_SIZE, 0) == DL_SIZE)
      for (size_t i = 0; i < DL_SIZE; ++i)
        if (back[i] != pattern (i)) {
          same = false;
          break;
        }
    free (back);
    CHECK (r == 0 && same && n_progress > 3
           && run.g->state == GC_STATE_READY,
           "download: %jd bytes in odd chunks with progress, identical",
           (intmax_t) size);
    finish (&run);
    CHECK (child_ok (&run), "fake daemon for download was happy");
    close (fd);
  }
  {
    int p[2];
    if (pipe (p) == -1)
      exit (2);
    close (p[0]);
    start (&run, child_download_epipe);
    r = gc_download (run.g, "/f", p[1]);
    CHECK (r == -1 && gc_last_errno (run.g) == EPIPE
           && err_has (run.g, "download: write: Broken pipe")
           && run.g->state == GC_STATE_READY,
           "download to a closed pipe: EPIPE, no SIGPIPE, READY");
    CHECK (gc_ping (run.g) == 0, "channel in step after the local cancel");
    finish (&run);
    CHECK (child_ok (&run), "fake daemon saw the cancel chunk");
    close (p[1]);
  }
  {
    /* FileOut into memory, whole, then over a limit: the core cancels
     * (the fake daemon checks the cancel chunk) and says EFBIG. */
    struct gc_download_args args = { .path = (char *) "/f" };
    char *mem = NULL;
    size_t mem_len = 0;
    struct gc_int_call dl = {
      .name = "download", .proc = GC_PROC_DOWNLOAD,
      .args_fn = (xdrproc_t) xdr_gc_download_args, .args = &args,
      .fd_in = -1, .fd_out = -1, .out_buf = &mem, .out_len = &mem_len,
      .out_limit = DL_SIZE,
    };
    start (&run, child_download);
    r = gc_int_call (run.g, &dl);
    bool same = r == 0 && mem_len == DL_SIZE && mem[DL_SIZE] == '\0';
    for (size_t i = 0; same && i < DL_SIZE; ++i)
      same = mem[i] == pattern (i);
    CHECK (same && run.g->state == GC_STATE_READY,
           "download into memory, limit = its size: %zu bytes, identical",
           mem_len);
    finish (&run);
    CHECK (child_ok (&run), "fake daemon for the memory download was happy");
    free (mem);
    mem = NULL;
    mem_len = 0;

    dl.out_limit = 1000;
    start (&run, child_download_epipe);
    r = gc_int_call (run.g, &dl);
    CHECK (r == -1 && gc_last_errno (run.g) == EFBIG
           && err_has (run.g, "download: more than 1000 bytes")
           && mem_len == 0 && run.g->state == GC_STATE_READY,
           "download over its limit: stopped, EFBIG, nothing kept, READY");
    CHECK (gc_ping (run.g) == 0, "channel in step after the limit's cancel");
    finish (&run);
    CHECK (child_ok (&run), "fake daemon saw the limit's cancel chunk");
    free (mem);
  }
  {
    int fd = open ("/dev/null", O_WRONLY);
    start (&run, child_download_cancel);
    r = gc_download (run.g, "/f", fd);
    CHECK (r == -1 && gc_last_errno (run.g) == EIO
           && strcmp (gc_last_error (run.g),
                      "download: read: Input/output error") == 0
           && run.g->state == GC_STATE_READY,
           "download cancelled by the daemon: its error, READY");
    finish (&run);

    start (&run, child_download_oversize);
    r = gc_download (run.g, "/f", fd);
    CHECK (r == -1 && err_has (run.g, "chunk frame of 131088 bytes")
           && run.g->state == GC_STATE_CLOSED,
           "oversize chunk over the wire: CLOSED");
    finish (&run);
    close (fd);
  }

  /* FileIn. */
  {
    char tmpl[] = "/tmp/test-proto.XXXXXX";
    int fd = mkstemp (tmpl);
    unlink (tmpl);
    char *data = malloc (DL_SIZE);
    for (size_t i = 0; i < DL_SIZE; ++i)
      data[i] = pattern (i);
    if (write (fd, data, DL_SIZE) != DL_SIZE)
      exit (2);
    free (data);
    lseek (fd, 0, SEEK_SET);
    start (&run, child_upload);
    n_progress = 0;
    r = gc_upload (run.g, "/f", fd);
    CHECK (r == 0 && run.g->state == GC_STATE_READY,
           "upload of %d bytes", DL_SIZE);
    finish (&run);
    CHECK (child_ok (&run), "fake daemon received the stream intact");

    lseek (fd, 0, SEEK_SET);
    start (&run, child_upload_early);
    r = gc_upload (run.g, "/big", fd);
    CHECK (r == -1 && gc_last_errno (run.g) == ENOSPC
           && err_has (run.g, "upload: /big: No space left on device"),
           "upload refused early by the daemon: its error");
    finish (&run);
    close (fd);
  }
  {
    int dfd = open ("/", O_RDONLY | O_DIRECTORY);
    start (&run, child_upload_readerr);
    r = gc_upload (run.g, "/f", dfd);
    CHECK (r == -1 && gc_last_errno (run.g) == EISDIR
           && err_has (run.g, "upload: read: Is a directory")
           && run.g->state == GC_STATE_READY,
           "upload whose local read fails: cancel chunk, local error, READY");
    finish (&run);
    CHECK (child_ok (&run), "fake daemon saw the cancel chunk");
    close (dfd);
  }
}

int
main (void)
{
  test_decoders ();
  test_calls ();
  return tap_done ();
}
