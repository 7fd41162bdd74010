/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The tree stream's one writer (the format is in treestream.h): walks a
 * tree relative to a directory fd, never following a symbolic link, and
 * emits its records into a buffer handed to a sink in pieces of exactly
 * the buffer's size (so a FileOut stream is made of whole chunks).
 * File data is read straight into that buffer; holes found with
 * SEEK_DATA/SEEK_HOLE are not sent.  Used by virt-copy-in on the host
 * and by the daemon's copy_out in the appliance.
 */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cleanup.h"
#include "treestream.h"

/* The longest extent announced at once (its data may span buffers). */
#define EXTENT_MAX (1 << 20)
/* Extents at least this long go to the fd sink, if there is one. */
#define SPLICE_MIN (64 << 10)

struct link_key {
  dev_t dev;
  ino_t ino;
  uint32_t index;
};

struct gc_tree_writer {
  char *buf;
  size_t cap, len;
  unsigned flags;
  gc_tree_sink sink;
  gc_tree_sink_fd sink_fd;      /* or NULL */
  bool no_splice;               /* the current file cannot be spliced */
  void *opaque;
  gc_tree_warn warn;
  void *warn_opaque;
  gc_tree_progress progress;
  void *progress_opaque;
  bool started;                 /* the magic is out */
  /* The path of the entry being written, from the stream's root. */
  char path[GC_TREE_PATH_MAX + 1];
  size_t pathlen;
  int depth;
  void *links;                  /* tsearch tree of struct link_key */
  uint32_t nlinkable;
  uint64_t bytes, entries;
  char *error;
  int err;
};

static int
compare_links (const void *a, const void *b)
{
  const struct link_key *x = a, *y = b;
  if (x->dev != y->dev)
    return x->dev < y->dev ? -1 : 1;
  if (x->ino != y->ino)
    return x->ino < y->ino ? -1 : 1;
  return 0;
}

/* See treestream.h. */
struct gc_tree_writer *
gc_tree_writer_new (size_t bufsize, unsigned flags, gc_tree_sink sink,
                    void *opaque)
{
  if (bufsize < 64) {
    errno = EINVAL;
    return NULL;
  }
  struct gc_tree_writer *w = calloc (1, sizeof *w);
  if (w == NULL)
    return NULL;
  w->buf = malloc (bufsize);
  if (w->buf == NULL) {
    free (w);
    return NULL;
  }
  w->cap = bufsize;
  w->flags = flags;
  w->sink = sink;
  w->opaque = opaque;
  return w;
}

void
gc_tree_writer_set_warn (struct gc_tree_writer *w, gc_tree_warn warn,
                         void *opaque)
{
  w->warn = warn;
  w->warn_opaque = opaque;
}

void
gc_tree_writer_set_sink_fd (struct gc_tree_writer *w, gc_tree_sink_fd sink_fd)
{
  w->sink_fd = sink_fd;
}

void
gc_tree_writer_set_progress (struct gc_tree_writer *w,
                             gc_tree_progress progress, void *opaque)
{
  w->progress = progress;
  w->progress_opaque = opaque;
}

static void
free_link (void *p)
{
  free (p);
}

void
gc_tree_writer_free (struct gc_tree_writer *w)
{
  if (w == NULL)
    return;
  tdestroy (w->links, free_link);
  free (w->buf);
  free (w->error);
  free (w);
}

const char *
gc_tree_writer_error (struct gc_tree_writer *w)
{
  return w->error;
}

int
gc_tree_writer_errno (struct gc_tree_writer *w)
{
  return w->err;
}

uint64_t
gc_tree_writer_bytes (struct gc_tree_writer *w)
{
  return w->bytes;
}

uint64_t
gc_tree_writer_entries (struct gc_tree_writer *w)
{
  return w->entries;
}

/* Record the first error: "PATH: message" (the current path). */
static int __attribute__ ((format (printf, 3, 4)))
fail (struct gc_tree_writer *w, int err, const char *fs, ...)
{
  if (w->error)
    return -1;
  CLEANUP_FREE char *msg = NULL;
  va_list ap;
  va_start (ap, fs);
  if (vasprintf (&msg, fs, ap) == -1)
    msg = NULL;
  va_end (ap);
  w->err = err;
  if (msg == NULL ||
      asprintf (&w->error, "%s%s%s", w->path, w->pathlen ? ": " : "",
                msg) == -1)
    w->error = NULL;
  if (w->error == NULL)
    w->error = strdup ("out of memory");
  return -1;
}

static int
fail_errno (struct gc_tree_writer *w, int err)
{
  return fail (w, err, "%s", strerror (err));
}

static void __attribute__ ((format (printf, 2, 3)))
warn (struct gc_tree_writer *w, const char *fs, ...)
{
  CLEANUP_FREE char *msg = NULL, *line = NULL;
  va_list ap;
  va_start (ap, fs);
  if (vasprintf (&msg, fs, ap) == -1)
    msg = NULL;
  va_end (ap);
  if (msg == NULL || asprintf (&line, "%s: %s", w->path, msg) == -1)
    return;
  if (w->warn)
    w->warn (w->warn_opaque, line);
}

/* Hand the full buffer to the sink. */
static int
flush (struct gc_tree_writer *w)
{
  if (w->len == 0)
    return 0;
  if (w->sink (w->opaque, w->buf, w->len) == -1)
    return fail (w, errno, "writing the stream: %s", strerror (errno));
  w->len = 0;
  return 0;
}

static int
put (struct gc_tree_writer *w, const void *data, size_t n)
{
  const char *p = data;
  if (!w->started) {
    w->started = true;
    if (put (w, GC_TREE_MAGIC, GC_TREE_MAGIC_LEN) == -1)
      return -1;
  }
  while (n > 0) {
    size_t k = w->cap - w->len < n ? w->cap - w->len : n;
    memcpy (w->buf + w->len, p, k);
    w->len += k;
    p += k;
    n -= k;
    if (w->len == w->cap && flush (w) == -1)
      return -1;
  }
  return 0;
}

static int
put_u8 (struct gc_tree_writer *w, uint8_t v)
{
  return put (w, &v, 1);
}

static int
put_be (struct gc_tree_writer *w, uint64_t v, int bytes)
{
  unsigned char b[8];
  for (int i = bytes - 1; i >= 0; --i) {
    b[i] = v & 0xff;
    v >>= 8;
  }
  return put (w, b, bytes);
}

static int
put_string16 (struct gc_tree_writer *w, const char *s, size_t n)
{
  if (put_be (w, n, 2) == -1)
    return -1;
  return put (w, s, n);
}

/* Append a name to the path (for messages and the length bound). */
static int
push_name (struct gc_tree_writer *w, const char *name, size_t *saved)
{
  size_t n = strlen (name);
  size_t need = w->pathlen + (w->pathlen ? 1 : 0) + n;
  *saved = w->pathlen;
  if (need > GC_TREE_PATH_MAX) {
    fail (w, ENAMETOOLONG, "%.32s...: the path is longer than %d bytes",
          name, GC_TREE_PATH_MAX);
    return -1;
  }
  if (w->pathlen)
    w->path[w->pathlen++] = '/';
  memcpy (w->path + w->pathlen, name, n);
  w->pathlen += n;
  w->path[w->pathlen] = '\0';
  return 0;
}

static void
pop_name (struct gc_tree_writer *w, size_t saved)
{
  w->pathlen = saved;
  w->path[saved] = '\0';
}

static int
put_entry (struct gc_tree_writer *w, char type, const char *name,
           const struct stat *st, bool linkable)
{
  bool root = w->flags & GC_TREE_W_ROOT_OWNER;
  ++w->entries;
  if (put_u8 (w, type) == -1 ||
      put_string16 (w, name, strlen (name)) == -1 ||
      put_be (w, st->st_mode & 07777, 4) == -1 ||
      put_be (w, root ? 0 : st->st_uid, 4) == -1 ||
      put_be (w, root ? 0 : st->st_gid, 4) == -1 ||
      put_be (w, (uint64_t) st->st_atim.tv_sec, 8) == -1 ||
      put_be (w, st->st_atim.tv_nsec, 4) == -1 ||
      put_be (w, (uint64_t) st->st_mtim.tv_sec, 8) == -1 ||
      put_be (w, st->st_mtim.tv_nsec, 4) == -1 ||
      put_u8 (w, linkable ? 1 : 0) == -1)
    return -1;
  return 0;
}

/* pread all of n bytes into p, or fewer at the end of the file. */
static ssize_t
read_full (int fd, char *p, size_t n, off_t off)
{
  size_t done = 0;
  while (done < n) {
    ssize_t r = pread (fd, p + done, n - done, off + done);
    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1)
      return -1;
    if (r == 0)
      break;
    done += r;
  }
  return done;
}

/* The extents of [start, end) of fd; *eof set if the file ended early
 * (the rest of the extent is sent as zeroes). */
/* An extent's data handed to the fd sink (splice): *done set to the
 * bytes it sent, fewer than len at the end of the file.  0; or 1 if
 * the sink cannot (nothing sent: the caller copies the data itself);
 * -1 on error. */
static int
put_data_fd (struct gc_tree_writer *w, int fd, off_t pos, size_t len,
             size_t *done)
{
  *done = 0;
  if (flush (w) == -1)          /* what precedes the data, in order */
    return -1;
  ssize_t r = w->sink_fd (w->opaque, fd, pos, len);
  if (r == -1 && errno == EINVAL)
    return 1;
  if (r == -1)
    return fail (w, errno, "%s", strerror (errno));
  *done = r;
  return 0;
}

/* The extents of [start, end) of fd; *eof set if the file ended early
 * (the rest of the extent is sent as zeroes).  With an fd sink, large
 * extents go to it; else, and for the rest, the data is read straight
 * into the buffer. */
static int
put_data (struct gc_tree_writer *w, int fd, off_t start, off_t end,
          bool *eof)
{
  off_t pos = start;
  while (pos < end && !*eof) {
    uint64_t len = end - pos > EXTENT_MAX ? EXTENT_MAX : end - pos;
    if (put_be (w, len, 4) == -1 || put_be (w, pos, 8) == -1)
      return -1;
    if (w->sink_fd && len >= SPLICE_MIN && !w->no_splice) {
      size_t done;
      int r = put_data_fd (w, fd, pos, len, &done);
      if (r == -1)
        return -1;
      if (r == 1)
        w->no_splice = true;    /* this file cannot: copy it */
      else {
        w->bytes += done;
        pos += done;
        len -= done;
        if (len > 0)
          *eof = true;          /* zeroes for the rest, below */
      }
    }
    while (len > 0) {
      size_t k = w->cap - w->len < len ? w->cap - w->len : len;
      char *p = w->buf + w->len;
      ssize_t r = *eof ? 0 : read_full (fd, p, k, pos);
      if (r == -1)
        return fail_errno (w, errno);
      if ((size_t) r < k) {
        memset (p + r, 0, k - r);
        *eof = true;
      }
      w->bytes += r;
      w->len += k;
      pos += k;
      len -= k;
      if (w->len == w->cap && flush (w) == -1)
        return -1;
    }
    if (w->progress)
      w->progress (w->progress_opaque, w->bytes);
  }
  return 0;
}

static int
put_file (struct gc_tree_writer *w, int fd, const struct stat *st)
{
  off_t size = st->st_size, pos = 0;
  bool eof = false;
  w->no_splice = false;
  if (put_be (w, size, 8) == -1)
    return -1;
  /* Read from start to end once: a larger readahead. */
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  while (pos < size && !eof) {
    off_t data = lseek (fd, pos, SEEK_DATA), hole;
    if (data == -1 && errno == ENXIO)
      break;                    /* a hole to the end */
    if (data == -1) {
      data = pos;               /* no SEEK_DATA: all data */
      hole = size;
    }
    else {
      hole = lseek (fd, data, SEEK_HOLE);
      if (hole == -1 || hole > size)
        hole = size;
    }
    if (data >= size || hole <= data)
      break;
    if (put_data (w, fd, data, hole, &eof) == -1)
      return -1;
    pos = hole;
  }
  if (put_be (w, 0, 4) == -1)
    return -1;
  if (eof)
    warn (w, "the file shrank while it was copied: the rest is zeroes");
  return 0;
}

static int write_entry (struct gc_tree_writer *w, int dirfd,
                        const char *name, const char *as_name);

/* The entries of the directory fd (which it takes). */
static int
put_contents (struct gc_tree_writer *w, int fd)
{
  DIR *dir = fdopendir (fd);
  if (dir == NULL) {
    int e = errno;
    close (fd);
    return fail_errno (w, e);
  }
  int r = 0;
  struct dirent *d;
  errno = 0;
  while ((d = readdir (dir)) != NULL) {
    if (strcmp (d->d_name, ".") == 0 || strcmp (d->d_name, "..") == 0)
      continue;
    if (write_entry (w, dirfd (dir), d->d_name, d->d_name) == -1) {
      r = -1;
      break;
    }
    errno = 0;
  }
  if (r == 0 && errno != 0)
    r = fail_errno (w, errno);
  closedir (dir);
  return r;
}

/* Is this (dev, ino) one we sent already?  Then *index is its number;
 * else it is remembered with the next number.  -1 on ENOMEM. */
static int
lookup_link (struct gc_tree_writer *w, const struct stat *st, bool *seen,
             uint32_t *index)
{
  struct link_key *k = malloc (sizeof *k);
  if (k == NULL)
    return fail_errno (w, errno);
  k->dev = st->st_dev;
  k->ino = st->st_ino;
  k->index = w->nlinkable;
  struct link_key **found = tsearch (k, &w->links, compare_links);
  if (found == NULL) {
    free (k);
    return fail_errno (w, ENOMEM);
  }
  *seen = *found != k;
  if (*seen)
    free (k);
  else
    ++w->nlinkable;
  *index = (*found)->index;
  return 0;
}

static int
write_entry (struct gc_tree_writer *w, int dirfd, const char *name,
             const char *as_name)
{
  struct stat st;
  size_t saved;
  int r = -1;

  if (push_name (w, as_name, &saved) == -1)
    return -1;
  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
    fail_errno (w, errno);
    goto out;
  }

  bool linkable = false;
  if (!S_ISDIR (st.st_mode) && st.st_nlink > 1 && !S_ISSOCK (st.st_mode)) {
    bool seen = false;
    uint32_t index = 0;
    if (lookup_link (w, &st, &seen, &index) == -1)
      goto out;
    if (seen) {
      ++w->entries;
      r = (put_u8 (w, 'h') == -1 ||
           put_string16 (w, as_name, strlen (as_name)) == -1 ||
           put_be (w, index, 4) == -1) ? -1 : 0;
      goto out;
    }
    linkable = true;
  }

  switch (st.st_mode & S_IFMT) {
  case S_IFREG: {
    /* O_NONBLOCK: if it changed into a FIFO since, do not wait. */
    CLEANUP_CLOSE int fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW |
                                   O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    struct stat st2;
    if (fd == -1 || fstat (fd, &st2) == -1) {
      fail_errno (w, errno);
      goto out;
    }
    if (!S_ISREG (st2.st_mode) || st2.st_ino != st.st_ino) {
      fail (w, EAGAIN, "it changed while it was copied");
      goto out;
    }
    r = (put_entry (w, 'f', as_name, &st2, linkable) == -1 ||
         put_file (w, fd, &st2) == -1) ? -1 : 0;
    goto out;
  }
  case S_IFDIR: {
    if (w->depth >= GC_TREE_DEPTH_MAX) {
      fail (w, ELOOP, "more than %d directories deep", GC_TREE_DEPTH_MAX);
      goto out;
    }
    int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                     O_CLOEXEC);
    struct stat st2;
    if (fd == -1 || fstat (fd, &st2) == -1) {
      fail_errno (w, errno);
      if (fd >= 0)
        close (fd);
      goto out;
    }
    if (put_entry (w, 'd', as_name, &st2, false) == -1) {
      close (fd);
      goto out;
    }
    ++w->depth;
    r = put_contents (w, fd);
    --w->depth;
    if (r == 0)
      r = put_u8 (w, 'e');
    goto out;
  }
  case S_IFLNK: {
    char target[GC_TREE_TARGET_MAX + 1];
    ssize_t n = readlinkat (dirfd, name, target, sizeof target);
    if (n == -1) {
      fail_errno (w, errno);
      goto out;
    }
    if (n == 0 || n > GC_TREE_TARGET_MAX) {
      fail (w, ENAMETOOLONG, "the link's target is empty or too long");
      goto out;
    }
    r = (put_entry (w, 'l', as_name, &st, linkable) == -1 ||
         put_string16 (w, target, n) == -1) ? -1 : 0;
    goto out;
  }
  case S_IFIFO:
    r = put_entry (w, 'p', as_name, &st, linkable);
    goto out;
  case S_IFCHR:
  case S_IFBLK:
    r = (put_entry (w, S_ISCHR (st.st_mode) ? 'c' : 'b', as_name, &st,
                    linkable) == -1 ||
         put_be (w, major (st.st_rdev), 4) == -1 ||
         put_be (w, minor (st.st_rdev), 4) == -1) ? -1 : 0;
    goto out;
  default:
    warn (w, "a socket: skipped");
    r = 0;
    goto out;
  }

 out:
  pop_name (w, saved);
  return r;
}

/* See treestream.h. */
int
gc_tree_write_entry (struct gc_tree_writer *w, int dirfd, const char *name,
                     const char *as_name)
{
  if (w->error)
    return -1;
  if (!gc_tree_name_ok (as_name, strlen (as_name)))
    return fail (w, EINVAL, "%s: not a valid name of a single file",
                 as_name);
  return write_entry (w, dirfd, name, as_name);
}

/* See treestream.h. */
int
gc_tree_write_contents (struct gc_tree_writer *w, int dirfd)
{
  if (w->error)
    return -1;
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1)
    return fail_errno (w, errno);
  return put_contents (w, fd);
}

/* See treestream.h. */
int
gc_tree_write_warning (struct gc_tree_writer *w, const char *msg)
{
  size_t n = strlen (msg);
  if (n > GC_TREE_WARNING_MAX)
    n = GC_TREE_WARNING_MAX;
  if (w->error || put_u8 (w, 'w') == -1 || put_string16 (w, msg, n) == -1)
    return -1;
  return 0;
}

/* See treestream.h. */
int
gc_tree_write_end (struct gc_tree_writer *w)
{
  if (w->error || put_u8 (w, 'z') == -1 || flush (w) == -1)
    return -1;
  return 0;
}

static uint64_t
measure (int parent, const char *name, int depth)
{
  struct stat st;
  if (depth > GC_TREE_DEPTH_MAX || fstatat (parent, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
    return 0;
  if (S_ISREG (st.st_mode))
    return st.st_size;
  if (!S_ISDIR (st.st_mode))
    return 0;
  int fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                   O_CLOEXEC);
  if (fd == -1)
    return 0;
  DIR *dir = fdopendir (fd);
  if (dir == NULL) {
    close (fd);
    return 0;
  }
  uint64_t total = 0;
  struct dirent *d;
  while ((d = readdir (dir)) != NULL)
    if (strcmp (d->d_name, ".") != 0 && strcmp (d->d_name, "..") != 0)
      total += measure (dirfd (dir), d->d_name, depth + 1);
  closedir (dir);
  return total;
}

/* See treestream.h. */
uint64_t
gc_tree_measure (int dirfd, const char *name)
{
  return measure (dirfd, name, 0);
}

/* See treestream.h. */
bool
gc_tree_name_ok (const char *s, size_t len)
{
  if (len == 0 || len > GC_TREE_NAME_MAX)
    return false;
  if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
    return false;
  return memchr (s, '/', len) == NULL && memchr (s, '\0', len) == NULL;
}
