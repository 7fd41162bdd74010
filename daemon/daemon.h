/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* What the files of the appliance daemon share.
 *
 * Each action X is implemented by do_X (its prototype is generated into
 * gc-daemon-actions.h from protocol/actions.py).  The generated dispatch
 * decodes the arguments, maps Device arguments to the appliance's names,
 * checks Pathname arguments are absolute, calls do_X and sends the reply.
 *
 * A do_X that fails calls reply_with_error / reply_with_perror exactly
 * once and returns -1 (or NULL); on success it returns its value and the
 * dispatch replies, except:
 *   - FileOut actions (download): do_X calls reply (NULL, NULL) itself
 *     when the stream can start, then sends the data with send_file_write
 *     and ends it with send_file_end; an error before the reply is a
 *     normal reply_with_error; an error after it is send_file_end (1)
 *     followed by reply_with_error.
 *   - FileIn actions (upload): do_X must consume the whole stream with
 *     receive_file (or cancel_receive on error) before it returns; the
 *     dispatch replies on success.
 */

#ifndef GC_DAEMON_H
#define GC_DAEMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rpc/types.h>
#include <rpc/xdr.h>

#include "gc_protocol.h"
#include "cleanup.h"
#include "strutils.h"
#include "vector.h"

/* Where the guest's filesystems are mounted inside the appliance. */
#define SYSROOT "/sysroot"

extern bool verbose;

/* The call being served. */
extern unsigned gc_d_proc;
extern unsigned gc_d_serial;

/* Replies (daemon/proto.c).  Exactly one per call. */
extern void reply (xdrproc_t xdrp, void *ret);
extern void reply_with_error_errno (int err, const char *fs, ...)
  __attribute__ ((format (printf, 2, 3)));
#define reply_with_error(...) reply_with_error_errno (0, __VA_ARGS__)
/* Appends ": strerror (errno)" and sends errno. */
#define reply_with_perror(fs, ...)                                      \
  reply_with_error_errno (errno, fs ": %m", ##__VA_ARGS__)

/* FileIn: call cb for each chunk of the stream until its end.  Returns 0
 * at the end of the stream, -1 if cb failed (the rest of the stream is
 * drained; cb has not replied), -2 if the core cancelled, -3 on an I/O
 * error on the channel. */
typedef int (*receive_cb) (void *opaque, const void *buf, size_t len);
extern int receive_file (receive_cb cb, void *opaque);
/* Drain (and drop) the rest of an incoming stream. */
extern int cancel_receive (void);

/* FileOut: send data (split into chunks as needed); -1 on error, -2 if
 * the core cancelled the stream (then send_file_end (1) and reply with
 * an error).  send_file_end (0) ends the stream, (1) cancels it. */
extern int send_file_write (const void *buf, size_t len);
extern int send_file_end (int cancel);

/* Progress of the current call; rate-limited inside. */
extern void notify_progress (uint64_t position, uint64_t total);

/* Device names (daemon/devices.c).  The user's /dev/sdX[N] are the
 * appliance's /dev/vdX[N]; LVM volumes are /dev/VG/LV both sides.
 * gc_d_device_from_user returns the appliance's name (malloc'd) after
 * checking it is a device we expose, or replies with an error and
 * returns NULL.  gc_d_device_to_user maps back (malloc'd, NULL on
 * ENOMEM). */
extern char *gc_d_device_from_user (const char *dev);
extern char *gc_d_device_to_user (const char *dev);

/* Pathname arguments: absolute, else replies with an error and -1. */
extern int gc_d_check_path (const char *path);
/* The appliance path of a guest path, with symlinks resolved inside
 * SYSROOT so nothing escapes it; malloc'd, or NULL after replying with
 * an error.  (daemon/paths.c) */
extern char *sysroot_path (const char *path);

/* Lists for the generated dispatch: NULL (after replying) on error. */
extern char **gc_d_list_from_xdr (gc_str_list *l, int devices);
extern int gc_d_list_to_xdr (char **list, gc_str_list *out);
extern void gc_d_free_strings (char **list);

/* Run a command, capturing stdout and stderr (either may be NULL);
 * returns the exit status, or -1 if it could not be run.  (daemon/command.c) */
extern int command (char **out, char **err, const char *prog, ...)
  __attribute__ ((sentinel));
extern int commandv (char **out, char **err, char *const *argv);

/* Load a kernel module (and its dependencies) if not loaded yet. */
extern int gc_d_modprobe (const char *module);

#endif /* GC_DAEMON_H */
