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
 *   - FileIn actions (upload, copy_in): do_X consumes the stream with
 *     receive_file; the dispatch replies on success.  An error reply
 *     drains whatever is left of the stream after it is sent (the core
 *     then stops sending with a cancel chunk).
 */

#ifndef GC_DAEMON_H
#define GC_DAEMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rpc/types.h>
#include <rpc/xdr.h>

#include "gc_protocol.h"
#include "cleanup.h"
#include "strutils.h"
#include "vector.h"

/* Where the guest's filesystems are mounted inside the appliance. */
#define SYSROOT "/sysroot"
/* Used when SYSROOT cannot be made on the read-only root. */
#define SYSROOT_FALLBACK "/run/gc/sysroot"

extern bool verbose;

/* The directory actually used as the guest's root: SYSROOT, or
 * SYSROOT_FALLBACK, or the --sysroot test option.  (daemon/main.c) */
extern const char *gc_d_sysroot;

/* A debug line on stderr when verbose (-v). */
extern void gc_d_debug (const char *fs, ...)
  __attribute__ ((format (printf, 1, 2)));

/* The call being served. */
extern unsigned gc_d_proc;
extern unsigned gc_d_serial;
/* Its action's name, for messages (never NULL). */
extern const char *gc_d_action (void);

/* Replies (daemon/proto.c).  Exactly one per call. */
extern void reply (xdrproc_t xdrp, void *ret);
extern void reply_with_error_errno (int err, const char *fs, ...)
  __attribute__ ((format (printf, 2, 3)));
#define reply_with_error(...) reply_with_error_errno (0, __VA_ARGS__)
/* Appends ": strerror (errno)" and sends errno. */
#define reply_with_perror(fs, ...)                                      \
  reply_with_error_errno (errno, fs ": %m", ##__VA_ARGS__)

/* FileIn: call cb for each chunk of the stream until its end.  Returns 0
 * at the end of the stream, -1 as soon as cb fails (cb has not replied;
 * the error reply, sent at once, then drains the rest of the stream
 * while the core, seeing it, stops sending), -2 if the core cancelled,
 * -3 on an I/O error on the channel. */
typedef int (*receive_cb) (void *opaque, const void *buf, size_t len);
extern int receive_file (receive_cb cb, void *opaque);
/* Drain (and drop) the rest of an incoming stream. */
extern int cancel_receive (void);

/* FileOut: send data (split into chunks as needed); -1 on error, -2 if
 * the core cancelled the stream (then send_file_end (1) and reply with
 * an error).  send_file_end (0) ends the stream, (1) cancels it. */
extern int send_file_write (const void *buf, size_t len);
/* FileOut: send len bytes of fd from offset, in chunks, without
 * reading them into the daemon (splice(2)).  Returns the bytes sent,
 * fewer only at the end of the file; -1 with errno (EINVAL with nothing
 * sent: the file cannot be spliced, send it with send_file_write); -2
 * if the core cancelled. */
extern ssize_t send_file_splice (int fd, off_t offset, size_t len);
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
/* Open a guest path with openat2 (RESOLVE_IN_ROOT) relative to the
 * guest's root; flags as open(2) (O_CLOEXEC is added).  -1 with errno,
 * no reply. */
extern int gc_d_open_guest (const char *path, int flags, mode_t mode);
/* Open the parent directory of a guest path (O_PATH | O_DIRECTORY) and
 * set *name to its last component (malloc'd, caller frees).  -1 with
 * errno, no reply; EINVAL for a path with no last component ("/", "..").
 */
extern int gc_d_open_parent (const char *path, char **name);
/* The appliance path an fd refers to (from /proc/self/fd), malloc'd;
 * NULL with errno. */
extern char *gc_d_fd_path (int fd);
/* The guest path of an appliance path under the guest's root; NULL if
 * it is outside.  Malloc'd. */
extern char *gc_d_guest_path (const char *apath);

/* Lists for the generated dispatch: NULL (after replying) on error. */
extern char **gc_d_list_from_xdr (gc_str_list *l, int devices);
extern int gc_d_list_to_xdr (char **list, gc_str_list *out);
extern void gc_d_free_strings (char **list);

/* Run a command, capturing stdout and stderr (either may be NULL);
 * returns the exit status, or -1 if it could not be run.  (daemon/command.c) */
extern int command (char **out, char **err, const char *prog, ...)
  __attribute__ ((sentinel));
extern int commandv (char **out, char **err, char *const *argv);
/* Reply with a tool that failed: the message fs formats ("mkfs: /dev/sda1:
 * mkfs.ext4 failed"), then ": " and the tool's stderr err, its trailing
 * blank space cut (err is changed) and the appliance's disk names made
 * the user's ("no error message" if it said nothing). */
extern void reply_tool_failure (char *err, const char *fs, ...)
  __attribute__ ((format (printf, 2, 3)));

/* The strings of v sorted, as a NULL-terminated list (v is consumed);
 * NULL after replying if out of memory.  (daemon/lvm.c) */
extern char **gc_d_sorted_list (string_vector *v);

/* Forget what blkid probing found (daemon/fs.c): called before every
 * action that writes, since it may change what is on the devices. */
extern void gc_d_blkid_forget (void);

/* Load a kernel module (and its dependencies) if not loaded yet; -1
 * (without replying) if modprobe failed. */
extern int gc_d_modprobe (const char *module);

/* Guest disks and their partitions (daemon/devices.c). */
/* The appliance names of the guest disks, in the order added ("vda"...),
 * owned by devices.c; NULL-terminated. */
extern char *const *gc_d_guest_disks (void);
/* Forget the list of guest disks gc_d_guest_disks made (after a PCI
 * rescan brought the run's disks, daemon/restore.c). */
extern void gc_d_forget_disks (void);
/* The appliance names of a disk's partitions ("vdb1"...), sorted by
 * number; NULL with errno.  Caller frees with gc_strings_free. */
extern char **gc_d_disk_partitions (const char *disk);
/* The active LVM logical volumes as /dev/VG/LV (from sysfs, no exec);
 * NULL on ENOMEM.  Caller frees with gc_strings_free. */
extern char **gc_d_active_lvs (void);
/* The running md arrays as /dev/md/NAME (where mdadm made that link)
 * or /dev/mdN; NULL on ENOMEM.  Caller frees.  (daemon/crypt.c) */
extern char **gc_d_md_arrays (void);
/* The LUKS volumes luks_open opened, as /dev/mapper/luks-UUID; NULL on
 * ENOMEM.  Caller frees.  (daemon/crypt.c) */
extern char **gc_d_luks_mappings (void);
/* A copy of a tool's message with the appliance's disk names
 * (/dev/vdX...) replaced by the user's (/dev/sdX...); NULL on ENOMEM. */
extern char *gc_d_names_to_user (const char *msg);
/* 0 if an appliance device name (/dev/vdb) is a whole guest disk; else
 * -1 after replying (EINVAL, naming the user's device).  (parted.c) */
extern int gc_d_check_whole_disk (const char *device);
/* Run lvm with arguments (NULL-terminated) under our configuration;
 * *out if out is not NULL (caller frees).  -1 after replying with
 * lvm's message.  (lvm.c) */
extern int gc_d_lvm (char **out, char *const *args);
/* Wait (bounded) until every partition the kernel knows of on the disk
 * (appliance name, e.g. /dev/vdb) has its node in /dev. */
extern void gc_d_wait_partitions (const char *disk);

/* blkid's value of tag (TYPE, LABEL, UUID, PTTYPE) for an appliance
 * device: malloc'd, "" if none, NULL after replying with an error.
 * (daemon/fs.c) */
extern char *gc_d_blkid_tag (const char *device, const char *tag);

/* Make the extended attributes of the file open as to exactly those of
 * the file open as from (both real fds, not O_PATH): each copied, and
 * those only to has (a directory's default ACL it inherited) removed.
 * 0, or -1 with errno and *failed naming the attribute (static or in
 * the list: valid until the next call).  (daemon/xattr.c) */
extern int gc_d_copy_xattrs (int from, int to, const char **failed);

/* Close the registry hive kept open (daemon/hive.c); done before
 * unmounting. */
extern void gc_d_hive_close (void);

/* 1 if a guest disk or partition holds the blkid TYPE (through the
 * probe cache), 0 if none does, -1 after replying.  (daemon/fs.c) */
extern int gc_d_disks_have_type (const char *type);

/* Unmount everything under the guest's root; -1 after replying. */
extern int gc_d_umount_all (bool reply_errors);

/* Protocol I/O (daemon/proto.c, used by daemon/main.c). */
extern int gc_d_channel;        /* the channel's fd */
/* Set by internal_shutdown: the main loop ends after the reply. */
extern bool gc_d_exit_after_reply;
/* Serve calls until EOF or internal_shutdown; returns the exit status. */
extern int gc_d_main_loop (void);

#endif /* GC_DAEMON_H */
