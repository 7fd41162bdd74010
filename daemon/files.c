/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Files in the mounted guest: reading (download, read_file, ls, stat,
 * readlink, realpath, statvfs...) and writing (mkdir_p, write, upload,
 * ln_s, chmod, chown, truncate_size).  Every path goes through
 * gc_d_open_guest (openat2 RESOLVE_IN_ROOT) and the actions work on the
 * file descriptors.  Only regular files are ever opened for reading or
 * writing: a device node in a guest filesystem would otherwise open
 * one of the appliance's devices.
 */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

#define READ_FILE_MAX (2 * 1024 * 1024)

/* Reopen an O_PATH fd with real access flags (through /proc). */
static int
reopen (int fd, int flags)
{
  char proc[64];
  snprintf (proc, sizeof proc, "/proc/self/fd/%d", fd);
  return open (proc, flags | O_CLOEXEC | O_NOCTTY);
}

/* Open an existing regular file (following links inside the guest);
 * -1 after replying. */
static int
open_regular (const char *path, int flags, struct stat *st)
{
  CLEANUP_CLOSE int pfd = gc_d_open_guest (path, O_PATH, 0);
  if (pfd == -1 || fstat (pfd, st) == -1) {
    reply_with_perror ("%s: %s", gc_d_action (), path);
    return -1;
  }
  if (S_ISDIR (st->st_mode)) {
    reply_with_error_errno (EISDIR, "%s: %s: is a directory",
                            gc_d_action (), path);
    return -1;
  }
  if (!S_ISREG (st->st_mode)) {
    reply_with_error_errno (EINVAL, "%s: %s: not a regular file",
                            gc_d_action (), path);
    return -1;
  }
  int fd = reopen (pfd, flags);
  if (fd == -1)
    reply_with_perror ("%s: %s", gc_d_action (), path);
  return fd;
}

/* Create or truncate a regular file for writing; -1 after replying. */
static int
open_for_write (const char *path)
{
  struct stat st;
  CLEANUP_CLOSE int pfd = gc_d_open_guest (path, O_PATH, 0);
  if (pfd >= 0) {
    if (fstat (pfd, &st) == -1) {
      reply_with_perror ("%s: %s", gc_d_action (), path);
      return -1;
    }
    if (S_ISDIR (st.st_mode)) {
      reply_with_error_errno (EISDIR, "%s: %s: is a directory",
                              gc_d_action (), path);
      return -1;
    }
    if (!S_ISREG (st.st_mode)) {
      reply_with_error_errno (EINVAL, "%s: %s: not a regular file",
                              gc_d_action (), path);
      return -1;
    }
  }
  else if (errno != ENOENT) {
    reply_with_perror ("%s: %s", gc_d_action (), path);
    return -1;
  }
  int fd = gc_d_open_guest (path, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY,
                            0644);
  if (fd == -1)
    reply_with_perror ("%s: %s", gc_d_action (), path);
  return fd;
}

/* 0 after streaming the file, -1 after replying (with the cancel chunk
 * first if the stream had started). */
int
do_download (const char *path)
{
  struct stat st;
  CLEANUP_CLOSE int fd = open_regular (path, O_RDONLY, &st);
  if (fd == -1)
    return -1;
  CLEANUP_FREE char *buf = malloc (GC_CHUNK_MAX);
  CLEANUP_FREE char *zeroes = calloc (1, GC_CHUNK_MAX);
  if (buf == NULL || zeroes == NULL) {
    reply_with_perror ("download: %s: malloc", path);
    return -1;
  }

  reply (NULL, NULL);

  /* Holes are sent from a buffer of zeroes without reading them. */
  uint64_t size = st.st_size, pos = 0;
  off_t data_end = 0, hole_end = 0;
  bool seek_ok = true;
  for (;;) {
    ssize_t n;
    const char *p = buf;

    if (seek_ok && (off_t) pos >= data_end && (off_t) pos >= hole_end &&
        pos < size) {
      off_t d = lseek (fd, pos, SEEK_DATA);
      if (d == -1 && errno == ENXIO)
        hole_end = size;
      else if (d == -1)
        seek_ok = false;
      else if (d > (off_t) pos)
        hole_end = d;
      else {
        off_t h = lseek (fd, pos, SEEK_HOLE);
        data_end = h == -1 ? (off_t) size : h;
        if (data_end <= (off_t) pos)
          seek_ok = false;
      }
    }
    if (seek_ok && (off_t) pos < hole_end) {
      uint64_t left = hole_end - pos;
      n = left > GC_CHUNK_MAX ? GC_CHUNK_MAX : left;
      p = zeroes;
    }
    else {
      size_t want = GC_CHUNK_MAX;
      if (seek_ok && (off_t) pos < data_end &&
          (uint64_t) (data_end - pos) < want)
        want = data_end - pos;
      n = pread (fd, buf, want, pos);
      if (n == -1 && errno == EINTR)
        continue;
      if (n == -1) {
        int err = errno;
        send_file_end (1);
        errno = err;
        reply_with_perror ("download: %s", path);
        return -1;
      }
      if (n == 0)
        break;
    }
    int r = send_file_write (p, n);
    if (r == -2) {
      send_file_end (1);
      reply_with_error_errno (ECANCELED, "download: %s: cancelled", path);
      return -1;
    }
    pos += n;
    notify_progress (pos, pos > size ? pos : size);
  }
  notify_progress (pos, pos);
  send_file_end (0);
  return 0;
}

/* The contents (caller frees), at most READ_FILE_MAX bytes; NULL after
 * replying. */
char *
do_read_file (const char *path, size_t *size_r)
{
  struct stat st;
  CLEANUP_CLOSE int fd = open_regular (path, O_RDONLY, &st);
  if (fd == -1)
    return NULL;
  if (st.st_size > READ_FILE_MAX) {
    reply_with_error_errno (EFBIG, "read_file: %s: the file is too large "
                            "(%jd bytes, at most %d): use download",
                            path, (intmax_t) st.st_size, READ_FILE_MAX);
    return NULL;
  }
  size_t cap = st.st_size + 1, len = 0;
  char *buf = malloc (cap);
  if (buf == NULL) {
    reply_with_perror ("read_file: %s: malloc", path);
    return NULL;
  }
  for (;;) {
    if (len == cap) {
      if (cap > READ_FILE_MAX) {
        free (buf);
        reply_with_error_errno (EFBIG, "read_file: %s: the file is too "
                                "large (more than %d bytes): use download",
                                path, READ_FILE_MAX);
        return NULL;
      }
      size_t ncap = cap * 2 > READ_FILE_MAX + 1 ? READ_FILE_MAX + 1 : cap * 2;
      char *p = realloc (buf, ncap);
      if (p == NULL) {
        free (buf);
        reply_with_perror ("read_file: %s: malloc", path);
        return NULL;
      }
      buf = p;
      cap = ncap;
    }
    ssize_t r = read (fd, buf + len, cap - len);
    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1) {
      free (buf);
      reply_with_perror ("read_file: %s", path);
      return NULL;
    }
    if (r == 0)
      break;
    len += r;
  }
  *size_r = len;
  return buf;
}

/* At most count bytes from offset (caller frees; *size_r set, 0 at or
 * past the end); NULL after replying. */
char *
do_pread (const char *path, int count, int64_t offset, size_t *size_r)
{
  if (count < 0 || count > READ_FILE_MAX || offset < 0) {
    reply_with_error_errno (EINVAL, "pread: %s: count must be 0 to %d and "
                            "offset at least 0", path, READ_FILE_MAX);
    return NULL;
  }
  struct stat st;
  CLEANUP_CLOSE int fd = open_regular (path, O_RDONLY, &st);
  if (fd == -1)
    return NULL;
  char *buf = malloc (count + 1);
  if (buf == NULL) {
    reply_with_perror ("pread: %s: malloc", path);
    return NULL;
  }
  size_t len = 0;
  while (len < (size_t) count) {
    ssize_t r = pread (fd, buf + len, count - len, offset + len);
    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1) {
      reply_with_perror ("pread: %s", path);
      free (buf);
      return NULL;
    }
    if (r == 0)
      break;
    len += r;
  }
  *size_r = len;
  return buf;
}

/* The names, sorted (caller frees); NULL after replying. */
char **
do_ls (const char *directory)
{
  int fd = gc_d_open_guest (directory, O_RDONLY | O_DIRECTORY, 0);
  if (fd == -1) {
    reply_with_perror ("ls: %s", directory);
    return NULL;
  }
  DIR *dir = fdopendir (fd);
  if (dir == NULL) {
    reply_with_perror ("ls: %s", directory);
    close (fd);
    return NULL;
  }
  string_vector v = EMPTY_VECTOR;
  struct dirent *d;
  errno = 0;
  while ((d = readdir (dir)) != NULL) {
    if (strcmp (d->d_name, ".") == 0 || strcmp (d->d_name, "..") == 0)
      continue;
    char *s = strdup (d->d_name);
    if (s == NULL || string_vector_append (&v, s) == -1) {
      free (s);
      reply_with_perror ("ls: %s", directory);
      goto err;
    }
    errno = 0;
  }
  if (errno != 0) {
    reply_with_perror ("ls: %s", directory);
    goto err;
  }
  closedir (dir);
  return gc_d_sorted_list (&v);

 err:
  closedir (dir);
  gc_string_vector_free (&v);
  return NULL;
}

static struct gc_int_stat *
to_gc_stat (const struct stat *st)
{
  struct gc_int_stat *r = malloc (sizeof *r);
  if (r == NULL) {
    reply_with_perror ("malloc");
    return NULL;
  }
  r->dev = st->st_dev;
  r->ino = st->st_ino;
  r->mode = st->st_mode;
  r->nlink = st->st_nlink;
  r->uid = st->st_uid;
  r->gid = st->st_gid;
  r->rdev = st->st_rdev;
  r->size = st->st_size;
  r->blksize = st->st_blksize;
  r->blocks = st->st_blocks;
  r->atime = st->st_atime;
  r->mtime = st->st_mtime;
  r->ctime = st->st_ctime;
  return r;
}

/* Caller frees; NULL after replying. */
struct gc_int_stat *
do_stat (const char *path)
{
  struct stat st;
  CLEANUP_CLOSE int fd = gc_d_open_guest (path, O_PATH, 0);
  if (fd == -1 || fstat (fd, &st) == -1) {
    reply_with_perror ("stat: %s", path);
    return NULL;
  }
  return to_gc_stat (&st);
}

/* Caller frees; NULL after replying.  An O_PATH | O_NOFOLLOW fd of a
 * symbolic link refers to the link itself. */
struct gc_int_stat *
do_lstat (const char *path)
{
  struct stat st;
  CLEANUP_CLOSE int fd = gc_d_open_guest (path, O_PATH | O_NOFOLLOW, 0);
  if (fd == -1 || fstat (fd, &st) == -1) {
    reply_with_perror ("lstat: %s", path);
    return NULL;
  }
  return to_gc_stat (&st);
}

/* The file's type bits following links; 0 if it does not exist, -1
 * after replying. */
static int
file_type (const char *path, mode_t *type)
{
  struct stat st;
  CLEANUP_CLOSE int fd = gc_d_open_guest (path, O_PATH, 0);
  if (fd == -1 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)) {
    *type = 0;
    return 0;
  }
  if (fd == -1 || fstat (fd, &st) == -1) {
    reply_with_perror ("%s: %s", gc_d_action (), path);
    return -1;
  }
  *type = st.st_mode & S_IFMT;
  return 0;
}

/* 1 or 0; -1 after replying. */
int
do_is_file (const char *path)
{
  mode_t t;
  if (file_type (path, &t) == -1)
    return -1;
  return t == S_IFREG;
}

/* 1 or 0; -1 after replying. */
int
do_is_dir (const char *path)
{
  mode_t t;
  if (file_type (path, &t) == -1)
    return -1;
  return t == S_IFDIR;
}

/* The link's target (caller frees); NULL after replying. */
char *
do_readlink (const char *path)
{
  char buf[PATH_MAX];
  CLEANUP_CLOSE int fd = gc_d_open_guest (path, O_PATH | O_NOFOLLOW, 0);
  if (fd == -1) {
    reply_with_perror ("readlink: %s", path);
    return NULL;
  }
  ssize_t n = readlinkat (fd, "", buf, sizeof buf - 1);
  if (n == -1) {
    if (errno == ENOENT)        /* "" on something that is not a link */
      errno = EINVAL;
    reply_with_perror ("readlink: %s", path);
    return NULL;
  }
  buf[n] = '\0';
  char *r = strdup (buf);
  if (r == NULL)
    reply_with_perror ("malloc");
  return r;
}

/* The canonical guest path (caller frees); NULL after replying. */
char *
do_realpath (const char *path)
{
  CLEANUP_CLOSE int fd = gc_d_open_guest (path, O_PATH, 0);
  CLEANUP_FREE char *apath = NULL;
  if (fd == -1 || (apath = gc_d_fd_path (fd)) == NULL) {
    reply_with_perror ("realpath: %s", path);
    return NULL;
  }
  char *r = gc_d_guest_path (apath);
  if (r == NULL)
    reply_with_error ("realpath: %s: resolves outside the guest (%s)",
                      path, apath);
  return r;
}

/* Caller frees; NULL after replying. */
struct gc_int_statvfs *
do_statvfs (const char *path)
{
  struct statvfs sv;
  CLEANUP_CLOSE int fd = gc_d_open_guest (path, O_PATH, 0);
  if (fd == -1 || fstatvfs (fd, &sv) == -1) {
    reply_with_perror ("statvfs: %s", path);
    return NULL;
  }
  struct gc_int_statvfs *r = malloc (sizeof *r);
  if (r == NULL) {
    reply_with_perror ("malloc");
    return NULL;
  }
  r->bsize = sv.f_bsize;
  r->frsize = sv.f_frsize;
  r->blocks = sv.f_blocks;
  r->bfree = sv.f_bfree;
  r->bavail = sv.f_bavail;
  r->files = sv.f_files;
  r->ffree = sv.f_ffree;
  r->favail = sv.f_favail;
  r->fsid = sv.f_fsid;
  r->flag = sv.f_flag;
  r->namemax = sv.f_namemax;
  return r;
}

/* 0, or -1 after replying. */
int
do_mkdir_p (const char *path)
{
  CLEANUP_FREE char *p = strdup (path);
  if (p == NULL) {
    reply_with_perror ("malloc");
    return -1;
  }
  size_t len = strlen (p);
  for (size_t i = 1; i <= len; ++i) {
    if (p[i] != '/' && p[i] != '\0')
      continue;
    if (p[i - 1] == '/')        /* "//" or a trailing slash */
      continue;
    char c = p[i];
    p[i] = '\0';
    CLEANUP_CLOSE int fd = gc_d_open_guest (p, O_PATH | O_DIRECTORY, 0);
    if (fd == -1 && errno == ENOENT) {
      CLEANUP_FREE char *name = NULL;
      CLEANUP_CLOSE int dfd = gc_d_open_parent (p, &name);
      if (dfd == -1 ||
          (mkdirat (dfd, name, 0755) == -1 && errno != EEXIST)) {
        reply_with_perror ("mkdir_p: %s", p);
        return -1;
      }
      fd = gc_d_open_guest (p, O_PATH | O_DIRECTORY, 0);
    }
    if (fd == -1) {
      reply_with_perror ("mkdir_p: %s", p);
      return -1;
    }
    p[i] = c;
  }
  return 0;
}

static int
close_checked (int *fd, const char *path)
{
  int r = close (*fd);
  *fd = -1;
  if (r == -1) {
    reply_with_perror ("%s: %s", gc_d_action (), path);
    return -1;
  }
  return 0;
}

/* 0, or -1 after replying. */
int
do_write (const char *path, const char *content, size_t content_size)
{
  CLEANUP_CLOSE int fd = open_for_write (path);
  if (fd == -1)
    return -1;
  if (gc_write_all (fd, content, content_size) == -1) {
    reply_with_perror ("write: %s", path);
    return -1;
  }
  return close_checked (&fd, path);
}

struct upload_state {
  int fd;
  int err;
};

static int
upload_cb (void *opaque, const void *buf, size_t len)
{
  struct upload_state *s = opaque;
  if (gc_write_all (s->fd, buf, len) == -1) {
    s->err = errno;
    return -1;
  }
  return 0;
}

/* 0 after consuming the stream, -1 after replying. */
int
do_upload (const char *path)
{
  CLEANUP_CLOSE int fd = open_for_write (path);  /* replying drains */
  if (fd == -1)
    return -1;
  struct upload_state s = { .fd = fd, .err = 0 };
  int r = receive_file (upload_cb, &s);
  if (r == -2) {
    reply_with_error_errno (ECANCELED, "upload: %s: cancelled", path);
    return -1;
  }
  if (r == -1) {
    errno = s.err;
    reply_with_perror ("upload: %s", path);
    return -1;
  }
  if (r < 0) {
    reply_with_error ("upload: %s: error on the channel", path);
    return -1;
  }
  return close_checked (&fd, path);
}

/* 0, or -1 after replying. */
int
do_ln_s (const char *target, const char *linkname)
{
  CLEANUP_FREE char *name = NULL;
  CLEANUP_CLOSE int dfd = gc_d_open_parent (linkname, &name);
  if (dfd == -1 || symlinkat (target, dfd, name) == -1) {
    reply_with_perror ("ln_s: %s", linkname);
    return -1;
  }
  return 0;
}

/* 0, or -1 after replying. */
int
do_mknod (int mode, int devmajor, int devminor, const char *path)
{
  CLEANUP_FREE char *name = NULL;
  int type = mode & S_IFMT;
  if ((type != S_IFIFO && type != S_IFCHR && type != S_IFBLK) ||
      (mode & ~(S_IFMT | 07777)) || devmajor < 0 || devminor < 0) {
    reply_with_error_errno (EINVAL, "mknod: %s: invalid mode %#o or device "
                            "%d:%d", path, (unsigned) mode, devmajor,
                            devminor);
    return -1;
  }
  CLEANUP_CLOSE int dfd = gc_d_open_parent (path, &name);
  if (dfd == -1 ||
      mknodat (dfd, name, mode, makedev (devmajor, devminor)) == -1) {
    reply_with_perror ("mknod: %s", path);
    return -1;
  }
  return 0;
}

/* 0, or -1 after replying. */
int
do_chmod (int mode, const char *path)
{
  char proc[64];
  if (mode < 0 || mode > 07777) {
    reply_with_error_errno (EINVAL, "chmod: %s: invalid mode %#o", path,
                            (unsigned) mode);
    return -1;
  }
  CLEANUP_CLOSE int fd = gc_d_open_guest (path, O_PATH, 0);
  if (fd == -1) {
    reply_with_perror ("chmod: %s", path);
    return -1;
  }
  snprintf (proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (chmod (proc, mode) == -1) {
    reply_with_perror ("chmod: %s", path);
    return -1;
  }
  return 0;
}

/* 0, or -1 after replying. */
int
do_chown (int owner, int group, const char *path)
{
  CLEANUP_CLOSE int fd = gc_d_open_guest (path, O_PATH | O_NOFOLLOW, 0);
  if (fd == -1 || fchownat (fd, "", owner, group, AT_EMPTY_PATH) == -1) {
    reply_with_perror ("chown: %s", path);
    return -1;
  }
  return 0;
}

/* 0, or -1 after replying. */
int
do_truncate_size (const char *path, int64_t size)
{
  struct stat st;
  if (size < 0) {
    reply_with_error_errno (EINVAL, "truncate_size: %s: negative size",
                            path);
    return -1;
  }
  CLEANUP_CLOSE int fd = open_regular (path, O_WRONLY, &st);
  if (fd == -1)
    return -1;
  if (ftruncate (fd, size) == -1) {
    reply_with_perror ("truncate_size: %s", path);
    return -1;
  }
  return close_checked (&fd, path);
}
