/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* guestcell-test-tool: what a user runs first when something is wrong.
 *
 * It says what guestcell would use (the versions of guestcell, qemu,
 * the kernel and supermin; the environment; each setting in force and
 * where it came from), then does one whole run on a scratch disk of its
 * own: builds the appliance if needed, launches it (the core's debug
 * lines shown as they come), pings the daemon, lists the devices,
 * shuts down.  It ends with the accelerator chosen and why, the launch
 * phases' times, and one verdict line: "===== TEST FINISHED OK ====="
 * (exit 0) or "===== TEST FAILED: WHAT: WHY =====" (exit 1). */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "cleanup.h"
#include "options.h"
#include "strutils.h"

#define SCRATCH_SIZE (16 * 1024 * 1024)
#define CONSOLE_TAIL 20

static int timeout;             /* --timeout, 0: the settings' */

static struct poptOption options[] = {
  { "timeout", '\0', POPT_ARG_INT, &timeout, 0,
    "Give the appliance this long to boot (default: launch_timeout)",
    "SECONDS" },
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, gc_basic_options, 0,
    "Options:", NULL },
  POPT_TABLEEND
};

/* What the handle said while it ran. */
static string_vector library_lines = EMPTY_VECTOR;
static char *console_tail[CONSOLE_TAIL];
static size_t console_lines;
static char *appliance_kernel;  /* the console's "Linux version ..." */

extern char **environ;

static void
section (const char *name)
{
  printf ("===== %s =====\n", name);
  fflush (stdout);
}

static void
on_event (gc_h *g, void *opaque, uint64_t event, const char *buf,
          size_t len, const uint64_t *array, size_t array_len)
{
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    --len;
  char *line = strndup (buf, len);
  if (line == NULL)
    return;
  if (event == GC_EVENT_LIBRARY) {
    if (string_vector_append (&library_lines, line) == -1)
      free (line);
    return;
  }
  const char *v = strstr (line, "Linux version ");
  if (v && appliance_kernel == NULL)
    appliance_kernel = strdup (v);
  free (console_tail[console_lines % CONSOLE_TAIL]);
  console_tail[console_lines++ % CONSOLE_TAIL] = line;
}

/* Run argv; the first line of what it prints (stdout and stderr) in
 * *line (malloc'd, "" if none) and its wait status in *status.  -1 if
 * it cannot even be started (errno). */
static int
first_line (char *const argv[], char **line, int *status)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) == -1)
    return -1;
  fflush (stdout);
  pid_t pid = fork ();
  if (pid == -1) {
    close (p[0]);
    close (p[1]);
    return -1;
  }
  if (pid == 0) {
    int null = open ("/dev/null", O_RDONLY);
    if (null >= 0)
      dup2 (null, STDIN_FILENO);
    dup2 (p[1], STDOUT_FILENO);
    dup2 (p[1], STDERR_FILENO);
    execvp (argv[0], argv);
    fprintf (stderr, "%s: %s\n", argv[0], strerror (errno));
    _exit (127);
  }
  close (p[1]);
  FILE *f = fdopen (p[0], "r");
  char *buf = NULL;
  size_t size = 0;
  if (f == NULL || getline (&buf, &size, f) == -1) {
    free (buf);
    buf = strdup ("");
  }
  if (f) {
    /* Read the rest, so the program is not stopped by a full pipe. */
    char sink[4096];
    while (fread (sink, 1, sizeof sink, f) > 0)
      ;
    fclose (f);
  }
  else
    close (p[0]);
  while (waitpid (pid, status, 0) == -1 && errno == EINTR)
    ;
  if (buf)
    buf[strcspn (buf, "\n")] = '\0';
  *line = buf;
  return buf ? 0 : -1;
}

/* One program's version line; false if it does not run properly. */
static bool
print_version (const char *label, const char *prog)
{
  char *const argv[] = { (char *) prog, (char *) "--version", NULL };
  CLEANUP_FREE char *line = NULL;
  int status;

  if (first_line (argv, &line, &status) == -1) {
    printf ("%s: %s: %s\n", label, prog, strerror (errno));
    return false;
  }
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
    printf ("%s: %s --version failed (%s %d)%s%s\n", label, prog,
            WIFEXITED (status) ? "exit status" : "signal",
            WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status),
            line[0] ? ": " : "", line);
    return false;
  }
  printf ("%s: %s (%s)\n", label, line, prog);
  return true;
}

static void
print_environment (void)
{
  static const char *const others[] = {
    "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "HOME", "TMPDIR", "PATH", NULL
  };
  section ("environment");
  for (char **e = environ; *e; ++e)
    if (gc_str_prefix (*e, "GUESTCELL_"))
      printf ("%s\n", *e);
  for (size_t i = 0; others[i]; ++i) {
    const char *v = getenv (others[i]);
    if (v)
      printf ("%s=%s\n", others[i], v);
  }
}

static void
print_config_file (const char *what, char *path)
{
  struct stat st;
  printf ("%s file: %s (%s)\n", what, path ? path : "none (no HOME)",
          path == NULL ? "-" : stat (path, &st) == 0 ? "read" : "absent");
  free (path);
}

static void
print_config (void)
{
  const struct gc_settings *s = &gc_opts.settings;

  section ("config");
  print_config_file ("system", gc_config_system_file ());
  print_config_file ("user", gc_config_user_file ());
  for (enum gc_setting i = 0; i < GC_SETTINGS; ++i) {
    CLEANUP_FREE char *v = gc_setting_value (s, i);
    if (i == GC_SETTING_LAUNCH_TIMEOUT && timeout > 0)
      printf ("%s = %d (--timeout)\n", gc_setting_name (i), timeout);
    else
      printf ("%s = %s (%s)\n", gc_setting_name (i), v ? v : "?",
              s->source[i]);
  }
}

/* The library's lines starting with prefix, each after indent. */
static void
print_lines (const char *prefix, bool skip_command_line)
{
  for (size_t i = 0; i < library_lines.len; ++i) {
    const char *l = library_lines.ptr[i];
    if (!gc_str_prefix (l, prefix))
      continue;
    /* The qemu command line is one of the "launch: " lines. */
    if (skip_command_line && strstr (l, " -kernel "))
      continue;
    printf ("%s\n", l);
  }
}

/* The accelerator: /dev/kvm as this process finds it, then what the
 * core decided and why. */
static void
print_accelerator (void)
{
  int fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  section ("accelerator");
  if (fd >= 0) {
    printf ("/dev/kvm: opens for reading and writing\n");
    close (fd);
  }
  else
    printf ("/dev/kvm: %s\n", strerror (errno));
  print_lines ("accel: ", false);
}

static int
verdict_failed (const char *what, const char *why)
{
  if (console_lines > 0) {
    section ("the appliance's console, its last lines");
    size_t n = console_lines < CONSOLE_TAIL ? console_lines : CONSOLE_TAIL;
    for (size_t i = console_lines - n; i < console_lines; ++i)
      printf ("%s\n", console_tail[i % CONSOLE_TAIL]);
  }
  printf ("===== TEST FAILED: %s: %s =====\n", what, why);
  return GC_EXIT_ERROR;
}

/* A sparse raw scratch disk in a private directory; NULL after printing
 * why.  *dir_r is the directory to remove. */
static char *
make_scratch (char **dir_r)
{
  const char *tmp = getenv ("TMPDIR");
  char *dir, *file = NULL;
  if (asprintf (&dir, "%s/gctt.XXXXXX", tmp && *tmp ? tmp : "/tmp") == -1)
    return NULL;
  if (mkdtemp (dir) == NULL) {
    printf ("scratch disk: mkdtemp %s: %s\n", dir, strerror (errno));
    free (dir);
    return NULL;
  }
  int fd = -1;
  if (asprintf (&file, "%s/scratch.img", dir) == -1 ||
      (fd = open (file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1
      || ftruncate (fd, SCRATCH_SIZE) == -1) {
    printf ("scratch disk: %s: %s\n", file ? file : dir, strerror (errno));
    if (fd >= 0)
      close (fd);
    if (file)
      unlink (file);
    rmdir (dir);
    free (dir);
    free (file);
    return NULL;
  }
  close (fd);
  *dir_r = dir;
  return file;
}

static void
remove_scratch (char *dir, char *file)
{
  if (file)
    unlink (file);
  if (dir)
    rmdir (dir);
  free (file);
  free (dir);
}

/* Seconds since t0 (gc_int_now_us is the core's; this is ours). */
static double
since (const struct timespec *t0)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The whole run on the scratch disk.  The exit code, after the
 * verdict. */
static int
test_run (gc_h *g, const char *scratch, bool qemu_ok, const char *qemu)
{
  struct gc_drive_opts o = { .format = "raw" };
  struct timespec t0;
  double t_launch, t_job, t_shutdown;

  if (gc_add_drive (g, scratch, &o) == -1)
    return verdict_failed ("the scratch disk", gc_last_error (g));
  if (timeout > 0 && gc_set_launch_timeout (g, timeout) == -1)
    return verdict_failed ("--timeout", gc_last_error (g));

  section ("launch (the appliance is built first if needed)");
  clock_gettime (CLOCK_MONOTONIC, &t0);
  if (gc_launch (g) == -1) {
    const char *err = gc_last_error (g);
    CLEANUP_FREE char *why = NULL;
    if (err == NULL)
      err = "unknown error";
    else if (gc_str_prefix (err, "launch: "))
      err += 8;
    print_accelerator ();
    /* Name qemu when it is what does not work. */
    if (!qemu_ok &&
        asprintf (&why, "qemu (%s) does not work: %s", qemu, err) != -1)
      return verdict_failed ("launch", why);
    return verdict_failed ("launch", err);
  }
  t_launch = since (&t0);

  section ("job");
  clock_gettime (CLOCK_MONOTONIC, &t0);
  if (gc_ping (g) == -1)
    return verdict_failed ("ping the daemon", gc_last_error (g));
  printf ("ping: the daemon answers\n");
  CLEANUP_FREE_STRINGS char **devices = gc_list_devices (g);
  if (devices == NULL)
    return verdict_failed ("list_devices", gc_last_error (g));
  for (size_t i = 0; devices[i]; ++i)
    printf ("device: %s\n", devices[i]);
  if (gc_strings_len (devices) != 1 || strcmp (devices[0], "/dev/sda") != 0)
    return verdict_failed ("list_devices", "the scratch disk is not "
                           "/dev/sda alone");
  t_job = since (&t0);
  clock_gettime (CLOCK_MONOTONIC, &t0);
  if (gc_shutdown (g) == -1)
    return verdict_failed ("shutdown", gc_last_error (g));
  t_shutdown = since (&t0);

  print_accelerator ();
  section ("appliance");
  printf ("kernel: %s\n", appliance_kernel ? appliance_kernel
          : "(its banner was not on the console)");
  print_lines ("appliance: ", false);
  section ("times");
  print_lines ("launch: ", true);
  printf ("launch %.3f s, job %.3f s, shutdown %.3f s\n", t_launch, t_job,
          t_shutdown);
  printf ("===== TEST FINISHED OK =====\n");
  return GC_EXIT_OK;
}

static int
run (int argc, char **argv)
{
  poptContext ctx = NULL;
  int code;
  if (gc_options_parse (argc, argv, options, "", &ctx, &code) == -1)
    return code;
  bool extra = poptPeekArg (ctx) != NULL;
  poptFreeContext (ctx);
  if (extra)
    return gc_tool_usage_error ("it takes no arguments, only options");
  if (timeout < 0)
    return gc_tool_usage_error ("--timeout %d: must be > 0", timeout);

  section ("versions");
  printf ("guestcell: %s\n", PACKAGE_VERSION);
  const char *qemu = getenv ("GUESTCELL_QEMU");
  if (qemu == NULL || *qemu == '\0')
    qemu = "qemu-system-x86_64";
  bool qemu_ok = print_version ("qemu", qemu);
  struct utsname u;
  if (uname (&u) == 0)
    printf ("host kernel: %s %s %s\n", u.sysname, u.release, u.machine);
  print_version ("supermin", "supermin");
  print_environment ();
  print_config ();
  fflush (stdout);

  /* The handle: every debug line of the core, the console with -v. */
  CLEANUP_GC_HANDLE gc_h *g = gc_tool_create_handle ();
  if (g == NULL)
    return verdict_failed ("the handle", "cannot be created");
  if (gc_set_verbose (g, 1) == -1 ||
      gc_set_event_callback (g, on_event,
                             GC_EVENT_LIBRARY | GC_EVENT_APPLIANCE, NULL)
      == -1)
    return verdict_failed ("the handle", gc_last_error (g));

  char *dir = NULL;
  char *scratch = make_scratch (&dir);
  if (scratch == NULL)
    return verdict_failed ("the scratch disk", "cannot be made");
  code = test_run (g, scratch, qemu_ok, qemu);
  /* qemu has the scratch disk open until the handle is closed. */
  gc_tool_close_handle (TAKE_PTR (g));
  remove_scratch (dir, scratch);
  return code;
}

int
main (int argc, char **argv)
{
  int code = run (argc, argv);
  gc_string_vector_free (&library_lines);
  for (size_t i = 0; i < CONSOLE_TAIL; ++i)
    free (console_tail[i]);
  free (appliance_kernel);
  gc_options_free ();
  return gc_tool_exit_status (code);
}
