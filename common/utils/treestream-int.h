/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* What the tree stream's reader shares between its parser
 * (treestream-read.c: the state machine that checks every field) and
 * the code that makes the entries it describes (treestream-extract.c).
 * Private to those two files. */

#ifndef GC_TREESTREAM_INT_H
#define GC_TREESTREAM_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>
#include <sys/stat.h>

#include "treestream.h"
#include "vector.h"

/* A durable batch is linked after this many files or bytes. */
#define BATCH_FILES 128
#define BATCH_BYTES (64 << 20)
#define META_SIZE (4 + 4 + 4 + 8 + 4 + 8 + 4 + 1)

enum state {
  S_MAGIC, S_TYPE, S_NAMELEN, S_NAME, S_META, S_SIZE, S_EXTLEN, S_EXTOFF,
  S_DATA, S_TLEN, S_TARGET, S_DEV, S_REF, S_WLEN, S_WMSG, S_DONE, S_FAILED,
};

struct meta {
  uint32_t mode, uid, gid;
  struct timespec times[2];     /* atime, mtime */
  uint8_t flags;
};

struct dir {
  int fd;
  size_t pathlen;               /* the path's length before its name */
  bool created;                 /* made by this stream */
  struct meta meta;
};

/* An entry flagged linkable: where this stream made it. */
struct linkref {
  char *path;                   /* NULL: not made (a device skipped) */
  dev_t dev;
  ino_t ino;
  bool pending;                 /* in the durable batch, not linked yet */
};
DEFINE_VECTOR_TYPE (linkref_vector, struct linkref);

/* What a durable batch holds, in stream order: files to link and
 * directories to finish. */
struct pending {
  bool is_dir;
  int fd;                       /* the temporary, or the directory */
  int dirfd;                    /* a file's directory (its own fd) */
  char *name;                   /* a file's name */
  char *tmpname;                /* its hidden name, NULL with O_TMPFILE */
  char *path;                   /* for messages */
  struct meta meta;             /* a directory's */
  int64_t linkref;              /* -1, or the linkref it is */
};
DEFINE_VECTOR_TYPE (pending_vector, struct pending);

struct gc_tree_reader {
  int rootfd;
  unsigned flags;
  gc_tree_warn warn;
  void *warn_opaque;
  gc_tree_progress progress;
  void *progress_opaque;

  enum state state;
  size_t want, have;
  char field[GC_TREE_TARGET_MAX + 1];

  /* The record under way. */
  char type;
  char name[GC_TREE_NAME_MAX + 1];
  bool have_name;
  struct meta meta;
  uint64_t size;
  uint32_t ext_len;
  uint64_t ext_end, ext_off, ext_left;
  int fd;                       /* the file being written, or -1 */
  char *tmpname;                /* its hidden name, or NULL */

  /* The directories entered: stack[0] is the root. */
  struct dir stack[GC_TREE_DEPTH_MAX + 1];
  int depth;
  char path[GC_TREE_PATH_MAX + 1];
  size_t pathlen;

  linkref_vector links;
  size_t link_bytes;
  pending_vector pending;
  uint64_t pending_bytes;

  uint64_t entries, bytes, skipped_devices, dropped_setuid;
  char *error;
  int err;
};

/* Record the reader's first error, "PATH: message" naming the entry
 * under way; always -1. */
extern int gc_tree_int_fail (struct gc_tree_reader *r, int err,
                             const char *fs, ...)
  __attribute__ ((format (printf, 3, 4)));
/* The same with strerror (err) (or a plainer word for EISDIR and
 * ENOTEMPTY); always -1. */
extern int gc_tree_int_fail_errno (struct gc_tree_reader *r, int err);
#define malformed(r, ...) \
  gc_tree_int_fail ((r), EBADMSG, "malformed stream: " __VA_ARGS__)
/* The path of the entry under way, or of the current directory. */
extern void gc_tree_int_entry_path (struct gc_tree_reader *r, char *buf,
                                    size_t size);

/* Making entries (treestream-extract.c).  Each returns 0, or -1 after
 * recording the error. */
/* An invisible temporary in dirfd for the file under way: its fd (and
 * r->tmpname set if it has a hidden name), or -1. */
extern int gc_tree_int_open_temporary (struct gc_tree_reader *r, int dirfd);
/* n bytes of the current extent. */
extern int gc_tree_int_write_data (struct gc_tree_reader *r, const char *p,
                                   size_t n);
/* The file under way is whole: its size, owner, mode and times, then
 * in place (or in the durable batch). */
extern int gc_tree_int_end_file (struct gc_tree_reader *r);
/* Drop the file under way, removing its temporary. */
extern void gc_tree_int_drop_file (struct gc_tree_reader *r);
/* A symbolic link (target), FIFO or device node (dev) named r->name. */
extern int gc_tree_int_make_node (struct gc_tree_reader *r,
                                  const char *target, dev_t dev);
/* Make or enter the directory r->name; leave the current one. */
extern int gc_tree_int_enter_dir (struct gc_tree_reader *r);
extern int gc_tree_int_leave_dir (struct gc_tree_reader *r);
/* A hard link r->name to the ref'th linkable entry. */
extern int gc_tree_int_make_hardlink (struct gc_tree_reader *r,
                                      uint32_t ref);
/* Link the durable batch after a sync(), finish its directories. */
extern int gc_tree_int_commit (struct gc_tree_reader *r);
/* A directory's owner, mode and times. */
extern int gc_tree_int_finish_dir (struct gc_tree_reader *r, int fd,
                                   const struct meta *m);
/* Close (and with remove, delete the hidden temporary of) a batch
 * entry, and free it. */
extern void gc_tree_int_free_pending (struct pending *p, bool remove);

#endif /* GC_TREESTREAM_INT_H */
