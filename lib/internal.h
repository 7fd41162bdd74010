/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* What the files of lib/ share with each other and nobody else: the
 * handle's layout and the gc_int_* helpers. */

#ifndef GC_INTERNAL_H
#define GC_INTERNAL_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <rpc/types.h>
#include <rpc/xdr.h>

#include "guestcell.h"
#include "vector.h"
#include "cleanup.h"
#include "strutils.h"

/* Defaults. */
#define GC_DEFAULT_MEMSIZE 384          /* MiB */
#define GC_DEFAULT_LAUNCH_TIMEOUT 120   /* seconds, under TCG */
#define GC_SHUTDOWN_TIMEOUT 10          /* seconds for qemu to exit */
#define GC_CHANNEL_NAME "org.guestcell.channel.0"
#define GC_APPLIANCE_SERIAL "gcappliance" /* virtio serial of the root disk */

struct gc_drive {
  char *filename;               /* absolute path */
  char *format;                 /* "raw", "qcow2"...: never NULL after add */
  bool readonly;
  char **allowed_data_files;    /* qcow2 external data files allowed */
};
DEFINE_VECTOR_TYPE (gc_drive_vector, struct gc_drive);

/* A LUKS volume tried by gc_int_open_luks (lib/luks.c). */
struct gc_int_luks {
  char *device;                 /* ours: /dev/sda2, /dev/VG/LV */
  char *mapper;                 /* /dev/mapper/luks-UUID; NULL: not opened */
};
DEFINE_VECTOR_TYPE (gc_int_luks_vector, struct gc_int_luks);

struct gc_event_handler {
  gc_event_cb cb;
  uint64_t mask;
  void *opaque;
};
DEFINE_VECTOR_TYPE (gc_event_handler_vector, struct gc_event_handler);

/* What the appliance is made of, found or built by lib/appliance.c. */
struct gc_appliance {
  char *kernel;                 /* vmlinux (PVH entry) or bzImage */
  bool kernel_is_pvh;
  char *initrd;                 /* our small uncompressed initramfs */
  char *root;                   /* raw ext2 image of the userland */
  int lock_fd;                  /* shared lock on the cache, or -1 */
};

/* Launch timings, in microseconds since gc_launch started (for -v and the
 * benchmark). */
struct gc_launch_timings {
  int64_t t0;                   /* gc_int_now_us when the launch began */
  int64_t appliance;            /* appliance found or built */
  int64_t qemu_started;         /* qemu forked */
  int64_t connected;            /* qemu connected to our socket */
  int64_t hello;                /* the daemon said hello (restored: it
                                 * answered internal_restored) */
  bool restored;                /* from the saved state, not a cold boot */
};

/* How qemu is started (lib/qemu.c, lib/launch.c, lib/snapshot.c). */
enum gc_int_boot {
  GC_BOOT_COLD,                 /* boot the kernel, the drives attached */
  GC_BOOT_SAVE,                 /* boot with no guest drive, RAM in a
                                 * shared file, to save the state */
  GC_BOOT_RESTORE,              /* restore the saved state, the drives in
                                 * free slots of the PCI root bus */
};
#define GC_QEMU_QMP_FD 3              /* qemu's QMP socket (save, restore) */
#define GC_QEMU_STATE_FD 4            /* the migration stream (save, restore) */
#define GC_SNAPSHOT_SLOT0 4           /* the first guest drive's PCI slot */
#define GC_SNAPSHOT_MAX_DRIVES 27     /* slots 4..30 of the root bus */

/* A saved appliance state (lib/snapshot.c): a directory
 * <appliance>/snapshot-<key>/ holding the guest's RAM (ram, a sparse
 * file) and the migration stream of the devices (state). */
struct gc_int_snapshot {
  char *dir;
  char *ram;
  char *state;
  char *failed;                 /* <appliance>/snapshot-<key>.failed */
  dev_t state_dev;              /* the state file chosen */
  ino_t state_ino;
};

struct gc_h {
  enum gc_state state;

  /* The last error. */
  char *last_error;
  int last_errno;

  /* Settings. */
  bool verbose;
  bool trace;
  char *qemu;                   /* qemu binary or wrapper */
  int memsize;                  /* MiB */
  char *append;                 /* extra kernel arguments, or NULL */
  char *cachedir;               /* per-user cache, NULL: default */
  char *accel;                  /* "kvm", "tcg" or NULL: probe */
  int launch_timeout;           /* seconds */
  int snapshot;                 /* restore the saved appliance state (1) or
                                 * always boot cold (0): GUESTCELL_SNAPSHOT,
                                 * snapshot in guestcell.conf */
  /* What the defaults above were loaded from (lib/config.c), and why
   * they could not be (gc_launch then fails), or NULL. */
  struct gc_settings settings;
  char *config_error;

  gc_drive_vector drives;
  gc_event_handler_vector events;

  /* While launched. */
  char *tmpdir;                 /* private 0700 directory, or NULL */
  pid_t qemu_pid;               /* 0 if none */
  bool qemu_exit_seen;          /* qemu exited by itself during this boot, */
  int qemu_exit_status;         /* with this wait status */
  int sock;                     /* the channel to the daemon, or -1 */
  int console_fd;               /* qemu's stdout+stderr, or -1 */
  int64_t call_deadline;        /* if not 0, calls fail after this time
                                 * (gc_int_now_us): the restore's first */
  uint32_t serial;              /* of the next call */
  struct gc_launch_timings timings;
  const char *accel_used;       /* "kvm" or "tcg" */

  /* The last lines of the appliance console, for error messages. */
  char console_tail[2048];
  size_t console_tail_len;
  char console_line[1024];      /* partial line being assembled */
  size_t console_line_len;

  /* gc_int_trace_quote and gc_int_trace_list return strings owned by the
   * handle, freed after the trace line is sent. */
  string_vector trace_scratch;

  size_t warnings_shown, warnings_hidden;

  volatile sig_atomic_t cancelled;
  /* LUKS: the key callback, and the volumes tried. */
  gc_key_cb key_cb;
  void *key_opaque;
  gc_int_luks_vector luks;

  /* The appliance stopped on its own (qemu died, the channel broke, a
   * launch failed): gc_shutdown then says so, as writes may be lost. */
  bool appliance_lost;
};

/* lib/errors.c: record an error on the handle (message and errno),
 * replacing the previous one; emits nothing.  gc_int_perror appends
 * ": strerror(errno)" and keeps errno. */
extern void gc_int_error_errno (gc_h *g, int errnum, const char *fs, ...)
  __attribute__ ((format (printf, 3, 4)));
#define gc_int_error(g, ...) gc_int_error_errno ((g), 0, __VA_ARGS__)
extern void gc_int_perror (gc_h *g, const char *fs, ...)
  __attribute__ ((format (printf, 2, 3)));

/* lib/events.c. */
extern void gc_int_event (gc_h *g, uint64_t event, const char *buf,
                          size_t len, const uint64_t *array,
                          size_t array_len);
/* A debug message (LIBRARY event), only when verbose. */
extern void gc_int_debug (gc_h *g, const char *fs, ...)
  __attribute__ ((format (printf, 2, 3)));
extern void gc_int_warning (gc_h *g, const char *fs, ...)
  __attribute__ ((format (printf, 2, 3)));
/* How many warnings a handle shows; the rest are counted and summed up
 * in one warning by gc_int_warnings_summary (gc_shutdown and gc_close
 * call it). */
#define GC_WARNINGS_SHOWN 10
extern void gc_int_warnings_summary (gc_h *g);
/* Console bytes from qemu: keeps the tail, emits APPLIANCE events a line
 * at a time. */
extern void gc_int_console_data (gc_h *g, const char *buf, size_t len);
/* The last non-empty console line worth quoting in an error (a panic
 * message...), or NULL. */
extern const char *gc_int_console_last_line (gc_h *g);
/* Tracing (-x), called by the generated stubs. */
extern void gc_int_enter (gc_h *g, const char *name);
extern bool gc_int_tracing (gc_h *g);
extern void gc_int_trace (gc_h *g, const char *fs, ...)
  __attribute__ ((format (printf, 2, 3)));
extern void gc_int_trace_result (gc_h *g, const char *name,
                                 const char *fs, ...)
  __attribute__ ((format (printf, 3, 4)));
extern void gc_int_trace_error (gc_h *g, const char *name);
extern const char *gc_int_trace_quote (gc_h *g, int unused, const char *s);
extern const char *gc_int_trace_list (gc_h *g, char *const *list);

/* lib/proto.c: one call to the daemon, the whole transaction. */
struct gc_int_call {
  const char *name;
  unsigned proc;
  xdrproc_t args_fn;            /* NULL: no arguments */
  void *args;
  xdrproc_t ret_fn;             /* NULL: no return value */
  void *ret;                    /* decoded into; caller xdr_frees */
  int fd_in;                    /* FileIn: stream this fd, else -1 */
  int fd_out;                   /* FileOut: write the stream here, else -1 */
  /* FileOut into memory instead of fd_out (which is then -1): the
   * stream is appended to *out_buf (malloc'd, NUL-terminated, the
   * caller frees it even on error), its length in *out_len. */
  char **out_buf;
  size_t *out_len;
  /* FileOut: more than this many bytes (0: no limit) stops the stream
   * (a cancel to the daemon) with an EFBIG error. */
  uint64_t out_limit;
};
/* State must be READY; goes BUSY for the call.  -1 on error, with the
 * daemon's message and errno, or a protocol error. */
extern int gc_int_call (gc_h *g, struct gc_int_call *c);
/* lib/inspect-safe.c: make every string of an inspection safe by
 * utf8.h's rule (in place).  -1 with errno ENOMEM. */
extern int gc_int_inspection_make_safe (struct gc_inspection *insp);
/* lib/guestfile.c: a whole guest regular file in memory (malloc'd,
 * NUL-terminated, *len its length), if it is at most max bytes: checked
 * by a stat before the transfer and while it runs.  NULL on error (EFBIG
 * when too large), recorded on the handle. */
extern char *gc_int_read_guest_file (gc_h *g, const char *path,
                                     uint64_t max, size_t *len);
/* The most the core reads of one package database file. */
#define GC_INSPECT_FILE_MAX (64 * 1024 * 1024)
/* Conversions of string lists for the stubs: -1/NULL on error. */
extern int gc_int_list_to_xdr (gc_h *g, const char *name, char *const *list,
                               char ***val, unsigned *len);
extern char **gc_int_list_from_xdr (gc_h *g, char **val, unsigned len);
/* lib/launch.c: wait until g->sock is ready for events (POLLIN or
 * POLLOUT), meanwhile draining the console into gc_int_console_data and
 * watching qemu: qemu's death, a cancel (gc_user_cancel) or the deadline
 * (microseconds on gc_int_now_us's clock; 0 = none) is an error recorded
 * on the handle, after which the state is CLOSED and the appliance is
 * stopped.  0 when ready, -1 on error. */
extern int gc_int_wait_sock (gc_h *g, short events, int64_t deadline_us);
/* The same for another fd (QMP's); 'what' prefixes the errors. */
extern int gc_int_wait_fd (gc_h *g, int fd, short events,
                           int64_t deadline_us, const char *what);

/* Decoding of frames, separated from I/O so the unit tests can feed it
 * bytes.  Returns 0 and fills *hdr, leaving xdr positioned at the body,
 * or -1 with an error recorded. */
struct gc_message_header;
extern int gc_int_decode_reply_header (gc_h *g, XDR *xdr,
                                       const struct gc_int_call *c,
                                       uint32_t serial,
                                       struct gc_message_header *hdr);
/* The length word of a frame expected as a reply or as a chunk of bulk
 * data: 1 if it is GC_PROGRESS_FLAG (a progress body follows), 0 if the
 * length is acceptable, -1 (error recorded) if not. */
enum gc_int_frame { GC_INT_FRAME_REPLY, GC_INT_FRAME_CHUNK };
extern int gc_int_check_frame_length (gc_h *g, const struct gc_int_call *c,
                                      uint32_t len, enum gc_int_frame kind);
/* A whole reply (the bytes after the length word).  0: status OK, the
 * ret struct decoded into c->ret (caller xdr_frees); 1: status ERROR,
 * the daemon's message and errno recorded on the handle; -1: protocol
 * error recorded, nothing left allocated. */
extern int gc_int_decode_reply (gc_h *g, const char *buf, size_t len,
                                const struct gc_int_call *c, uint32_t serial);
/* A progress body (GC_PROGRESS_SIZE bytes): checked against the call,
 * then emitted as a GC_EVENT_PROGRESS.  0, or -1 with an error. */
extern int gc_int_decode_progress (gc_h *g, const char *buf, size_t len,
                                   const struct gc_int_call *c,
                                   uint32_t serial);
/* A chunk (the bytes after the length word): *data points into buf.
 * 0, or -1 with an error. */
extern int gc_int_decode_chunk (gc_h *g, const char *buf, size_t len,
                                const struct gc_int_call *c, int *cancel,
                                const char **data, size_t *data_len);

/* lib/mountguest.c: the pieces of mounting a guest that inspection
 * reuses. */
struct gc_int_fstab_entry {
  char *spec;                   /* octal escapes (\040) decoded */
  char *mountpoint;
  char *vfstype;
  char *options;                /* "defaults" if the field is missing */
};
DEFINE_VECTOR_TYPE (gc_int_fstab, struct gc_int_fstab_entry);
/* Parse fstab text (len bytes, no NUL needed): comments, blank lines and
 * lines with fewer than 3 fields are skipped.  0, or -1 with errno
 * (ENOMEM; *fstab is then empty).  Free with gc_int_fstab_free. */
extern int gc_int_parse_fstab (const char *text, size_t len,
                               gc_int_fstab *fstab);
extern void gc_int_fstab_free (gc_int_fstab *fstab);
/* /etc/crypttab: each entry's mapper name in mountpoint and its device
 * in spec (the other fields are NULL); lines with fewer than two fields
 * are skipped.  0, or -1 on ENOMEM. */
extern int gc_int_parse_crypttab (const char *text, size_t len,
                                  gc_int_fstab *tab);
/* True if the entry is a filesystem of its own at a real mount point
 * (not swap, proc, tmpfs, a bind mount, a network filesystem...). */
extern bool gc_int_fstab_is_mountable (const struct gc_int_fstab_entry *e);
/* The mount point normalised ("/usr//local/" -> "/usr/local"), or NULL
 * if it is not absolute or has a "." or ".." component.  Caller frees. */
extern char *gc_int_normalize_mountpoint (const char *mp);
/* The guest's filesystems (from list_filesystems), with UUIDs and labels
 * fetched once, on first need. */
struct gc_int_fsinfo {
  char *device;                 /* /dev/sdXN or /dev/VG/LV */
  char *type;
  char *uuid;                   /* NULL until fetched */
  char *label;
};
DEFINE_VECTOR_TYPE (gc_int_fsinfo_vector, struct gc_int_fsinfo);
struct gc_int_fslist {
  gc_int_fsinfo_vector fs;
  bool have_ids;                /* uuid and label fetched */
};
/* Fill l from list_filesystems; -1 on error.  Free with
 * gc_int_fslist_free. */
extern int gc_int_fslist_get (gc_h *g, struct gc_int_fslist *l);
extern void gc_int_fslist_free (struct gc_int_fslist *l);
/* lib/luks.c: open the LUKS volumes that list_filesystems shows and
 * that were not tried yet, with the keys of the callback; the number
 * opened, or -1 on error (a wrong key: EACCES).  gc_int_luks_mapper
 * gives the /dev/mapper name a volume was opened as, or NULL;
 * gc_int_luks_free forgets them all. */
extern int gc_int_open_luks (gc_h *g);
extern const char *gc_int_luks_mapper (gc_h *g, const char *device);
extern void gc_int_luks_free (gc_h *g);
/* A guest's name for one of its own devices (/dev/vdb2, /dev/xvda1,
 * /dev/mapper/vg--x-root, /dev/VG/LV) as ours (/dev/sdb2, /dev/sda1,
 * /dev/vg-x/root, /dev/VG/LV); NULL if spec is not such a name.  Caller
 * frees.  (Whether the device exists is not checked.) */
extern char *gc_int_guest_device_name (const char *spec);
/* A guest names its disks from its own first one (/dev/vda); with
 * several images attached its disk may be our /dev/sdb.  The shift
 * between the two, learnt from the fstab's "/" entry and the root we
 * found (0 if none can be learnt).  gc_int_shift_spec applies it to one
 * of the guest's partition names (other specs come back unchanged): a
 * new string, NULL on ENOMEM. */
extern int gc_int_fstab_disk_shift (gc_h *g, const gc_int_fstab *fstab,
                                    const char *root);
extern char *gc_int_shift_spec (const char *spec, int shift);
/* Resolve an fstab spec to one of l's devices. */
enum gc_int_spec {
  GC_INT_SPEC_FOUND,            /* *dev set (caller frees) */
  GC_INT_SPEC_MISSING,          /* no such device */
  GC_INT_SPEC_UNSUPPORTED,      /* PARTUUID=... and the like */
};
/* -1 on error (the appliance failed), else an enum gc_int_spec. */
extern int gc_int_resolve_fstab_spec (gc_h *g, struct gc_int_fslist *l,
                                      const char *spec, char **dev);


/* lib/inspect-windows.c. */
/* The real name of a guest path, matched component by component
 * case-insensitively as Windows would (exact matches first): 1 and
 * *real (caller frees), 0 if there is no such path, -1 on error. */
extern int gc_int_case_path (gc_h *g, const char *path, char **real);
/* Is what is mounted at / a Windows root?  1 and *systemroot (the real
 * path, "/Windows"; caller frees), 0 if not, -1 on error. */
extern int gc_int_windows_systemroot (gc_h *g, char **systemroot);
/* The architecture of a PE executable's first len bytes (i386, x86_64,
 * aarch64...), or NULL; *pe_offset (if not NULL) gets e_lfanew when the
 * MZ header is there, so a caller can read a PE header beyond len. */
extern const char *gc_int_pe_arch (const char *buf, size_t len,
                                   uint32_t *pe_offset);
/* A MountedDevices value (hex): 1 for an MBR partition (want: the disk
 * signature as 8 hex digits, *offset its byte offset), 2 for a GPT one
 * (want: the partition GUID), 0 for anything else. */
extern int gc_int_parse_drive_mapping (const char *hex, char *want,
                                       size_t size, uint64_t *offset);
/* Inspect the Windows root os->root (mounts it, reads the registry,
 * unmounts).  -1 only if the appliance failed. */
extern int gc_int_inspect_windows (gc_h *g, struct gc_inspect_os *os,
                                   struct gc_int_fslist *l, unsigned flags);

/* lib/inspect.c and lib/inspect-apps.c: the parsers of inspection,
 * separate from I/O so lib/test-inspect.c can feed them text.  Each
 * takes untrusted bytes (len bytes, no NUL needed) and never fails on
 * bad input: what does not parse is left out. */
struct gc_int_osinfo {
  const char *distro;           /* from inspect-enums.h, or NULL */
  char *product_name;
  int major, minor;             /* -1: unknown */
};
extern void gc_int_osinfo_free (struct gc_int_osinfo *o);
/* The canonical string of an enumerated value (its table entry), or
 * NULL if the value is not in lib/inspect-enums.h. */
extern const char *gc_int_inspect_distro (const char *s);
extern const char *gc_int_inspect_os_type (const char *s);
extern const char *gc_int_inspect_package_format (const char *s);
extern const char *gc_int_inspect_package_management (const char *s);
/* The values of each table, NULL-terminated (for dump-inspect-enums). */
extern const char *const gc_int_inspect_os_types[];
extern const char *const gc_int_inspect_distros[];
extern const char *const gc_int_inspect_package_formats[];
extern const char *const gc_int_inspect_package_managements[];
/* /etc/os-release: fills the fields it finds (ID, PRETTY_NAME,
 * VERSION_ID), keeps the others.  -1 on ENOMEM, else 0. */
extern int gc_int_parse_os_release (const char *text, size_t len,
                                    struct gc_int_osinfo *o);
/* Older release files, by name ("redhat-release", "debian_version",
 * "SuSE-release", "lsb-release", "alpine-release", "arch-release",
 * "gentoo-release"): fills what it finds.  -1 on ENOMEM, else 0. */
extern int gc_int_parse_release_file (const char *name, const char *text,
                                      size_t len, struct gc_int_osinfo *o);
/* "12.5" -> 12, 5; "39" -> 39, 0; garbage: -1, -1. */
extern void gc_int_parse_version (const char *s, int *major, int *minor);
/* The package format and manager of a distro (NULL if not known). */
extern void gc_int_distro_packaging (const char *distro, int major,
                                     const char **format,
                                     const char **management);
/* The architecture named by an ELF header (x86_64, i386, aarch64...),
 * or NULL if buf is not an ELF file or its machine is unknown. */
extern const char *gc_int_elf_arch (const char *buf, size_t len);
/* The first line of a file, trimmed, if it is a valid hostname; NULL
 * otherwise (or ENOMEM). */
extern char *gc_int_parse_hostname (const char *text, size_t len);
/* The HOSTNAME= of a sysconfig network file, or NULL. */
extern char *gc_int_parse_sysconfig_hostname (const char *text, size_t len);
DEFINE_VECTOR_TYPE (gc_int_app_vector, struct gc_inspect_app);
extern void gc_int_app_free (struct gc_inspect_app *a);
extern void gc_int_apps_free (gc_int_app_vector *v);
/* Sort the applications (by name, then version) and move them into os,
 * which then has an application list (empty or not); *apps is left
 * empty. */
extern void gc_int_apps_take (struct gc_inspect_os *os,
                              gc_int_app_vector *apps);
/* lib/mountguest.c: a root without /etc/fstab whose /usr is a GPT
 * partition (Container Linux, Flatcar: USR-A or USR-B, the one with the
 * higher os-release version).  Nothing may be mounted; nothing is
 * afterwards.  1 and *usr (caller frees) if root is such a root with
 * such a partition, 0 if not, -1 on error. */
extern int gc_int_usr_partition (gc_h *g, const char *root, char **usr);
/* Package databases: append the installed packages to *apps.  A
 * truncated database keeps what parsed.  -1 on ENOMEM, else 0. */
extern int gc_int_parse_dpkg_status (const char *text, size_t len,
                                     gc_int_app_vector *apps);
extern int gc_int_parse_apk_installed (const char *text, size_t len,
                                       gc_int_app_vector *apps);
/* One pacman desc file: appends the package if it has a %NAME%. */
extern int gc_int_parse_pacman_desc (const char *text, size_t len,
                                     gc_int_app_vector *apps);
/* Read the package database of a mounted Linux root into os (appliance
 * calls).  -1 only if the appliance failed. */
extern int gc_int_inspect_applications (gc_h *g, struct gc_inspect_os *os);

/* lib/paths.c: the files the appliance is built from, found beside the
 * running program (installed) or in its build tree (uninstalled).
 * gc_int_appliance_files fills f (free with gc_int_appliance_files_free);
 * -1 on error. */
struct gc_appliance_files {
  char *daemon;                 /* guestcelld */
  char *init;                   /* gcinit */
  char *packages;               /* the package list (appliance/packages) */
};
extern int gc_int_appliance_files (gc_h *g, struct gc_appliance_files *f);
extern void gc_int_appliance_files_free (struct gc_appliance_files *f);

/* lib/appliance.c: find the cached appliance or build it (under the
 * cache's lock), and take a shared lock that gc_int_appliance_release
 * drops.  -1 on error. */
extern int gc_int_appliance_get (gc_h *g, struct gc_appliance *ap);
extern void gc_int_appliance_release (struct gc_appliance *ap);
/* The per-user cache directory (created 0700 if missing); NULL on
 * error.  Caller frees. */
extern char *gc_int_cachedir (gc_h *g);

/* lib/accel.c: "kvm" when a real boot proves it works (the answer is
 * cached), else "tcg".  Never fails: on doubt, tcg. */
extern const char *gc_int_choose_accel (gc_h *g);

/* lib/qemu.c: the qemu command line for this handle; NULL on error.
 * ram is the RAM file when saving or restoring (else NULL).  Caller
 * frees with gc_strings_free. */
extern char **gc_int_qemu_argv (gc_h *g, const struct gc_appliance *ap,
                                const char *accel, const char *sockpath,
                                enum gc_int_boot mode, const char *ram);

/* lib/snapshot.c: the saved state for this handle, appliance and
 * accelerator.  Called with ap's shared lock held; if the state is
 * missing it is made under the exclusive lock (a boot of its own) and
 * the shared lock is taken again.  1 and *snap filled when a state is
 * there to restore; 0 (the reason in a debug note) when the run must
 * boot cold: snapshots off, KVM, too many drives, a qemu that cannot
 * save, a key that failed twice.  Never an error. */
extern int gc_int_snapshot_get (gc_h *g, struct gc_appliance *ap,
                                const char *accel,
                                struct gc_int_snapshot *snap);
/* A restore from snap failed: remove it (under the exclusive lock) and
 * count the failure, so the next run makes it again, and a key that
 * fails twice is not tried again. */
extern void gc_int_snapshot_discard (gc_h *g, struct gc_appliance *ap,
                                     struct gc_int_snapshot *snap);
/* A restore from snap worked: forget its failures. */
extern void gc_int_snapshot_ok (struct gc_int_snapshot *snap);
extern void gc_int_snapshot_free (struct gc_int_snapshot *snap);
/* lib/snapshot.c: a minimal QMP client on fd: send one command (a JSON
 * object, without the newline) and read until its answer, skipping
 * events; *reply (if not NULL) gets the answer's line (caller frees).
 * 0 if it was a "return", -1 with an error recorded if not (or qemu
 * died, or the deadline passed). */
extern int gc_int_qmp (gc_h *g, int fd, const char *cmd, int64_t deadline_us,
                       char **reply);
/* The QMP greeting and qmp_capabilities. */
extern int gc_int_qmp_start (gc_h *g, int fd, int64_t deadline_us);
/* Poll query-migrate until the migration completed (0) or failed (-1,
 * error recorded). */
extern int gc_int_qmp_wait_migration (gc_h *g, int fd, int64_t deadline_us);

/* lib/launch.c: start qemu in one mode and wait until the appliance
 * answers (cold, save: its hello; restore: internal_restored).  With
 * snap for save and restore.  The state is then READY (save: the
 * caller saves and stops it).  -1 on error, the appliance stopped. */
extern int gc_int_boot (gc_h *g, const struct gc_appliance *ap,
                        const char *accel, enum gc_int_boot mode,
                        const struct gc_int_snapshot *snap, int *qmp_fd);

/* lib/drives.c: probe a format safely (refusing backing files unless
 * allowed).  Returns a malloc'd format name, NULL on error. */
extern char *gc_int_probe_format (gc_h *g, const char *filename,
                                  bool allow_backing);
/* Whether another process holds qemu's image locks on the file: with
 * writers_only, one that has it open for writing (a running VM); else
 * any qemu using it.  1 yes, 0 no, -1 if it cannot be told (no OFD
 * locks, unreadable). */
extern int gc_int_image_in_use (const char *filename, bool writers_only);
/* The header check of a drive given as qcow2 (gc_add_drive, and
 * gc_launch again before qemu starts), so a truncated image is one
 * clear error; an external data file of the image or of a qcow2 in its
 * backing chain must be one of allowed_data_files (NULL-terminated, or
 * NULL).  With report, the backing chain is named in a debug message
 * and one warning.  -1 on error. */
extern int gc_int_check_qcow2 (gc_h *g, const char *filename,
                               char *const *allowed_data_files, bool report);

/* lib/launch.c: kill qemu (SIGTERM, then SIGKILL after timeout seconds;
 * 0 = at once) and reap it, close the channel, remove the temporary
 * directory.  Safe to call at any point. */
extern void gc_int_stop_appliance (gc_h *g, int timeout);

/* lib/launch.c: when the channel closed unexpectedly, wait (at most a
 * second) for qemu to exit and record an error saying how it ended
 * ("qemu was killed by signal 9..."), prefixed by what; false (nothing
 * recorded) if qemu is still running. */
extern bool gc_int_explain_qemu_exit (gc_h *g, const char *what);

/* lib/inspect.c: a NUL-terminated copy of untrusted bytes, with any NUL
 * inside turned into a newline (so a binary file parses as garbage
 * lines, not as a shorter text).  NULL on ENOMEM; caller frees. */
extern char *gc_int_text_copy (const char *text, size_t len);

/* Microseconds on the monotonic clock. */
extern int64_t gc_int_now_us (void);

/* lib/btrfs.c: btrfs subvolumes, named btrfsvol:DEVICE/PATH as
 * libguestfs names them (PATH from the top level: "root",
 * "@/home"); the device alone is its default subvolume. */
/* 1 if mountable is such a name (*device and *subvol set, malloc'd,
 * either pointer may be NULL), 0 if it is not one (a plain device),
 * -1 with errno EINVAL if it is malformed, or ENOMEM. */
extern int gc_int_btrfsvol_parse (const char *mountable, char **device,
                                  char **subvol);
/* "btrfsvol:DEVICE/SUBVOL", malloc'd; NULL on ENOMEM. */
extern char *gc_int_btrfsvol_name (const char *device, const char *subvol);
#define GC_INT_BTRFS_MAX_SUBVOLUMES 4096
struct gc_int_btrfs_subvol {
  uint64_t id;
  char *path;                   /* checked: mountable with subvol= */
  bool is_default, readonly, snapshot;
};
DEFINE_VECTOR_TYPE (gc_int_btrfs_subvols, struct gc_int_btrfs_subvol);
/* The subvolumes of the btrfs filesystem on device (the top level left
 * out), checked: a malformed reply is an error, a path we cannot use is
 * left out.  0, or -1 on error; free with gc_int_btrfs_subvols_free. */
extern int gc_int_btrfs_subvolumes (gc_h *g, const char *device,
                                    gc_int_btrfs_subvols *v);
extern void gc_int_btrfs_subvols_free (gc_int_btrfs_subvols *v);
/* Append to roots the btrfsvol: names of the subvolumes of device that
 * hold a root: is_root (called with the subvolume mounted at "/")
 * returns 1, 0, or -1 if the appliance failed.  The default subvolume
 * (the device itself, looked at by the caller) and snapshots (made as
 * snapshots, or snapper's .snapshots/N/snapshot) are not looked at.
 * 0, or -1 on error. */
extern int gc_int_btrfs_find_roots (gc_h *g, const char *device,
                                    int (*is_root) (gc_h *),
                                    string_vector *roots);
/* An fstab entry resolved to *dev: if it is btrfs (its type in the
 * fstab or in l) and names a subvolume with subvol= or subvolid=, *dev
 * is replaced by that subvolume's btrfsvol: name (else left as it is).
 * 0, or -1 on error. */
extern int gc_int_btrfs_fstab_mountable (gc_h *g,
                                         const struct gc_int_fslist *l,
                                         const struct gc_int_fstab_entry *e,
                                         char **dev);

/* FNV-1a, 64 bits, continuing from H: enough to name cache entries
 * (appliance.c). */
extern uint64_t gc_int_fnv1a (uint64_t h, const void *data, size_t len);
/* Remove DIR and the files in it (no subdirectories: the handle's
 * private directory, a saved state's directory) (launch.c). */
extern void gc_int_remove_flat_dir (const char *dir);

/* PROG as execvp would find it in $PATH (as is if it has a slash and
 * is executable): malloc'd, NULL if not found (qemu.c). */
extern char *gc_int_which (const char *prog);

#endif /* GC_INTERNAL_H */
