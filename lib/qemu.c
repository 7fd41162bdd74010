/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The qemu command line of the appliance.
 *
 * What was measured and chosen is in appliance/NOTES.md: the `q35`
 * machine with qboot as its firmware, the kernel entered through PVH
 * (uncompressed vmlinux), virtio-pci devices, one vCPU, and kernel
 * arguments that skip what a throw-away VM does not need.  Drives are
 * virtio-blk in the order added with their format always given (qemu
 * never probes), read-only ones behind a throwaway overlay; the
 * appliance's root image comes last, read-only, found
 * by the init through its serial.  The daemon's channel is a
 * virtio-serial port connected to our unix socket; the serial console
 * goes to qemu's stdout, which is our pipe. */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "internal.h"

#define QBOOT "/usr/share/qemu/qboot.rom"

/* Kernel arguments for a throw-away appliance (each one measured, see
 * appliance/NOTES.md). */
static const char kernel_args[] =
  "console=ttyS0 panic=-1 8250.nr_uarts=1 "
  "cryptomgr.notests init_on_alloc=0 mitigations=off "
  "lsm=lockdown,capability audit=0 "
  "initcall_blacklist=crypto_kdf108_init,init_kprobe_trace,"
  "inet6_init,cubictcp_register "
  "rodata=off no_timer_check tsc=reliable random.trust_cpu=on";

/* See internal.h. */
char *
gc_int_which (const char *prog)
{
  const char *path = getenv ("PATH");
  CLEANUP_FREE char *copy = NULL;
  char *save = NULL;

  if (strchr (prog, '/'))
    return access (prog, X_OK) == 0 ? strdup (prog) : NULL;
  copy = strdup (path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
  if (copy == NULL)
    return NULL;
  for (char *dir = strtok_r (copy, ":", &save); dir;
       dir = strtok_r (NULL, ":", &save)) {
    char *full;
    if (asprintf (&full, "%s/%s", dir, prog) == -1)
      return NULL;
    if (access (full, X_OK) == 0)
      return full;
    free (full);
  }
  return NULL;
}

/* Whether this qemu knows -sandbox (built with seccomp).  Asked once per
 * qemu binary (its -help), the answer cached as an empty file
 * qemu-<hash>.sandbox-<yes|no> in the cache. */
static bool
has_sandbox (gc_h *g, const char *qemu)
{
  CLEANUP_FREE char *path = gc_int_which (qemu), *cachedir = NULL, *yes = NULL,
    *no = NULL, *out = NULL;
  struct stat st;
  uint64_t h = 0xcbf29ce484222325ULL;
  char buf[PATH_MAX + 100];
  int len, fd, status;
  pid_t pid;
  bool r;

  if (path == NULL || stat (path, &st) == -1)
    return false;
  cachedir = gc_int_cachedir (g);
  if (cachedir == NULL)
    return false;
  len = snprintf (buf, sizeof buf, "%s:%ju:%jd:%jd.%ld", path,
                  (uintmax_t) st.st_ino, (intmax_t) st.st_size,
                  (intmax_t) st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  for (int i = 0; i < len; ++i) {
    h ^= (unsigned char) buf[i];
    h *= 0x100000001b3ULL;
  }
  if (asprintf (&yes, "%s/qemu-%016" PRIx64 ".sandbox-yes", cachedir, h) == -1
      || asprintf (&no, "%s/qemu-%016" PRIx64 ".sandbox-no", cachedir, h)
      == -1)
    return false;
  if (access (yes, F_OK) == 0)
    return true;
  if (access (no, F_OK) == 0)
    return false;

  /* qemu's answer goes to memory, not to a file in /tmp. */
  fd = memfd_create ("gc-qemu-help", MFD_CLOEXEC);
  if (fd == -1)
    return false;
  pid = fork ();
  if (pid == 0) {
    int null = open ("/dev/null", O_RDWR);
    setpgid (0, 0);
    dup2 (null, 0);
    dup2 (fd, 1);
    dup2 (null, 2);
    close_range (3, ~0U, 0);
    execl (path, path, "-help", (char *) NULL);
    _exit (127);
  }
  if (pid == -1) {
    close (fd);
    return false;
  }
  /* qemu -help answers at once; a wrapper that does something else must
   * not hang the launch. */
  for (int ms = 0;; ms += 5) {
    pid_t r = waitpid (pid, &status, WNOHANG);
    if (r == pid || (r == -1 && errno != EINTR))
      break;
    if (ms >= 5000) {
      kill (pid, SIGKILL);
      while (waitpid (pid, &status, 0) == -1 && errno == EINTR)
        ;
      break;
    }
    usleep (5000);
  }
  out = malloc (1 << 20);
  if (out == NULL) {
    close (fd);
    return false;
  }
  len = pread (fd, out, (1 << 20) - 1, 0);
  close (fd);
  if (len <= 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return false;               /* no answer: do not cache */
  out[len] = '\0';
  r = strstr (out, "\n-sandbox") != NULL;
  fd = open (r ? yes : no, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0)
    close (fd);
  return r;
}

/* qemu's option syntax: a comma in a value is doubled. */
static char *
escape (const char *s)
{
  size_t n = strlen (s);
  char *r = malloc (2 * n + 1), *p = r;

  if (r == NULL)
    return NULL;
  for (; *s; ++s) {
    *p++ = *s;
    if (*s == ',')
      *p++ = ',';
  }
  *p = '\0';
  return r;
}

static int
add (string_vector *v, const char *s)
{
  char *c = strdup (s);
  if (c == NULL || string_vector_append (v, c) == -1) {
    free (c);
    return -1;
  }
  return 0;
}

static int __attribute__ ((format (printf, 2, 3)))
addf (string_vector *v, const char *fs, ...)
{
  va_list args;
  char *c;
  int r;

  va_start (args, fs);
  r = vasprintf (&c, fs, args);
  va_end (args);
  if (r == -1)
    return -1;
  if (string_vector_append (v, c) == -1) {
    free (c);
    return -1;
  }
  return 0;
}

/* See internal.h. */
char **
gc_int_qemu_argv (gc_h *g, const struct gc_appliance *ap, const char *accel,
                  const char *sockpath, enum gc_int_boot mode,
                  const char *ram)
{
  string_vector v = EMPTY_VECTOR;
  const char *qemu = g->qemu ? g->qemu : "qemu-system-x86_64";
  bool kvm = strcmp (accel, "kvm") == 0;
  bool snap = mode != GC_BOOT_COLD;
  /* The saved state is made without the debug flags, so that -v runs
   * restore it too (internal_restored turns them on). */
  bool verbose = g->verbose && mode == GC_BOOT_COLD;
  CLEANUP_FREE char *esock = NULL, *eroot = NULL, *eram = NULL;
  char **ret;

  esock = escape (sockpath);
  eroot = escape (ap->root);
  eram = escape (ram ? ram : "");
  if (esock == NULL || eroot == NULL || eram == NULL)
    goto nomem;

  if (add (&v, qemu) == -1 ||
      add (&v, "-nodefaults") == -1 || add (&v, "-no-user-config") == -1 ||
      add (&v, "-display") == -1 || add (&v, "none") == -1 ||
      add (&v, "-no-reboot") == -1 ||
      add (&v, "-machine") == -1 ||
      add (&v, snap ? "q35,memory-backend=gc-ram" : "q35") == -1)
    goto nomem;
  /* Saved and restored: the guest's RAM is a file.  Saving maps it
   * shared, so the RAM is in the file when the VM stops and the
   * migration stream (x-ignore-shared) holds only the devices' state;
   * restoring maps the same file private, copy on write: the file is
   * never written, parallel runs share its pages in the page cache, and
   * a run's RSS is only what its guest touches. */
  if (snap &&
      (add (&v, "-object") == -1 ||
       addf (&v, "memory-backend-file,id=gc-ram,size=%dM,mem-path=%s,"
             "share=%s", g->memsize, eram,
             mode == GC_BOOT_SAVE ? "on" : "off") == -1))
    goto nomem;
  if (kvm) {
    if (add (&v, "-accel") == -1 || add (&v, "kvm") == -1 ||
        add (&v, "-cpu") == -1 || add (&v, "host") == -1)
      goto nomem;
  }
  else {
    /* A smaller translation cache than the 1 GiB default keeps qemu's
     * peak RSS down at no measurable cost in boot time. */
    if (add (&v, "-accel") == -1 || add (&v, "tcg,tb-size=64") == -1)
      goto nomem;
    /* qemu64, the default model, has no RDRAND: the kernel's RNG is then
     * not ready until ~5 s after boot, and lvm blocks on getrandom()
     * until it is (vgchange 1.7 s instead of 0.7 s). */
    if (add (&v, "-cpu") == -1 || add (&v, "max") == -1)
      goto nomem;
  }
  if (access (QBOOT, R_OK) == 0 &&
      (add (&v, "-bios") == -1 || add (&v, QBOOT) == -1))
    goto nomem;
  if (has_sandbox (g, qemu) &&
      (add (&v, "-sandbox") == -1 ||
       add (&v, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
            "resourcecontrol=deny") == -1))
    goto nomem;
  if (add (&v, "-m") == -1 || addf (&v, "%d", g->memsize) == -1 ||
      add (&v, "-smp") == -1 || add (&v, "1") == -1)
    goto nomem;
  /* A restored VM is past its boot: no kernel to load (qemu would read
   * the 65 MB vmlinux and keep a copy: 0.3 s and as many MB of RSS). */
  if (mode != GC_BOOT_RESTORE &&
      (add (&v, "-kernel") == -1 || add (&v, ap->kernel) == -1 ||
       add (&v, "-initrd") == -1 || add (&v, ap->initrd) == -1 ||
       add (&v, "-append") == -1 ||
       addf (&v, "%s%s%s%s", kernel_args,
             verbose ? " guestcell_verbose=1" : " quiet",
             g->append ? " " : "", g->append ? g->append : "") == -1))
    goto nomem;

  /* The guest's drives, in order: /dev/vda, /dev/vdb...  A saved state
   * has none; a restored one gets them in the root bus's slots that
   * were empty when it was saved (GC_SNAPSHOT_SLOT0 on), found by the
   * daemon's PCI rescan after its reseed. */
  for (size_t i = 0; mode != GC_BOOT_SAVE && i < g->drives.len; ++i) {
    const struct gc_drive *d = &g->drives.ptr[i];
    CLEANUP_FREE char *file = NULL, *fmt = NULL;

    /* An absolute path never looks like a protocol ("nbd:...") to qemu. */
    if (d->filename[0] == '/')
      file = escape (d->filename);
    else {
      CLEANUP_FREE char *rel = NULL;
      if (asprintf (&rel, "./%s", d->filename) == -1)
        goto nomem;
      file = escape (rel);
    }
    fmt = escape (d->format);
    if (file == NULL || fmt == NULL)
      goto nomem;
    /* A read-only drive is still writable for the appliance: its writes
     * (a journal or log replayed by the mount, an md resync) land in a
     * throwaway qcow2 overlay that qemu makes in our private directory
     * (its TMPDIR), so the guest is seen as it would see itself after
     * its own crash recovery while the image is opened read-only and
     * stays byte-identical.  It takes no lock: the disk of a running VM
     * can be read (gc_add_drive has warned).  A drive that is written
     * keeps qemu's locking, so qemu refuses an image in use. */
    if (add (&v, "-drive") == -1 ||
        addf (&v, "file=%s,format=%s,if=none,id=hd%zu,%s", file, fmt, i,
              d->readonly ? "snapshot=on,file.locking=off,cache=unsafe"
              : "cache=writeback") == -1 ||
        add (&v, "-device") == -1 ||
        (mode == GC_BOOT_RESTORE
         ? addf (&v, "virtio-blk-pci,drive=hd%zu,addr=0x%zx", i,
                 GC_SNAPSHOT_SLOT0 + i)
         : addf (&v, "virtio-blk-pci,drive=hd%zu", i)) == -1)
      goto nomem;
  }
  /* The appliance's root, last. */
  if (add (&v, "-drive") == -1 ||
      addf (&v, "file=%s,format=raw,if=none,id=appliance,readonly=on",
            eroot) == -1 ||
      add (&v, "-device") == -1 ||
      add (&v, snap ? "virtio-blk-pci,drive=appliance,serial="
           GC_APPLIANCE_SERIAL ",addr=0x2"
           : "virtio-blk-pci,drive=appliance,serial="
           GC_APPLIANCE_SERIAL) == -1)
    goto nomem;

  /* The channel to the daemon, and the console. */
  if (add (&v, "-chardev") == -1 ||
      addf (&v, "socket,id=channel,path=%s", esock) == -1 ||
      add (&v, "-device") == -1 ||
      add (&v, snap ? "virtio-serial-pci,addr=0x3" : "virtio-serial-pci") == -1 ||
      add (&v, "-device") == -1 ||
      add (&v, "virtserialport,chardev=channel,name=" GC_CHANNEL_NAME) == -1
      || add (&v, "-chardev") == -1 ||
      add (&v, "stdio,id=console,signal=off") == -1 ||
      add (&v, "-serial") == -1 || add (&v, "chardev:console") == -1)
    goto nomem;

  /* Saving and restoring are driven through QMP, on a socket that qemu
   * inherits as GC_QEMU_QMP_FD; the state comes from GC_QEMU_STATE_FD
   * once the capabilities are set (-incoming defer). */
  if (snap &&
      (add (&v, "-chardev") == -1 ||
       addf (&v, "socket,id=qmp,fd=%d", GC_QEMU_QMP_FD) == -1 ||
       add (&v, "-mon") == -1 || add (&v, "chardev=qmp,mode=control") == -1))
    goto nomem;
  if (mode == GC_BOOT_RESTORE &&
      (add (&v, "-incoming") == -1 || add (&v, "defer") == -1))
    goto nomem;

  ret = gc_strings_from_vector (&v);
  if (ret == NULL)
    goto nomem;
  return ret;

 nomem:
  gc_int_perror (g, "qemu command line");
  gc_string_vector_free (&v);
  return NULL;
}
