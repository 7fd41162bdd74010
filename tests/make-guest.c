/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* make-guest: build a phony guest disk image for the tests, with the
 * core itself (one appliance launch per image), from a recipe.
 *
 *   make-guest RECIPE OUTPUT.img      build the image
 *   make-guest --pattern SIZE SEED    print the bytes that
 *                                     "upload-pattern PATH SIZE SEED"
 *                                     puts in a guest file
 *
 * A recipe (tests/guests/NAME.recipe) is a list of commands, one a line,
 * '#' starting a comment.  Sizes take K, M or G.  The first command is
 * "size SIZE" (the new sparse raw image's size); the others map to the
 * core's actions:
 *
 *   part-init DEV msdos|gpt          part-add DEV primary START END
 *   mkfs TYPE DEV [label=L] [uuid=U] pvcreate DEV
 *   vgcreate VG PV...                lvcreate LV VG MBYTES
 *   lvm-many DEV VG N                (DEV a PV of a new VG with N LVs
 *                                    lv00000... of 64 KiB each)
 *   mount DEV MNT  (makes MNT first)  mkdir-p PATH
 *   mount-o OPTS DEV MNT             (mount with options, e.g.
 *                                    subvol=root,compress=zstd:1)
 *   btrfs-subvolume-create PATH      (a btrfs subvolume at PATH, its
 *                                    parent directory made first)
 *   btrfs-subvolume-snapshot SRC DST [ro]
 *                                    (a snapshot of the subvolume SRC as
 *                                    the new subvolume DST, read-only
 *                                    with "ro", as snapper makes them)
 *   btrfs-subvolume-set-default PATH (the subvolume at PATH becomes the
 *                                    default: what mounting the device
 *                                    without subvol= mounts)
 *   (mkfs btrfs makes a btrfs filesystem, like the other types)
 *   write PATH <<END ... END         (the lines between, each with '\n')
 *   (write, upload-pattern and ln-s make the parent directory first)
 *   upload-pattern PATH SIZE SEED    (SIZE deterministic pseudo-random bytes)
 *   truncate PATH SIZE               (grow a file sparsely)
 *   ln-s TARGET LINK                 chmod OCTAL PATH
 *   mkfifo PATH                      mknod c|b MAJOR MINOR PATH
 *   chown UID GID PATH
 *   setxattr PATH NAME VALUE         (an extended attribute: VALUE is the
 *                                    text, or 0x and hex digits for
 *                                    bytes: security.selinux
 *                                    system_u:object_r:etc_t:s0,
 *                                    security.capability 0x0100...)
 *   acl PATH TEXT                    (a POSIX ACL as setfacl writes it,
 *                                    u::rw-,u:1000:r--,g::r--,m::r--,o::---,
 *                                    stored as system.posix_acl_access)
 *   hive PATH <<END ... END          (a Windows registry hive built on the
 *                                    host from the text, a subset of the
 *                                    .reg format: see make-hive.c)
 *   write-hex PATH <<END ... END     (the bytes written in hex in the
 *                                    lines, whitespace ignored)
 *   write-repeat PATH N <<END ... END
 *                                    (the text N times over, "@N@" in it
 *                                    replaced by 0, 1... N-1: an fstab
 *                                    of 20,000 entries in a few lines)
 *   copy-in HOSTPATH PATH            (a copy of a host file, e.g. /bin/true)
 *   mbr-id DEV 0xHHHHHHHH            (the MBR's 32-bit disk signature,
 *                                    random after part-init msdos)
 *   umount-all                       (to mount another filesystem at /)
 *   part-set-mbr-id DEV N 0xHH       (the MBR type byte of partition N)
 *   part-set-bootable DEV N on|off   (the MBR active flag of partition N)
 *   part-set-name DEV N NAME         (the GPT name of partition N, as
 *                                    PARTLABEL= sees it: USR-A, ROOT...)
 *   part-set-gpt-type DEV N GUID     (the type GUID of GPT partition N)
 *   part-set-gpt-guid DEV N GUID     (the unique GUID of GPT partition N)
 *   part-set-gpt-attributes DEV N 0xHHHHHHHHHHHHHHHH
 *                                    (the 64 attribute bits of GPT
 *                                    partition N)
 *   part-set-disk-guid DEV GUID      (the disk GUID of a GPT disk)
 *   resize2fs DEV SIZE               (an ext2/3/4 filesystem checked and
 *                                    made SIZE big, smaller than its
 *                                    partition: virt-resize --shrink)
 *   rpmdb PATH [N] <<END ... END     (an rpm sqlite database made on the
 *                                    host from the text: packages as
 *                                    stanzas of "Key: value" lines, Name
 *                                    Epoch Version Release Arch URL
 *                                    SourceRPM Summary Description,
 *                                    separated by blank lines; a line
 *                                    starting with a space continues a
 *                                    field, " ." for an empty line: see
 *                                    make-rpmdb.c; with N, the text N
 *                                    times over, @N@ counted, as in
 *                                    write-repeat)
 *   (hive, write-hex, rpmdb and copy-in make the parent directory first too)
 *   luks-format DEV KEY [uuid=U]     (a LUKS2 volume, passphrase KEY, cheap
 *                                    pbkdf2: for tests only)
 *   luks-open DEV KEY                (open it read-write, as
 *                                    /dev/mapper/luks-UUID, to fill it)
 *   md-create [HOST:]NAME LEVEL DEV... [uuid=U]
 *                                    (an md array /dev/md/NAME, metadata
 *                                    1.2, LEVEL raid1, left running so
 *                                    mkfs and mount can use /dev/md/NAME;
 *                                    U in mdadm's form, 8:8:8:8 hex digits;
 *                                    every array is stopped before the
 *                                    appliance shuts down)
 *   sync                             (everything written reaches the
 *                                    image: the daemon's sync(2))
 *   crash [SECONDS]                  (the last command: wait SECONDS,
 *                                    then kill qemu with nothing synced
 *                                    or unmounted, as a VM that crashed
 *                                    or was snapshotted while running
 *                                    leaves its disk: ext4 commits its
 *                                    journal every 5 s but writes the
 *                                    blocks home later, an xfs log
 *                                    synced is not checkpointed)
 *
 * Words are separated by blanks; in a word an octal escape stands for
 * its byte, \040 for a space (as in fstab: "/Program\040Files",
 * "label=System\040Reserved"), \012 for a newline.  For
 * mkfs ntfs, uuid= is the volume serial (16 hex digits).
 *
 * The recipe is checked whole before anything is built; the image is
 * written to OUTPUT.tmp and renamed at the end, so a failed build leaves
 * nothing that looks finished.  Fixed UUIDs keep images reproducible
 * (the tests compare /etc/fstab with golden files).
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guestcell.h"
#include "cleanup.h"
#include "strutils.h"
#include "vector.h"
#include "make-hive.h"
#include "make-rpmdb.h"
#include "make-xattr.h"

struct cmd {
  int lineno;
  string_vector argv;           /* the words */
  char *content;                /* for write: the heredoc's text */
  size_t content_len;
};
DEFINE_VECTOR_TYPE (cmd_vector, struct cmd);

static const char *recipe_name;

static void
cmd_vector_free (cmd_vector *v)
{
  for (size_t i = 0; i < v->len; ++i) {
    gc_string_vector_free (&v->ptr[i].argv);
    free (v->ptr[i].content);
  }
  cmd_vector_reset (v);
}

/* "512M" -> bytes; -1 if not a size. */
static int64_t
parse_size (const char *s)
{
  char *end;
  errno = 0;
  long long n = strtoll (s, &end, 10);
  if (errno || end == s || n < 0)
    return -1;
  switch (*end) {
  case '\0': break;
  case 'K': n *= 1024; end++; break;
  case 'M': n *= 1024 * 1024; end++; break;
  case 'G': n *= 1024 * 1024 * 1024; end++; break;
  default: return -1;
  }
  return *end ? -1 : n;
}

/* Arity of each command: min and max number of arguments. */
static const struct {
  const char *name;
  int min, max;
} commands[] = {
  { "mount-o", 3, 3 }, { "btrfs-subvolume-create", 1, 1 },
  { "btrfs-subvolume-snapshot", 2, 3 },
  { "btrfs-subvolume-set-default", 1, 1 },
  { "size", 1, 1 }, { "part-init", 2, 2 }, { "part-add", 4, 4 },
  { "part-set-name", 3, 3 }, { "part-set-gpt-type", 3, 3 },
  { "part-set-gpt-guid", 3, 3 }, { "part-set-gpt-attributes", 3, 3 },
  { "part-set-disk-guid", 2, 2 }, { "resize2fs", 2, 2 },
  { "mkfs", 2, 4 }, { "pvcreate", 1, 1 }, { "vgcreate", 2, 16 },
  { "lvcreate", 3, 3 }, { "lvm-many", 3, 3 }, { "mount", 2, 2 }, { "mkdir-p", 1, 1 },
  { "write", 1, 1 }, { "upload-pattern", 3, 3 }, { "truncate", 2, 2 },
  { "ln-s", 2, 2 }, { "chmod", 2, 2 }, { "chown", 3, 3 },
  { "hive", 1, 1 }, { "write-hex", 1, 1 }, { "copy-in", 2, 2 },
  { "mbr-id", 2, 2 }, { "umount-all", 0, 0 }, { "rpmdb", 1, 2 },
  { "luks-format", 2, 3 }, { "luks-open", 2, 2 }, { "md-create", 4, 18 },
  { "part-set-mbr-id", 3, 3 }, { "part-set-bootable", 3, 3 },
  { "sync", 0, 0 }, { "crash", 0, 1 }, { "write-repeat", 2, 2 },
  { "mkfifo", 1, 1 }, { "mknod", 4, 4 },
  { "setxattr", 3, 3 }, { "acl", 2, 2 },
};

/* Commands followed by a text (<<END ... END). */
static bool
takes_text (const char *name)
{
  return strcmp (name, "write") == 0 || strcmp (name, "hive") == 0 ||
    strcmp (name, "write-repeat") == 0 ||
    strcmp (name, "write-hex") == 0 || strcmp (name, "rpmdb") == 0;
}

/* The text repeated count times (a decimal string, at most 10^6), "@N@"
 * replaced by 0, 1... count-1, into *out (malloc'd).  -1 on error
 * (printed). */
static int
repeat_text (const char *where, const char *text, size_t len,
             const char *count, char **out, size_t *out_len)
{
  char *end;
  errno = 0;
  long n = strtol (count, &end, 10);
  if (errno || *end || n < 0 || n > 1000000) {
    fprintf (stderr, "%s: bad count '%s'\n", where, count);
    return -1;
  }
  FILE *m = open_memstream (out, out_len);
  if (m == NULL) {
    perror ("open_memstream");
    return -1;
  }
  for (long i = 0; i < n; ++i)
    for (size_t k = 0; k < len; ++k) {
      if (strncmp (text + k, "@N@", 3) == 0) {
        fprintf (m, "%ld", i);
        k += 2;
      }
      else
        fputc (text[k], m);
    }
  if (fclose (m) == EOF) {
    perror ("repeat");
    return -1;
  }
  return 0;
}

/* hive and write-hex: turn the text into the file's bytes now, so that
 * a bad text fails before anything is built; copy-in: check that the
 * host file can be read.  -1 on error (printed). */
static int
convert_text (struct cmd *c)
{
  char *bytes = NULL;
  size_t len = 0;
  char where[256];
  snprintf (where, sizeof where, "%s:%d", recipe_name, c->lineno);
  if (strcmp (c->argv.ptr[0], "hive") == 0) {
    const char *base = strrchr (c->argv.ptr[1], '/');
    if (make_hive (c->content, c->content_len, base ? base + 1 : "hive",
                   where, &bytes, &len) == -1)
      return -1;
  }
  else if (strcmp (c->argv.ptr[0], "rpmdb") == 0) {
    CLEANUP_FREE char *text = NULL;
    size_t tlen = 0;
    if (c->argv.len > 2 &&
        repeat_text (where, c->content, c->content_len, c->argv.ptr[2],
                     &text, &tlen) == -1)
      return -1;
    if (rpmdb_make (where, text ? text : c->content,
                    text ? tlen : c->content_len, &bytes, &len) == -1)
      return -1;
  }
  else if (strcmp (c->argv.ptr[0], "write-repeat") == 0) {
    if (repeat_text (where, c->content, c->content_len, c->argv.ptr[2],
                     &bytes, &len) == -1)
      return -1;
  }
  else if (strcmp (c->argv.ptr[0], "write-hex") == 0) {
    bytes = malloc (c->content_len / 2 + 1);
    if (bytes == NULL) {
      perror ("malloc");
      return -1;
    }
    int half = -1;
    for (size_t i = 0; i < c->content_len; ++i) {
      char ch = c->content[i];
      if (strchr (" \t\r\n", ch))
        continue;
      const char *digits = "0123456789abcdef";
      const char *d = strchr (digits, ch >= 'A' && ch <= 'F' ? ch + 32 : ch);
      if (ch == '\0' || d == NULL) {
        fprintf (stderr, "%s: write-hex: '%c' is not a hex digit\n", where, ch);
        free (bytes);
        return -1;
      }
      if (half == -1)
        half = (int) (d - digits);
      else {
        bytes[len++] = (char) (half << 4 | (int) (d - digits));
        half = -1;
      }
    }
    if (half != -1) {
      fprintf (stderr, "%s: write-hex: an odd number of hex digits\n", where);
      free (bytes);
      return -1;
    }
  }
  else if (strcmp (c->argv.ptr[0], "setxattr") == 0) {
    if (xattr_value (c->argv.ptr[3], where, &bytes, &len) == -1)
      return -1;
  }
  else if (strcmp (c->argv.ptr[0], "acl") == 0) {
    if (acl_to_xattr (c->argv.ptr[2], where, &bytes, &len) == -1)
      return -1;
  }
  else if (strcmp (c->argv.ptr[0], "copy-in") == 0) {
    if (access (c->argv.ptr[1], R_OK) == -1) {
      fprintf (stderr, "%s: copy-in: %s: %m\n", where, c->argv.ptr[1]);
      return -1;
    }
    return 0;
  }
  else
    return 0;
  free (c->content);
  c->content = bytes;
  c->content_len = len;
  return 0;
}

/* Octal escapes in a recipe's word, in place: "\040" -> ' ', "\012" a
 * newline, "\033" ESC (\001 to \377; \000 is left as it is). */
static void
unescape_spaces (char *s)
{
  char *w = s;
  for (const char *p = s; *p; ++p) {
    if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' &&
        p[2] <= '7' && p[3] >= '0' && p[3] <= '7' &&
        (p[1] != '0' || p[2] != '0' || p[3] != '0')) {
      *w++ = (char) ((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
      p += 3;
    }
    else
      *w++ = *p;
  }
  *w = '\0';
}

/* copy-in: upload a host file.  -2 if it cannot be opened (printed),
 * -1 on an error in g. */
static int
copy_in (gc_h *g, int lineno, const char *hostpath, const char *path)
{
  int fd = open (hostpath, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    fprintf (stderr, "%s:%d: copy-in: %s: %m\n", recipe_name, lineno,
             hostpath);
    return -2;
  }
  int r = gc_upload (g, path, fd);
  close (fd);
  return r;
}

/* write, hive, write-hex: one call, or over 1 MiB (the protocol's
 * strings stop at 4 MiB; a hostile hive is 17 MB) streamed from a
 * memfd.  -2 if the memfd fails (printed), -1 on an error in g. */
static int
write_content (gc_h *g, int lineno, const char *path, const char *content,
               size_t len)
{
  if (len <= 1024 * 1024)
    return gc_write (g, path, content, len);
  int fd = memfd_create ("make-guest", MFD_CLOEXEC);
  if (fd == -1 || gc_write_all (fd, content, len) == -1 ||
      lseek (fd, 0, SEEK_SET) == -1) {
    fprintf (stderr, "%s:%d: %s: memfd: %m\n", recipe_name, lineno, path);
    if (fd >= 0)
      close (fd);
    return -2;
  }
  int r = gc_upload (g, path, fd);
  close (fd);
  return r;
}

static int
check_cmd (const struct cmd *c)
{
  const char *name = c->argv.ptr[0];
  int nargs = (int) c->argv.len - 1;
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i)
    if (strcmp (commands[i].name, name) == 0) {
      if (nargs < commands[i].min || nargs > commands[i].max) {
        fprintf (stderr, "%s:%d: %s: wrong number of arguments\n",
                 recipe_name, c->lineno, name);
        return -1;
      }
      if (strcmp (name, "btrfs-subvolume-snapshot") == 0 && nargs == 3
          && strcmp (c->argv.ptr[3], "ro") != 0) {
        fprintf (stderr, "%s:%d: %s: the third word can only be 'ro'\n",
                 recipe_name, c->lineno, name);
        return -1;
      }
      return 0;
    }
  fprintf (stderr, "%s:%d: unknown command '%s'\n",
           recipe_name, c->lineno, name);
  return -1;
}

/* Read a whole recipe; -1 on error (printed). */
static int
parse_recipe (const char *path, cmd_vector *cmds)
{
  CLEANUP_FCLOSE FILE *f = fopen (path, "r");
  if (f == NULL) {
    perror (path);
    return -1;
  }
  CLEANUP_FREE char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int lineno = 0;
  while ((len = getline (&line, &cap, f)) != -1) {
    ++lineno;
    if (len > 0 && line[len - 1] == '\n')
      line[--len] = '\0';
    char *hash = strchr (line, '#');
    if (hash)
      *hash = '\0';
    struct cmd c = { .lineno = lineno, .argv = EMPTY_VECTOR };
    for (char *tok = strtok (line, " \t"); tok; tok = strtok (NULL, " \t")) {
      char *w = strdup (tok);
      if (w == NULL || string_vector_append (&c.argv, w) == -1) {
        perror ("strdup");
        exit (EXIT_FAILURE);
      }
      unescape_spaces (w);
    }
    if (c.argv.len == 0)
      continue;
    /* write PATH <<END: the following lines up to END. */
    if (takes_text (c.argv.ptr[0]) && c.argv.len >= 3 &&
        gc_str_prefix (c.argv.ptr[c.argv.len - 1], "<<")) {
      CLEANUP_FREE char *end = strdup (c.argv.ptr[c.argv.len - 1] + 2);
      free (c.argv.ptr[c.argv.len - 1]);
      c.argv.len--;
      size_t size = 0;
      FILE *m = open_memstream (&c.content, &size);
      bool closed = false;
      while ((len = getline (&line, &cap, f)) != -1) {
        ++lineno;
        if (len > 0 && line[len - 1] == '\n')
          line[len - 1] = '\0';
        if (strcmp (line, end) == 0) {
          closed = true;
          break;
        }
        fprintf (m, "%s\n", line);
      }
      fclose (m);
      c.content_len = size;
      if (!closed) {
        fprintf (stderr, "%s:%d: no '%s' closes the text\n",
                 recipe_name, c.lineno, end);
        return -1;
      }
    }
    if (cmd_vector_append (cmds, c) == -1) {
      perror ("realloc");
      exit (EXIT_FAILURE);
    }
    if (check_cmd (&c) == -1)
      return -1;
    if (takes_text (c.argv.ptr[0]) && c.content == NULL) {
      fprintf (stderr, "%s:%d: %s PATH <<END, then the text, then END\n",
               recipe_name, lineno, c.argv.ptr[0]);
      return -1;
    }
    if (convert_text (&cmds->ptr[cmds->len - 1]) == -1)
      return -1;
  }
  if (cmds->len == 0 || strcmp (cmds->ptr[0].argv.ptr[0], "size") != 0 ||
      parse_size (cmds->ptr[0].argv.ptr[1]) <= 0) {
    fprintf (stderr, "%s: the first command must be 'size SIZE'\n",
             recipe_name);
    return -1;
  }
  for (size_t i = 0; i + 1 < cmds->len; ++i)
    if (strcmp (cmds->ptr[i].argv.ptr[0], "crash") == 0) {
      fprintf (stderr, "%s:%d: crash must be the last command\n",
               recipe_name, cmds->ptr[i].lineno);
      return -1;
    }
  return 0;
}

/* The pattern: xorshift64* from the seed, 8 bytes per step,
 * little-endian.  Writes size bytes to fd; -1 on error. */
static int
write_pattern (int fd, int64_t size, uint64_t seed)
{
  uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  static uint64_t buf[8192];
  while (size > 0) {
    for (size_t i = 0; i < sizeof buf / 8; ++i) {
      x ^= x >> 12;
      x ^= x << 25;
      x ^= x >> 27;
      buf[i] = x * 0x2545F4914F6CDD1DULL;
    }
    size_t n = size < (int64_t) sizeof buf ? (size_t) size : sizeof buf;
    if (gc_write_all (fd, buf, n) == -1)
      return -1;
    size -= n;
  }
  return 0;
}

/* gc_upload from a child process writing the pattern into a pipe. */
static int
upload_pattern (gc_h *g, const char *path, int64_t size, uint64_t seed)
{
  int fds[2];
  if (pipe2 (fds, O_CLOEXEC) == -1) {
    perror ("pipe");
    return -1;
  }
  pid_t pid = fork ();
  if (pid == -1) {
    perror ("fork");
    return -1;
  }
  if (pid == 0) {
    close (fds[0]);
    _exit (write_pattern (fds[1], size, seed) == 0 ? 0 : 1);
  }
  close (fds[1]);
  int r = gc_upload (g, path, fds[0]);
  close (fds[0]);
  int status;
  if (waitpid (pid, &status, 0) == -1 ||
      (r == 0 && !(WIFEXITED (status) && WEXITSTATUS (status) == 0))) {
    fprintf (stderr, "make-guest: the pattern writer failed\n");
    return -1;
  }
  return r;
}

/* gc_upload of bytes in memory, through a temporary file (rpmdb). */
static int
upload_bytes (gc_h *g, const char *path, const char *bytes, size_t len)
{
  CLEANUP_FCLOSE FILE *f = tmpfile ();
  if (f == NULL || fwrite (bytes, 1, len, f) != len || fflush (f) != 0 ||
      fseek (f, 0, SEEK_SET) == -1) {
    perror ("make-guest: tmpfile");
    return -1;
  }
  return gc_upload (g, path, fileno (f));
}

/* "label=X" / "uuid=X" argument of mkfs, or NULL. */
static const char *
keyword (const struct cmd *c, size_t from, const char *key)
{
  size_t klen = strlen (key);
  for (size_t i = from; i < c->argv.len; ++i)
    if (strncmp (c->argv.ptr[i], key, klen) == 0 && c->argv.ptr[i][klen] == '=')
      return c->argv.ptr[i] + klen + 1;
  return NULL;
}

/* Make the parent directory of a guest path, so that recipes need no
 * mkdir-p before each file.  -1 on error. */
static int
make_parent (gc_h *g, const char *path)
{
  CLEANUP_FREE char *dir = strdup (path);
  char *slash = dir ? strrchr (dir, '/') : NULL;
  if (slash == NULL || slash == dir)
    return 0;
  *slash = '\0';
  return gc_mkdir_p (g, dir);
}

static int
run_cmd (gc_h *g, const struct cmd *c)
{
  char **a = c->argv.ptr;
  const char *n = a[0];
  int r;

  if ((strcmp (n, "write") == 0 || strcmp (n, "upload-pattern") == 0 ||
       strcmp (n, "hive") == 0 || strcmp (n, "write-hex") == 0 ||
       strcmp (n, "rpmdb") == 0 || strcmp (n, "write-repeat") == 0) &&
      make_parent (g, a[1]) == -1)
    goto error;
  if (strcmp (n, "copy-in") == 0 && make_parent (g, a[2]) == -1)
    goto error;
  if (strcmp (n, "ln-s") == 0 && make_parent (g, a[2]) == -1)
    goto error;
  if ((strcmp (n, "mkfifo") == 0 || strcmp (n, "mknod") == 0) &&
      make_parent (g, a[c->argv.len - 1]) == -1)
    goto error;

  if (strcmp (n, "part-init") == 0)
    r = gc_part_init (g, a[1], a[2]);
  else if (strcmp (n, "part-add") == 0)
    r = gc_part_add (g, a[1], a[2], strtoll (a[3], NULL, 10),
                     strtoll (a[4], NULL, 10));
  else if (strcmp (n, "mkfs") == 0)
    r = gc_mkfs (g, a[1], a[2], keyword (c, 3, "label"), keyword (c, 3, "uuid"));
  else if (strcmp (n, "pvcreate") == 0)
    r = gc_pvcreate (g, a[1]);
  else if (strcmp (n, "vgcreate") == 0) {
    string_vector pvs = EMPTY_VECTOR;
    for (size_t i = 2; i < c->argv.len; ++i)
      string_vector_append (&pvs, a[i]);
    string_vector_append (&pvs, NULL);
    r = gc_vgcreate (g, a[1], pvs.ptr);
    string_vector_reset (&pvs);
  }
  else if (strcmp (n, "lvcreate") == 0)
    r = gc_lvcreate (g, a[1], a[2], atoi (a[3]));
  else if (strcmp (n, "lvm-many") == 0)
    r = gc_internal_lvm_many (g, a[1], a[2], atoi (a[3]));
  else if (strcmp (n, "mount") == 0) {
    r = 0;
    if (strcmp (a[2], "/") != 0)
      r = gc_mkdir_p (g, a[2]);
    if (r == 0)
      r = gc_mount (g, a[1], a[2], NULL, NULL, 0);
  }
  else if (strcmp (n, "mount-o") == 0) {
    r = 0;
    if (strcmp (a[3], "/") != 0)
      r = gc_mkdir_p (g, a[3]);
    if (r == 0)
      r = gc_mount (g, a[2], a[3], a[1], NULL, 0);
  }
  else if (strcmp (n, "btrfs-subvolume-create") == 0)
    r = make_parent (g, a[1]) == -1 ? -1 : gc_btrfs_subvolume_create (g, a[1]);
  else if (strcmp (n, "btrfs-subvolume-snapshot") == 0)
    r = make_parent (g, a[2]) == -1 ? -1
      : gc_btrfs_subvolume_snapshot (g, a[1], a[2],
                                     c->argv.len > 3 && strcmp (a[3], "ro") == 0);
  else if (strcmp (n, "btrfs-subvolume-set-default") == 0)
    r = gc_btrfs_subvolume_set_default (g, a[1]);
  else if (strcmp (n, "mkdir-p") == 0)
    r = gc_mkdir_p (g, a[1]);
  else if (strcmp (n, "write") == 0 || strcmp (n, "hive") == 0 ||
           strcmp (n, "write-hex") == 0) {
    r = write_content (g, c->lineno, a[1], c->content, c->content_len);
    if (r == -2)
      return -1;
  }
  else if (strcmp (n, "copy-in") == 0) {
    r = copy_in (g, c->lineno, a[1], a[2]);
    if (r == -2)
      return -1;
  }
  else if (strcmp (n, "umount-all") == 0)
    r = gc_umount_all (g);
  else if (strcmp (n, "sync") == 0)
    r = gc_sync (g);
  else if (strcmp (n, "mkfifo") == 0)
    r = gc_mknod (g, S_IFIFO | 0644, 0, 0, a[1]);
  else if (strcmp (n, "mknod") == 0) {
    if (strcmp (a[1], "c") != 0 && strcmp (a[1], "b") != 0) {
      fprintf (stderr, "%s:%d: mknod: c or b, not '%s'\n", recipe_name,
               c->lineno, a[1]);
      return -1;
    }
    r = gc_mknod (g, (a[1][0] == 'c' ? S_IFCHR : S_IFBLK) | 0644,
                  atoi (a[2]), atoi (a[3]), a[4]);
  }
  else if (strcmp (n, "crash") == 0) {
    /* The next call finds the handle cancelled and kills qemu (SIGKILL)
     * before sending anything. */
    if (c->argv.len > 1)
      sleep (atoi (a[1]));
    gc_user_cancel (g);
    if (gc_sync (g) == 0 || gc_get_state (g) != GC_STATE_CLOSED) {
      fprintf (stderr, "%s:%d: crash: the appliance was not killed\n",
               recipe_name, c->lineno);
      return -1;
    }
    return 0;
  }
  else if (strcmp (n, "part-set-mbr-id") == 0)
    r = gc_part_set_mbr_id (g, a[1], atoi (a[2]),
                            (int) strtol (a[3], NULL, 0));
  else if (strcmp (n, "part-set-bootable") == 0)
    r = gc_part_set_bootable (g, a[1], atoi (a[2]), strcmp (a[3], "on") == 0);
  else if (strcmp (n, "part-set-name") == 0)
    r = gc_part_set_name (g, a[1], atoi (a[2]), a[3]);
  else if (strcmp (n, "part-set-gpt-type") == 0)
    r = gc_part_set_gpt_type (g, a[1], atoi (a[2]), a[3]);
  else if (strcmp (n, "part-set-gpt-guid") == 0)
    r = gc_part_set_gpt_guid (g, a[1], atoi (a[2]), a[3]);
  else if (strcmp (n, "part-set-gpt-attributes") == 0) {
    char *end;
    errno = 0;
    unsigned long long bits = strtoull (a[3], &end, 0);
    if (errno || *end) {
      fprintf (stderr, "%s:%d: part-set-gpt-attributes: bad bits '%s'\n",
               recipe_name, c->lineno, a[3]);
      return -1;
    }
    r = gc_part_set_gpt_attributes (g, a[1], atoi (a[2]), (int64_t) bits);
  }
  else if (strcmp (n, "part-set-disk-guid") == 0)
    r = gc_part_set_disk_guid (g, a[1], a[2]);
  else if (strcmp (n, "resize2fs") == 0)
    r = gc_internal_resize2fs (g, a[1], parse_size (a[2]));
  else if (strcmp (n, "mbr-id") == 0) {
    char *end;
    errno = 0;
    long long id = strtoll (a[2], &end, 0);
    if (errno || *end || id < 0 || id > 0xffffffffLL) {
      fprintf (stderr, "%s:%d: mbr-id: bad disk signature '%s'\n",
               recipe_name, c->lineno, a[2]);
      return -1;
    }
    r = gc_mbr_set_id (g, a[1], id);
  }
  else if (strcmp (n, "rpmdb") == 0 || strcmp (n, "write-repeat") == 0)
    r = upload_bytes (g, a[1], c->content, c->content_len);
  else if (strcmp (n, "luks-format") == 0)
    r = gc_luks_format (g, a[1], a[2], keyword (c, 3, "uuid"));
  else if (strcmp (n, "luks-open") == 0) {
    char *mapper = gc_luks_open (g, a[1], a[2], 0);
    r = mapper ? 0 : -1;
    free (mapper);
  }
  else if (strcmp (n, "md-create") == 0) {
    string_vector devs = EMPTY_VECTOR;
    for (size_t i = 3; i < c->argv.len; ++i)
      if (strncmp (a[i], "uuid=", 5) != 0)
        string_vector_append (&devs, a[i]);
    string_vector_append (&devs, NULL);
    r = gc_md_create (g, a[1], devs.ptr, a[2], keyword (c, 3, "uuid"));
    string_vector_reset (&devs);
  }
  else if (strcmp (n, "upload-pattern") == 0) {
    int64_t size = parse_size (a[2]);
    if (size < 0) {
      fprintf (stderr, "%s:%d: bad size '%s'\n", recipe_name, c->lineno, a[2]);
      return -1;
    }
    r = upload_pattern (g, a[1], size, strtoull (a[3], NULL, 10));
  }
  else if (strcmp (n, "truncate") == 0)
    r = gc_truncate_size (g, a[1], parse_size (a[2]));
  else if (strcmp (n, "ln-s") == 0)
    r = gc_ln_s (g, a[1], a[2]);
  else if (strcmp (n, "chmod") == 0)
    r = gc_chmod (g, (int) strtol (a[1], NULL, 8), a[2]);
  else if (strcmp (n, "chown") == 0)
    r = gc_chown (g, atoi (a[1]), atoi (a[2]), a[3]);
  else if (strcmp (n, "setxattr") == 0)
    r = gc_setxattr (g, a[1], a[2], c->content, c->content_len);
  else if (strcmp (n, "acl") == 0)
    r = gc_setxattr (g, a[1], "system.posix_acl_access", c->content,
                     c->content_len);
  else
    return 0;                   /* size: already done */

  if (r == 0)
    return 0;
 error:
  fprintf (stderr, "%s:%d: %s: %s\n", recipe_name, c->lineno, n,
           gc_last_error (g));
  return -1;
}

static void
on_event (gc_h *g, void *opaque, uint64_t event, const char *buf,
          size_t len, const uint64_t *array, size_t array_len)
{
  while (len > 0 && buf[len - 1] == '\n')
    --len;
  fprintf (stderr, "%s%.*s\n",
           event == GC_EVENT_WARNING ? "make-guest: warning: " :
           event == GC_EVENT_APPLIANCE ? "" : "guestcell: ",
           (int) len, buf);
}

static int
build (const char *recipe, const char *output)
{
  cmd_vector cmds = EMPTY_VECTOR;
  if (parse_recipe (recipe, &cmds) == -1) {
    cmd_vector_free (&cmds);
    return -1;
  }

  CLEANUP_FREE char *tmp = NULL;
  if (asprintf (&tmp, "%s.tmp", output) == -1) {
    perror ("asprintf");
    exit (EXIT_FAILURE);
  }
  int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd == -1 ||
      ftruncate (fd, parse_size (cmds.ptr[0].argv.ptr[1])) == -1 ||
      close (fd) == -1) {
    perror (tmp);
    cmd_vector_free (&cmds);
    return -1;
  }

  int r = -1;
  gc_h *g = gc_create ();
  if (g == NULL) {
    perror ("gc_create");
    goto out;
  }
  gc_set_event_callback (g, on_event,
                         GC_EVENT_WARNING |
                         (gc_get_verbose (g) ?
                          GC_EVENT_LIBRARY | GC_EVENT_APPLIANCE : 0) |
                         (gc_get_trace (g) ? GC_EVENT_TRACE : 0), NULL);
  struct gc_drive_opts o = { .format = "raw" };
  if (gc_add_drive (g, tmp, &o) == -1 || gc_launch (g) == -1) {
    fprintf (stderr, "make-guest: %s\n", gc_last_error (g));
    goto out;
  }
  for (size_t i = 1; i < cmds.len; ++i)
    if (run_cmd (g, &cmds.ptr[i]) == -1)
      goto out;
  if (strcmp (cmds.ptr[cmds.len - 1].argv.ptr[0], "crash") == 0)
    goto done;
  /* md arrays: unmounted and stopped, their superblocks marked clean. */
  for (size_t i = 1; i < cmds.len; ++i)
    if (strcmp (cmds.ptr[i].argv.ptr[0], "md-create") == 0) {
      if (gc_umount_all (g) == -1 || gc_md_stop_all (g) == -1) {
        fprintf (stderr, "make-guest: %s\n", gc_last_error (g));
        goto out;
      }
      break;
    }
  if (gc_shutdown (g) == -1) {
    fprintf (stderr, "make-guest: %s\n", gc_last_error (g));
    goto out;
  }
 done:
  if (rename (tmp, output) == -1) {
    perror (output);
    goto out;
  }
  r = 0;
 out:
  gc_close (g);
  if (r == -1)
    unlink (tmp);
  cmd_vector_free (&cmds);
  return r;
}

int
main (int argc, char **argv)
{
  if (argc == 4 && strcmp (argv[1], "--pattern") == 0) {
    int64_t size = parse_size (argv[2]);
    if (size < 0) {
      fprintf (stderr, "make-guest: bad size '%s'\n", argv[2]);
      return EXIT_FAILURE;
    }
    return write_pattern (STDOUT_FILENO, size, strtoull (argv[3], NULL, 10))
      == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
  }
  if (argc != 3) {
    fprintf (stderr,
             "usage: make-guest RECIPE OUTPUT.img\n"
             "       make-guest --pattern SIZE SEED\n");
    return EXIT_FAILURE;
  }
  recipe_name = argv[1];
  return build (argv[1], argv[2]) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
