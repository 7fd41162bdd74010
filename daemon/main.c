/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* guestcelld: the appliance daemon.  The appliance's init starts it
 * after switching root; it finds the virtio-serial port named
 * org.guestcell.channel.0, says hello and serves the core's calls until
 * the channel closes or internal_shutdown is called.
 *
 *   guestcelld [-v] [--channel-fd N] [--sysroot DIR]
 *
 * --channel-fd and --sysroot exist for tests on the host.
 */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "daemon.h"

#define CHANNEL_NAME "org.guestcell.channel.0"

bool verbose;
const char *gc_d_sysroot = SYSROOT;

/* A debug line on stderr when verbose. */
void
gc_d_debug (const char *fs, ...)
{
  va_list args;
  if (!verbose)
    return;
  int saved = errno;
  va_start (args, fs);
  fputs ("guestcelld: ", stderr);
  vfprintf (stderr, fs, args);
  fputc ('\n', stderr);
  va_end (args);
  errno = saved;
}

/* The /dev path of the virtio-serial port called CHANNEL_NAME, or NULL. */
static char *
find_port (void)
{
  DIR *dir = opendir ("/sys/class/virtio-ports");
  if (dir == NULL)
    return NULL;
  char *dev = NULL;
  struct dirent *d;
  while ((d = readdir (dir)) != NULL && dev == NULL) {
    if (d->d_name[0] == '.')
      continue;
    CLEANUP_FREE char *path = NULL, *name = NULL;
    if (asprintf (&path, "/sys/class/virtio-ports/%s/name", d->d_name) == -1)
      break;
    name = gc_read_whole_file (path, 4096, NULL);
    if (name == NULL)
      continue;
    name[strcspn (name, "\n")] = '\0';
    if (strcmp (name, CHANNEL_NAME) == 0 &&
        asprintf (&dev, "/dev/%s", d->d_name) == -1)
      dev = NULL;
  }
  closedir (dir);
  return dev;
}

/* Open the channel, waiting (bounded) for the port and its node. */
static int
open_channel (void)
{
  for (int i = 0; i < 500; ++i) {  /* 5 s */
    CLEANUP_FREE char *dev = find_port ();
    if (dev) {
      int fd = open (dev, O_RDWR | O_CLOEXEC);
      if (fd >= 0) {
        gc_d_debug ("channel %s", dev);
        return fd;
      }
      if (errno != ENOENT) {
        fprintf (stderr, "guestcelld: %s: %m\n", dev);
        return -1;
      }
    }
    usleep (10000);
  }
  fprintf (stderr, "guestcelld: no virtio-serial port named %s\n",
           CHANNEL_NAME);
  return -1;
}

/* Make sure the guest's root directory exists (SYSROOT, or a place on
 * tmpfs when the root is read-only). */
static int
setup_sysroot (void)
{
  struct stat st;
  if (stat (gc_d_sysroot, &st) == 0 && S_ISDIR (st.st_mode))
    return 0;
  if (mkdir (gc_d_sysroot, 0755) == 0)
    return 0;
  if (strcmp (gc_d_sysroot, SYSROOT) != 0) {
    fprintf (stderr, "guestcelld: %s: %m\n", gc_d_sysroot);
    return -1;
  }
  gc_d_sysroot = SYSROOT_FALLBACK;
  if (gc_make_dirs (gc_d_sysroot, 0755) == -1) {
    fprintf (stderr, "guestcelld: %s: %m\n", gc_d_sysroot);
    return -1;
  }
  return 0;
}

static void
usage (void)
{
  fprintf (stderr,
           "usage: guestcelld [-v] [--channel-fd N] [--sysroot DIR]\n"
           "The guestcell appliance daemon (started by the appliance's "
           "init).\n");
}

static int
run (int argc, char **argv)
{
  int channel_fd = -1;

  for (int i = 1; i < argc; ++i) {
    if (strcmp (argv[i], "-v") == 0)
      verbose = true;
    else if (strcmp (argv[i], "--channel-fd") == 0 && i + 1 < argc) {
      char *end;
      long n = strtol (argv[++i], &end, 10);
      if (*end || n < 0 || n > 65535) {
        usage ();
        return 2;
      }
      channel_fd = n;
    }
    else if (strcmp (argv[i], "--sysroot") == 0 && i + 1 < argc)
      gc_d_sysroot = argv[++i];
    else {
      usage ();
      return 2;
    }
  }

  signal (SIGPIPE, SIG_IGN);
  umask (022);
  /* The init may start us with an empty environment. */
  setenv ("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 0);
  setenv ("LC_ALL", "C", 1);
  setenv ("LVM_SUPPRESS_FD_WARNINGS", "1", 1);

  if (setup_sysroot () == -1)
    return 1;
  gc_d_debug ("guest root at %s", gc_d_sysroot);

  if (channel_fd >= 0) {
    fcntl (channel_fd, F_SETFD, FD_CLOEXEC);
    gc_d_channel = channel_fd;
  }
  else if ((gc_d_channel = open_channel ()) == -1)
    return 1;

  return gc_d_main_loop ();
}

int
main (int argc, char **argv)
{
  exit (run (argc, argv));
}
