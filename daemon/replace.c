/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Replacing a guest file safely (replace): the one way the tools that
 * rewrite an existing file (virt-edit) write it back.
 *
 * The new contents never overwrite the old in place.  They go to a
 * temporary file in the same directory: an unnamed O_TMPFILE where the
 * filesystem has them (ext4, xfs, btrfs: a crash leaves nothing behind
 * but an orphan inode the journal frees), else a hidden
 * ".guestcell-XXXXXXXX" (ntfs-3g, vfat), removed on every failure.  It
 * gets the original's owner and group, then its extended attributes
 * (after the chown, which would clear security.capability), then its
 * mode (chown clears setuid and setgid), is fsynced, and is renamed
 * over the original; then the directory is fsynced.  At every instant
 * the guest holds the whole old file or the whole new one.  A backup
 * (FILE+SUFFIX) is a hard link to the original made before the rename
 * (a copy on filesystems without hard links), an existing one replaced
 * by a rename.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

/* The file being replaced, once found. */
struct target {
  const char *path;             /* as the caller named it */
  int dfd;                      /* its real directory, O_PATH */
  char *name;                   /* its name there (links resolved) */
  int fd;                       /* the original, O_RDONLY */
  struct stat st;
};

/* A temporary file in the target's directory. */
struct temp {
  int fd;                       /* O_WRONLY */
  char name[32];                /* its hidden name, "" while unnamed */
};

/* A hidden name not in use yet: ".guestcell-" and 8 hex digits. */
static void
hidden_name (char *buf, size_t size)
{
  static unsigned counter;
  uint32_t r;
  if (getrandom (&r, sizeof r, GRND_NONBLOCK) != sizeof r) {
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    r = (uint32_t) ts.tv_nsec ^ (uint32_t) getpid () << 16;
  }
  snprintf (buf, size, ".guestcell-%08" PRIx32, r + counter++);
}

static void
target_free (struct target *t)
{
  if (t->dfd >= 0)
    close (t->dfd);
  if (t->fd >= 0)
    close (t->fd);
  free (t->name);
}

/* Find the regular file path names (following links inside the guest)
 * and its real directory.  0, or -1 after replying. */
static int
open_target (const char *path, struct target *t)
{
  CLEANUP_CLOSE int pfd = gc_d_open_guest (path, O_PATH, 0);
  if (pfd == -1 || fstat (pfd, &t->st) == -1) {
    reply_with_perror ("replace: %s", path);
    return -1;
  }
  if (S_ISDIR (t->st.st_mode)) {
    reply_with_error_errno (EISDIR, "replace: %s: Is a directory", path);
    return -1;
  }
  if (!S_ISREG (t->st.st_mode)) {
    reply_with_error_errno (EINVAL, "replace: %s: not a regular file", path);
    return -1;
  }
  /* Where it really is: a link's target, with every link resolved. */
  CLEANUP_FREE char *apath = gc_d_fd_path (pfd);
  CLEANUP_FREE char *real = apath ? gc_d_guest_path (apath) : NULL;
  if (real == NULL) {
    reply_with_error ("replace: %s: resolves outside the guest", path);
    return -1;
  }
  t->dfd = gc_d_open_parent (real, &t->name);
  struct stat st;
  if (t->dfd == -1 ||
      fstatat (t->dfd, t->name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
    reply_with_perror ("replace: %s", path);
    return -1;
  }
  if (st.st_dev != t->st.st_dev || st.st_ino != t->st.st_ino) {
    reply_with_error_errno (EAGAIN, "replace: %s: changed while it was "
                            "being replaced", path);
    return -1;
  }
  /* For its extended attributes (and a backup copy): a regular file, so
   * opening it reads nothing and blocks on nothing. */
  t->fd = openat (t->dfd, t->name,
                  O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  if (t->fd == -1) {
    reply_with_perror ("replace: %s", path);
    return -1;
  }
  return 0;
}

/* A new temporary file in the target's directory: unnamed if the
 * filesystem can, else hidden (named).  0, or -1 with errno. */
static int
make_temp (const struct target *t, struct temp *tmp, bool unnamed)
{
  tmp->name[0] = '\0';
  if (unnamed) {
    tmp->fd = openat (t->dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (tmp->fd >= 0)
      return 0;
    /* No O_TMPFILE here (FUSE, vfat): a hidden name instead. */
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
      return -1;
  }
  for (int i = 0; i < 100; ++i) {
    hidden_name (tmp->name, sizeof tmp->name);
    tmp->fd = openat (t->dfd, tmp->name,
                      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      0600);
    if (tmp->fd >= 0 || errno != EEXIST)
      break;
  }
  if (tmp->fd == -1)
    tmp->name[0] = '\0';
  return tmp->fd >= 0 ? 0 : -1;
}

/* Close and remove a temporary file (errno kept). */
static void
discard_temp (const struct target *t, struct temp *tmp)
{
  int err = errno;
  if (tmp->fd >= 0)
    close (tmp->fd);
  tmp->fd = -1;
  if (tmp->name[0])
    unlinkat (t->dfd, tmp->name, 0);
  tmp->name[0] = '\0';
  errno = err;
}

/* The original's owner, extended attributes and mode, in that order,
 * on fd.  0, or -1 with errno and *what saying which failed. */
static int
copy_metadata (const struct target *t, int fd, const char **what,
               const char **xattr)
{
  struct stat st;
  *xattr = NULL;
  if (fstat (fd, &st) == -1) {
    *what = "stat";
    return -1;
  }
  /* Only what differs: filesystems without owners (vfat, ntfs-3g)
   * refuse a chown even to what they show. */
  if ((st.st_uid != t->st.st_uid || st.st_gid != t->st.st_gid) &&
      fchown (fd, t->st.st_uid, t->st.st_gid) == -1) {
    *what = "cannot set the owner";
    return -1;
  }
  if (gc_d_copy_xattrs (t->fd, fd, xattr) == -1) {
    *what = "cannot copy the extended attribute";
    return -1;
  }
  /* After the chown and the ACL, which change the mode. */
  if (fstat (fd, &st) == -1) {
    *what = "stat";
    return -1;
  }
  if ((st.st_mode & 07777) != (t->st.st_mode & 07777) &&
      fchmod (fd, t->st.st_mode & 07777) == -1) {
    *what = "cannot set the mode";
    return -1;
  }
  return 0;
}

/* Reply with what copy_metadata says failed; -1. */
static int
reply_metadata_error (const char *path, const char *what, const char *xattr)
{
  if (xattr)
    reply_with_perror ("replace: %s: %s %s", path, what, xattr);
  else
    reply_with_perror ("replace: %s: %s", path, what);
  return -1;
}

/* Give a (named or unnamed) temporary file the name to, replacing what
 * is there.  0, or -1 with errno (the temporary file is discarded). */
static int
install_temp (const struct target *t, struct temp *tmp, const char *to)
{
  if (tmp->name[0] == '\0') {
    /* Link the unnamed file in under a hidden name first: no call links
     * over an existing name. */
    char proc[64];
    snprintf (proc, sizeof proc, "/proc/self/fd/%d", tmp->fd);
    int r = -1;
    for (int i = 0; i < 100; ++i) {
      hidden_name (tmp->name, sizeof tmp->name);
      r = linkat (AT_FDCWD, proc, t->dfd, tmp->name, AT_SYMLINK_FOLLOW);
      if (r == 0 || errno != EEXIST)
        break;
    }
    if (r == -1) {
      tmp->name[0] = '\0';
      discard_temp (t, tmp);
      return -1;
    }
  }
  if (renameat (t->dfd, tmp->name, t->dfd, to) == -1) {
    discard_temp (t, tmp);
    return -1;
  }
  tmp->name[0] = '\0';
  close (tmp->fd);
  tmp->fd = -1;
  return 0;
}

/* The original kept as name+suffix, before anything replaces it: a
 * hard link, or where the filesystem has none (vfat) a copy with the
 * same metadata; an existing backup is replaced by a rename.  0, or -1
 * after replying. */
static int
make_backup (const struct target *t, const char *suffix)
{
  CLEANUP_FREE char *bname = NULL;
  if (asprintf (&bname, "%s%s", t->name, suffix) == -1) {
    reply_with_perror ("malloc");
    return -1;
  }
  if (strlen (bname) > NAME_MAX) {
    reply_with_error_errno (ENAMETOOLONG, "replace: %s: the backup's name "
                            "%s is too long", t->path, bname);
    return -1;
  }
  if (linkat (t->dfd, t->name, t->dfd, bname, 0) == 0)
    return 0;

  struct temp tmp = { .fd = -1 };
  if (errno == EEXIST) {
    int r = -1;
    for (int i = 0; i < 100; ++i) {
      hidden_name (tmp.name, sizeof tmp.name);
      r = linkat (t->dfd, t->name, t->dfd, tmp.name, 0);
      if (r == 0 || errno != EEXIST)
        break;
    }
    if (r == 0) {
      if (renameat (t->dfd, tmp.name, t->dfd, bname) == 0)
        return 0;
      discard_temp (t, &tmp);
      goto error;
    }
  }
  if (errno != EPERM && errno != EOPNOTSUPP && errno != EMLINK)
    goto error;

  /* No hard links here: a copy, synced, renamed into place. */
  const char *what = NULL, *xattr = NULL;
  if (make_temp (t, &tmp, false) == -1)
    goto error;
  if (gc_copy_all (t->fd, tmp.fd) == -1 ||
      copy_metadata (t, tmp.fd, &what, &xattr) == -1 ||
      fsync (tmp.fd) == -1) {
    discard_temp (t, &tmp);
    if (what)
      return reply_metadata_error (t->path, what, xattr);
    goto error;
  }
  if (install_temp (t, &tmp, bname) == 0)
    return 0;

 error:
  reply_with_perror ("replace: %s: cannot make the backup %s", t->path,
                     bname);
  return -1;
}

struct receive_state {
  int fd;
  int err;                      /* of the first failed write */
  uint64_t got;
  int64_t size;
};

static int
replace_cb (void *opaque, const void *buf, size_t len)
{
  struct receive_state *s = opaque;
  if (gc_write_all (s->fd, buf, len) == -1) {
    s->err = errno;
    return -1;
  }
  s->got += len;
  if (s->size > 0 && s->got < (uint64_t) s->size)
    notify_progress (s->got, s->size);
  return 0;
}

/* 0 after consuming the stream and replacing the file; -1 after
 * replying (the original untouched, no temporary file left). */
int
do_replace (const char *path, const char *backup_suffix, int64_t size)
{
  if (backup_suffix &&
      (strchr (backup_suffix, '/') || strcmp (backup_suffix, ".") == 0)) {
    reply_with_error_errno (EINVAL, "replace: %s: the backup suffix must "
                            "not contain '/'", path);
    return -1;
  }

  struct target t = { .path = path, .dfd = -1, .fd = -1 };
  if (open_target (path, &t) == -1) {   /* replying drains the stream */
    target_free (&t);
    return -1;
  }
  struct temp tmp = { .fd = -1 };
  if (make_temp (&t, &tmp, true) == -1) {
    reply_with_perror ("replace: %s: cannot make a temporary file in its "
                       "directory", path);
    target_free (&t);
    return -1;
  }

  struct receive_state s = { .fd = tmp.fd, .size = size };
  int r = receive_file (replace_cb, &s);
  const char *what = NULL, *xattr = NULL;
  if (r != 0)
    discard_temp (&t, &tmp);
  if (r == -2)
    reply_with_error_errno (ECANCELED, "replace: %s: cancelled", path);
  else if (r == -1) {
    errno = s.err;
    reply_with_perror ("replace: %s", path);
  }
  else if (r < 0)
    reply_with_error ("replace: %s: error on the channel", path);
  else if (size >= 0 && s.got != (uint64_t) size) {
    discard_temp (&t, &tmp);
    reply_with_error_errno (EPROTO, "replace: %s: %" PRIu64 " bytes "
                            "received, %" PRIi64 " announced: not replaced",
                            path, s.got, size);
  }
  else if (copy_metadata (&t, tmp.fd, &what, &xattr) == -1) {
    discard_temp (&t, &tmp);
    reply_metadata_error (path, what, xattr);
  }
  else if (fsync (tmp.fd) == -1) {
    discard_temp (&t, &tmp);
    reply_with_perror ("replace: %s", path);
  }
  else if (backup_suffix && make_backup (&t, backup_suffix) == -1)
    discard_temp (&t, &tmp);
  else if (install_temp (&t, &tmp, t.name) == -1)
    reply_with_perror ("replace: %s", path);
  else {
    /* The rename (and the backup's link) on the disk. */
    char proc[64];
    snprintf (proc, sizeof proc, "/proc/self/fd/%d", t.dfd);
    CLEANUP_CLOSE int dir = open (proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir == -1 || (fsync (dir) == -1 && errno != EINVAL)) {
      reply_with_perror ("replace: %s: replaced, but its directory could "
                         "not be synced", path);
      r = -1;
    }
    else
      r = 0;
    if (r == 0)
      notify_progress (s.got, s.got);
    target_free (&t);
    return r;
  }
  target_free (&t);
  return -1;
}
