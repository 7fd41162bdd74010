/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The tree stream's one reader (the format is in treestream.h): a push
 * parser, fed the stream in pieces split anywhere, that checks every
 * field and has each entry made below a directory fd
 * (treestream-extract.c makes them).  On the host
 * (virt-copy-out) the appliance, and so a hostile guest, controls every
 * byte, so:
 *
 *  - a path is never parsed: each name is one component, checked (not
 *    empty, ".", ".." or longer than 255 bytes, no '/' or NUL), and each
 *    entry is made relative to its directory's fd, which was opened
 *    with O_NOFOLLOW | O_DIRECTORY from its parent's fd: nothing is
 *    ever reached through a symbolic link, whoever made it;
 *  - an existing directory is entered (never a link to one); any other
 *    existing entry of the name is replaced by a rename, which replaces
 *    a link and never follows it; a directory is never replaced;
 *  - a hard link names an entry of this stream by number, and is made
 *    only if that entry is still the inode this stream made;
 *  - regular files are written to an invisible temporary (O_TMPFILE,
 *    or a hidden name where the filesystem lacks it) and linked under
 *    their name only when whole: an error, ENOSPC or a signal leaves no
 *    partial file; in durable mode (the appliance) a batch of them is
 *    linked only after a sync(), so after a crash a file is absent or
 *    whole;
 *  - device nodes and setuid/setgid bits are made only when asked; a
 *    directory gets its mode and times after its contents;
 *  - depth, path length and what is remembered for hard links are
 *    bounded; anything malformed is an error (EBADMSG) and the stream
 *    is taken no further.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cleanup.h"
#include "treestream-int.h"

/* See treestream.h. */
struct gc_tree_reader *
gc_tree_reader_new (int rootfd, unsigned flags)
{
  struct gc_tree_reader *r = calloc (1, sizeof *r);
  if (r == NULL)
    return NULL;
  r->rootfd = rootfd;
  r->flags = flags;
  r->fd = -1;
  r->stack[0].fd = rootfd;
  r->state = S_MAGIC;
  r->want = GC_TREE_MAGIC_LEN;
  return r;
}

void
gc_tree_reader_set_warn (struct gc_tree_reader *r, gc_tree_warn warn,
                         void *opaque)
{
  r->warn = warn;
  r->warn_opaque = opaque;
}

void
gc_tree_reader_set_progress (struct gc_tree_reader *r,
                             gc_tree_progress progress, void *opaque)
{
  r->progress = progress;
  r->progress_opaque = opaque;
}

const char *
gc_tree_reader_error (struct gc_tree_reader *r)
{
  return r->error;
}

int
gc_tree_reader_errno (struct gc_tree_reader *r)
{
  return r->err;
}

uint64_t
gc_tree_reader_entries (struct gc_tree_reader *r)
{
  return r->entries;
}

uint64_t
gc_tree_reader_bytes (struct gc_tree_reader *r)
{
  return r->bytes;
}

uint64_t
gc_tree_reader_skipped_devices (struct gc_tree_reader *r)
{
  return r->skipped_devices;
}

uint64_t
gc_tree_reader_dropped_setuid (struct gc_tree_reader *r)
{
  return r->dropped_setuid;
}

/* The path of the entry under way (or of the current directory). */
/* See treestream-int.h. */
void
gc_tree_int_entry_path (struct gc_tree_reader *r, char *buf, size_t size)
{
  int n;
  if (r->have_name)
    n = snprintf (buf, size, "%s%s%s", r->path, r->pathlen ? "/" : "",
                  r->name);
  else
    n = snprintf (buf, size, "%s", r->path);
  if (n < 0 || (size_t) n >= size)
    buf[size - 1] = '\0';      /* cut (not reached: paths are bounded) */
}

/* Record the first error, "PATH: message" for the entry under way. */
/* See treestream-int.h. */
int
gc_tree_int_fail (struct gc_tree_reader *r, int err, const char *fs, ...)
{
  if (r->error)
    return -1;
  char path[GC_TREE_PATH_MAX + GC_TREE_NAME_MAX + 2];
  CLEANUP_FREE char *msg = NULL;
  va_list ap;
  va_start (ap, fs);
  if (vasprintf (&msg, fs, ap) == -1)
    msg = NULL;
  va_end (ap);
  gc_tree_int_entry_path (r, path, sizeof path);
  r->err = err;
  if (msg == NULL ||
      asprintf (&r->error, "%s%s%s", path, path[0] ? ": " : "", msg) == -1)
    r->error = strdup ("out of memory");
  return -1;
}

/* See treestream-int.h. */
int
gc_tree_int_fail_errno (struct gc_tree_reader *r, int err)
{
  if (err == EISDIR)
    return gc_tree_int_fail (r, err, "is a directory (not replaced)");
  if (err == ENOTEMPTY)
    return gc_tree_int_fail (r, err, "a directory is in the way (not replaced)");
  return gc_tree_int_fail (r, err, "%s", strerror (err));
}

static uint64_t
get_be (const char *p, int bytes)
{
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = (v << 8) | (unsigned char) p[i];
  return v;
}

static void
expect (struct gc_tree_reader *r, enum state s, size_t n)
{
  r->state = s;
  r->want = n;
  r->have = 0;
}

/* A 16-bit length field just read: 1 to max bytes of what come next,
 * in state next. */
static int
expect_length (struct gc_tree_reader *r, const char *what, size_t max,
               enum state next)
{
  uint64_t n = get_be (r->field, 2);
  if (n == 0 || n > max)
    return malformed (r, "%s of %" PRIu64 " bytes", what, n);
  expect (r, next, n);
  return 0;
}

/* The next record. */
static void
next_record (struct gc_tree_reader *r)
{
  r->have_name = false;
  expect (r, S_TYPE, 1);
}

static int
parse_meta (struct gc_tree_reader *r)
{
  const char *p = r->field;
  struct meta *m = &r->meta;
  m->mode = get_be (p, 4);
  m->uid = get_be (p + 4, 4);
  m->gid = get_be (p + 8, 4);
  m->times[0].tv_sec = (int64_t) get_be (p + 12, 8);
  m->times[0].tv_nsec = get_be (p + 20, 4);
  m->times[1].tv_sec = (int64_t) get_be (p + 24, 8);
  m->times[1].tv_nsec = get_be (p + 32, 4);
  m->flags = p[36];
  if (m->mode & ~07777)
    return malformed (r, "mode %#" PRIo32, m->mode);
  if (m->times[0].tv_nsec >= 1000000000 || m->times[1].tv_nsec >= 1000000000)
    return malformed (r, "nanoseconds out of range");
  if (m->flags & ~1)
    return malformed (r, "unknown flags %#x", m->flags);
  if ((m->flags & 1) && r->type == 'd')
    return malformed (r, "a directory flagged for hard links");
  return 0;
}

/* The current field is whole: act on it. */
static int
step (struct gc_tree_reader *r)
{
  const char *f = r->field;
  uint64_t n;

  switch (r->state) {
  case S_MAGIC:
    if (memcmp (f, GC_TREE_MAGIC, GC_TREE_MAGIC_LEN) != 0)
      return malformed (r, "not a tree stream (bad magic)");
    next_record (r);
    return 0;
  case S_TYPE:
    r->type = f[0];
    switch (r->type) {
    case 'd': case 'f': case 'l': case 'p': case 'c': case 'b': case 'h':
      expect (r, S_NAMELEN, 2);
      return 0;
    case 'e':
      if (gc_tree_int_leave_dir (r) == -1)
        return -1;
      next_record (r);
      return 0;
    case 'w':
      expect (r, S_WLEN, 2);
      return 0;
    case 'z':
      if (r->depth != 0)
        return malformed (r, "the end inside a directory");
      r->state = S_DONE;
      return 0;
    default:
      return malformed (r, "unknown record type %#x", (unsigned char) f[0]);
    }
  case S_NAMELEN:
    return expect_length (r, "a name", GC_TREE_NAME_MAX, S_NAME);
  case S_NAME:
    if (!gc_tree_name_ok (f, r->have))
      return malformed (r, "the name \"%.*s\" is not one component",
                        (int) r->have, f);
    if (r->pathlen + 1 + r->have > GC_TREE_PATH_MAX)
      return gc_tree_int_fail (r, ENAMETOOLONG, "%.*s: the path is longer than %d "
                   "bytes", (int) r->have, f, GC_TREE_PATH_MAX);
    memcpy (r->name, f, r->have);
    r->name[r->have] = '\0';
    r->have_name = true;
    if (r->type == 'h')
      expect (r, S_REF, 4);
    else
      expect (r, S_META, META_SIZE);
    return 0;
  case S_META:
    if (parse_meta (r) == -1)
      return -1;
    switch (r->type) {
    case 'f': expect (r, S_SIZE, 8); return 0;
    case 'l': expect (r, S_TLEN, 2); return 0;
    case 'c': case 'b': expect (r, S_DEV, 8); return 0;
    case 'p':
      if (gc_tree_int_make_node (r, NULL, 0) == -1)
        return -1;
      next_record (r);
      return 0;
    default:                    /* 'd' */
      if (gc_tree_int_enter_dir (r) == -1)
        return -1;
      next_record (r);
      return 0;
    }
  case S_SIZE:
    r->size = get_be (f, 8);
    if (r->size > INT64_MAX)
      return malformed (r, "a size of %" PRIu64 " bytes", r->size);
    r->fd = gc_tree_int_open_temporary (r, r->stack[r->depth].fd);
    if (r->fd == -1)
      return -1;
    r->ext_end = 0;
    expect (r, S_EXTLEN, 4);
    return 0;
  case S_EXTLEN:
    r->ext_len = get_be (f, 4);
    if (r->ext_len == 0) {
      if (gc_tree_int_end_file (r) == -1)
        return -1;
      next_record (r);
      return 0;
    }
    expect (r, S_EXTOFF, 8);
    return 0;
  case S_EXTOFF:
    n = get_be (f, 8);
    if (n < r->ext_end || n > r->size || r->ext_len > r->size - n)
      return malformed (r, "data at %" PRIu64 "+%" PRIu32 ", after %" PRIu64
                        " in a file of %" PRIu64 " bytes", n, r->ext_len,
                        r->ext_end, r->size);
    r->ext_off = n;
    r->ext_left = r->ext_len;
    r->ext_end = n + r->ext_len;
    r->state = S_DATA;
    return 0;
  case S_TLEN:
    return expect_length (r, "a link target", GC_TREE_TARGET_MAX, S_TARGET);
  case S_TARGET:
    if (memchr (f, '\0', r->have))
      return malformed (r, "a NUL in a link target");
    r->field[r->have] = '\0';
    if (gc_tree_int_make_node (r, r->field, 0) == -1)
      return -1;
    next_record (r);
    return 0;
  case S_DEV:
    if (gc_tree_int_make_node (r, NULL, makedev (get_be (f, 4),
                                                 get_be (f + 4, 4))) == -1)
      return -1;
    next_record (r);
    return 0;
  case S_REF:
    if (gc_tree_int_make_hardlink (r, get_be (f, 4)) == -1)
      return -1;
    next_record (r);
    return 0;
  case S_WLEN:
    return expect_length (r, "a warning", GC_TREE_WARNING_MAX, S_WMSG);
  case S_WMSG:
    r->field[r->have] = '\0';
    if (r->warn)
      r->warn (r->warn_opaque, r->field);
    next_record (r);
    return 0;
  default:
    return malformed (r, "internal error: state %d", (int) r->state);
  }
}

/* See treestream.h. */
int
gc_tree_reader_feed (struct gc_tree_reader *r, const void *buf, size_t len)
{
  const char *p = buf;

  if (r->state == S_FAILED)
    return -1;
  while (len > 0) {
    if (r->state == S_DATA) {
      size_t k = len < r->ext_left ? len : r->ext_left;
      if (gc_tree_int_write_data (r, p, k) == -1)
        goto failed;
      p += k;
      len -= k;
      if (r->ext_left == 0)
        expect (r, S_EXTLEN, 4);
      continue;
    }
    if (r->state == S_DONE) {
      malformed (r, "data after the end");
      goto failed;
    }
    size_t k = r->want - r->have < len ? r->want - r->have : len;
    memcpy (r->field + r->have, p, k);
    r->have += k;
    p += k;
    len -= k;
    if (r->have == r->want && step (r) == -1)
      goto failed;
  }
  return 0;

 failed:
  r->state = S_FAILED;
  return -1;
}

/* See treestream.h. */
int
gc_tree_reader_finish (struct gc_tree_reader *r)
{
  if (r->state != S_DONE && r->state != S_FAILED)
    malformed (r, "the stream ended early");
  r->state = S_FAILED;
  gc_tree_int_drop_file (r);
  gc_tree_int_commit (r);
  while (r->depth > 0) {
    struct dir *d = &r->stack[r->depth--];
    if (d->created)
      gc_tree_int_finish_dir (r, d->fd, &d->meta);
    close (d->fd);
    r->pathlen = d->pathlen;
    r->path[r->pathlen] = '\0';
  }
  return r->error ? -1 : 0;
}

/* See treestream.h. */
void
gc_tree_reader_free (struct gc_tree_reader *r)
{
  if (r == NULL)
    return;
  gc_tree_int_drop_file (r);
  for (size_t i = 0; i < r->pending.len; ++i)
    gc_tree_int_free_pending (&r->pending.ptr[i], true);
  free (r->pending.ptr);
  while (r->depth > 0)
    close (r->stack[r->depth--].fd);
  for (size_t i = 0; i < r->links.len; ++i)
    free (r->links.ptr[i].path);
  free (r->links.ptr);
  free (r->error);
  free (r);
}
