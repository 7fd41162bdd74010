/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The daemon's side of the protocol: the main loop that reads calls,
 * replies (exactly one per call), error replies, bulk data chunks in
 * both directions with cancellation, and rate-limited progress frames.
 *
 * Anything malformed coming from the core (a length over the maximum,
 * an undecodable header or chunk) is logged and ends the daemon: the
 * core treats that as the appliance dying, which is the safe outcome.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

unsigned gc_d_proc;
unsigned gc_d_serial;
int gc_d_channel = -1;
bool gc_d_exit_after_reply;

static bool replied;            /* the current call has its reply */
static bool stream_pending;     /* a FileIn stream not yet consumed */
static int64_t call_start_us;
static int64_t last_progress_us;
static bool progress_sent, final_progress_sent;

/* Outgoing frames are built here: 4 bytes of length, then XDR. */
static char *out_buf;

/* The current action's name ("?" if unknown). */
const char *
gc_d_action (void)
{
  const char *n = gc_d_proc_name (gc_d_proc);
  return n ? n : "?";
}

static int64_t
now_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void __attribute__ ((noreturn))
channel_fatal (const char *what)
{
  fprintf (stderr, "guestcelld: %s: exiting\n", what);
  exit (EXIT_FAILURE);
}

static void
write_channel (const void *buf, size_t len)
{
  if (gc_write_all (gc_d_channel, buf, len) == -1) {
    perror ("guestcelld: write to the channel");
    exit (EXIT_FAILURE);
  }
}

/* Read exactly len bytes.  0 on success, 1 on EOF before the first
 * byte; a short read or an error ends the daemon. */
static int
read_channel (void *buf, size_t len)
{
  char *p = buf;
  size_t done = 0;
  while (done < len) {
    ssize_t r = read (gc_d_channel, p + done, len - done);
    if (r == -1) {
      if (errno == EINTR || errno == EAGAIN)
        continue;
      perror ("guestcelld: read from the channel");
      exit (EXIT_FAILURE);
    }
    if (r == 0) {
      if (done == 0)
        return 1;
      channel_fatal ("the channel closed in the middle of a frame");
    }
    done += r;
  }
  return 0;
}

/* Read one frame into a malloc'd buffer.  Returns 1 on EOF, 0 with
 * *buf_r (caller frees) and *len_r set. */
static int
read_frame (char **buf_r, uint32_t *len_r)
{
  uint32_t lenbe;
  if (read_channel (&lenbe, 4) == 1)
    return 1;
  uint32_t len = ntohl (lenbe);
  if (len > GC_MESSAGE_MAX) {
    fprintf (stderr, "guestcelld: frame length %u over the maximum %u\n",
             len, (unsigned) GC_MESSAGE_MAX);
    channel_fatal ("bad frame from the host");
  }
  char *buf = malloc (len ? len : 1);
  if (buf == NULL)
    channel_fatal ("out of memory for an incoming frame");
  if (len > 0 && read_channel (buf, len) == 1)
    channel_fatal ("the channel closed in the middle of a frame");
  *buf_r = buf;
  *len_r = len;
  return 0;
}

/* Send what xdr_fn encodes as one frame; false if it did not fit. */
static bool
send_frame (xdrproc_t hdr_fn, void *hdr, xdrproc_t body_fn, void *body)
{
  XDR xdr;
  xdrmem_create (&xdr, out_buf + 4, GC_MESSAGE_MAX, XDR_ENCODE);
  bool ok = hdr_fn (&xdr, hdr, 0) && (body_fn == NULL || body_fn (&xdr, body, 0));
  unsigned len = xdr_getpos (&xdr);
  xdr_destroy (&xdr);
  if (!ok)
    return false;
  uint32_t lenbe = htonl (len);
  memcpy (out_buf, &lenbe, 4);
  write_channel (out_buf, len + 4);
  return true;
}

static void
make_header (struct gc_message_header *h, gc_message_status status)
{
  memset (h, 0, sizeof *h);
  h->prog = GC_PROGRAM;
  h->vers = GC_PROTOCOL_VERSION;
  h->proc = gc_d_proc;
  h->direction = GC_DIRECTION_REPLY;
  h->serial = gc_d_serial;
  h->status = status;
}

/* An unconsumed FileIn stream is drained, so the core's chunks are
 * never read as calls: before a successful reply, and after an error
 * reply (the core, seeing the error while it streams, stops at once
 * with a cancel chunk: a full disk does not wait for the rest of a
 * 1 GiB stream). */
static void
drain_stream (void)
{
  if (stream_pending)
    cancel_receive ();
}

/* Sends the successful reply of the current call (ret may be NULL). */
void
reply (xdrproc_t xdrp, void *ret)
{
  struct gc_message_header h;

  if (replied) {
    fprintf (stderr, "guestcelld: internal error: second reply to %s\n",
             gc_d_proc_name (gc_d_proc));
    return;
  }
  drain_stream ();
  make_header (&h, GC_STATUS_OK);
  if (!send_frame ((xdrproc_t) xdr_gc_message_header, &h, xdrp, ret)) {
    reply_with_error_errno (EFBIG, "%s: the reply is larger than the "
                            "protocol's maximum message size",
                            gc_d_proc_name (gc_d_proc));
    return;
  }
  replied = true;
}

/* Sends an error reply (errno err, 0 if none) for the current call. */
void
reply_with_error_errno (int err, const char *fs, ...)
{
  va_list args;
  char *msg = NULL;
  struct gc_message_header h;
  struct gc_message_error e;

  va_start (args, fs);
  if (vasprintf (&msg, fs, args) == -1)
    msg = NULL;
  va_end (args);

  if (replied) {
    fprintf (stderr, "guestcelld: internal error: second reply to %s: %s\n",
             gc_d_proc_name (gc_d_proc), msg ? msg : "");
    free (msg);
    return;
  }
  if (msg && strlen (msg) > GC_ERROR_MAX)
    msg[GC_ERROR_MAX] = '\0';
  gc_d_debug ("error: %s (errno %d)", msg ? msg : "", err);
  /* The core puts the action's name in front of the message: drop it
   * here if the message starts with it. */
  const char *name = gc_d_action ();
  size_t n = strlen (name);
  if (msg && strncmp (msg, name, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
    memmove (msg, msg + n + 2, strlen (msg + n + 2) + 1);

  make_header (&h, GC_STATUS_ERROR);
  e.linux_errno = err;
  e.message = msg ? msg : (char *) "out of memory formatting an error";
  send_frame ((xdrproc_t) xdr_gc_message_header, &h,
              (xdrproc_t) xdr_gc_message_error, &e);
  replied = true;
  free (msg);
  drain_stream ();
}

#define CHUNK_HEAD 8             /* XDR of gc_chunk: cancel, data length */

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

/* Decode a chunk frame (the XDR of gc_chunk) in place, without copying
 * its data: *data points into buf.  A malformed one ends the daemon. */
static void
decode_chunk (const char *buf, uint32_t len, int *cancel, const char **data,
              size_t *data_len)
{
  if (len < CHUNK_HEAD)
    channel_fatal ("a chunk shorter than its header from the host");
  uint32_t c = get_be32 (buf), n = get_be32 (buf + 4);
  if (c > 1 || n > GC_CHUNK_MAX || CHUNK_HEAD + ((n + 3) & ~3u) != len)
    channel_fatal ("a malformed chunk from the host");
  *cancel = c;
  *data = buf + CHUNK_HEAD;
  *data_len = c ? 0 : n;
}

/* Read one chunk frame into the reused buffer *buf (grown as needed,
 * freed by the caller).  A frame that is not a chunk ends the daemon. */
static void
read_chunk_frame (char **buf, size_t *cap, uint32_t *len_r)
{
  uint32_t lenbe;
  if (read_channel (&lenbe, 4) == 1)
    channel_fatal ("the channel closed in the middle of a stream");
  uint32_t len = ntohl (lenbe);
  if (len > CHUNK_HEAD + GC_CHUNK_MAX)
    channel_fatal ("a chunk frame longer than the maximum from the host");
  if (*cap < len) {
    char *p = realloc (*buf, CHUNK_HEAD + GC_CHUNK_MAX);
    if (p == NULL)
      channel_fatal ("out of memory for an incoming chunk");
    *buf = p;
    *cap = CHUNK_HEAD + GC_CHUNK_MAX;
  }
  if (len > 0 && read_channel (*buf, len) == 1)
    channel_fatal ("the channel closed in the middle of a frame");
  *len_r = len;
}

/* FileIn: see daemon.h.  One buffer serves every chunk (a malloc of
 * 128 KiB each would be an mmap, page faults and a munmap each). */
int
receive_file (receive_cb cb, void *opaque)
{
  CLEANUP_FREE char *buf = NULL;
  size_t cap = 0;

  for (;;) {
    uint32_t len;
    int cancel;
    const char *data;
    size_t data_len;

    read_chunk_frame (&buf, &cap, &len);
    decode_chunk (buf, len, &cancel, &data, &data_len);
    if (cancel) {
      stream_pending = false;
      return -2;
    }
    if (data_len == 0) {
      stream_pending = false;
      return 0;
    }
    if (cb && cb (opaque, data, data_len) == -1)
      return -1;                /* the error reply drains the rest */
  }
}

/* Drains the rest of an incoming stream; 0, or -2 if it was cancelled. */
int
cancel_receive (void)
{
  stream_pending = false;       /* no recursion through reply */
  int r = receive_file (NULL, NULL);
  return r == -2 ? -2 : 0;
}

/* A chunk frame: its head (frame length, cancel, data length) then the
 * data straight from the caller's buffer, not copied into an XDR
 * buffer first (it is the same encoding). */
static void
send_chunk (int cancel, const void *buf, size_t len)
{
  static const char zeroes[4];
  char head[4 + CHUNK_HEAD];
  size_t padded = (len + 3) & ~(size_t) 3;

  put_be32 (head, CHUNK_HEAD + padded);
  put_be32 (head + 4, cancel);
  put_be32 (head + 8, len);
  write_channel (head, sizeof head);
  if (len > 0)
    write_channel (buf, len);
  if (padded > len)
    write_channel (zeroes, padded - len);
}

/* Has the core sent a cancel chunk while we stream to it? */
static bool
core_cancelled (void)
{
  struct pollfd pfd = { .fd = gc_d_channel, .events = POLLIN };
  if (poll (&pfd, 1, 0) <= 0 || !(pfd.revents & (POLLIN | POLLHUP)))
    return false;
  CLEANUP_FREE char *buf = NULL;
  size_t cap = 0;
  uint32_t len;
  int cancel;
  const char *data;
  size_t data_len;
  read_chunk_frame (&buf, &cap, &len);
  decode_chunk (buf, len, &cancel, &data, &data_len);
  if (!cancel)
    channel_fatal ("the host sent data during a download");
  gc_d_debug ("the host cancelled the stream");
  return true;
}

/* FileOut: see daemon.h.  -2 when the core cancelled. */
int
send_file_write (const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0) {
    size_t n = len > GC_CHUNK_MAX ? GC_CHUNK_MAX : len;
    if (core_cancelled ())
      return -2;
    send_chunk (0, p, n);
    p += n;
    len -= n;
  }
  return 0;
}

/* FileOut: see daemon.h.  The data moves file -> pipe -> channel with
 * splice(2): never copied into the daemon, and the port's driver takes
 * the pipe's pages as they are (or copies each once in the kernel),
 * one virtqueue buffer a chunk instead of one each 32 KiB write. */
ssize_t
send_file_splice (int fd, off_t offset, size_t len)
{
  static int p[2] = { -1, -1 };
  static const char zeroes[4];
  size_t done = 0;

  if (p[0] == -1) {
    if (pipe2 (p, O_CLOEXEC) == -1) {
      errno = EINVAL;           /* send it the other way */
      return -1;
    }
    if (fcntl (p[1], F_SETPIPE_SZ, GC_CHUNK_MAX) < GC_CHUNK_MAX) {
      close (p[0]);
      close (p[1]);
      p[0] = p[1] = -1;
      errno = EINVAL;
      return -1;
    }
  }
  while (done < len) {
    if (core_cancelled ())
      return -2;
    size_t want = len - done > GC_CHUNK_MAX ? GC_CHUNK_MAX : len - done;
    size_t got = 0;
    int err = 0;
    while (got < want) {
      ssize_t r = splice (fd, &offset, p[1], NULL, want - got, SPLICE_F_MOVE);
      if (r == -1 && errno == EINTR)
        continue;
      if (r == -1) {
        err = errno;
        break;
      }
      if (r == 0)
        break;                  /* the end of the file */
      got += r;
    }
    if (err && got == 0 && done == 0) {
      errno = err;              /* nothing sent (EINVAL: cannot splice) */
      return -1;
    }
    if (got > 0) {
      char head[4 + CHUNK_HEAD];
      size_t padded = (got + 3) & ~(size_t) 3;
      put_be32 (head, CHUNK_HEAD + padded);
      put_be32 (head + 4, 0);
      put_be32 (head + 8, got);
      write_channel (head, sizeof head);
      for (size_t sent = 0; sent < got; ) {
        ssize_t r = splice (p[0], NULL, gc_d_channel, NULL, got - sent,
                            SPLICE_F_MOVE);
        if (r == -1 && (errno == EINTR || errno == EAGAIN))
          continue;
        if (r <= 0) {
          perror ("guestcelld: splice to the channel");
          exit (EXIT_FAILURE);
        }
        sent += r;
      }
      if (padded > got)
        write_channel (zeroes, padded - got);
      done += got;
    }
    if (err) {
      /* Some data went: never EINVAL ("nothing sent") now. */
      errno = err == EINVAL ? EIO : err;
      return -1;
    }
    if (got < want)
      break;
  }
  return done;
}

/* Ends (cancel 0) or cancels (1) the outgoing stream.  0. */
int
send_file_end (int cancel)
{
  send_chunk (cancel ? 1 : 0, NULL, 0);
  /* A cancelled stream is followed by an error reply. */
  if (cancel)
    replied = false;
  return 0;
}

static void
send_progress (uint64_t position, uint64_t total)
{
  char buf[4 + GC_PROGRESS_SIZE];
  gc_progress p = { .proc = gc_d_proc, .serial = gc_d_serial,
                    .position = position, .total = total };
  uint32_t flag = htonl (GC_PROGRESS_FLAG);
  XDR xdr;

  memcpy (buf, &flag, 4);
  xdrmem_create (&xdr, buf + 4, GC_PROGRESS_SIZE, XDR_ENCODE);
  if (!xdr_gc_progress (&xdr, &p))
    channel_fatal ("could not encode progress");
  xdr_destroy (&xdr);
  write_channel (buf, sizeof buf);
}

/* First frame after 2 s of the call, then at most ~3 a second, and a
 * final one (position == total) if any was sent. */
void
notify_progress (uint64_t position, uint64_t total)
{
  int64_t now = now_us ();

  if (position == total) {
    if (progress_sent && !final_progress_sent) {
      send_progress (position, total);
      final_progress_sent = true;
    }
    return;
  }
  if (now - call_start_us < 2000000)
    return;
  if (progress_sent && now - last_progress_us < 333333)
    return;
  send_progress (position, total);
  progress_sent = true;
  last_progress_us = now;
}

/* A stray cancel chunk (the core cancelled a download just as it
 * ended) is 8 bytes: cancel = 1, empty data.  It is dropped. */
static bool
is_stray_cancel (char *buf, uint32_t len)
{
  if (len != 8)
    return false;
  XDR xdr;
  gc_chunk chunk;
  memset (&chunk, 0, sizeof chunk);
  xdrmem_create (&xdr, buf, len, XDR_DECODE);
  bool r = xdr_gc_chunk (&xdr, &chunk) && chunk.cancel &&
    chunk.data.data_len == 0;
  xdr_free ((xdrproc_t) xdr_gc_chunk, (char *) &chunk);
  xdr_destroy (&xdr);
  return r;
}

/* Serves calls until EOF (0) or internal_shutdown (0); 1 on a
 * malformed call. */
int
gc_d_main_loop (void)
{
  out_buf = malloc (GC_MESSAGE_MAX + 4);
  if (out_buf == NULL) {
    perror ("guestcelld: malloc");
    return 1;
  }

  uint32_t hello = htonl (GC_HELLO);
  write_channel (&hello, 4);
  gc_d_debug ("sent hello, serving calls");

  for (;;) {
    CLEANUP_FREE char *buf = NULL;
    uint32_t len;
    struct gc_message_header h;
    XDR xdr;

    if (read_frame (&buf, &len) == 1) {
      gc_d_debug ("end of the channel: exiting");
      return 0;
    }
    memset (&h, 0, sizeof h);
    xdrmem_create (&xdr, buf, len, XDR_DECODE);
    if (!xdr_gc_message_header (&xdr, &h)) {
      xdr_destroy (&xdr);
      if (is_stray_cancel (buf, len)) {
        gc_d_debug ("dropped a late cancel chunk");
        continue;
      }
      fprintf (stderr, "guestcelld: an undecodable message header "
               "(%u bytes): exiting\n", len);
      return 1;
    }
    if (h.prog != GC_PROGRAM || h.vers != GC_PROTOCOL_VERSION ||
        h.direction != GC_DIRECTION_CALL) {
      fprintf (stderr, "guestcelld: a bad message header (program %#x, "
               "version %u, direction %d): exiting\n",
               h.prog, h.vers, (int) h.direction);
      xdr_destroy (&xdr);
      return 1;
    }

    gc_d_proc = h.proc;
    gc_d_serial = h.serial;
    replied = false;
    stream_pending = gc_d_proc_filein (h.proc);
    progress_sent = final_progress_sent = false;
    call_start_us = now_us ();
    gc_d_debug ("call %s (proc %u, serial %u)",
                gc_d_proc_name (h.proc) ? gc_d_proc_name (h.proc) : "?",
                h.proc, h.serial);

    if (gc_d_proc_writes (h.proc))
      gc_d_blkid_forget ();
    gc_d_dispatch (h.proc, &xdr);
    xdr_destroy (&xdr);

    if (!replied)
      reply_with_error ("internal error: %s sent no reply",
                        gc_d_proc_name (h.proc));
    gc_d_debug ("%s done in %" PRIi64 " ms", gc_d_proc_name (h.proc),
                (now_us () - call_start_us) / 1000);
    if (gc_d_exit_after_reply)
      return 0;
  }
}
