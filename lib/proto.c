/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The protocol client: one call to the appliance daemon, the whole
 * transaction (the call message, a FileIn stream, the reply, a FileOut
 * stream, progress frames at any point), as protocol/protocol-base.x
 * describes it.
 *
 * Everything that comes from the appliance is untrusted.  Decoding works
 * on buffers (gc_int_decode_*), apart from the I/O, so test-proto.c can
 * feed it bytes.  A frame that does not make sense is a protocol error:
 * the appliance is stopped and the handle goes CLOSED.  An error reply
 * from the daemon, or a local file error during a stream, leaves the
 * channel in step and the handle READY.
 */

#include <config.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "internal.h"
#include "gc_protocol.h"

#define HEADER_SIZE 24          /* XDR size of gc_message_header */
#define CHUNK_HEAD 8            /* cancel + data length */
#define PAD4(n) (((n) + 3) & ~(size_t) 3)

static uint32_t
get_be32 (const char *p)
{
  const unsigned char *u = (const unsigned char *) p;
  return ((uint32_t) u[0] << 24) | ((uint32_t) u[1] << 16)
    | ((uint32_t) u[2] << 8) | u[3];
}

static void
put_be32 (char *p, uint32_t v)
{
  unsigned char *u = (unsigned char *) p;
  u[0] = v >> 24;
  u[1] = v >> 16;
  u[2] = v >> 8;
  u[3] = v;
}

/*----------------------------------------------------------------------
 * Decoding of frames (no I/O).
 */

/* Check the header of a reply, xdr being positioned at its start.  0 and
 * *hdr filled, the xdr positioned at the body; -1 with a protocol error
 * recorded. */
int
gc_int_decode_reply_header (gc_h *g, XDR *xdr, const struct gc_int_call *c,
                            uint32_t serial, struct gc_message_header *hdr)
{
  memset (hdr, 0, sizeof *hdr);
  if (!xdr_gc_message_header (xdr, hdr)) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: could not decode the reply "
                        "header", c->name);
    return -1;
  }
  if (hdr->prog != GC_PROGRAM) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: reply program 0x%x, expected "
                        "0x%x", c->name, hdr->prog, GC_PROGRAM);
    return -1;
  }
  if (hdr->vers != GC_PROTOCOL_VERSION) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: reply version %u, expected %u "
                        "(the appliance is out of date?)",
                        c->name, hdr->vers, GC_PROTOCOL_VERSION);
    return -1;
  }
  if (hdr->direction != GC_DIRECTION_REPLY) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: message direction %d, expected "
                        "a reply (%d)", c->name, (int) hdr->direction,
                        GC_DIRECTION_REPLY);
    return -1;
  }
  if (hdr->serial != serial) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: reply serial %u, expected %u",
                        c->name, hdr->serial, serial);
    return -1;
  }
  if (hdr->proc != c->proc) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: reply procedure %u, expected %u",
                        c->name, hdr->proc, c->proc);
    return -1;
  }
  if (hdr->status != GC_STATUS_OK && hdr->status != GC_STATUS_ERROR) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: unknown reply status %d",
                        c->name, (int) hdr->status);
    return -1;
  }
  return 0;
}

/* See internal.h. */
int
gc_int_check_frame_length (gc_h *g, const struct gc_int_call *c,
                           uint32_t len, enum gc_int_frame kind)
{
  if (len == GC_PROGRESS_FLAG)
    return 1;

  if (kind == GC_INT_FRAME_REPLY) {
    if (len > GC_MESSAGE_MAX) {
      gc_int_error_errno (g, EPROTO,
                          "protocol error: %s: reply of %u bytes (at most %u)",
                          c->name, len, (unsigned) GC_MESSAGE_MAX);
      return -1;
    }
    if (len < HEADER_SIZE) {
      gc_int_error_errno (g, EPROTO,
                          "protocol error: %s: reply of %u bytes, shorter "
                          "than a header", c->name, len);
      return -1;
    }
  }
  else {
    if (len > CHUNK_HEAD + GC_CHUNK_MAX) {
      gc_int_error_errno (g, EPROTO,
                          "protocol error: %s: chunk frame of %u bytes (at "
                          "most %u)", c->name, len,
                          (unsigned) (CHUNK_HEAD + GC_CHUNK_MAX));
      return -1;
    }
    if (len < CHUNK_HEAD) {
      gc_int_error_errno (g, EPROTO,
                          "protocol error: %s: chunk frame of %u bytes, "
                          "shorter than a chunk header", c->name, len);
      return -1;
    }
  }
  if (len % 4 != 0) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: frame length %u is not a "
                        "multiple of 4", c->name, len);
    return -1;
  }
  return 0;
}

/* A copy of the daemon's message with control characters (an escape
 * sequence for the terminal...) replaced; NULL if out of memory. */
static char *
sanitize (const char *msg)
{
  char *r = strdup (msg);
  if (r == NULL)
    return NULL;
  for (char *p = r; *p; ++p) {
    unsigned char u = *p;
    if ((u < 0x20 && u != '\n' && u != '\t') || u == 0x7f)
      *p = '?';
  }
  /* A message ending in newlines reads badly after "name: ". */
  size_t n = strlen (r);
  while (n > 0 && r[n - 1] == '\n')
    r[--n] = '\0';
  return r;
}

/* See internal.h. */
int
gc_int_decode_reply (gc_h *g, const char *buf, size_t len,
                     const struct gc_int_call *c, uint32_t serial)
{
  XDR xdr;
  struct gc_message_header hdr;
  int ret = -1;

  xdrmem_create (&xdr, (char *) buf, len, XDR_DECODE);
  if (gc_int_decode_reply_header (g, &xdr, c, serial, &hdr) == -1)
    goto out;

  if (hdr.status == GC_STATUS_OK) {
    if (c->ret_fn && !c->ret_fn (&xdr, c->ret)) {
      xdr_free (c->ret_fn, c->ret);
      gc_int_error_errno (g, EPROTO,
                          "protocol error: %s: could not decode the reply "
                          "(a length out of bounds?)", c->name);
      goto out;
    }
    if (xdr_getpos (&xdr) != len) {
      if (c->ret_fn)
        xdr_free (c->ret_fn, c->ret);
      gc_int_error_errno (g, EPROTO,
                          "protocol error: %s: %zu trailing bytes after the "
                          "reply", c->name, len - (size_t) xdr_getpos (&xdr));
      goto out;
    }
    ret = 0;
  }
  else {
    struct gc_message_error err;

    memset (&err, 0, sizeof err);
    if (!xdr_gc_message_error (&xdr, &err)) {
      xdr_free ((xdrproc_t) xdr_gc_message_error, (char *) &err);
      gc_int_error_errno (g, EPROTO,
                          "protocol error: %s: could not decode the error "
                          "reply (message too long?)", c->name);
      goto out;
    }
    if (xdr_getpos (&xdr) != len) {
      xdr_free ((xdrproc_t) xdr_gc_message_error, (char *) &err);
      gc_int_error_errno (g, EPROTO,
                          "protocol error: %s: %zu trailing bytes after the "
                          "error reply", c->name,
                          len - (size_t) xdr_getpos (&xdr));
      goto out;
    }
    /* An errno we cannot make sense of is dropped, not passed on. */
    int errnum = err.linux_errno > 0 && err.linux_errno < 4096
      ? err.linux_errno : 0;
    CLEANUP_FREE char *msg = sanitize (err.message ? err.message : "");
    xdr_free ((xdrproc_t) xdr_gc_message_error, (char *) &err);
    gc_int_error_errno (g, errnum, "%s: %s", c->name,
                        msg ? msg : "(out of memory)");
    ret = 1;
  }

 out:
  xdr_destroy (&xdr);
  return ret;
}

/* See internal.h. */
int
gc_int_decode_progress (gc_h *g, const char *buf, size_t len,
                        const struct gc_int_call *c, uint32_t serial)
{
  XDR xdr;
  struct gc_progress p;
  bool ok;

  if (len != GC_PROGRESS_SIZE) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: progress body of %zu bytes, "
                        "expected %d", c->name, len, GC_PROGRESS_SIZE);
    return -1;
  }
  xdrmem_create (&xdr, (char *) buf, len, XDR_DECODE);
  ok = xdr_gc_progress (&xdr, &p);
  xdr_destroy (&xdr);
  if (!ok) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: could not decode a progress "
                        "message", c->name);
    return -1;
  }
  if (p.serial != serial || p.proc != c->proc) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: progress for procedure %u "
                        "serial %u, expected procedure %u serial %u",
                        c->name, p.proc, p.serial, c->proc, serial);
    return -1;
  }

  uint64_t array[4] = { p.proc, p.serial, p.position, p.total };
  gc_int_event (g, GC_EVENT_PROGRESS, NULL, 0, array, 4);
  return 0;
}

/* See internal.h.  Parsed by hand rather than with xdr_gc_chunk so the
 * data is not copied. */
int
gc_int_decode_chunk (gc_h *g, const char *buf, size_t len,
                     const struct gc_int_call *c, int *cancel,
                     const char **data, size_t *data_len)
{
  if (len < CHUNK_HEAD || len > CHUNK_HEAD + GC_CHUNK_MAX) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: chunk frame of %zu bytes",
                        c->name, len);
    return -1;
  }
  uint32_t cn = get_be32 (buf);
  uint32_t n = get_be32 (buf + 4);
  if (cn > 1) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: chunk cancel flag %u",
                        c->name, cn);
    return -1;
  }
  if (n > GC_CHUNK_MAX) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: chunk of %u bytes (at most %u)",
                        c->name, n, (unsigned) GC_CHUNK_MAX);
    return -1;
  }
  if (CHUNK_HEAD + PAD4 ((size_t) n) != len) {
    gc_int_error_errno (g, EPROTO,
                        "protocol error: %s: chunk of %u bytes in a frame "
                        "of %zu bytes", c->name, n, len);
    return -1;
  }
  *cancel = cn;
  /* The data of a cancel chunk, if any, means nothing. */
  *data = buf + CHUNK_HEAD;
  *data_len = cn ? 0 : n;
  return 0;
}

/*----------------------------------------------------------------------
 * I/O.  Every function returning -1 here has recorded an error after
 * which the channel cannot be trusted (the caller stops the appliance),
 * unless said otherwise.
 */

struct call {
  gc_h *g;
  struct gc_int_call *c;
  uint32_t serial;
  char *buf;                    /* one frame, reused; freed by the call */
  size_t cap;
};

static int
reserve (struct call *st, size_t n)
{
  if (n <= st->cap)
    return 0;
  char *p = realloc (st->buf, n);
  if (p == NULL) {
    gc_int_perror (st->g, "%s: realloc", st->c->name);
    return -1;
  }
  st->buf = p;
  st->cap = n;
  return 0;
}

static void
closed_error (struct call *st, size_t got, size_t want)
{
  gc_h *g = st->g;
  const char *line;

  if (gc_int_explain_qemu_exit (g, st->c->name))
    return;
  line = gc_int_console_last_line (g);
  if (line)
    gc_int_error_errno (g, EIO,
                        "%s: the appliance closed the channel (after %zu of "
                        "%zu bytes of a frame); its console said: %s",
                        st->c->name, got, want, line);
  else
    gc_int_error_errno (g, EIO,
                        "%s: the appliance closed the channel (after %zu of "
                        "%zu bytes of a frame)", st->c->name, got, want);
}

/* Read exactly n bytes from the channel. */
static int
sock_read (struct call *st, char *buf, size_t n)
{
  gc_h *g = st->g;
  size_t got = 0;

  while (got < n) {
    if (gc_int_wait_sock (g, POLLIN, 0) == -1)
      return -1;
    ssize_t r = read (g->sock, buf + got, n - got);
    if (r == -1) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
        continue;
      /* The appliance went away: say why if qemu is gone, as writes do. */
      if (errno == ECONNRESET && gc_int_explain_qemu_exit (g, st->c->name))
        return -1;
      gc_int_perror (g, "%s: read from the appliance", st->c->name);
      return -1;
    }
    if (r == 0) {
      closed_error (st, got, n);
      return -1;
    }
    got += r;
  }
  return 0;
}

/* Write all of buf to the channel. */
static int
sock_write (struct call *st, const char *buf, size_t n)
{
  gc_h *g = st->g;
  size_t done = 0;
  bool is_sock = true;

  while (done < n) {
    if (gc_int_wait_sock (g, POLLOUT, 0) == -1)
      return -1;
    ssize_t r;
    if (is_sock) {
      r = send (g->sock, buf + done, n - done, MSG_NOSIGNAL);
      if (r == -1 && errno == ENOTSOCK) {
        is_sock = false;
        continue;
      }
    }
    else
      r = write (g->sock, buf + done, n - done);
    if (r == -1) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
        continue;
      /* The appliance went away: say why if qemu is gone. */
      if ((errno == EPIPE || errno == ECONNRESET) &&
          gc_int_explain_qemu_exit (g, st->c->name))
        return -1;
      gc_int_perror (g, "%s: write to the appliance", st->c->name);
      return -1;
    }
    done += r;
  }
  return 0;
}

/* Read one frame: a progress frame is decoded and emitted (*progress set
 * to true); anything else is read whole into st->buf, its length (after
 * the length word) in *len. */
static int
read_one_frame (struct call *st, enum gc_int_frame kind, size_t *len,
                bool *progress)
{
  char word[4];

  *progress = false;
  if (sock_read (st, word, 4) == -1)
    return -1;
  uint32_t n = get_be32 (word);
  switch (gc_int_check_frame_length (st->g, st->c, n, kind)) {
  case -1:
    return -1;
  case 1: {
    char body[GC_PROGRESS_SIZE];
    if (sock_read (st, body, sizeof body) == -1)
      return -1;
    if (gc_int_decode_progress (st->g, body, sizeof body, st->c,
                                st->serial) == -1)
      return -1;
    *progress = true;
    return 0;
  }
  }
  if (reserve (st, n) == -1 || sock_read (st, st->buf, n) == -1)
    return -1;
  *len = n;
  return 0;
}

/* Read the next frame that is not progress. */
static int
read_frame (struct call *st, enum gc_int_frame kind, size_t *len)
{
  bool progress;

  do {
    if (read_one_frame (st, kind, len, &progress) == -1)
      return -1;
  } while (progress);
  return 0;
}

/* Read and decode the reply: 0 OK, 1 the daemon's error (recorded; the
 * channel is fine), -1 broken. */
static int
read_reply (struct call *st)
{
  size_t len;

  if (read_frame (st, GC_INT_FRAME_REPLY, &len) == -1)
    return -1;
  return gc_int_decode_reply (st->g, st->buf, len, st->c, st->serial);
}

/* Send an empty chunk: the end of a stream, or a cancel. */
static int
send_end_chunk (struct call *st, int cancel)
{
  char frame[4 + CHUNK_HEAD];

  put_be32 (frame, CHUNK_HEAD);
  put_be32 (frame + 4, cancel);
  put_be32 (frame + 8, 0);
  return sock_write (st, frame, sizeof frame);
}

static int
send_call (struct call *st)
{
  gc_h *g = st->g;
  struct gc_int_call *c = st->c;
  struct gc_message_header hdr = {
    .prog = GC_PROGRAM,
    .vers = GC_PROTOCOL_VERSION,
    .proc = c->proc,
    .direction = GC_DIRECTION_CALL,
    .serial = st->serial,
    .status = GC_STATUS_OK,
  };
  size_t size = HEADER_SIZE;
  XDR xdr;
  bool ok;

  if (c->args_fn)
    size += xdr_sizeof (c->args_fn, c->args);
  if (size > GC_MESSAGE_MAX) {
    gc_int_error_errno (g, E2BIG,
                        "%s: the arguments are too large (%zu bytes, at most "
                        "%d in a message)", c->name, size, GC_MESSAGE_MAX);
    return -2;
  }
  if (reserve (st, 4 + size) == -1)
    return -2;
  xdrmem_create (&xdr, st->buf + 4, size, XDR_ENCODE);
  ok = xdr_gc_message_header (&xdr, &hdr)
    && (c->args_fn == NULL || c->args_fn (&xdr, c->args))
    && xdr_getpos (&xdr) == size;
  xdr_destroy (&xdr);
  if (!ok) {
    gc_int_error_errno (g, EINVAL, "%s: could not encode the arguments",
                        c->name);
    return -2;
  }
  put_be32 (st->buf, size);
  return sock_write (st, st->buf, 4 + size);
}

/* While streaming FileIn, look (without waiting) for a frame from the
 * daemon: progress is emitted (0); a reply means the daemon gave up on
 * the stream: 1 (its error recorded); -1 broken. */
static int
poll_early_reply (struct call *st)
{
  struct pollfd pfd = { .fd = st->g->sock, .events = POLLIN };
  size_t len;
  bool progress;

  for (;;) {
    int r = poll (&pfd, 1, 0);
    if (r == -1 && errno == EINTR)
      continue;
    if (r <= 0 || !(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
      return 0;
    if (read_one_frame (st, GC_INT_FRAME_REPLY, &len, &progress) == -1)
      return -1;
    if (progress)
      continue;
    switch (gc_int_decode_reply (st->g, st->buf, len, st->c, st->serial)) {
    case 1:
      return 1;
    case 0:
      if (st->c->ret_fn)
        xdr_free (st->c->ret_fn, st->c->ret);
      gc_int_error_errno (st->g, EPROTO,
                          "protocol error: %s: the daemon replied OK before "
                          "the end of the uploaded data", st->c->name);
      return -1;
    default:
      return -1;
    }
  }
}

/* FileIn: stream c->fd_in in chunks.  0: the whole stream was sent, the
 * reply is next; 1: the daemon replied early with an error (recorded,
 * and a cancel chunk sent to end the stream it drains);
 * 2: reading the local fd failed, a cancel chunk was sent, the local
 * error is in *local_errno; -1 broken. */
static int
stream_in (struct call *st, int *local_errno)
{
  const size_t head = 4 + CHUNK_HEAD;

  if (reserve (st, head + GC_CHUNK_MAX) == -1)
    return -1;
  for (;;) {
    int r = poll_early_reply (st);
    if (r == 1) {
      /* The daemon gave up (a full disk...): it drains the stream up to
       * its end, which we send now instead of the rest of the data. */
      if (send_end_chunk (st, 1) == -1)
        return -1;
      return 1;
    }
    if (r != 0)
      return r;

    ssize_t n = read (st->c->fd_in, st->buf + head, GC_CHUNK_MAX);
    if (n == -1) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        struct pollfd pfd = { .fd = st->c->fd_in, .events = POLLIN };
        poll (&pfd, 1, 1000);
        if (st->g->cancelled) {
          /* Let gc_int_wait_sock turn the cancel into an error. */
          if (gc_int_wait_sock (st->g, POLLOUT, 0) == -1)
            return -1;
        }
        continue;
      }
      *local_errno = errno;
      if (send_end_chunk (st, 1) == -1)
        return -1;
      return 2;
    }
    size_t padded = PAD4 ((size_t) n);
    memset (st->buf + head + n, 0, padded - n);
    put_be32 (st->buf, CHUNK_HEAD + padded);
    put_be32 (st->buf + 4, 0);
    put_be32 (st->buf + 8, n);
    if (sock_write (st, st->buf, head + padded) == -1)
      return -1;
    if (n == 0)
      return 0;
  }
}

/* Write all of buf to fd without dying of SIGPIPE: the signal is blocked
 * for the call and a SIGPIPE it raised is consumed.  -1 with errno set. */
static int
write_local (int fd, const char *buf, size_t n)
{
  sigset_t pipe_set, old_set, pending;
  bool was_pending;
  int ret = 0, err = 0;

  sigemptyset (&pipe_set);
  sigaddset (&pipe_set, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &pipe_set, &old_set);
  sigpending (&pending);
  was_pending = sigismember (&pending, SIGPIPE);

  while (n > 0) {
    ssize_t r = write (fd, buf, n);
    if (r == -1) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        poll (&pfd, 1, -1);
        continue;
      }
      err = errno;
      ret = -1;
      break;
    }
    buf += r;
    n -= r;
  }

  if (err == EPIPE && !was_pending) {
    struct timespec zero = { 0, 0 };
    while (sigtimedwait (&pipe_set, NULL, &zero) == -1 && errno == EINTR)
      ;
  }
  pthread_sigmask (SIG_SETMASK, &old_set, NULL);
  errno = err;
  return ret;
}

/* Append n bytes to the call's memory buffer, keeping a NUL after
 * them.  -1 with errno on error. */
static int
append_local (struct gc_int_call *c, const char *data, size_t n)
{
  size_t cap = *c->out_buf ? *c->out_len + 1 : 0;
  if (*c->out_len + n + 1 > cap) {
    size_t want = cap ? cap : 65536;
    while (want < *c->out_len + n + 1)
      want *= 2;
    char *p = realloc (*c->out_buf, want);
    if (p == NULL)
      return -1;
    *c->out_buf = p;
  }
  memcpy (*c->out_buf + *c->out_len, data, n);
  *c->out_len += n;
  (*c->out_buf)[*c->out_len] = '\0';
  return 0;
}

/* FileOut: after an OK reply, copy the chunks to c->fd_out (or c->out_buf)
 * until the end.  0 done; 1 the daemon cancelled (its error recorded),
 * writing locally failed or the limit was passed (that error recorded),
 * the channel in step; -1 broken. */
static int
stream_out (struct call *st)
{
  int local_errno = 0;
  int daemon_cancelled = 0;
  uint64_t total = 0;

  for (;;) {
    size_t len, data_len;
    const char *data;
    int cancel;

    if (read_frame (st, GC_INT_FRAME_CHUNK, &len) == -1)
      return -1;
    if (gc_int_decode_chunk (st->g, st->buf, len, st->c, &cancel, &data,
                             &data_len) == -1)
      return -1;
    if (cancel) {
      /* The daemon gave up: its error reply follows. */
      int r = read_reply (st);
      if (r == -1)
        return -1;
      if (r == 0) {
        if (st->c->ret_fn)
          xdr_free (st->c->ret_fn, st->c->ret);
        gc_int_error_errno (st->g, EPROTO,
                            "protocol error: %s: the daemon cancelled the "
                            "stream, then replied OK", st->c->name);
        return -1;
      }
      daemon_cancelled = 1;
      break;
    }
    if (data_len == 0)
      break;
    if (local_errno)
      continue;                 /* draining after our cancel */
    total += data_len;
    if (st->c->out_limit && total > st->c->out_limit)
      errno = EFBIG;
    else if ((st->c->out_buf ? append_local (st->c, data, data_len)
              : write_local (st->c->fd_out, data, data_len)) == 0)
      continue;
    local_errno = errno;
    gc_int_debug (st->g, "%s: %s: cancelling the transfer", st->c->name,
                  local_errno == EFBIG ? "over the size limit"
                  : strerror (local_errno));
    /* Ask the daemon to stop, then drain what is in flight. */
    if (send_end_chunk (st, 1) == -1)
      return -1;
  }

  if (local_errno == EFBIG)
    gc_int_error_errno (st->g, EFBIG, "%s: more than %ju bytes: the transfer "
                        "was stopped", st->c->name,
                        (uintmax_t) st->c->out_limit);
  else if (local_errno) {
    errno = local_errno;
    gc_int_perror (st->g, "%s: write", st->c->name);
  }
  if (local_errno)
    return 1;
  return daemon_cancelled ? 1 : 0;
}

/* The transaction, state BUSY.  0 OK; 1 an error that left the channel in
 * step; -1 the channel is broken. */
static int
transact (struct call *st, bool *ret_decoded)
{
  struct gc_int_call *c = st->c;
  int r, local_errno = 0;

  r = send_call (st);
  if (r == -2)
    return 1;                   /* nothing was sent */
  if (r == -1)
    return -1;

  if (c->fd_in >= 0) {
    r = stream_in (st, &local_errno);
    if (r == -1 || r == 1)
      return r;
  }

  r = read_reply (st);
  if (r == -1)
    return -1;
  if (r == 0 && c->ret_fn)
    *ret_decoded = true;

  if (local_errno) {
    /* Our error is the one that matters, whatever the daemon said. */
    errno = local_errno;
    gc_int_perror (st->g, "%s: read", c->name);
    return 1;
  }
  if (r == 1)
    return 1;

  if (c->fd_out >= 0 || c->out_buf)
    return stream_out (st);
  return 0;
}

/* One call to the daemon; see internal.h.  On error c->ret holds nothing
 * to free. */
int
gc_int_call (gc_h *g, struct gc_int_call *c)
{
  switch (g->state) {
  case GC_STATE_READY:
    break;
  case GC_STATE_BUSY:
    gc_int_error_errno (g, EBUSY, "%s: another call is in progress", c->name);
    return -1;
  case GC_STATE_CONFIG:
  case GC_STATE_LAUNCHING:
    gc_int_error_errno (g, ENOTCONN,
                        "%s: the appliance is not running (call launch "
                        "first)", c->name);
    return -1;
  case GC_STATE_CLOSED:
  default:
    gc_int_error_errno (g, ENOTCONN,
                        "%s: the appliance is not running (it was shut down "
                        "or has died)", c->name);
    return -1;
  }
  if (g->sock < 0) {
    gc_int_error_errno (g, ENOTCONN, "%s: no channel to the appliance",
                        c->name);
    return -1;
  }

  struct call st = { .g = g, .c = c, .serial = g->serial++ };
  bool ret_decoded = false;
  int r;

  g->state = GC_STATE_BUSY;
  r = transact (&st, &ret_decoded);
  free (st.buf);

  if (r != 0 && ret_decoded)
    xdr_free (c->ret_fn, c->ret);
  if (r == -1) {
    /* Nothing more the appliance says can be trusted, or it is gone. */
    int err = errno;
    gc_int_stop_appliance (g, 0);
    g->state = GC_STATE_CLOSED;
    g->appliance_lost = true;
    errno = err;
  }
  else if (g->state == GC_STATE_BUSY)
    g->state = GC_STATE_READY;
  return r == 0 ? 0 : -1;
}

/* A list of strings as the stubs pass it to XDR: *val is a new array of
 * the same (borrowed) pointers, freed by the caller with free().  -1 on
 * error (NULL list, too long). */
int
gc_int_list_to_xdr (gc_h *g, const char *name, char *const *list,
                    char ***val, unsigned *len)
{
  size_t n;

  if (list == NULL) {
    gc_int_error_errno (g, EINVAL, "%s: list must not be NULL", name);
    return -1;
  }
  n = gc_strings_len (list);
  if (n > GC_LIST_MAX) {
    gc_int_error_errno (g, E2BIG, "%s: list of %zu elements (at most %d)",
                        name, n, GC_LIST_MAX);
    return -1;
  }
  *val = malloc ((n + 1) * sizeof (char *));
  if (*val == NULL) {
    gc_int_perror (g, "%s: malloc", name);
    return -1;
  }
  memcpy (*val, list, n * sizeof (char *));
  (*val)[n] = NULL;
  *len = n;
  return 0;
}

/* A list decoded by XDR as a NULL-terminated list; takes ownership of val
 * and its strings.  Caller frees with gc_free_strings.  NULL on error
 * (everything freed). */
char **
gc_int_list_from_xdr (gc_h *g, char **val, unsigned len)
{
  char **r = realloc (val, ((size_t) len + 1) * sizeof (char *));

  if (r == NULL) {
    gc_int_perror (g, "realloc");
    for (unsigned i = 0; i < len; ++i)
      free (val[i]);
    free (val);
    return NULL;
  }
  r[len] = NULL;
  /* XDR never decodes a NULL string, but this is what callers rely on. */
  for (unsigned i = 0; i < len; ++i) {
    if (r[i] == NULL && (r[i] = strdup ("")) == NULL) {
      gc_int_perror (g, "strdup");
      for (unsigned j = 0; j < len; ++j)
        free (r[j]);
      free (r);
      return NULL;
    }
  }
  return r;
}
