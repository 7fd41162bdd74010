/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* btrfs: listing a filesystem's subvolumes, and making subvolumes and
 * snapshots and choosing the default one (for make-guest).
 *
 * The list comes from the kernel, not from btrfs-progs: a search of the
 * tree of tree roots (BTRFS_IOC_TREE_SEARCH: the ROOT_ITEMs for the
 * flags and the parent UUID, the ROOT_BACKREFs for where each subvolume
 * sits in its parent, the "default" dir item) and BTRFS_IOC_INO_LOOKUP
 * for the directory path inside the parent, on a private read-only
 * mount of the top level.  No exec (an exec of btrfs costs ~0.1 s under
 * TCG), and every count and length read from the filesystem is bounded:
 * it is the guest's and untrusted.
 */

#include <config.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

/* At most this many subvolumes are listed: a guest with more is
 * refused rather than sent in one enormous reply. */
#define MAX_SUBVOLUMES 4096
/* Subvolumes nest at most this deep (each level is a frame of
 * resolve_path, with a 4 KiB lookup buffer). */
#define MAX_DEPTH 128
/* The paths sent add up to at most this many bytes, well inside a
 * reply (GC_MESSAGE_MAX). */
#define MAX_REPLY_BYTES (2 << 20)
/* Where the top level is mounted while it is listed. */
#define LIST_MOUNT "/run/gc/btrfs"

struct subvol {
  uint64_t id;
  uint64_t parent;              /* 0 until its ROOT_BACKREF is seen */
  uint64_t dirid;               /* the directory in the parent */
  char *name;                   /* its name in that directory */
  bool readonly, snapshot;
  char *path;                   /* from the top level, once resolved */
  bool resolving;               /* loop guard */
};
DEFINE_VECTOR_TYPE (subvol_vector, struct subvol);

static void
subvols_free (subvol_vector *v)
{
  for (size_t i = 0; i < v->len; ++i) {
    free (v->ptr[i].name);
    free (v->ptr[i].path);
  }
  subvol_vector_reset (v);
}

/* The subvolume with this id, added if new (and add is true); NULL if
 * not there or on too many subvolumes / ENOMEM (errno set). */
static struct subvol *
find_subvol (subvol_vector *v, uint64_t id, bool add)
{
  for (size_t i = 0; i < v->len; ++i)
    if (v->ptr[i].id == id)
      return &v->ptr[i];
  if (!add) {
    errno = ENOENT;
    return NULL;
  }
  if (v->len >= MAX_SUBVOLUMES) {
    errno = E2BIG;
    return NULL;
  }
  struct subvol s = { .id = id };
  if (subvol_vector_append (v, s) == -1)
    return NULL;
  return &v->ptr[v->len - 1];
}

/* One item of the root tree: a ROOT_ITEM (flags, parent UUID) or a
 * ROOT_BACKREF (parent, directory, name).  Malformed items are
 * skipped.  -1 on E2BIG / ENOMEM. */
static int
take_item (subvol_vector *v, const struct btrfs_ioctl_search_header *sh,
           const char *item)
{
  if (sh->objectid < BTRFS_FIRST_FREE_OBJECTID
      || sh->objectid > BTRFS_LAST_FREE_OBJECTID)
    return 0;
  if (sh->type == BTRFS_ROOT_ITEM_KEY) {
    struct subvol *s = find_subvol (v, sh->objectid, true);
    if (s == NULL)
      return -1;
    uint64_t flags;
    if (sh->len >= offsetof (struct btrfs_root_item, flags) + sizeof flags) {
      memcpy (&flags, item + offsetof (struct btrfs_root_item, flags),
              sizeof flags);
      s->readonly = (le64toh (flags) & BTRFS_ROOT_SUBVOL_RDONLY) != 0;
    }
    /* Older filesystems have no UUIDs: nothing says "snapshot" then. */
    size_t pu = offsetof (struct btrfs_root_item, parent_uuid);
    if (sh->len >= pu + BTRFS_UUID_SIZE) {
      static const char zero[BTRFS_UUID_SIZE];
      s->snapshot = memcmp (item + pu, zero, BTRFS_UUID_SIZE) != 0;
    }
    return 0;
  }
  if (sh->type == BTRFS_ROOT_BACKREF_KEY) {
    struct btrfs_root_ref ref;
    if (sh->len < sizeof ref)
      return 0;
    memcpy (&ref, item, sizeof ref);
    size_t nl = le16toh (ref.name_len);
    const char *name = item + sizeof ref;
    if (nl == 0 || nl > 255 || sh->len < sizeof ref + nl
        || memchr (name, '/', nl) || memchr (name, '\0', nl)
        || (nl == 1 && name[0] == '.')
        || (nl == 2 && name[0] == '.' && name[1] == '.')) {
      gc_d_debug ("btrfs: subvolume %" PRIu64 ": bad name: skipped",
                  (uint64_t) sh->objectid);
      return 0;
    }
    struct subvol *s = find_subvol (v, sh->objectid, true);
    if (s == NULL)
      return -1;
    if (s->name)                /* a second link: keep the first */
      return 0;
    s->name = strndup (name, nl);
    if (s->name == NULL)
      return -1;
    s->parent = sh->offset;
    s->dirid = le64toh (ref.dirid);
  }
  return 0;
}

/* Search tree 1 from (objectid, type) to (max_objectid, max_type),
 * calling take (or, if default_id is not NULL, looking for the
 * "default" dir item).  -1 with errno. */
static int
search_root_tree (int fd, uint64_t objectid, uint64_t max_objectid,
                  uint32_t type, uint32_t max_type, subvol_vector *v,
                  uint64_t *default_id)
{
  struct btrfs_ioctl_search_args args;
  struct btrfs_ioctl_search_key *k = &args.key;

  memset (&args, 0, sizeof args);
  k->tree_id = BTRFS_ROOT_TREE_OBJECTID;
  k->min_objectid = objectid;
  k->max_objectid = max_objectid;
  k->min_type = type;
  k->max_type = max_type;
  k->max_offset = UINT64_MAX;
  k->max_transid = UINT64_MAX;

  /* Each round returns at least one item or ends the search; the
   * number of rounds is bounded by the items, themselves bounded by
   * MAX_SUBVOLUMES (ROOT_ITEM and one BACKREF each, a few more for
   * extra links). */
  for (unsigned rounds = 0; rounds < 4 * MAX_SUBVOLUMES; ++rounds) {
    k->nr_items = 4096;
    if (ioctl (fd, BTRFS_IOC_TREE_SEARCH, &args) == -1)
      return -1;
    if (k->nr_items == 0)
      return 0;
    size_t off = 0;
    struct btrfs_ioctl_search_header sh;
    for (uint32_t i = 0; i < k->nr_items; ++i) {
      if (off + sizeof sh > sizeof args.buf) {
        errno = EIO;
        return -1;
      }
      memcpy (&sh, args.buf + off, sizeof sh);
      off += sizeof sh;
      if (sh.len > sizeof args.buf - off) {
        errno = EIO;
        return -1;
      }
      const char *item = args.buf + off;
      off += sh.len;
      if (default_id) {
        struct btrfs_dir_item di;
        if (sh.type == BTRFS_DIR_ITEM_KEY && sh.len >= sizeof di) {
          memcpy (&di, item, sizeof di);
          size_t nl = le16toh (di.name_len);
          if (nl == 7 && sh.len >= sizeof di + nl
              && memcmp (item + sizeof di, "default", 7) == 0)
            *default_id = le64toh (di.location.objectid);
        }
      }
      else if (take_item (v, &sh, item) == -1)
        return -1;
      /* The next key after this one. */
      k->min_objectid = sh.objectid;
      k->min_type = sh.type;
      k->min_offset = sh.offset + 1;
      if (sh.offset == UINT64_MAX) {
        k->min_offset = 0;
        if (sh.type == UINT8_MAX) {
          if (sh.objectid == UINT64_MAX)
            return 0;
          k->min_objectid++;
          k->min_type = 0;
        }
        else
          k->min_type++;
      }
    }
  }
  errno = E2BIG;
  return -1;
}

/* The path of s from the top level (malloc'd into s->path), resolving
 * its parents first (depth: how many are being resolved below it).  0,
 * or -1 with errno (ENOENT: it hangs from a subvolume that is not
 * there, or from a loop; ELOOP: nested too deep). */
static int
resolve_path (int fd, subvol_vector *v, struct subvol *s, unsigned depth)
{
  if (s->path)
    return 0;
  if (s->name == NULL || s->resolving) {
    errno = ENOENT;
    return -1;
  }
  if (depth >= MAX_DEPTH) {
    errno = ELOOP;
    return -1;
  }
  const char *ppath = "";
  if (s->parent != BTRFS_FS_TREE_OBJECTID) {
    struct subvol *p = find_subvol (v, s->parent, false);
    if (p == NULL)
      return -1;
    s->resolving = true;
    int r = resolve_path (fd, v, p, depth + 1);
    s->resolving = false;
    if (r == -1)
      return -1;
    ppath = p->path;
  }
  /* The directory holding s inside its parent: "a/b/", or "" for the
   * parent's own root directory. */
  struct btrfs_ioctl_ino_lookup_args lk;
  memset (&lk, 0, sizeof lk);
  lk.treeid = s->parent;
  lk.objectid = s->dirid;
  if (s->dirid != BTRFS_FIRST_FREE_OBJECTID) {
    if (ioctl (fd, BTRFS_IOC_INO_LOOKUP, &lk) == -1)
      return -1;
    lk.name[sizeof lk.name - 1] = '\0';
  }
  if (asprintf (&s->path, "%s%s%s%s", ppath, *ppath ? "/" : "", lk.name,
                s->name) == -1) {
    s->path = NULL;
    return -1;
  }
  if (strlen (s->path) > PATH_MAX) {
    free (s->path);
    s->path = NULL;
    errno = ENAMETOOLONG;
    return -1;
  }
  return 0;
}

static int
compare_id (const void *a, const void *b)
{
  const struct subvol *x = a, *y = b;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Fill v with the subvolumes of the filesystem whose top level is open
 * as fd, paths resolved and sorted by id; *default_id gets the default
 * subvolume.  -1 after replying. */
static int
list_subvolumes (int fd, const char *udev, subvol_vector *v,
                 uint64_t *default_id)
{
  *default_id = BTRFS_FS_TREE_OBJECTID;
  if (search_root_tree (fd, BTRFS_FIRST_FREE_OBJECTID,
                        BTRFS_LAST_FREE_OBJECTID, BTRFS_ROOT_ITEM_KEY,
                        BTRFS_ROOT_BACKREF_KEY, v, NULL) == -1) {
    if (errno == E2BIG)
      reply_with_error_errno (E2BIG, "btrfs_subvolume_list: %s: more "
                              "than %d subvolumes", udev, MAX_SUBVOLUMES);
    else
      reply_with_perror ("btrfs_subvolume_list: %s: tree search", udev);
    return -1;
  }
  if (search_root_tree (fd, BTRFS_ROOT_TREE_DIR_OBJECTID,
                        BTRFS_ROOT_TREE_DIR_OBJECTID, BTRFS_DIR_ITEM_KEY,
                        BTRFS_DIR_ITEM_KEY, v, default_id) == -1) {
    reply_with_perror ("btrfs_subvolume_list: %s: default subvolume", udev);
    return -1;
  }
  for (size_t i = 0; i < v->len; ++i) {
    struct subvol *s = &v->ptr[i];
    if (s->name == NULL)
      continue;                 /* deleted, not yet cleaned */
    if (resolve_path (fd, v, s, 0) == -1) {
      if (errno == ENOMEM) {
        reply_with_perror ("btrfs_subvolume_list: %s", udev);
        return -1;
      }
      gc_d_debug ("btrfs: %s: subvolume %" PRIu64 ": no path (%m): "
                  "skipped", udev, s->id);
    }
  }
  qsort (v->ptr, v->len, sizeof v->ptr[0], compare_id);
  return 0;
}

/* The subvolumes as triples of id, flags and path; the caller frees.
 * NULL after replying. */
char **
do_btrfs_subvolume_list (const char *device)
{
  CLEANUP_FREE char *user = gc_d_device_to_user (device);
  const char *udev = user ? user : device;
  subvol_vector v = EMPTY_VECTOR;
  string_vector out = EMPTY_VECTOR;
  uint64_t default_id;
  char **ret = NULL;

  if (gc_d_modprobe ("btrfs") == -1) {
    reply_with_error ("btrfs_subvolume_list: %s: cannot load the btrfs "
                      "module", udev);
    return NULL;
  }
  if ((mkdir ("/run/gc", 0700) == -1 && errno != EEXIST)
      || (mkdir (LIST_MOUNT, 0700) == -1 && errno != EEXIST)) {
    reply_with_perror ("btrfs_subvolume_list: mkdir %s", LIST_MOUNT);
    return NULL;
  }
  const unsigned long mflags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (mount (device, LIST_MOUNT, "btrfs", mflags, "subvolid=5") == -1) {
    /* A log to replay cannot be replayed on a read-only device. */
    int e = errno;
    if (mount (device, LIST_MOUNT, "btrfs", mflags,
               "subvolid=5,rescue=nologreplay") == -1) {
      errno = e;
      reply_with_perror ("btrfs_subvolume_list: %s: mount", udev);
      return NULL;
    }
    gc_d_debug ("btrfs: %s: listed without replaying its log", udev);
  }
  int fd = open (LIST_MOUNT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1) {
    reply_with_perror ("btrfs_subvolume_list: %s: open", udev);
    goto out;
  }
  int r = list_subvolumes (fd, udev, &v, &default_id);
  close (fd);
  if (r == -1)
    goto out;

  size_t bytes = 0;
  for (size_t i = 0; i < v.len; ++i) {
    const struct subvol *s = &v.ptr[i];
    char *id = NULL, *fl = NULL, *path = NULL;
    if (s->path == NULL)
      continue;
    bytes += strlen (s->path) + 64;
    if (bytes > MAX_REPLY_BYTES) {
      reply_with_error_errno (E2BIG, "btrfs_subvolume_list: %s: the paths "
                              "of the subvolumes are too long", udev);
      gc_string_vector_free (&out);
      goto out;
    }
    if (asprintf (&id, "%" PRIu64, s->id) == -1)
      id = NULL;
    char flags[64] = "";
    if (s->id == default_id)
      strcat (flags, ",default");
    if (s->readonly)
      strcat (flags, ",readonly");
    if (s->snapshot)
      strcat (flags, ",snapshot");
    fl = strdup (flags + (flags[0] == ','));
    path = strdup (s->path);
    if (id == NULL || fl == NULL || path == NULL
        || string_vector_append (&out, id) == -1
        || (id = NULL, string_vector_append (&out, fl) == -1)
        || (fl = NULL, string_vector_append (&out, path) == -1)) {
      free (id);
      free (fl);
      free (path);
      reply_with_perror ("malloc");
      gc_string_vector_free (&out);
      goto out;
    }
  }
  ret = gc_strings_from_vector (&out);
  if (ret == NULL) {
    reply_with_perror ("malloc");
    gc_string_vector_free (&out);
  }
 out:
  if (umount2 (LIST_MOUNT, 0) == -1)
    fprintf (stderr, "guestcelld: umount %s: %m\n", LIST_MOUNT);
  subvols_free (&v);
  return ret;
}

/* The directory of a guest path, opened for ioctls; *name its last
 * component.  -1 after replying. */
static int
open_parent_dir (const char *action, const char *path, char **name)
{
  CLEANUP_CLOSE int pfd = gc_d_open_parent (path, name);
  if (pfd == -1) {
    reply_with_perror ("%s: %s", action, path);
    return -1;
  }
  if (strlen (*name) > BTRFS_SUBVOL_NAME_MAX) {
    free (*name);
    *name = NULL;
    reply_with_error_errno (ENAMETOOLONG, "%s: %s: name too long", action,
                            path);
    return -1;
  }
  int fd = openat (pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1) {
    free (*name);
    *name = NULL;
    reply_with_perror ("%s: %s", action, path);
  }
  return fd;
}

/* 0, or -1 after replying. */
int
do_btrfs_subvolume_create (const char *path)
{
  CLEANUP_FREE char *name = NULL;
  CLEANUP_CLOSE int fd = open_parent_dir ("btrfs_subvolume_create", path,
                                          &name);
  if (fd == -1)
    return -1;
  struct btrfs_ioctl_vol_args a;
  memset (&a, 0, sizeof a);
  memcpy (a.name, name, strlen (name));
  if (ioctl (fd, BTRFS_IOC_SUBVOL_CREATE, &a) == -1) {
    reply_with_perror ("btrfs_subvolume_create: %s", path);
    return -1;
  }
  return 0;
}

/* 0, or -1 after replying. */
int
do_btrfs_subvolume_snapshot (const char *source, const char *dest,
                             int readonly)
{
  CLEANUP_CLOSE int sfd = gc_d_open_guest (source, O_RDONLY | O_DIRECTORY,
                                           0);
  if (sfd == -1) {
    reply_with_perror ("btrfs_subvolume_snapshot: %s", source);
    return -1;
  }
  CLEANUP_FREE char *name = NULL;
  CLEANUP_CLOSE int fd = open_parent_dir ("btrfs_subvolume_snapshot", dest,
                                          &name);
  if (fd == -1)
    return -1;
  struct btrfs_ioctl_vol_args_v2 a;
  memset (&a, 0, sizeof a);
  a.fd = sfd;
  a.flags = readonly ? BTRFS_SUBVOL_RDONLY : 0;
  memcpy (a.name, name, strlen (name));
  if (ioctl (fd, BTRFS_IOC_SNAP_CREATE_V2, &a) == -1) {
    reply_with_perror ("btrfs_subvolume_snapshot: %s to %s", source, dest);
    return -1;
  }
  return 0;
}

/* 0, or -1 after replying. */
int
do_btrfs_subvolume_set_default (const char *path)
{
  CLEANUP_CLOSE int fd = gc_d_open_guest (path, O_RDONLY | O_DIRECTORY, 0);
  struct stat st;
  if (fd == -1 || fstat (fd, &st) == -1) {
    reply_with_perror ("btrfs_subvolume_set_default: %s", path);
    return -1;
  }
  if (st.st_ino != BTRFS_FIRST_FREE_OBJECTID) {
    reply_with_error_errno (EINVAL, "btrfs_subvolume_set_default: %s: not "
                            "a btrfs subvolume", path);
    return -1;
  }
  /* The id of the subvolume fd is in. */
  struct btrfs_ioctl_ino_lookup_args lk;
  memset (&lk, 0, sizeof lk);
  lk.objectid = BTRFS_FIRST_FREE_OBJECTID;
  if (ioctl (fd, BTRFS_IOC_INO_LOOKUP, &lk) == -1) {
    reply_with_perror ("btrfs_subvolume_set_default: %s", path);
    return -1;
  }
  uint64_t id = lk.treeid;
  if (ioctl (fd, BTRFS_IOC_DEFAULT_SUBVOL, &id) == -1) {
    reply_with_perror ("btrfs_subvolume_set_default: %s", path);
    return -1;
  }
  return 0;
}
