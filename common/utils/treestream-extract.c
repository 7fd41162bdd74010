/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The tree stream reader's hands (see treestream-read.c for the rules
 * and the parser that checks the records): making each entry relative
 * to its directory's fd, never through a link, regular files through
 * invisible temporaries linked into place when whole (after a sync()
 * for a durable batch), hard links only to what this stream made,
 * owners, modes and times.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "treestream-int.h"

/* A random hidden name in the directory, for temporaries. */
static void
hidden_name (char buf[32])
{
  static uint64_t counter;
  uint64_t v;
  if (getrandom (&v, sizeof v, GRND_NONBLOCK) != sizeof v)
    v = ((uint64_t) getpid () << 32) ^ (uint64_t) time (NULL) ^ ++counter;
  snprintf (buf, 32, ".gc-tmp.%016" PRIx64, v);
}

/* Move the hidden entry tmp of dirfd to name, replacing anything but a
 * directory there (a rename replaces a link, never follows it).  On
 * error the hidden entry is removed. */
static int
put_in_place (struct gc_tree_reader *r, int dirfd, const char *tmp,
              const char *name)
{
  if (renameat2 (dirfd, tmp, dirfd, name, RENAME_NOREPLACE) == 0)
    return 0;
  if (errno == EEXIST || errno == EINVAL) {
    struct stat st;
    if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR (st.st_mode))
      errno = EISDIR;
    else if (renameat (dirfd, tmp, dirfd, name) == 0)
      return 0;
  }
  int e = errno;
  unlinkat (dirfd, tmp, 0);
  return gc_tree_int_fail_errno (r, e);
}

/* The mode to give an entry: setuid/setgid bits of anything but a
 * directory only if asked. */
static mode_t
entry_mode (struct gc_tree_reader *r, const struct meta *m, bool is_dir)
{
  mode_t mode = m->mode;
  if (!is_dir && (mode & 06000) && !(r->flags & GC_TREE_R_SETUID)) {
    mode &= ~06000;
    ++r->dropped_setuid;
  }
  return mode;
}

/* Owner, mode, times on an open file or directory. */
static int
set_meta_fd (struct gc_tree_reader *r, int fd, const struct meta *m,
             bool is_dir)
{
  if ((r->flags & GC_TREE_R_CHOWN) && fchown (fd, m->uid, m->gid) == -1)
    return gc_tree_int_fail_errno (r, errno);
  if (fchmod (fd, entry_mode (r, m, is_dir)) == -1 ||
      futimens (fd, m->times) == -1)
    return gc_tree_int_fail_errno (r, errno);
  return 0;
}

/* The same on dirfd's name, not following it. */
static int
set_meta_at (struct gc_tree_reader *r, int dirfd, const char *name,
             const struct meta *m, bool is_link)
{
  if ((r->flags & GC_TREE_R_CHOWN) &&
      fchownat (dirfd, name, m->uid, m->gid, AT_SYMLINK_NOFOLLOW) == -1)
    return gc_tree_int_fail_errno (r, errno);
  if (!is_link &&
      fchmodat (dirfd, name, entry_mode (r, m, false),
                AT_SYMLINK_NOFOLLOW) == -1)
    return gc_tree_int_fail_errno (r, errno);
  if (utimensat (dirfd, name, m->times, AT_SYMLINK_NOFOLLOW) == -1)
    return gc_tree_int_fail_errno (r, errno);
  return 0;
}

/* Remember an entry flagged linkable, made as name in the current
 * directory. */
static int
add_linkref (struct gc_tree_reader *r, const struct stat *st, bool made,
             bool pending)
{
  struct linkref l = { .dev = st ? st->st_dev : 0, .ino = st ? st->st_ino : 0,
                       .pending = pending };
  if (made) {
    size_t n = r->pathlen + 1 + strlen (r->name) + 1;
    if (r->link_bytes + n > GC_TREE_LINKS_BYTES_MAX)
      return gc_tree_int_fail (r, E2BIG, "too many entries flagged for hard links");
    if (asprintf (&l.path, "%s%s%s", r->path, r->pathlen ? "/" : "",
                  r->name) == -1)
      return gc_tree_int_fail_errno (r, ENOMEM);
    r->link_bytes += n;
  }
  if (linkref_vector_append (&r->links, l) == -1) {
    free (l.path);
    return gc_tree_int_fail_errno (r, ENOMEM);
  }
  return 0;
}

/* Link the finished temporary fd (hidden name tmp, or O_TMPFILE) of
 * dirfd as name. */
static int
link_file (struct gc_tree_reader *r, int dirfd, int fd, const char *tmp,
           const char *name)
{
  if (tmp)
    return put_in_place (r, dirfd, tmp, name);
  char proc[64], hidden[32];
  snprintf (proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (linkat (AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) == 0)
    return 0;
  if (errno != EEXIST)
    return gc_tree_int_fail_errno (r, errno);
  for (int i = 0; i < 10; ++i) {
    hidden_name (hidden);
    if (linkat (AT_FDCWD, proc, dirfd, hidden, AT_SYMLINK_FOLLOW) == 0)
      return put_in_place (r, dirfd, hidden, name);
    if (errno != EEXIST)
      break;
  }
  return gc_tree_int_fail_errno (r, errno);
}

/* See treestream-int.h. */
int
gc_tree_int_finish_dir (struct gc_tree_reader *r, int fd, const struct meta *m)
{
  return set_meta_fd (r, fd, m, true);
}

/* See treestream-int.h. */
void
gc_tree_int_free_pending (struct pending *p, bool remove)
{
  if (remove && p->tmpname)
    unlinkat (p->dirfd, p->tmpname, 0);
  if (p->fd >= 0)
    close (p->fd);
  if (p->dirfd >= 0)
    close (p->dirfd);
  free (p->name);
  free (p->tmpname);
  free (p->path);
}

/* Link the durable batch after a sync, then finish its directories. */
/* See treestream-int.h. */
int
gc_tree_int_commit (struct gc_tree_reader *r)
{
  int ret = 0;
  if (r->pending.len == 0)
    return 0;
  sync ();
  for (size_t i = 0; i < r->pending.len; ++i) {
    struct pending *p = &r->pending.ptr[i];
    /* Messages name the pending entry, not the one under way. */
    bool had = r->have_name;
    char saved[sizeof r->path];
    size_t savedlen = r->pathlen;
    memcpy (saved, r->path, r->pathlen + 1);
    snprintf (r->path, sizeof r->path, "%s", p->path);
    r->pathlen = strlen (r->path);
    r->have_name = false;
    int ok = p->is_dir ? gc_tree_int_finish_dir (r, p->fd, &p->meta)
      : link_file (r, p->dirfd, p->fd, p->tmpname, p->name);
    memcpy (r->path, saved, savedlen + 1);
    r->pathlen = savedlen;
    r->have_name = had;
    if (ok == -1)
      ret = -1;
    else if (!p->is_dir) {
      free (p->tmpname);        /* in place: nothing to remove */
      p->tmpname = NULL;
    }
    if (p->linkref >= 0)
      r->links.ptr[p->linkref].pending = false;
    gc_tree_int_free_pending (p, true);
  }
  r->pending.len = 0;
  r->pending_bytes = 0;
  return ret;
}

/* See treestream-int.h. */
int
gc_tree_int_open_temporary (struct gc_tree_reader *r, int dirfd)
{
  char hidden[32];
  int fd = openat (dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0)
    return fd;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
    return gc_tree_int_fail_errno (r, errno);
  for (int i = 0; i < 10; ++i) {
    hidden_name (hidden);
    fd = openat (dirfd, hidden, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                 O_CLOEXEC, 0600);
    if (fd >= 0) {
      r->tmpname = strdup (hidden);
      if (r->tmpname == NULL) {
        unlinkat (dirfd, hidden, 0);
        close (fd);
        return gc_tree_int_fail_errno (r, ENOMEM);
      }
      return fd;
    }
    if (errno != EEXIST)
      break;
  }
  return gc_tree_int_fail_errno (r, errno);
}

/* Drop the file under way (its temporary goes). */
/* See treestream-int.h. */
void
gc_tree_int_drop_file (struct gc_tree_reader *r)
{
  if (r->fd >= 0)
    close (r->fd);
  r->fd = -1;
  if (r->tmpname)
    unlinkat (r->stack[r->depth].fd, r->tmpname, 0);
  free (r->tmpname);
  r->tmpname = NULL;
}

/* See treestream-int.h. */
int
gc_tree_int_write_data (struct gc_tree_reader *r, const char *p, size_t n)
{
  while (n > 0) {
    ssize_t w = pwrite (r->fd, p, n, r->ext_off);
    if (w == -1 && errno == EINTR)
      continue;
    if (w == -1)
      return gc_tree_int_fail_errno (r, errno);
    p += w;
    n -= w;
    r->ext_off += w;
    r->ext_left -= w;
    r->bytes += w;
  }
  if (r->progress)
    r->progress (r->progress_opaque, r->bytes);
  return 0;
}

/* A regular file's data has all come: put it in place, or in the
 * batch. */
/* See treestream-int.h. */
int
gc_tree_int_end_file (struct gc_tree_reader *r)
{
  int dirfd = r->stack[r->depth].fd;
  struct stat st;
  if (ftruncate (r->fd, r->size) == -1)
    return gc_tree_int_fail_errno (r, errno);
  if (set_meta_fd (r, r->fd, &r->meta, false) == -1)
    return -1;
  bool linkable = r->meta.flags & 1;
  if (linkable && fstat (r->fd, &st) == -1)
    return gc_tree_int_fail_errno (r, errno);

  if (r->flags & GC_TREE_R_DURABLE) {
    struct pending p = { .is_dir = false, .fd = r->fd, .dirfd = -1,
                         .linkref = linkable ? (int64_t) r->links.len : -1 };
    char path[GC_TREE_PATH_MAX + 1];
    gc_tree_int_entry_path (r, path, sizeof path);
    p.dirfd = fcntl (dirfd, F_DUPFD_CLOEXEC, 3);
    p.name = strdup (r->name);
    p.path = strdup (path);
    p.tmpname = r->tmpname;
    if (p.dirfd == -1 || p.name == NULL || p.path == NULL ||
        pending_vector_append (&r->pending, p) == -1) {
      int e = errno;
      if (p.dirfd >= 0)
        close (p.dirfd);
      free (p.name);
      free (p.path);
      return gc_tree_int_fail_errno (r, e);
    }
    r->fd = -1;                 /* the batch owns them now */
    r->tmpname = NULL;
    r->pending_bytes += r->size;
    ++r->entries;
    if (linkable && add_linkref (r, &st, true, true) == -1)
      return -1;
    if (r->pending.len >= BATCH_FILES || r->pending_bytes >= BATCH_BYTES)
      return gc_tree_int_commit (r);
    return 0;
  }

  int ret = link_file (r, dirfd, r->fd, r->tmpname, r->name);
  free (r->tmpname);            /* in place, or removed */
  r->tmpname = NULL;
  close (r->fd);
  r->fd = -1;
  if (ret == -1)
    return -1;
  ++r->entries;
  if (linkable)
    return add_linkref (r, &st, true, false);
  return 0;
}

/* A symbolic link, FIFO or device: made under a hidden name, given
 * its owner, mode and times, then renamed into place. */
/* See treestream-int.h. */
int
gc_tree_int_make_node (struct gc_tree_reader *r, const char *target, dev_t dev)
{
  int dirfd = r->stack[r->depth].fd;
  bool linkable = r->meta.flags & 1;
  bool is_dev = r->type == 'c' || r->type == 'b';
  char hidden[32];

  if (is_dev && !(r->flags & GC_TREE_R_DEVICES)) {
    ++r->skipped_devices;
    return linkable ? add_linkref (r, NULL, false, false) : 0;
  }
  int i;
  for (i = 0; i < 10; ++i) {
    hidden_name (hidden);
    int rc;
    if (r->type == 'l')
      rc = symlinkat (target, dirfd, hidden);
    else
      rc = mknodat (dirfd, hidden,
                    (r->type == 'p' ? S_IFIFO : r->type == 'c' ? S_IFCHR
                     : S_IFBLK) | 0600, dev);
    if (rc == 0)
      break;
    if (errno != EEXIST)
      return gc_tree_int_fail_errno (r, errno);
  }
  if (i == 10)
    return gc_tree_int_fail_errno (r, EEXIST);
  if (set_meta_at (r, dirfd, hidden, &r->meta, r->type == 'l') == -1) {
    unlinkat (dirfd, hidden, 0);
    return -1;
  }
  struct stat st;
  if (linkable && fstatat (dirfd, hidden, &st, AT_SYMLINK_NOFOLLOW) == -1) {
    int e = errno;
    unlinkat (dirfd, hidden, 0);
    return gc_tree_int_fail_errno (r, e);
  }
  if (put_in_place (r, dirfd, hidden, r->name) == -1)
    return -1;
  ++r->entries;
  return linkable ? add_linkref (r, &st, true, false) : 0;
}

static void
push_path (struct gc_tree_reader *r, const char *name)
{
  if (r->pathlen)
    r->path[r->pathlen++] = '/';
  size_t n = strlen (name);
  memcpy (r->path + r->pathlen, name, n);
  r->pathlen += n;
  r->path[r->pathlen] = '\0';
}

/* See treestream-int.h. */
int
gc_tree_int_enter_dir (struct gc_tree_reader *r)
{
  int dirfd = r->stack[r->depth].fd;
  bool created = false;

  if (r->depth >= GC_TREE_DEPTH_MAX)
    return gc_tree_int_fail (r, ELOOP, "more than %d directories deep",
                 GC_TREE_DEPTH_MAX);
  if (mkdirat (dirfd, r->name, 0700) == 0)
    created = true;
  else if (errno != EEXIST)
    return gc_tree_int_fail_errno (r, errno);
  int fd = openat (dirfd, r->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                   O_CLOEXEC);
  if (fd == -1) {
    if (errno == ENOTDIR || errno == ELOOP)
      return gc_tree_int_fail (r, EEXIST, "exists and is not a directory");
    return gc_tree_int_fail_errno (r, errno);
  }
  struct dir *d = &r->stack[++r->depth];
  d->fd = fd;
  d->pathlen = r->pathlen;
  d->created = created;
  d->meta = r->meta;
  push_path (r, r->name);
  if (created)
    ++r->entries;
  return 0;
}

/* Leave the current directory: its mode and times now (or after the
 * batch it follows). */
/* See treestream-int.h. */
int
gc_tree_int_leave_dir (struct gc_tree_reader *r)
{
  if (r->depth == 0)
    return malformed (r, "the end of a directory outside any");
  struct dir d = r->stack[r->depth--];
  int ret = 0;
  if (d.created && r->pending.len > 0) {
    struct pending p = { .is_dir = true, .fd = d.fd, .dirfd = -1,
                         .meta = d.meta, .linkref = -1,
                         .path = strdup (r->path) };
    if (p.path == NULL || pending_vector_append (&r->pending, p) == -1) {
      free (p.path);
      ret = gc_tree_int_fail_errno (r, ENOMEM);
      close (d.fd);
    }
  }
  else {
    if (d.created)
      ret = gc_tree_int_finish_dir (r, d.fd, &d.meta);
    close (d.fd);
  }
  r->pathlen = d.pathlen;
  r->path[r->pathlen] = '\0';
  return ret;
}

/* A hard link to the ref'th linkable entry, if it is still what this
 * stream made. */
/* See treestream-int.h. */
int
gc_tree_int_make_hardlink (struct gc_tree_reader *r, uint32_t ref)
{
  if (ref >= r->links.len)
    return malformed (r, "a hard link to entry %" PRIu32 ", which the "
                      "stream did not send before", ref);
  if (r->links.ptr[ref].path == NULL) {
    ++r->skipped_devices;       /* its target was not made */
    return 0;
  }
  if (r->links.ptr[ref].pending && gc_tree_int_commit (r) == -1)
    return -1;

  const struct linkref *l = &r->links.ptr[ref];
  CLEANUP_FREE char *copy = strdup (l->path);
  if (copy == NULL)
    return gc_tree_int_fail_errno (r, ENOMEM);
  CLEANUP_CLOSE int pfd = fcntl (r->rootfd, F_DUPFD_CLOEXEC, 3);
  char *comp = copy, *slash;
  while (pfd >= 0 && (slash = strchr (comp, '/')) != NULL) {
    *slash = '\0';
    int nfd = openat (pfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
                      O_CLOEXEC);
    close (pfd);
    pfd = nfd;
    comp = slash + 1;
  }
  struct stat st;
  if (pfd == -1 || fstatat (pfd, comp, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
      st.st_dev != l->dev || st.st_ino != l->ino)
    return gc_tree_int_fail (r, ESTALE, "a hard link to %s, which is no longer what "
                 "the stream made", l->path);

  int dirfd = r->stack[r->depth].fd;
  char hidden[32];
  if (linkat (pfd, comp, dirfd, r->name, 0) == 0) {
    ++r->entries;
    return 0;
  }
  if (errno != EEXIST)
    return gc_tree_int_fail_errno (r, errno);
  for (int i = 0; i < 10; ++i) {
    hidden_name (hidden);
    if (linkat (pfd, comp, dirfd, hidden, 0) == 0) {
      if (put_in_place (r, dirfd, hidden, r->name) == -1)
        return -1;
      ++r->entries;
      return 0;
    }
    if (errno != EEXIST)
      break;
  }
  return gc_tree_int_fail_errno (r, errno);
}

