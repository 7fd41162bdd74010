/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Finding or building the appliance: the kernel, our initramfs and the
 * root image, cached per user.
 *
 * The cache holds one directory per set of inputs,
 * appliance-SOURCE-INPUTS: SOURCE a fingerprint of where the daemon is
 * (one installation or build tree), INPUTS one of the stat data of the
 * daemon, the init, the package list (lib/paths.c), the kernel and the
 * dpkg database.  It holds:
 *   kernel   the uncompressed vmlinux, hard link to a vmlinux-<hash>
 *            extracted once per kernel (or a symlink to the bzImage when
 *            the vmlinux has no PVH entry)
 *   initrd   an uncompressed newc cpio: /init and the base modules
 *   root     the ext2 image supermin builds from the host's packages
 * It is built in a temporary directory and renamed into place under an
 * exclusive lock on <cache>/lock, so a directory that exists is
 * complete.  Launches hold a shared lock until qemu has the files open;
 * a builder, holding the lock exclusively, then removes the appliances
 * it replaces (see remove_unused), so the cache keeps one appliance per
 * installation. */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <elf.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "internal.h"

/* Bump when the layout or the contents of the appliance change. */
#define APPLIANCE_FORMAT "gc-appliance-2"

/* Modules the initramfs loads at boot, with their dependencies: enough
 * to see the virtio disks and console and to mount the ext2 root. */
static const char *const base_modules[] = {
  "virtio_pci", "virtio_blk", "virtio_console", "crc32c_generic", "ext4",
  NULL
};

/* LVM inside the appliance: no udev, no metadata backups on the
 * read-only root. */
static const char lvm_conf[] =
  "# guestcell appliance: LVM without udev, on a read-only root.\n"
  "devices {\n"
  "  obtain_device_list_from_udev = 0\n"
  "  use_devicesfile = 0\n"
  "}\n"
  "activation {\n"
  "  udev_sync = 0\n"
  "  udev_rules = 0\n"
  "  monitoring = 0\n"
  "}\n"
  "backup {\n"
  "  backup = 0\n"
  "  archive = 0\n"
  "}\n";

/* See internal.h. */
uint64_t
gc_int_fnv1a (uint64_t h, const void *data, size_t len)
{
  const unsigned char *p = data;
  for (size_t i = 0; i < len; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

static int
hash_stat (gc_h *g, uint64_t *h, const char *path)
{
  struct stat st;
  char buf[PATH_MAX + 200];
  int len;

  if (stat (path, &st) == -1) {
    gc_int_perror (g, "appliance: %s", path);
    return -1;
  }
  len = snprintf (buf, sizeof buf, "%s:%ju:%ju:%jd:%jd.%09ld;", path,
                  (uintmax_t) st.st_dev, (uintmax_t) st.st_ino,
                  (intmax_t) st.st_size, (intmax_t) st.st_mtim.tv_sec,
                  st.st_mtim.tv_nsec);
  *h = gc_int_fnv1a (*h, buf, len);
  return 0;
}

/* See internal.h. */
char *
gc_int_cachedir (gc_h *g)
{
  CLEANUP_FREE char *dir = NULL;
  const char *env;
  struct stat st;

  if (g->cachedir)
    dir = strdup (g->cachedir);
  else if ((env = getenv ("GUESTCELL_CACHEDIR")) && *env)
    dir = strdup (env);
  else if ((env = getenv ("XDG_CACHE_HOME")) && *env) {
    if (asprintf (&dir, "%s/guestcell", env) == -1)
      dir = NULL;
  }
  else if ((env = getenv ("HOME")) && *env) {
    if (asprintf (&dir, "%s/.cache/guestcell", env) == -1)
      dir = NULL;
  }
  else {
    gc_int_error (g, "no cache directory: set GUESTCELL_CACHEDIR or HOME");
    return NULL;
  }
  if (dir == NULL) {
    gc_int_perror (g, "strdup");
    return NULL;
  }

  /* Make the missing parents too (a new machine may have no ~/.cache). */
  if (gc_make_dirs (dir, 0700) == -1) {
    gc_int_perror (g, "cache directory %s", dir);
    return NULL;
  }
  /* Another user must not be able to plant an appliance for us. */
  if (lstat (dir, &st) == -1) {
    gc_int_perror (g, "cache directory %s", dir);
    return NULL;
  }
  if (!S_ISDIR (st.st_mode) || st.st_uid != geteuid () ||
      (st.st_mode & 022) != 0) {
    gc_int_error_errno (g, EPERM, "cache directory %s is not a directory "
                        "owned by you and writable only by you", dir);
    return NULL;
  }
  return TAKE_PTR (dir);
}

/* The newest kernel in /boot that has its modules installed.  Fills
 * *kernel (malloc'd) and *kver (malloc'd). */
static int
find_kernel (gc_h *g, char **kernel, char **kver)
{
  DIR *dir = opendir ("/boot");
  struct dirent *d;
  CLEANUP_FREE char *best = NULL;

  if (dir == NULL) {
    gc_int_perror (g, "appliance: /boot");
    return -1;
  }
  while ((d = readdir (dir)) != NULL) {
    char mod[PATH_MAX];
    struct stat st;

    if (!gc_str_prefix (d->d_name, "vmlinuz-"))
      continue;
    snprintf (mod, sizeof mod, "/lib/modules/%s/modules.dep", d->d_name + 8);
    if (stat (mod, &st) == -1)
      continue;
    if (best == NULL || strverscmp (d->d_name + 8, best) > 0) {
      free (best);
      best = strdup (d->d_name + 8);
      if (best == NULL) {
        closedir (dir);
        gc_int_perror (g, "strdup");
        return -1;
      }
    }
  }
  closedir (dir);
  if (best == NULL) {
    gc_int_error_errno (g, ENOENT, "appliance: no kernel /boot/vmlinuz-* "
                        "with modules in /lib/modules (install linux-image)");
    return -1;
  }
  if (asprintf (kernel, "/boot/vmlinuz-%s", best) == -1) {
    gc_int_perror (g, "asprintf");
    return -1;
  }
  *kver = TAKE_PTR (best);
  return 0;
}

/* Run a command, stdin from in_fd (or /dev/null), stdout to out_fd (or
 * the log), stderr to the log file; -1 with the log's last line on
 * failure. */
static int
run (gc_h *g, const char *log, int in_fd, int out_fd, char *const argv[])
{
  pid_t pid;
  int status;

  pid = fork ();
  if (pid == -1) {
    gc_int_perror (g, "fork");
    return -1;
  }
  if (pid == 0) {
    int logfd = open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int nullfd = open ("/dev/null", O_RDWR | O_CLOEXEC);

    if (logfd == -1 || nullfd == -1)
      _exit (126);
    dup2 (in_fd >= 0 ? in_fd : nullfd, 0);
    dup2 (out_fd >= 0 ? out_fd : logfd, 1);
    dup2 (logfd, 2);
    execvp (argv[0], argv);
    dprintf (2, "%s: %m\n", argv[0]);
    _exit (127);
  }
  while (waitpid (pid, &status, 0) == -1) {
    if (errno != EINTR) {
      gc_int_perror (g, "waitpid");
      return -1;
    }
  }
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
    CLEANUP_FREE char *text = gc_read_whole_file (log, 1 << 20, NULL);
    const char *last = "";

    if (text) {
      size_t len = strlen (text);
      while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
        text[--len] = '\0';
      last = strrchr (text, '\n') ? strrchr (text, '\n') + 1 : text;
    }
    gc_int_error (g, "appliance: %s failed (%s %d)%s%s", argv[0],
                  WIFEXITED (status) ? "status" : "signal",
                  WIFEXITED (status) ? WEXITSTATUS (status)
                  : WTERMSIG (status), *last ? ": " : "", last);
    return -1;
  }
  return 0;
}

/* Does this ELF vmlinux carry XEN_ELFNOTE_PHYS32_ENTRY (the PVH entry
 * qemu uses to boot it directly)? */
static bool
has_pvh_note (const char *path)
{
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);
  Elf64_Ehdr eh;

  if (fd == -1 || pread (fd, &eh, sizeof eh, 0) != sizeof eh ||
      memcmp (eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_phentsize != sizeof (Elf64_Phdr) || eh.e_phnum > 64)
    return false;

  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    CLEANUP_FREE char *notes = NULL;
    size_t off = 0;

    if (pread (fd, &ph, sizeof ph, eh.e_phoff + i * sizeof ph) != sizeof ph)
      return false;
    if (ph.p_type != PT_NOTE || ph.p_filesz > 1 << 20)
      continue;
    notes = malloc (ph.p_filesz);
    if (notes == NULL ||
        pread (fd, notes, ph.p_filesz, ph.p_offset) != (ssize_t) ph.p_filesz)
      return false;
    while (off + sizeof (Elf64_Nhdr) <= ph.p_filesz) {
      Elf64_Nhdr *nh = (Elf64_Nhdr *) (notes + off);
      size_t name_off = off + sizeof *nh;
      size_t next = name_off + ((nh->n_namesz + 3) & ~3u)
        + ((nh->n_descsz + 3) & ~3u);

      if (nh->n_namesz == 4 && name_off + 4 <= ph.p_filesz &&
          memcmp (notes + name_off, "Xen", 4) == 0 &&
          nh->n_type == 18 /* XEN_ELFNOTE_PHYS32_ENTRY */)
        return true;
      if (next <= off)
        break;
      off = next;
    }
  }
  return false;
}

/* The uncompressed vmlinux of this bzImage, extracted once into the
 * cache (vmlinux-<hash of the kernel's stat>).  Returns the path
 * (malloc'd), or NULL if the kernel is not xz-compressed or has no PVH
 * entry (the caller then boots the bzImage): that is no error. */
static char *
extract_vmlinux (gc_h *g, const char *cachedir, const char *tmpdir,
                 const char *kernel)
{
  uint64_t h = FNV_INIT;
  CLEANUP_FREE char *path = NULL, *tmp = NULL, *log = NULL, *image = NULL;
  CLEANUP_CLOSE int in = -1, out = -1;
  size_t len, off;
  static const char xzmagic[] = "\xfd" "7zXZ";
  char *const argv[] = { (char *) "xz", (char *) "-dc",
                         (char *) "--single-stream", NULL };

  if (hash_stat (g, &h, kernel) == -1)
    return NULL;
  if (asprintf (&path, "%s/vmlinux-%016" PRIx64, cachedir, h) == -1 ||
      asprintf (&tmp, "%s/vmlinux", tmpdir) == -1 ||
      asprintf (&log, "%s/build.log", tmpdir) == -1) {
    gc_int_perror (g, "asprintf");
    return NULL;
  }
  if (access (path, R_OK) == 0)
    return TAKE_PTR (path);

  image = gc_read_whole_file (kernel, 256 << 20, &len);
  if (image == NULL) {
    gc_int_perror (g, "appliance: %s", kernel);
    return NULL;
  }
  for (off = 0; off + 6 <= len; ++off)
    if (memcmp (image + off, xzmagic, 6) == 0)
      break;
  if (off + 6 > len) {
    gc_int_debug (g, "appliance: %s is not xz-compressed, booting it as is",
                  kernel);
    return NULL;
  }
  in = open (kernel, O_RDONLY | O_CLOEXEC);
  out = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (in == -1 || out == -1 || lseek (in, off, SEEK_SET) == -1) {
    gc_int_perror (g, "appliance: extracting %s", kernel);
    return NULL;
  }
  if (run (g, log, in, out, argv) == -1)
    return NULL;
  if (!has_pvh_note (tmp)) {
    gc_int_debug (g, "appliance: %s has no PVH entry, booting the bzImage",
                  kernel);
    unlink (tmp);
    return NULL;
  }
  if (rename (tmp, path) == -1) {
    gc_int_perror (g, "rename %s", path);
    return NULL;
  }
  return TAKE_PTR (path);
}

/* A minimal newc cpio writer. */
struct cpio {
  FILE *fp;
  unsigned ino;
};

static int
cpio_entry (struct cpio *c, const char *name, unsigned mode,
            unsigned rmaj, unsigned rmin, const void *data, size_t size)
{
  static const char zeros[4];
  size_t namesize = strlen (name) + 1;
  size_t namepad = (4 - (110 + namesize) % 4) % 4;
  size_t datapad = (4 - size % 4) % 4;

  if (fprintf (c->fp, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X"
               "%08X%08X%08zX%08X", ++c->ino, mode, 0, 0,
               (mode & S_IFMT) == S_IFDIR ? 2 : 1, 0, size, 0, 0,
               rmaj, rmin, namesize, 0) < 0 ||
      fwrite (name, 1, namesize, c->fp) != namesize ||
      fwrite (zeros, 1, namepad, c->fp) != namepad)
    return -1;
  if (size > 0 &&
      (fwrite (data, 1, size, c->fp) != size ||
       fwrite (zeros, 1, datapad, c->fp) != datapad))
    return -1;
  return 0;
}

static int
cpio_file (gc_h *g, struct cpio *c, const char *name, const char *path,
           unsigned mode)
{
  size_t len;
  CLEANUP_FREE char *data = gc_read_whole_file (path, 256 << 20, &len);

  if (data == NULL) {
    gc_int_perror (g, "appliance: %s", path);
    return -1;
  }
  if (cpio_entry (c, name, S_IFREG | mode, 0, 0, data, len) == -1) {
    gc_int_perror (g, "appliance: writing the initramfs");
    return -1;
  }
  return 0;
}

/* modules.dep, parsed: for each module its path and its dependencies'
 * paths, relative to /lib/modules/<kver>. */
struct moddep {
  char *path;
  char **deps;
};
DEFINE_VECTOR_TYPE (moddep_vector, struct moddep);

static void
moddep_free (moddep_vector *v)
{
  for (size_t i = 0; i < v->len; ++i) {
    free (v->ptr[i].path);
    gc_strings_free (v->ptr[i].deps);
  }
  free (v->ptr);
}

static int
parse_moddep (gc_h *g, const char *file, moddep_vector *v)
{
  CLEANUP_FCLOSE FILE *fp = fopen (file, "re");
  CLEANUP_FREE char *line = NULL;
  size_t cap = 0;

  if (fp == NULL) {
    gc_int_perror (g, "appliance: %s", file);
    return -1;
  }
  while (getline (&line, &cap, fp) != -1) {
    char *colon = strchr (line, ':'), *save = NULL;
    string_vector deps = EMPTY_VECTOR;
    struct moddep m;

    if (colon == NULL)
      continue;
    *colon = '\0';
    for (char *t = strtok_r (colon + 1, " \n", &save); t;
         t = strtok_r (NULL, " \n", &save)) {
      char *s = strdup (t);
      if (s == NULL || string_vector_append (&deps, s) == -1) {
        free (s);
        gc_string_vector_free (&deps);
        gc_int_perror (g, "malloc");
        return -1;
      }
    }
    m.path = strdup (line);
    m.deps = gc_strings_from_vector (&deps);
    if (m.path == NULL || m.deps == NULL ||
        moddep_vector_append (v, m) == -1) {
      free (m.path);
      if (m.deps)
        gc_strings_free (m.deps);
      else
        gc_string_vector_free (&deps);
      gc_int_perror (g, "malloc");
      return -1;
    }
  }
  return 0;
}

/* The module's name from its path: basename without .ko, '-' as '_'. */
static bool
module_is (const char *path, const char *name)
{
  const char *base = strrchr (path, '/') ? strrchr (path, '/') + 1 : path;
  size_t n = strlen (name);

  for (size_t i = 0; i < n; ++i) {
    char c = base[i] == '-' ? '_' : base[i];
    if (c != name[i])
      return false;
  }
  return strcmp (base + n, ".ko") == 0;
}

static struct moddep *
moddep_find_path (moddep_vector *v, const char *path)
{
  for (size_t i = 0; i < v->len; ++i)
    if (strcmp (v->ptr[i].path, path) == 0)
      return &v->ptr[i];
  return NULL;
}

/* Append m's dependencies then m to order, once each. */
static int
module_order (gc_h *g, moddep_vector *v, struct moddep *m,
              string_vector *order, int depth)
{
  if (depth > 32) {
    gc_int_error (g, "appliance: module dependency loop at %s", m->path);
    return -1;
  }
  for (size_t i = 0; i < order->len; ++i)
    if (strcmp (order->ptr[i], m->path) == 0)
      return 0;
  for (size_t i = 0; m->deps[i]; ++i) {
    struct moddep *d = moddep_find_path (v, m->deps[i]);
    if (d == NULL) {
      gc_int_error (g, "appliance: %s: dependency %s not in modules.dep",
                    m->path, m->deps[i]);
      return -1;
    }
    if (module_order (g, v, d, order, depth + 1) == -1)
      return -1;
  }
  /* m->path is owned by v, which outlives order. */
  if (string_vector_append (order, m->path) == -1) {
    gc_int_perror (g, "malloc");
    return -1;
  }
  return 0;
}

/* Our initramfs: /init and the base modules, uncompressed. */
static int
build_initrd (gc_h *g, const char *init, const char *kver, const char *out)
{
  CLEANUP_FREE char *moddir = NULL, *depfile = NULL;
  moddep_vector deps = EMPTY_VECTOR;
  string_vector order = EMPTY_VECTOR;
  struct cpio c = { .fp = NULL, .ino = 0 };
  int r = -1;

  if (asprintf (&moddir, "/lib/modules/%s", kver) == -1 ||
      asprintf (&depfile, "%s/modules.dep", moddir) == -1) {
    gc_int_perror (g, "asprintf");
    return -1;
  }
  if (parse_moddep (g, depfile, &deps) == -1)
    goto out;
  for (size_t i = 0; base_modules[i]; ++i) {
    struct moddep *m = NULL;
    for (size_t j = 0; j < deps.len && !m; ++j)
      if (module_is (deps.ptr[j].path, base_modules[i]))
        m = &deps.ptr[j];
    if (m == NULL)
      continue;                 /* built in (or absent: init will say) */
    if (module_order (g, &deps, m, &order, 0) == -1)
      goto out;
  }

  c.fp = fopen (out, "we");
  if (c.fp == NULL) {
    gc_int_perror (g, "appliance: %s", out);
    goto out;
  }
  if (cpio_entry (&c, "dev", S_IFDIR | 0755, 0, 0, NULL, 0) == -1 ||
      cpio_entry (&c, "dev/console", S_IFCHR | 0600, 5, 1, NULL, 0) == -1 ||
      cpio_entry (&c, "proc", S_IFDIR | 0755, 0, 0, NULL, 0) == -1 ||
      cpio_entry (&c, "sys", S_IFDIR | 0755, 0, 0, NULL, 0) == -1 ||
      cpio_entry (&c, "root", S_IFDIR | 0755, 0, 0, NULL, 0) == -1 ||
      cpio_entry (&c, "modules", S_IFDIR | 0755, 0, 0, NULL, 0) == -1) {
    gc_int_perror (g, "appliance: writing the initramfs");
    goto out;
  }
  if (cpio_file (g, &c, "init", init, 0755) == -1)
    goto out;
  for (size_t i = 0; i < order.len; ++i) {
    const char *base = strrchr (order.ptr[i], '/') + 1;
    char name[300], path[PATH_MAX];

    if (strcmp (base + strlen (base) - 3, ".ko") != 0) {
      gc_int_error (g, "appliance: %s: compressed modules are not supported",
                    order.ptr[i]);
      goto out;
    }
    snprintf (name, sizeof name, "modules/%02zu-%s", i, base);
    snprintf (path, sizeof path, "%s/%s", moddir, order.ptr[i]);
    if (cpio_file (g, &c, name, path, 0644) == -1)
      goto out;
  }
  if (cpio_entry (&c, "TRAILER!!!", 0, 0, 0, NULL, 0) == -1 ||
      fflush (c.fp) == EOF) {
    gc_int_perror (g, "appliance: writing the initramfs");
    goto out;
  }
  r = 0;
 out:
  if (c.fp && fclose (c.fp) == EOF && r == 0) {
    gc_int_perror (g, "appliance: writing the initramfs");
    r = -1;
  }
  free (order.ptr);             /* the strings belong to deps */
  moddep_free (&deps);
  return r;
}

static int
write_file (gc_h *g, const char *path, const char *content, mode_t mode)
{
  CLEANUP_CLOSE int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                               mode);
  if (fd == -1 || gc_write_all (fd, content, strlen (content)) == -1) {
    gc_int_perror (g, "appliance: %s", path);
    return -1;
  }
  return 0;
}

/* The package names of appliance/packages (comments and blanks
 * dropped), appended to argv. */
static int
read_packages (gc_h *g, const char *file, string_vector *argv)
{
  CLEANUP_FREE char *text = gc_read_whole_file (file, 1 << 20, NULL);
  char *save = NULL;

  if (text == NULL) {
    gc_int_perror (g, "appliance: %s", file);
    return -1;
  }
  for (char *line = strtok_r (text, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save)) {
    char *s;
    line[strcspn (line, "#")] = '\0';
    line += strspn (line, " \t");
    line[strcspn (line, " \t")] = '\0';
    if (*line == '\0')
      continue;
    s = strdup (line);
    if (s == NULL || string_vector_append (argv, s) == -1) {
      free (s);
      gc_int_perror (g, "malloc");
      return -1;
    }
  }
  return 0;
}

/* The kernel modules the root image carries (paths relative to
 * /lib/modules/<kver>, with every dependency): what the appliance can
 * load.  Network, sound, graphics, USB, wireless, hypervisor and most
 * hardware drivers stay out: they were ~85% of the tree. */
static const char *const kept_modules[] = {
  "kernel/fs/", "kernel/block/", "kernel/crypto/", "kernel/lib/",
  "kernel/arch/x86/crypto/", "kernel/drivers/block/", "kernel/drivers/md/",
  "kernel/drivers/virtio/", "kernel/drivers/char/virtio_console.ko",
  "kernel/drivers/char/hw_random/virtio-rng.ko",
  "kernel/drivers/scsi/virtio_scsi.ko", "kernel/drivers/scsi/sd_mod.ko",
  "kernel/drivers/nvdimm/", NULL
};
/* ... but not the network filesystems (they drag in the network
 * stack). */
static const char *const dropped_modules[] = {
  "kernel/fs/nfs", "kernel/fs/lockd/", "kernel/fs/cifs/", "kernel/fs/smb",
  "kernel/fs/ksmbd/", "kernel/fs/ceph/", "kernel/fs/9p/", "kernel/fs/afs/",
  "kernel/fs/coda/", "kernel/fs/orangefs/", NULL
};

static bool
path_in (const char *path, const char *const *list)
{
  for (size_t i = 0; list[i]; ++i)
    if (gc_str_prefix (path, list[i]))
      return true;
  return false;
}

/* Hard link, else copy, src to dst (making dst's directories). */
static int
link_or_copy (gc_h *g, const char *src, const char *dst)
{
  char dir[PATH_MAX];
  size_t len;

  snprintf (dir, sizeof dir, "%s", dst);
  *strrchr (dir, '/') = '\0';
  if (gc_make_dirs (dir, 0755) == -1) {
    gc_int_perror (g, "appliance: mkdir %s", dir);
    return -1;
  }
  if (link (src, dst) == 0)
    return 0;
  CLEANUP_FREE char *data = gc_read_whole_file (src, 256 << 20, &len);
  CLEANUP_CLOSE int fd = open (dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                               0644);
  if (data == NULL || fd == -1 || gc_write_all (fd, data, len) == -1) {
    gc_int_perror (g, "appliance: copying %s", src);
    return -1;
  }
  return 0;
}

/* The modules tree of the root image: tmpdir/modules/lib/modules/<kver>
 * with the kept modules and their dependencies, indexed anew by depmod.
 * Returns its path (malloc'd), or NULL on error. */
static char *
trim_modules (gc_h *g, const char *tmpdir, const char *kver)
{
  CLEANUP_FREE char *base = NULL, *out = NULL, *depfile = NULL, *log = NULL;
  moddep_vector deps = EMPTY_VECTOR;
  string_vector kept = EMPTY_VECTOR;
  static const char *const indexes[] = {
    "modules.order", "modules.builtin", "modules.builtin.modinfo", NULL
  };
  char src[PATH_MAX], dst[PATH_MAX];
  size_t nfiles = 0;
  char *r = NULL;

  if (asprintf (&base, "%s/modules", tmpdir) == -1 ||
      asprintf (&out, "%s/lib/modules/%s", base, kver) == -1 ||
      asprintf (&depfile, "/lib/modules/%s/modules.dep", kver) == -1 ||
      asprintf (&log, "%s/build.log", tmpdir) == -1) {
    gc_int_perror (g, "asprintf");
    return NULL;
  }
  if (parse_moddep (g, depfile, &deps) == -1)
    goto out;
  /* modules.dep lists every dependency of a module, not just the
   * direct ones. */
  for (size_t i = 0; i < deps.len; ++i) {
    const char *path = deps.ptr[i].path;
    if (!path_in (path, kept_modules) || path_in (path, dropped_modules))
      continue;
    for (size_t j = 0; j == 0 || deps.ptr[i].deps[j - 1]; ++j) {
      const char *p = j == 0 ? path : deps.ptr[i].deps[j - 1];
      bool dup = false;
      for (size_t k = 0; k < kept.len && !dup; ++k)
        dup = strcmp (kept.ptr[k], p) == 0;
      if (!dup && string_vector_append (&kept, (char *) p) == -1) {
        gc_int_perror (g, "malloc");
        goto out;
      }
    }
  }
  for (size_t i = 0; i < kept.len; ++i) {
    snprintf (src, sizeof src, "/lib/modules/%s/%s", kver, kept.ptr[i]);
    snprintf (dst, sizeof dst, "%s/%s", out, kept.ptr[i]);
    if (link_or_copy (g, src, dst) == -1)
      goto out;
    nfiles++;
  }
  for (size_t i = 0; indexes[i]; ++i) {
    snprintf (src, sizeof src, "/lib/modules/%s/%s", kver, indexes[i]);
    snprintf (dst, sizeof dst, "%s/%s", out, indexes[i]);
    if (access (src, F_OK) == 0 && link_or_copy (g, src, dst) == -1)
      goto out;
  }
  {
    char *const argv[] = { (char *) (access ("/sbin/depmod", X_OK) == 0
                                     ? "/sbin/depmod" : "depmod"),
                           (char *) "-b", base, (char *) kver, NULL };
    if (run (g, log, -1, -1, argv) == -1)
      goto out;
  }
  gc_int_debug (g, "appliance: %zu of %zu kernel modules kept", nfiles,
                deps.len);
  r = TAKE_PTR (out);
 out:
  free (kept.ptr);              /* the strings belong to deps */
  moddep_free (&deps);
  return r;
}

/* The root image: supermin --prepare, our base tarball, supermin --build
 * -f ext2.  Leaves tmpdir/root. */
static int
build_root (gc_h *g, const struct gc_appliance_files *f, const char *tmpdir,
            const char *kernel, const char *kver)
{
  CLEANUP_FREE char *sd = NULL, *stage = NULL, *log = NULL, *tarball = NULL,
    *out = NULL, *path = NULL, *root = NULL, *modules = NULL;
  string_vector argv = EMPTY_VECTOR;
  static const char *const dirs[] = {
    "dev", "proc", "sys", "run", "tmp", "sysroot", "usr", "usr/sbin", "etc",
    "etc/lvm", NULL
  };
  int r = -1;

  if (asprintf (&sd, "%s/supermin.d", tmpdir) == -1 ||
      asprintf (&stage, "%s/stage", tmpdir) == -1 ||
      asprintf (&log, "%s/build.log", tmpdir) == -1 ||
      asprintf (&tarball, "%s/zz-guestcell.tar.gz", sd) == -1 ||
      asprintf (&out, "%s/supermin.out", tmpdir) == -1 ||
      asprintf (&root, "%s/root", tmpdir) == -1) {
    gc_int_perror (g, "asprintf");
    return -1;
  }
  modules = trim_modules (g, tmpdir, kver);
  if (modules == NULL)
    return -1;

  /* supermin --prepare PACKAGES -o supermin.d */
  if (string_vector_append (&argv, strdup ("supermin")) == -1 ||
      string_vector_append (&argv, strdup ("--prepare")) == -1 ||
      read_packages (g, f->packages, &argv) == -1 ||
      string_vector_append (&argv, strdup ("-o")) == -1 ||
      string_vector_append (&argv, strdup (sd)) == -1 ||
      string_vector_append (&argv, NULL) == -1) {
    gc_int_perror (g, "malloc");
    goto out;
  }
  gc_int_debug (g, "appliance: supermin --prepare (%zu packages)",
                argv.len - 5);
  if (run (g, log, -1, -1, argv.ptr) == -1)
    goto out;

  /* Our files: mount points, the daemon, lvm.conf. */
  if (mkdir (stage, 0755) == -1) {
    gc_int_perror (g, "mkdir %s", stage);
    goto out;
  }
  for (size_t i = 0; dirs[i]; ++i) {
    free (path);
    path = NULL;
    if (asprintf (&path, "%s/%s", stage, dirs[i]) == -1 ||
        mkdir (path, 0755) == -1) {
      gc_int_perror (g, "mkdir %s/%s", stage, dirs[i]);
      goto out;
    }
  }
  free (path);
  path = NULL;
  if (asprintf (&path, "%s/etc/lvm/lvm.conf", stage) == -1 ||
      write_file (g, path, lvm_conf, 0644) == -1)
    goto out;
  free (path);
  path = NULL;
  if (asprintf (&path, "%s/usr/sbin/guestcelld", stage) == -1) {
    gc_int_perror (g, "asprintf");
    goto out;
  }
  {
    char *const cp[] = { (char *) "cp", (char *) "-T",
                         f->daemon, path, NULL };
    if (run (g, log, -1, -1, cp) == -1)
      goto out;
  }
  {
    char *const tar[] = { (char *) "tar", (char *) "-C", stage,
                          (char *) "--owner=root", (char *) "--group=root",
                          (char *) "-czf", tarball, (char *) ".", NULL };
    if (run (g, log, -1, -1, tar) == -1)
      goto out;
  }

  /* supermin --build -f ext2, with our kernel's modules. */
  setenv ("SUPERMIN_KERNEL", kernel, 1);
  setenv ("SUPERMIN_MODULES", modules, 1);
  {
    char *const build[] = { (char *) "supermin", (char *) "--build",
                            (char *) "-f", (char *) "ext2", (char *) "-o",
                            out, sd, NULL };
    gc_int_debug (g, "appliance: supermin --build -f ext2");
    if (run (g, log, -1, -1, build) == -1)
      goto out;
  }
  free (path);
  path = NULL;
  if (asprintf (&path, "%s/root", out) == -1 || rename (path, root) == -1) {
    gc_int_perror (g, "appliance: %s/root", out);
    goto out;
  }
  r = 0;
 out:
  unsetenv ("SUPERMIN_KERNEL");
  unsetenv ("SUPERMIN_MODULES");
  gc_string_vector_free (&argv);
  return r;
}

/* rm -rf, for our own temporary and stale directories. */
static void
remove_tree (const char *path)
{
  pid_t pid = fork ();
  if (pid == 0) {
    int fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
      dup2 (fd, 1);
      dup2 (fd, 2);
    }
    execlp ("rm", "rm", "-rf", "--", path, (char *) NULL);
    _exit (127);
  }
  if (pid > 0)
    while (waitpid (pid, NULL, 0) == -1 && errno == EINTR)
      ;
}

/* Is name one of the cache entries of a kind? */
static bool
entry_is (const char *name, const char *kind)
{
  return gc_str_prefix (name, kind) && name[strlen (kind)] != '\0';
}

/* Under the exclusive lock: remove what no run uses, so that the cache
 * holds one appliance per installation (or build tree) of guestcell.  A
 * run holds the shared lock from finding its appliance until qemu has
 * the files open (and a running qemu keeps files that are unlinked
 * under it), so no run is between the two now.  Removed:
 *  - the appliance directories of the same installation as keep (same
 *    appliance-SOURCE- prefix) other than keep; those of another
 *    installation when unused for a day (two build trees sharing the
 *    cache must not remove each other's at every run); every one when
 *    keep is NULL.  Each is renamed build-old-* first, so that an
 *    interrupted removal never leaves a partial appliance-*;
 *  - build-* directories (builders that died: a live one would hold the
 *    lock);
 *  - vmlinux-* files that no appliance links to any more.
 * Returns the number of entries removed. */
static int
remove_unused (gc_h *g, const char *cachedir, const char *keep)
{
  int removed = 0;
  const char *base = keep ? strrchr (keep, '/') + 1 : NULL;
  size_t same = base ? strlen ("appliance-") + 17 : 0;
  time_t now = time (NULL);

  for (int pass = 0; pass < 2; ++pass) {
    DIR *dir = opendir (cachedir);
    struct dirent *d;

    if (dir == NULL)
      return removed;
    while ((d = readdir (dir)) != NULL) {
      char path[PATH_MAX], old[PATH_MAX];
      struct stat st;

      snprintf (path, sizeof path, "%s/%s", cachedir, d->d_name);
      if (pass == 0 && entry_is (d->d_name, "appliance-") &&
          (keep == NULL ||
           (strcmp (path, keep) != 0 &&
            (strncmp (d->d_name, base, same) == 0 ||
             (lstat (path, &st) == 0 && now - st.st_atime >= 86400 &&
              now - st.st_mtime >= 86400))))) {
        snprintf (old, sizeof old, "%s/build-old-%s", cachedir, d->d_name);
        if (rename (path, old) == -1)
          continue;
        gc_int_debug (g, "appliance: removing %s", path);
        remove_tree (old);
        removed++;
      }
      else if (pass == 0 && entry_is (d->d_name, "build-") &&
               lstat (path, &st) == 0) {
        gc_int_debug (g, "appliance: removing %s", path);
        remove_tree (path);
        removed++;
      }
      /* After the appliances: a kernel linked from none of them. */
      else if (pass == 1 && entry_is (d->d_name, "vmlinux-") &&
               lstat (path, &st) == 0 && S_ISREG (st.st_mode) &&
               st.st_nlink == 1 && unlink (path) == 0) {
        gc_int_debug (g, "appliance: removed %s", path);
        removed++;
      }
    }
    closedir (dir);
  }
  return removed;
}

static int
build_appliance (gc_h *g, const struct gc_appliance_files *f,
                 const char *cachedir, const char *apdir,
                 const char *kernel, const char *kver)
{
  char tmpdir[PATH_MAX];
  CLEANUP_FREE char *vmlinux = NULL, *path = NULL, *initrd = NULL,
    *log = NULL;
  int64_t t0 = gc_int_now_us ();

  snprintf (tmpdir, sizeof tmpdir, "%s/build-XXXXXX", cachedir);
  if (mkdtemp (tmpdir) == NULL) {
    gc_int_perror (g, "mkdtemp %s", tmpdir);
    return -1;
  }
  gc_int_debug (g, "appliance: building %s", apdir);

  if (asprintf (&initrd, "%s/initrd", tmpdir) == -1 ||
      asprintf (&path, "%s/kernel", tmpdir) == -1) {
    gc_int_perror (g, "asprintf");
    goto fail;
  }
  if (build_initrd (g, f->init, kver, initrd) == -1)
    goto fail;
  if (build_root (g, f, tmpdir, kernel, kver) == -1)
    goto fail;
  vmlinux = extract_vmlinux (g, cachedir, tmpdir, kernel);
  if (vmlinux) {
    free (path);
    path = NULL;
    if (asprintf (&path, "%s/vmlinux", tmpdir) == -1 ||
        link (vmlinux, path) == -1) {
      gc_int_perror (g, "link %s", vmlinux);
      goto fail;
    }
  }
  else if (symlink (kernel, path) == -1) {
    gc_int_perror (g, "symlink %s", path);
    goto fail;
  }

  /* Only the three files stay. */
  {
    static const char *const junk[] = { "supermin.d", "supermin.out",
                                        "stage", "modules", NULL };
    for (size_t i = 0; junk[i]; ++i) {
      CLEANUP_FREE char *p = NULL;
      if (asprintf (&p, "%s/%s", tmpdir, junk[i]) != -1)
        remove_tree (p);
    }
    if (asprintf (&log, "%s/build.log", tmpdir) != -1)
      unlink (log);
  }
  if (rename (tmpdir, apdir) == -1) {
    gc_int_perror (g, "rename %s", apdir);
    goto fail;
  }
  gc_int_debug (g, "appliance: built in %.1f s",
                (gc_int_now_us () - t0) / 1e6);
  remove_unused (g, cachedir, apdir);
  return 0;

 fail:
  remove_tree (tmpdir);
  return -1;
}

static int
fill_appliance (gc_h *g, const char *apdir, struct gc_appliance *ap)
{
  struct stat st;

  if (asprintf (&ap->kernel, "%s/vmlinux", apdir) == -1 ||
      asprintf (&ap->initrd, "%s/initrd", apdir) == -1 ||
      asprintf (&ap->root, "%s/root", apdir) == -1) {
    gc_int_perror (g, "asprintf");
    return -1;
  }
  ap->kernel_is_pvh = true;
  if (stat (ap->kernel, &st) == -1) {
    ap->kernel_is_pvh = false;
    ap->kernel[strlen (ap->kernel) - 7] = '\0';
    strcat (ap->kernel, "kernel");  /* shorter than "vmlinux" */
  }
  return 0;
}

/* The appliance the inputs call for now: its directory (which may not
 * exist yet) in *apdir, the kernel to build it from in *kernel and
 * *kver, the cache directory in *cachedir.  All malloc'd; -1 on error. */
static int
current_appliance (gc_h *g, const struct gc_appliance_files *f,
                   char **cachedir, char **apdir, char **kernel, char **kver)
{
  uint64_t h = FNV_INIT, source = FNV_INIT;

  *cachedir = *apdir = *kernel = *kver = NULL;
  *cachedir = gc_int_cachedir (g);
  if (*cachedir == NULL)
    return -1;
  if (find_kernel (g, kernel, kver) == -1)
    return -1;
  h = gc_int_fnv1a (h, APPLIANCE_FORMAT, strlen (APPLIANCE_FORMAT));
  if (hash_stat (g, &h, f->daemon) == -1 ||
      hash_stat (g, &h, f->init) == -1 ||
      hash_stat (g, &h, f->packages) == -1 ||
      hash_stat (g, &h, *kernel) == -1 ||
      hash_stat (g, &h, "/var/lib/dpkg/status") == -1)
    return -1;
  /* appliance-SOURCE-INPUTS: SOURCE names the installation (where its
   * daemon is), INPUTS the stat data of every input. */
  source = gc_int_fnv1a (source, f->daemon, strlen (f->daemon));
  if (asprintf (apdir, "%s/appliance-%016" PRIx64 "-%016" PRIx64, *cachedir,
                source, h) == -1) {
    *apdir = NULL;
    gc_int_perror (g, "asprintf");
    return -1;
  }
  return 0;
}

/* The cache's lock file, opened and locked (LOCK_SH or LOCK_EX); -1 on
 * error. */
static int
lock_cache (gc_h *g, const char *cachedir, int how)
{
  CLEANUP_FREE char *lockpath = NULL;
  int fd;

  if (asprintf (&lockpath, "%s/lock", cachedir) == -1) {
    gc_int_perror (g, "asprintf");
    return -1;
  }
  fd = open (lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd == -1) {
    gc_int_perror (g, "appliance: %s", lockpath);
    return -1;
  }
  if (flock (fd, how) == -1) {
    gc_int_perror (g, "appliance: lock %s", lockpath);
    close (fd);
    return -1;
  }
  return fd;
}

/* See internal.h. */
int
gc_int_appliance_get (gc_h *g, struct gc_appliance *ap)
{
  CLEANUP_FREE char *cachedir = NULL, *kernel = NULL, *kver = NULL,
    *apdir = NULL;
  CLEANUP_CLOSE int lock_fd = -1;
  struct gc_appliance_files f;
  struct stat st;
  int r = -1;

  memset (ap, 0, sizeof *ap);
  ap->lock_fd = -1;

  if (gc_int_appliance_files (g, &f) == -1)
    return -1;
  if (current_appliance (g, &f, &cachedir, &apdir, &kernel, &kver) == -1)
    goto out;
  lock_fd = lock_cache (g, cachedir, LOCK_SH);
  if (lock_fd == -1)
    goto out;
  if (stat (apdir, &st) == -1) {
    /* Build it, unless a parallel run does it while we wait. */
    if (flock (lock_fd, LOCK_EX) == -1) {
      gc_int_perror (g, "appliance: lock %s/lock", cachedir);
      goto out;
    }
    if (stat (apdir, &st) == -1 &&
        build_appliance (g, &f, cachedir, apdir, kernel, kver) == -1)
      goto out;
    if (flock (lock_fd, LOCK_SH) == -1) {
      gc_int_perror (g, "appliance: lock %s/lock", cachedir);
      goto out;
    }
  }
  /* Its times say when it was last used (remove_unused). */
  utimensat (AT_FDCWD, apdir, NULL, 0);
  if (fill_appliance (g, apdir, ap) == -1) {
    gc_int_appliance_release (ap);
    goto out;
  }
  ap->lock_fd = TAKE_FD (lock_fd);
  gc_int_debug (g, "appliance: %s (%s)", apdir,
                ap->kernel_is_pvh ? "PVH vmlinux" : "bzImage");
  r = 0;
 out:
  gc_int_appliance_files_free (&f);
  return r;
}

/* See guestcell.h. */
char *
gc_appliance_cachedir (gc_h *g)
{
  return gc_int_cachedir (g);
}

/* See guestcell.h. */
char *
gc_appliance_current (gc_h *g, char **kernel_version)
{
  CLEANUP_FREE char *cachedir = NULL, *kernel = NULL;
  char *apdir = NULL, *kver = NULL;
  struct gc_appliance_files f;

  if (gc_int_appliance_files (g, &f) == -1)
    return NULL;
  if (current_appliance (g, &f, &cachedir, &apdir, &kernel, &kver) == -1) {
    free (apdir);
    apdir = NULL;
  }
  gc_int_appliance_files_free (&f);
  if (apdir != NULL && kernel_version != NULL) {
    *kernel_version = kver;
    kver = NULL;
  }
  free (kver);
  return apdir;
}

/* See guestcell.h. */
int
gc_appliance_build (gc_h *g)
{
  struct gc_appliance ap;
  struct gc_int_snapshot snap;
  const char *accel = gc_int_choose_accel (g);   /* before the lock */

  if (gc_int_appliance_get (g, &ap) == -1)
    return -1;
  /* The first run then restores it instead of making it. */
  gc_int_snapshot_get (g, &ap, accel, &snap);
  gc_int_snapshot_free (&snap);
  gc_int_appliance_release (&ap);
  return 0;
}

/* See guestcell.h. */
int
gc_appliance_clean (gc_h *g)
{
  CLEANUP_FREE char *cachedir = gc_int_cachedir (g);
  CLEANUP_CLOSE int lock_fd = -1;

  if (cachedir == NULL)
    return -1;
  lock_fd = lock_cache (g, cachedir, LOCK_EX);
  if (lock_fd == -1)
    return -1;
  return remove_unused (g, cachedir, NULL);
}

/* See internal.h.  Frees the paths too; safe to call twice. */
void
gc_int_appliance_release (struct gc_appliance *ap)
{
  if (ap->lock_fd >= 0) {
    close (ap->lock_fd);
    ap->lock_fd = -1;
  }
  free (ap->kernel);
  free (ap->initrd);
  free (ap->root);
  ap->kernel = ap->initrd = ap->root = NULL;
}
