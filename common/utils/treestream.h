/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The tree stream: how virt-copy-in and virt-copy-out carry a tree of
 * files between the host and the appliance, through the protocol's
 * FileIn and FileOut chunk streams.  Both ends are ours, so instead of
 * tar (a large parser with GNU, pax and sparse dialects, run on the
 * host over bytes a hostile guest controls) the stream is a small
 * record format with ONE writer (treestream-write.c: walks a tree
 * relative to a directory fd and emits records) and ONE reader
 * (treestream-read.c: a push parser that extracts below a directory
 * fd), used on both sides: the tool writes and the daemon reads for
 * copy-in, the daemon writes and the tool reads for copy-out.
 *
 * The format (every integer big-endian):
 *
 *   stream   := MAGIC record* 'z'
 *   MAGIC    := "GCTREE" 0x00 0x01             (8 bytes, version 1)
 *   record   := 'd' entry record* 'e'         a directory and what it holds
 *             | 'f' entry u64:size extent* u32:0
 *                                             a regular file
 *             | 'l' entry u16:n target[n]     a symbolic link (1..4095 bytes)
 *             | 'p' entry                     a FIFO
 *             | 'c' entry u32:major u32:minor a character device
 *             | 'b' entry u32:major u32:minor a block device
 *             | 'h' name u32:ref              a hard link to the ref'th
 *                                             entry flagged linkable
 *             | 'w' u16:n text[n]             a warning from the writer
 *                                             (at most 1024 bytes)
 *   entry    := name u32:mode u32:uid u32:gid
 *               s64:atime u32:atime_nsec s64:mtime u32:mtime_nsec
 *               u8:flags                      (flag 1: linkable)
 *   name     := u16:n bytes[n]                ONE path component
 *   extent   := u32:len (len > 0) u64:offset data[len]
 *
 * Every name is a single component (1..255 bytes, no '/', no NUL, not
 * "." or ".."): a directory's entries follow its 'd' record, so a path
 * is never parsed, only built.  mode holds the permission bits (07777)
 * only; the type is the record's.  A file's extents come in increasing
 * order without overlap, within its size; what lies between them is a
 * hole.  A hard link names an entry by its number among the entries
 * flagged linkable (counted from 0 in stream order), never by a path.
 * The nesting is at most GC_TREE_DEPTH_MAX directories and a path (the
 * names from the stream's root joined by '/') at most
 * GC_TREE_PATH_MAX bytes.  Anything else is an error of the stream.
 */

#ifndef GC_TREESTREAM_H
#define GC_TREESTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GC_TREE_MAGIC "GCTREE\0\1"
#define GC_TREE_MAGIC_LEN 8
#define GC_TREE_NAME_MAX 255
#define GC_TREE_PATH_MAX 4095
#define GC_TREE_TARGET_MAX 4095
#define GC_TREE_WARNING_MAX 1024
#define GC_TREE_DEPTH_MAX 256
/* The paths remembered for hard links, in all (a hostile stream could
 * otherwise flag millions of entries linkable). */
#define GC_TREE_LINKS_BYTES_MAX (64 << 20)

/* Where the writer's bytes go: 0, or -1 with errno set. */
typedef int (*gc_tree_sink) (void *opaque, const void *buf, size_t len);
/* Where the writer may send a file's data without reading it: len
 * bytes of fd from offset, straight after what the sink was given
 * last (splice(2)).  Returns the bytes sent, fewer only at the end of
 * the file; -1 with errno, EINVAL meaning it cannot for this file and
 * sent nothing (the writer then reads the data itself). */
typedef ssize_t (*gc_tree_sink_fd) (void *opaque, int fd, off_t offset,
                                    size_t len);
/* A warning (a socket skipped...); msg holds names as they are (the
 * caller makes them safe to print). */
typedef void (*gc_tree_warn) (void *opaque, const char *msg);
/* Bytes of file data done so far (writer: read; reader: written). */
typedef void (*gc_tree_progress) (void *opaque, uint64_t bytes);

/*----------------------------------------------------------------------
 * The writer (treestream-write.c).
 */

struct gc_tree_writer;

/* Writer flags. */
#define GC_TREE_W_ROOT_OWNER 0x1 /* every entry owned by 0:0, not its own */

/* A new writer sending to sink in pieces of exactly bufsize bytes
 * (the last one shorter); NULL with errno.  Free with
 * gc_tree_writer_free. */
extern struct gc_tree_writer *gc_tree_writer_new (size_t bufsize,
                                                  unsigned flags,
                                                  gc_tree_sink sink,
                                                  void *opaque);
extern void gc_tree_writer_set_warn (struct gc_tree_writer *w,
                                     gc_tree_warn warn, void *opaque);
extern void gc_tree_writer_set_progress (struct gc_tree_writer *w,
                                         gc_tree_progress progress,
                                         void *opaque);
/* File data in extents of 64 KiB and more goes to sink_fd (with the
 * sink's opaque), the buffer flushed before; the pieces the sink gets
 * are then not all of the buffer's size. */
extern void gc_tree_writer_set_sink_fd (struct gc_tree_writer *w,
                                        gc_tree_sink_fd sink_fd);
/* Write the entry name of the directory dirfd (not following it if it
 * is a symbolic link), and everything below it if it is a directory,
 * as as_name (a single component) at the stream's root.  Sockets are
 * skipped with a warning.  0, or -1 with the error in
 * gc_tree_writer_error. */
extern int gc_tree_write_entry (struct gc_tree_writer *w, int dirfd,
                                const char *name, const char *as_name);
/* Write the entries of the directory dirfd at the stream's root (its
 * own metadata is not carried).  0, or -1. */
extern int gc_tree_write_contents (struct gc_tree_writer *w, int dirfd);
/* A warning record (at most GC_TREE_WARNING_MAX bytes of msg are
 * kept).  0, or -1. */
extern int gc_tree_write_warning (struct gc_tree_writer *w, const char *msg);
/* The end record, and the rest of the buffer to the sink.  0, or -1. */
extern int gc_tree_write_end (struct gc_tree_writer *w);
/* The last error ("PATH: strerror"), or NULL; its errno. */
extern const char *gc_tree_writer_error (struct gc_tree_writer *w);
extern int gc_tree_writer_errno (struct gc_tree_writer *w);
/* Bytes of file data read so far, and entries written. */
extern uint64_t gc_tree_writer_bytes (struct gc_tree_writer *w);
extern uint64_t gc_tree_writer_entries (struct gc_tree_writer *w);
extern void gc_tree_writer_free (struct gc_tree_writer *w);

/* The bytes of file data below the entry name of dirfd (a regular
 * file's size, a directory's files' sizes, not following links), for a
 * progress bar's total.  Entries that cannot be read count 0.  Never
 * fails. */
extern uint64_t gc_tree_measure (int dirfd, const char *name);

/*----------------------------------------------------------------------
 * The reader (treestream-read.c).
 */

struct gc_tree_reader;

/* Reader flags. */
/* Each regular file is written to an invisible temporary (O_TMPFILE,
 * or a hidden name), and batches of them are linked under their names
 * only after a sync(): after a crash a file is absent or whole.
 * Without it, files are linked as soon as they are complete (an error
 * or a signal still leaves no partial file). */
#define GC_TREE_R_DURABLE  0x1
#define GC_TREE_R_CHOWN    0x2  /* give entries the stream's owners */
#define GC_TREE_R_DEVICES  0x4  /* make device nodes (else skipped) */
#define GC_TREE_R_SETUID   0x8  /* keep setuid and setgid bits */

/* A new reader extracting below the directory rootfd (which it does
 * not own: the caller closes it after gc_tree_reader_free).  NULL with
 * errno. */
extern struct gc_tree_reader *gc_tree_reader_new (int rootfd,
                                                  unsigned flags);
extern void gc_tree_reader_set_warn (struct gc_tree_reader *r,
                                     gc_tree_warn warn, void *opaque);
extern void gc_tree_reader_set_progress (struct gc_tree_reader *r,
                                         gc_tree_progress progress,
                                         void *opaque);
/* The next len bytes of the stream, split anywhere.  0, or -1 with
 * the error in gc_tree_reader_error (then the reader takes no more:
 * call gc_tree_reader_finish to put the complete entries in place). */
extern int gc_tree_reader_feed (struct gc_tree_reader *r, const void *buf,
                                size_t len);
/* The stream has ended (or was given up after an error): entries
 * complete so far are linked (in durable mode after a sync), the
 * directories made get their modes and times, the entry under way is
 * dropped (its temporary removed).  0 if the stream was whole and
 * everything is in place; -1 with the error (the first one) in
 * gc_tree_reader_error, e.g. a stream that ended early. */
extern int gc_tree_reader_finish (struct gc_tree_reader *r);
/* The first error ("PATH: what"), or NULL; its errno (EBADMSG for a
 * malformed stream). */
extern const char *gc_tree_reader_error (struct gc_tree_reader *r);
extern int gc_tree_reader_errno (struct gc_tree_reader *r);
/* Entries made, bytes of file data written, entries skipped (device
 * nodes without GC_TREE_R_DEVICES, and hard links to them), files
 * whose setuid or setgid bits were dropped. */
extern uint64_t gc_tree_reader_entries (struct gc_tree_reader *r);
extern uint64_t gc_tree_reader_bytes (struct gc_tree_reader *r);
extern uint64_t gc_tree_reader_skipped_devices (struct gc_tree_reader *r);
extern uint64_t gc_tree_reader_dropped_setuid (struct gc_tree_reader *r);
/* Removes any temporary left (after an error without finish) and frees.
 * NULL is fine. */
extern void gc_tree_reader_free (struct gc_tree_reader *r);

/* Whether s (len bytes) is a valid name of the stream: one component. */
extern bool gc_tree_name_ok (const char *s, size_t len);

#endif /* GC_TREESTREAM_H */
