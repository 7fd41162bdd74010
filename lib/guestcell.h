/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The private core's interface, as the tools see it.
 *
 * A handle goes CONFIG -> (gc_launch) LAUNCHING -> READY <-> BUSY, and is
 * closed by gc_close.  Nothing here prints or exits: a failing call
 * records a message and an errno on the handle (gc_last_error,
 * gc_last_errno) and returns -1 or NULL.
 */

#ifndef GUESTCELL_H
#define GUESTCELL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct gc_h gc_h;

enum gc_state {
  GC_STATE_CONFIG = 0,
  GC_STATE_LAUNCHING,
  GC_STATE_READY,
  GC_STATE_BUSY,
  GC_STATE_CLOSED,              /* after shutdown, or the appliance died */
};

/* A new handle, or NULL with errno set (out of memory). */
extern gc_h *gc_create (void);
/* Shut down the appliance if it runs (killing it if it does not stop
 * in time), remove the handle's temporary directory, free it.  NULL is
 * fine. */
extern void gc_close (gc_h *g);

extern const char *gc_last_error (gc_h *g);
extern int gc_last_errno (gc_h *g);
extern enum gc_state gc_get_state (gc_h *g);
/* The handle's private 0700 directory (under $TMPDIR, else /tmp) while
 * the appliance runs, NULL otherwise; owned by the handle, removed by
 * gc_shutdown and gc_close with the files left in it (not
 * subdirectories).  A tool may keep its own temporary files there. */
extern const char *gc_get_tmpdir (gc_h *g);

/* Settings (CONFIG state only; -1 on error).  Each one has an
 * environment variable that sets its default when the handle is made:
 *   GUESTCELL_VERBOSE=1   GUESTCELL_TRACE=1     GUESTCELL_QEMU=PATH
 *   GUESTCELL_MEMSIZE=MB  GUESTCELL_APPEND=ARGS GUESTCELL_CACHEDIR=DIR
 *   GUESTCELL_ACCEL=kvm|tcg   GUESTCELL_LAUNCH_TIMEOUT=SECONDS
 * and some of them a setting of the configuration files too (below). */
extern int gc_set_verbose (gc_h *g, int verbose);
extern int gc_get_verbose (gc_h *g);
extern int gc_set_trace (gc_h *g, int trace);
extern int gc_get_trace (gc_h *g);
extern int gc_set_qemu (gc_h *g, const char *qemu);
extern int gc_set_memsize (gc_h *g, int mb);
extern int gc_set_append (gc_h *g, const char *append);
extern int gc_set_cachedir (gc_h *g, const char *dir);
extern int gc_set_accel (gc_h *g, const char *accel); /* "kvm", "tcg", NULL */
extern int gc_set_launch_timeout (gc_h *g, int seconds);

/* The configuration (lib/config.c, man page guestcell.conf(5)).
 *
 * Each setting comes from, by precedence: the environment (its
 * GUESTCELL_* variable), the user's file
 * ($XDG_CONFIG_HOME/guestcell/guestcell.conf, else
 * ~/.config/guestcell/guestcell.conf), the system's file
 * (SYSCONFDIR/guestcell/guestcell.conf, the directory replaced by
 * $GUESTCELL_SYSCONFDIR), or its built-in default.  A tool's command
 * line comes above them all.  gc_create loads them into the handle;
 * the tools read progress and parallel themselves. */
enum gc_setting {
  GC_SETTING_ACCEL,
  GC_SETTING_MEMSIZE,
  GC_SETTING_CACHEDIR,
  GC_SETTING_LAUNCH_TIMEOUT,
  GC_SETTING_PARALLEL,
  GC_SETTING_PROGRESS,
  GC_SETTING_SNAPSHOT,
  GC_SETTINGS                   /* how many there are */
};
struct gc_settings {
  char *accel;                  /* "kvm", "tcg", or NULL: probe */
  int memsize;                  /* MiB */
  char *cachedir;               /* NULL: the default ($XDG_CACHE_HOME...) */
  int launch_timeout;           /* seconds */
  int parallel;                 /* virt-df's default -P; 0: from cores */
  int progress;                 /* progress bars on a terminal */
  int snapshot;                 /* fast launch from a saved appliance */
  /* Where each value came from: "built-in", "GUESTCELL_MEMSIZE" or
   * "FILE:LINE". */
  char *source[GC_SETTINGS];
};
/* Load the settings.  0, or -1 with *error set to one line naming the
 * file and line (or the variable) that is wrong, such as
 * "/etc/guestcell/guestcell.conf:3: memsize: expected an integer, not
 * a string" (malloc'd, the caller frees; NULL if out of memory).  A
 * missing file is not an error.  Either way the caller frees s with
 * gc_settings_free. */
extern int gc_settings_load (struct gc_settings *s, char **error);
extern void gc_settings_free (struct gc_settings *s);
/* A setting's name in the files ("memsize"), and its environment
 * variable ("GUESTCELL_MEMSIZE"). */
extern const char *gc_setting_name (enum gc_setting which);
extern const char *gc_setting_env (enum gc_setting which);
/* One value as the files would write it ("384", "true", "\"tcg\"",
 * "auto"); malloc'd, NULL if out of memory. */
extern char *gc_setting_value (const struct gc_settings *s,
                               enum gc_setting which);
/* The paths of the system's and the user's files (whether they exist
 * or not); malloc'd, NULL if out of memory or, for the user's, if
 * neither XDG_CONFIG_HOME nor HOME is set. */
extern char *gc_config_system_file (void);
extern char *gc_config_user_file (void);
/* Why the handle's settings could not be loaded (the one line of
 * gc_settings_load), or NULL if they were: gc_launch fails then. */
extern const char *gc_get_config_error (gc_h *g);
/* The settings the handle was made with (owned by the handle). */
extern const struct gc_settings *gc_get_settings (gc_h *g);

/* Drives. */
struct gc_drive_opts {
  const char *format;           /* "raw", "qcow2"... or NULL to probe */
  int readonly;
  int allow_backing;            /* a probed image may have a backing file */
  /* With format "qcow2": the host files that its header (or that of a
   * qcow2 of its backing chain) may name as its external data file,
   * NULL-terminated; NULL: none.  A probed image with one is refused. */
  char *const *allowed_data_files;
};
/* Add a disk image (CONFIG state).  The Nth drive added is /dev/sd(a+N)
 * in the appliance.  Checks that the file exists and, when the format is
 * probed, that it is safe to open.  -1 on error. */
extern int gc_add_drive (gc_h *g, const char *filename,
                         const struct gc_drive_opts *opts);

/* The format of the index'th drive added ("raw", "qcow2"...: as given,
 * or as probed), owned by the handle; NULL if there is no such drive.
 * A tool that hands the image to another qemu program (virt-resize's
 * copy) gives it this, so the image is never probed by that program. */
extern const char *gc_drive_format (gc_h *g, size_t index);
/* 1 if a qemu process holds the image (any of qemu's image locks; with
 * writers_only, only a writer's), 0 if not, -1 if it cannot be told
 * (errno).  A tool that must not read a running guest's disk checks it
 * before adding the drive. */
extern int gc_image_in_use (const char *filename, int writers_only);

/* Keys of encrypted (LUKS) volumes.  gc_scan_volumes (and so
 * gc_find_roots and inspection) calls cb once for each LUKS volume it
 * finds, with our name of the device (/dev/sda2, /dev/VG/LV) and its
 * LUKS UUID; cb returns the passphrase (malloc'd: the core wipes and
 * frees it) or NULL to leave the volume closed (a warning says so).  An
 * opened volume is /dev/mapper/luks-UUID, read-only when every drive
 * is.  A wrong key makes gc_scan_volumes fail (EACCES) naming the
 * device.  CONFIG state. */
typedef char *(*gc_key_cb) (gc_h *g, void *opaque, const char *device,
                            const char *uuid);
extern int gc_set_key_callback (gc_h *g, gc_key_cb cb, void *opaque);

/* Start the appliance and wait for its daemon.  -1 on error (qemu
 * missing or dead, a boot that did not finish in time...). */
extern int gc_launch (gc_h *g);
/* Sync, unmount, and stop the appliance; the handle is CLOSED after it.
 * 0 only when the daemon unmounted every filesystem, synced, and qemu
 * then exited with status 0: what was written is on the disks.  -1 if
 * the appliance did not stop cleanly (it is killed then), or had
 * already stopped on its own (EIO). */
extern int gc_shutdown (gc_h *g);

/* The appliance cache (guestcell-appliance), for a handle in any state.
 * gc_appliance_cachedir: the cache directory (created if missing).
 * gc_appliance_current: the directory of the appliance the host's
 * inputs (kernel, packages, daemon) call for now; it may not exist yet;
 * the version of its kernel in *kernel_version unless that is NULL.
 * All malloc'd, NULL on error.  gc_appliance_build: find or build it
 * (a build removes the appliances it replaces), and make its saved
 * state if runs will restore one (lib/snapshot.c; failing to is no
 * error: runs then boot cold); 0 or -1.
 * gc_appliance_clean: remove every appliance, the current one too (runs
 * under way keep their open files): the number of entries removed, or
 * -1. */
extern char *gc_appliance_cachedir (gc_h *g);
extern char *gc_appliance_current (gc_h *g, char **kernel_version);
extern int gc_appliance_build (gc_h *g);
extern int gc_appliance_clean (gc_h *g);

/* Ask the handle to stop what it is doing: safe to call from a signal
 * handler.  The call under way fails with EINTR and the appliance is
 * killed. */
extern void gc_user_cancel (gc_h *g);

/* Events. */
#define GC_EVENT_CLOSE      0x0001  /* the handle is closing */
#define GC_EVENT_PROGRESS   0x0002  /* array: proc, serial, position, total */
#define GC_EVENT_APPLIANCE  0x0004  /* buf: console output of the appliance */
#define GC_EVENT_LIBRARY    0x0008  /* buf: a debug message of the core */
#define GC_EVENT_TRACE      0x0010  /* buf: a call or its result (-x) */
#define GC_EVENT_ENTER      0x0020  /* buf: the name of the action entered */
#define GC_EVENT_WARNING    0x0040  /* buf: a warning */
#define GC_EVENT_ALL        0x007f

typedef void (*gc_event_cb) (gc_h *g, void *opaque, uint64_t event,
                             const char *buf, size_t buf_len,
                             const uint64_t *array, size_t array_len);
/* Register a callback for the events in the mask; returns an id >= 0,
 * or -1. */
extern int gc_set_event_callback (gc_h *g, gc_event_cb cb, uint64_t mask,
                                  void *opaque);

/* Results of the stat actions. */
struct gc_stat {
  int64_t dev, ino, mode, nlink, uid, gid, rdev, size, blksize, blocks;
  int64_t atime, mtime, ctime;
};
struct gc_statvfs {
  int64_t bsize, frsize, blocks, bfree, bavail, files, ffree, favail;
  int64_t fsid, flag, namemax;
};

/* Free a NULL-terminated list of strings.  NULL is fine. */
extern void gc_free_strings (char **list);

/* Mounting a guest the way it mounts itself (lib/mountguest.c).
 *
 * gc_find_linux_roots returns the filesystems that hold a Linux root (an
 * /etc/fstab and an OS release file), as /dev/... names; NULL on error,
 * an empty list if there is none.  gc_mount_linux_root mounts that root
 * at / and then the entries of its /etc/fstab, read-only if asked;
 * entries it cannot resolve are skipped with a warning event.  -1 on
 * error. */
extern char **gc_find_linux_roots (gc_h *g);
/* Assemble the md RAID arrays, open the LUKS volumes (see
 * gc_set_key_callback) and activate the LVM volume groups found on the
 * disks, so that list_filesystems sees what is on them (gc_find_roots
 * does it first).  0, or -1 on error. */
extern int gc_scan_volumes (gc_h *g);
extern int gc_mount_linux_root (gc_h *g, const char *root, int readonly);
/* gc_mount, but mountable may also name a btrfs subvolume as
 * btrfsvol:DEVICE/SUBVOLUME (as roots, inspection's mount points and
 * filesystems do): DEVICE is mounted with subvol=SUBVOLUME (before
 * options).  0, or -1 on error.  (lib/btrfs.c) */
extern int gc_mount_mountable (gc_h *g, const char *mountable,
                               const char *mountpoint, const char *options,
                               const char *fstype, int readonly);

/* Windows roots (lib/inspect-windows.c).
 *
 * gc_find_roots returns the Linux roots as gc_find_linux_roots does and
 * sets *windows (if not NULL) to the filesystems holding a Windows
 * systemroot (both
 * lists NULL-terminated, the caller frees both with gc_free_strings);
 * NULL on error.  gc_mount_windows_root mounts a Windows root at "/"
 * (0, or -1 on error).  With that root mounted, gc_windows_drives
 * returns its drive letters from the registry as pairs of letter ("C")
 * and device ("/dev/sda2"), NULL-terminated, empty if the registry
 * names none; NULL on error.  gc_case_sensitive_path returns the real
 * name of a guest path matched component by component
 * case-insensitively, as Windows would; NULL with errno ENOENT if there
 * is none.  The caller frees. */
extern char **gc_find_roots (gc_h *g, char ***windows);
extern int gc_mount_windows_root (gc_h *g, const char *root, int readonly);
extern char **gc_windows_drives (gc_h *g, const char *root);
extern char *gc_case_sensitive_path (gc_h *g, const char *path);

/* OS inspection (lib/inspect.c, lib/inspect-apps.c).
 *
 * gc_inspect finds every OS root on the launched handle's disks
 * (partitions, whole disks, LVM logical volumes) and describes each in
 * one struct, which the caller frees with gc_inspection_free.  NULL on
 * error (the appliance failed); no OS is not an error: nr_oses is 0.
 * A fact that cannot be found or parsed is left out (NULL, or -1 for
 * the versions) and a debug event says why.  The const char * fields
 * point into the one table of values, lib/inspect-enums.h.  Everything
 * is unmounted afterwards. */
struct gc_inspect_mountpoint {
  char *mountpoint;
  char *device;                 /* ours: /dev/sda1, /dev/VG/LV */
};
struct gc_inspect_filesystem {
  char *device;
  char *type;                   /* ext4, xfs, swap...; NULL: unknown */
  char *label;                  /* NULL: none */
  char *uuid;                   /* NULL: none */
};
struct gc_inspect_app {
  char *name;                   /* Windows: the Uninstall subkey's name */
  int epoch;                    /* 0: none */
  char *version, *release, *arch, *url, *source_package, *summary,
    *description;               /* each NULL if absent */
  char *display_name, *publisher, *install_path; /* Windows; or NULL */
};
struct gc_inspect_drive {
  char *name;                   /* the drive letter: "C" */
  char *device;                 /* ours: /dev/sda2 */
};
struct gc_inspect_os {
  char *root;                   /* the root filesystem's device */
  const char *type;             /* "linux", "windows" */
  const char *distro;           /* NULL: unknown */
  char *product_name;
  char *product_variant;        /* Windows: "Server", "Client"...; or NULL */
  int major_version, minor_version; /* -1: unknown */
  char *build_id;               /* Windows: the build number; or NULL */
  char *windows_systemroot;     /* "/Windows"; NULL if not Windows */
  char *windows_current_control_set; /* "ControlSet001"; or NULL */
  char *arch;                   /* x86_64, i386, aarch64...; NULL: unknown */
  const char *package_format;
  const char *package_management;
  char *hostname;
  struct gc_inspect_mountpoint *mountpoints; /* sorted by mount point */
  size_t nr_mountpoints;
  struct gc_inspect_filesystem *filesystems; /* sorted by device */
  size_t nr_filesystems;
  struct gc_inspect_drive *drive_mappings; /* Windows; sorted by letter */
  size_t nr_drive_mappings;
  int have_applications;        /* the package database was read */
  struct gc_inspect_app *applications; /* sorted by name */
  size_t nr_applications;
};
struct gc_inspection {
  struct gc_inspect_os *oses;   /* sorted by root device */
  size_t nr_oses;
};
#define GC_INSPECT_APPLICATIONS 0x1 /* read the package databases */
extern struct gc_inspection *gc_inspect (gc_h *g, unsigned flags);
extern void gc_inspection_free (struct gc_inspection *insp);

/* The client stubs of every appliance action: gc_<action>. */
#include "gc-actions.h"

#endif /* GUESTCELL_H */
