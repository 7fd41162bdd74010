/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The appliance's /init: PID 1, linked statically, run from our small
 * initramfs.
 *
 * It mounts devtmpfs, proc and sysfs, loads the kernel modules of the
 * initramfs (/modules/NN-name.ko, already in dependency order), finds the
 * appliance's root disk by its virtio serial, mounts it read-only,
 * switches into it, mounts the writable scratch filesystems and runs the
 * daemon.  When the daemon exits it syncs and powers off.  Any failure
 * prints one line on the console and powers off: the host sees qemu exit
 * without a hello and reports that line. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define APPLIANCE_SERIAL "gcappliance"
#define DAEMON "/usr/sbin/guestcelld"
#define NEWROOT "/root"

static bool verbose;

static void __attribute__ ((noreturn))
poweroff (void)
{
  sync ();
  reboot (RB_POWER_OFF);
  /* Not reached, but PID 1 must never exit. */
  for (;;)
    pause ();
}

/* One line on the console, then power off. */
static void __attribute__ ((noreturn, format (printf, 1, 2)))
die (const char *fs, ...)
{
  int err = errno;
  va_list args;

  fputs ("guestcell-init: ", stderr);
  va_start (args, fs);
  vfprintf (stderr, fs, args);
  va_end (args);
  if (err)
    fprintf (stderr, ": %s", strerror (err));
  fputc ('\n', stderr);
  fflush (stderr);
  poweroff ();
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
do_mount (const char *src, const char *dir, const char *type,
          unsigned long flags, const char *data)
{
  mkdir (dir, 0755);
  if (mount (src, dir, type, flags, data) == -1)
    die ("mount %s on %s", type ? type : src, dir);
}

static void
read_cmdline (void)
{
  char buf[4096];
  int fd = open ("/proc/cmdline", O_RDONLY | O_CLOEXEC);
  ssize_t n;

  if (fd == -1)
    return;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return;
  buf[n] = '\0';
  for (char *tok = strtok (buf, " \n"); tok; tok = strtok (NULL, " \n"))
    if (strcmp (tok, "guestcell_verbose=1") == 0)
      verbose = true;
}

static int
ko_filter (const struct dirent *d)
{
  size_t len = strlen (d->d_name);
  return len > 3 && strcmp (d->d_name + len - 3, ".ko") == 0;
}

/* The initramfs names its modules so that alphabetical order is load
 * order. */
static void
load_modules (void)
{
  struct dirent **list;
  int n = scandir ("/modules", &list, ko_filter, alphasort);

  if (n == -1)
    die ("scandir /modules");
  for (int i = 0; i < n; ++i) {
    char path[512];
    int fd;

    snprintf (path, sizeof path, "/modules/%s", list[i]->d_name);
    fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
      die ("open %s", path);
    if (syscall (SYS_finit_module, fd, "", 0) == -1 && errno != EEXIST)
      die ("load %s", path);
    close (fd);
    unlink (path);              /* give the memory back */
    if (verbose)
      fprintf (stderr, "guestcell-init: %.3f loaded %s\n", now (),
               list[i]->d_name);
    free (list[i]);
  }
  free (list);
}

/* The root disk: the virtio disk whose serial is APPLIANCE_SERIAL.  It
 * is the last disk, probed when virtio_blk loaded; wait a little in case
 * the probe is asynchronous. */
static void
find_root (char *dev, size_t len)
{
  for (int tries = 0; tries < 500; ++tries) {
    DIR *dir = opendir ("/sys/block");
    struct dirent *d;

    if (dir == NULL)
      die ("opendir /sys/block");
    while ((d = readdir (dir)) != NULL) {
      char path[300], serial[64];
      int fd;
      ssize_t n;

      if (strncmp (d->d_name, "vd", 2) != 0)
        continue;
      snprintf (path, sizeof path, "/sys/block/%s/serial", d->d_name);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd == -1)
        continue;
      n = read (fd, serial, sizeof serial - 1);
      close (fd);
      if (n <= 0)
        continue;
      serial[n] = '\0';
      serial[strcspn (serial, "\n")] = '\0';
      if (strcmp (serial, APPLIANCE_SERIAL) == 0) {
        snprintf (dev, len, "/dev/%s", d->d_name);
        closedir (dir);
        return;
      }
    }
    closedir (dir);
    usleep (10000);
  }
  errno = 0;
  die ("no disk with serial %s: the appliance's root disk is missing",
       APPLIANCE_SERIAL);
}

static void
mount_root (const char *dev)
{
  mkdir (NEWROOT, 0755);
  if (mount (dev, NEWROOT, "ext2", MS_RDONLY, NULL) == -1 &&
      mount (dev, NEWROOT, "ext4", MS_RDONLY, NULL) == -1)
    die ("mount %s", dev);
}

/* Move the API filesystems into the new root, make it / and enter it. */
static void
switch_root (void)
{
  static const char *const api[] = { "/dev", "/proc", "/sys" };

  for (size_t i = 0; i < sizeof api / sizeof api[0]; ++i) {
    char target[64];

    snprintf (target, sizeof target, NEWROOT "%s", api[i]);
    if (mount (api[i], target, NULL, MS_MOVE, NULL) == -1)
      die ("move %s to %s", api[i], target);
  }
  if (chdir (NEWROOT) == -1)
    die ("chdir " NEWROOT);
  if (mount (".", "/", NULL, MS_MOVE, NULL) == -1)
    die ("move " NEWROOT " to /");
  if (chroot (".") == -1)
    die ("chroot");
  if (chdir ("/") == -1)
    die ("chdir /");
}

int
main (int argc, char *argv[])
{
  char dev[300];
  pid_t pid;
  double t0;

  if (getpid () != 1) {
    fprintf (stderr, "guestcell-init: must run as PID 1 in the appliance\n");
    return 1;
  }
  umask (0022);

  do_mount ("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
  do_mount ("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  do_mount ("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  read_cmdline ();
  t0 = now ();
  if (verbose)
    fprintf (stderr, "guestcell-init: %.3f started\n", t0);

  load_modules ();
  find_root (dev, sizeof dev);
  mount_root (dev);
  switch_root ();

  /* The root is read-only: scratch space for the daemon and LVM. */
  do_mount ("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
  do_mount ("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  mkdir ("/run/lock", 0755);
  mkdir ("/run/lvm", 0700);
  if (verbose)
    fprintf (stderr, "guestcell-init: %.3f root %s mounted, starting "
             DAEMON "\n", now (), dev);

  setenv ("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
  setenv ("HOME", "/", 1);
  setenv ("LVM_SUPPRESS_FD_WARNINGS", "1", 1);

  pid = fork ();
  if (pid == -1)
    die ("fork");
  if (pid == 0) {
    char *args[] = { (char *) DAEMON, verbose ? (char *) "-v" : NULL, NULL };
    execv (DAEMON, args);
    die ("exec " DAEMON);
  }

  /* Reap every child; stop when the daemon is gone. */
  for (;;) {
    int status;
    pid_t r = wait (&status);

    if (r == -1) {
      if (errno == EINTR)
        continue;
      die ("wait");
    }
    if (r == pid) {
      if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
        if (WIFSIGNALED (status))
          fprintf (stderr, "guestcell-init: daemon killed by signal %d\n",
                   WTERMSIG (status));
        else
          fprintf (stderr, "guestcell-init: daemon exited with status %d\n",
                   WEXITSTATUS (status));
      }
      break;
    }
  }
  poweroff ();
}
