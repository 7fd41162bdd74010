/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* What every tool shares on its command line: the popt table of the
 * common options (-a --format -m -v -x -V --help --long-options
 * --short-options), adding the drives, mounting the guest (by -m or the
 * way it mounts itself), messages, the exit codes and the signal
 * handling.  Tool side only: uses lib/, never used by lib/ or the
 * daemon.
 *
 * A tool includes the common table in its own:
 *
 *   static struct poptOption options[] = {
 *     { NULL, '\0', POPT_ARG_INCLUDE_TABLE, gc_common_options, 0,
 *       "Common options:", NULL },
 *     ... its own ...
 *     POPT_TABLEEND
 *   };
 *
 * then calls gc_options_parse, and uses gc_opts (drives, mounts,
 * verbose, trace).
 */

#ifndef GC_OPTIONS_H
#define GC_OPTIONS_H

#include <stdbool.h>
#include <popt.h>
#include <jansson.h>

#include "guestcell.h"
#include "vector.h"

/* The exit codes of every tool (documented in man/exit-status.pod). */
#define GC_EXIT_OK        0     /* success */
#define GC_EXIT_ERROR     1     /* an error: a guest file, the appliance... */
#define GC_EXIT_USAGE     2     /* bad command line */
#define GC_EXIT_NO_ROOT   3     /* no OS root found, or several and no -m */
#define GC_EXIT_LAUNCH    4     /* the appliance could not be started */

/* One -a. */
struct gc_opt_drive {
  char *filename;
  char *format;                 /* NULL: probe */
};
DEFINE_VECTOR_TYPE (gc_opt_drive_vector, struct gc_opt_drive);

/* One -m DEV[:MNT[:OPTS[:FSTYPE]]]. */
struct gc_opt_mount {
  char *device;
  char *mountpoint;             /* "/" if not given */
  char *options;                /* NULL if not given */
  char *fstype;                 /* NULL if not given */
};
DEFINE_VECTOR_TYPE (gc_opt_mount_vector, struct gc_opt_mount);

struct gc_tool_options {
  const char *program_name;     /* "virt-cat", set by gc_options_parse */
  gc_opt_drive_vector drives;
  gc_opt_mount_vector mounts;
  char *format;                 /* the current --format, NULL: probe */
  string_vector data_files;     /* --allow-data-file, NULL-terminated
                                   after gc_options_parse if not empty */
  int verbose;
  int trace;
  /* The configuration in force (guestcell.conf(5)), loaded by
   * gc_options_parse: the tools read progress and parallel here. */
  struct gc_settings settings;
  bool keys_from_stdin;         /* --keys-from-stdin */
  bool echo_keys;               /* --echo-keys */
  /* Set by the callback, acted upon by gc_options_parse. */
  bool usage_error;
  bool want_help, want_version, want_long, want_short;
};

/* The one instance: a tool is one run of one program. */
extern struct gc_tool_options gc_opts;

/* The shared table, for POPT_ARG_INCLUDE_TABLE. */
extern struct poptOption gc_common_options[];
/* Its part that every tool has, for a tool that names its disks
 * otherwise than with -a (virt-resize INDISK OUTDISK): -v -x -V --help
 * --long-options --short-options. */
extern struct poptOption gc_basic_options[];

/* Parse the command line with the tool's whole table.  usage_args is
 * what follows the options in the usage line ("FILE...").  Returns 0
 * when the tool should go on: then *ctx_r is the popt context holding
 * the remaining (non-option) arguments (poptGetArgs), which the caller
 * frees with poptFreeContext.  Returns -1 when the tool should stop at
 * once with the exit status in *exit_r (after --help, --version,
 * --long-options, --short-options: 0; after a usage error, which has
 * been printed: GC_EXIT_USAGE).  It loads the configuration into
 * gc_opts.settings when the tool goes on: a bad configuration file or
 * GUESTCELL_* variable is one line printed, and GC_EXIT_USAGE. */
extern int gc_options_parse (int argc, char **argv,
                             const struct poptOption *table,
                             const char *usage_args,
                             poptContext *ctx_r, int *exit_r);

/* Keys of encrypted volumes (common/options/keys.c).  gc_tool_add_key
 * takes one --key argument: 0, or -1 with the reason in *why (static).
 * gc_tool_key_callback is the handle's key callback (see
 * gc_set_key_callback), which gc_tool_create_handle sets: the --key
 * that names the device or its UUID, else the one for "all", else a
 * line of stdin with --keys-from-stdin, else a prompt on /dev/tty.
 * gc_tool_free_keys wipes and frees them (gc_options_free calls it). */
extern int gc_tool_add_key (const char *arg, const char **why);
extern char *gc_tool_key_callback (gc_h *g, void *opaque, const char *device,
                                   const char *uuid);
extern void gc_tool_free_keys (void);

/* JSON Lines, the --jsonl output (common/options/jsonl.c): one record
 * a line on stdout, each naming its image.
 *
 * gc_tool_jsonl_image sets record["image"] to the drive's file name,
 * made safe (utf8.h); -1 with errno ENOMEM.  gc_tool_jsonl_print
 * prints the record as one compact line and flushes stdout, and drops
 * the reference (NULL in: ENOMEM); -1 with errno set.
 * gc_tool_jsonl_failure prints the failure record of an image whose
 * run ended with the exit code: {"image", "error": message,
 * "exit_status": code} (message must be safe, as gc_tool_last_error's
 * is; NULL says the exit status only), unless a signal stopped the
 * tool or stdout's reader has gone; out of memory is printed, a write
 * error left for the tool's last check of stdout. */
extern int gc_tool_jsonl_image (json_t *record,
                                const struct gc_opt_drive *drive);
extern int gc_tool_jsonl_print (json_t *record);
extern void gc_tool_jsonl_failure (const struct gc_opt_drive *drive,
                                   const char *message, int code);

/* Free what gc_options_parse stored in gc_opts. */
extern void gc_options_free (void);

/* Print "PROGRAM: error: MESSAGE" (printf-style) on stderr. */
extern void gc_tool_error (const char *fs, ...)
  __attribute__ ((format (printf, 1, 2)));
/* A usage error found by the tool after parsing: prints the error and
 * the "Try 'PROGRAM --help'" hint; returns GC_EXIT_USAGE. */
extern int gc_tool_usage_error (const char *fs, ...)
  __attribute__ ((format (printf, 1, 2)));
/* The MESSAGE of the last error printed (by gc_tool_error and the
 * functions below that print errors), made safe (one line, utf8.h),
 * or NULL if none was.  Valid until the next error or
 * gc_options_free. */
extern const char *gc_tool_last_error (void);
/* Print "PROGRAM: warning: MESSAGE" on stderr. */
extern void gc_tool_warning (const char *fs, ...)
  __attribute__ ((format (printf, 1, 2)));
/* Print the handle's last error as "PROGRAM: error: ..." and return the
 * exit code that goes with it (GC_EXIT_ERROR, or nothing printed and
 * GC_EXIT_ERROR after a cancel by a signal). */
extern int gc_tool_handle_error (gc_h *g);

/* A call on a guest file failed: print its error as one line naming
 * the file as the user wrote it ("PATH: No such file or directory",
 * "PATH: not a regular file"), without the action's name the daemon's
 * messages start with ("download: ").  Sets *fatal_r when going on with
 * the next file is pointless (the appliance is gone, a signal, a closed
 * stdout).  Returns GC_EXIT_ERROR. */
extern int gc_tool_file_error (gc_h *g, const char *path, const char *action,
                               int *fatal_r);

/* Create a handle set up from the options: verbose, trace, the event
 * callback that prints -v and -x lines on stderr, and the signal
 * handlers (SIGINT, SIGTERM: cancel; SIGPIPE ignored so a closed
 * stdout is an EPIPE the tool can handle).  NULL on error (printed). */
extern gc_h *gc_tool_create_handle (void);
/* Close the handle made by gc_tool_create_handle and forget it in the
 * signal handlers.  NULL is fine.  For CLEANUP_GC_HANDLE. */
extern void gc_tool_close_handle (gc_h *g);
static inline void
gc_tool_cleanup_handle (void *ptr)
{
  gc_tool_close_handle (*(gc_h **) ptr);
}
#define CLEANUP_GC_HANDLE __attribute__ ((cleanup (gc_tool_cleanup_handle)))

/* Nothing at all on the disks (no partition, no filesystem) is most
 * likely not a disk image: then print so, naming the image if there is
 * one (drives: the n images of this appliance), and return
 * GC_EXIT_NO_ROOT.  GC_EXIT_OK if there is something; another exit code
 * after an error (printed). */
extern int gc_tool_check_disk_images (gc_h *g,
                                      const struct gc_opt_drive *drives,
                                      size_t n);
/* Add one -a with the --allow-data-file list; -1 on error (recorded on
 * the handle, not printed). */
extern int gc_tool_add_drive (gc_h *g, const struct gc_opt_drive *d,
                              bool readonly);
/* Add every -a, read-only if asked.  -1 on error (printed). */
extern int gc_tool_add_drives (gc_h *g, bool readonly);
/* Launch; -1 on error (printed). */
extern int gc_tool_launch (gc_h *g);
/* Mount by -m (shallowest mount point first) or, without -m, the one
 * root found: a Linux root and its fstab, or a Windows root at "/"
 * (then gc_tool_windows_root names it).  Returns GC_EXIT_OK, or an exit
 * code after printing the error (GC_EXIT_NO_ROOT when no root or
 * several were found, GC_EXIT_ERROR otherwise). */
extern int gc_tool_mount (gc_h *g, bool readonly);
/* The Windows root gc_tool_mount mounted, or NULL. */
extern char *gc_tool_windows_root;
/* Whether gc_tool_mount mounted read-only: the other drives of a
 * Windows guest that gc_tool_windows_path mounts are mounted so too. */
extern bool gc_tool_mounted_readonly;
/* With gc_tool_windows_root set: the real guest path of a Windows path
 * ("C:\Windows\win.ini", "c:/windows/WIN.INI", "\Windows\win.ini" or
 * "/Windows/win.ini"), with the drive its letter names mounted at "/"
 * and every component matched case-insensitively.  Caller frees; NULL
 * after printing the error (*fatal_r set if going on is pointless: the
 * appliance is gone, out of memory).  (common/options/windows.c) */
extern char *gc_tool_windows_path (gc_h *g, const char *path, int *fatal_r);
/* Forget the drive letters read (gc_options_free calls it). */
extern void gc_tool_windows_free (void);

/* For a tool that changed the guest: shut the appliance down (the
 * daemon unmounts every filesystem and syncs, qemu exits 0) and return
 * GC_EXIT_OK only then.  Otherwise print why, saying the changes may
 * not all be on the disk, and return GC_EXIT_ERROR.  Call it before
 * saying anything is done. */
extern int gc_tool_finish_writes (gc_h *g);

/* The signal (SIGINT, SIGTERM, SIGHUP) that asked the tool to stop, or
 * 0: for a tool that waits on something other than the handle (a child
 * process) and must stop too. */
extern int gc_tool_interrupted (void);
/* True when stdout is a pipe whose reader has gone (EPIPE). */
extern bool gc_tool_stdout_broken (void);
/* What main() does with run()'s exit code: if a signal stopped the
 * tool (SIGINT, SIGTERM, or a broken stdout pipe), die by that signal
 * as a shell expects, after the cleanups have run; else return the
 * code. */
extern int gc_tool_exit_status (int code);
/* Remember that stdout's pipe broke, so gc_tool_exit_status dies by
 * SIGPIPE. */
extern void gc_tool_set_broken_pipe (void);

#endif /* GC_OPTIONS_H */
