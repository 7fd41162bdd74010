/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Unit test of the tree stream (treestream.h), no appliance:
 *  - a tree of every kind of entry (hard links, a sparse file, names
 *    with spaces, a newline, UTF-8 and 255 bytes, 20 levels, odd modes
 *    and times) written and read back, the stream cut into pieces of
 *    every size from 1 byte, compares equal, holes and all;
 *  - crafted hostile streams ("../x", "/etc/x", "a/../../x", a '/' or a
 *    NUL in a name, entering a symbolic link, a symbolic link then a
 *    file of its name, hard links to entries never sent or since
 *    replaced, sizes and extents out of range, too deep, trailing data)
 *    are errors, and nothing changes outside the target directory;
 *  - a valid stream cut at every byte leaves no partial file and no
 *    temporary behind.
 */

#include <config.h>

#include <dirent.h>
#include <ftw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "tap.h"
#include "treestream.h"
#include "vector.h"

DEFINE_VECTOR_TYPE (bytes, char);

static char top[] = "/tmp/test-treestream.XXXXXX";

static int
sink (void *opaque, const void *buf, size_t len)
{
  bytes *b = opaque;
  if (bytes_reserve (b, len) == -1)
    return -1;
  memcpy (b->ptr + b->len, buf, len);
  b->len += len;
  return 0;
}

/* An fd sink for the writer: the file's bytes appended as they are (or
 * EINVAL, "cannot", when fd_sink_fails). */
static bool fd_sink_fails;
static int fd_sink_calls;

static ssize_t
fd_sink (void *opaque, int fd, off_t offset, size_t len)
{
  bytes *b = opaque;
  ++fd_sink_calls;
  if (fd_sink_fails) {
    errno = EINVAL;
    return -1;
  }
  if (bytes_reserve (b, len) == -1)
    return -1;
  ssize_t r = pread (fd, b->ptr + b->len, len, offset);
  if (r > 0)
    b->len += r;
  return r;
}

static void
die (const char *what)
{
  perror (what);
  exit (1);
}

static void
put_file (const char *path, const char *content, mode_t mode)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd == -1 || write (fd, content, strlen (content)) != (ssize_t) strlen (content) ||
      fchmod (fd, mode) == -1 || close (fd) == -1)
    die (path);
}

static void
set_time (const char *path, time_t sec, long nsec)
{
  struct timespec ts[2] = { { sec - 100, 5 }, { sec, nsec } };
  if (utimensat (AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) == -1)
    die (path);
}

/* The source tree of the round trip. */
static void
make_tree (const char *src)
{
  char p[8192], q[8192], name255[256];
  if (mkdir (src, 0755) == -1)
    die (src);
#define P(...) (snprintf (p, sizeof p, __VA_ARGS__), p)
#define Q(...) (snprintf (q, sizeof q, __VA_ARGS__), q)
  put_file (P ("%s/plain.txt", src), "plain text\n", 0644);
  put_file (P ("%s/odd mode", src), "mode 0604\n", 0604);
  put_file (P ("%s/setuid", src), "setuid\n", 04755);
  put_file (P ("%s/empty", src), "", 0600);
  put_file (P ("%s/new\nline", src), "a newline in the name\n", 0644);
  put_file (P ("%s/caf\xc3\xa9 \xe2\x82\xac", src), "UTF-8\n", 0644);
  memset (name255, 'n', 255);
  name255[255] = '\0';
  put_file (P ("%s/%s", src, name255), "255 bytes\n", 0644);
  /* 300 KiB of data in one extent (an fd sink takes it), odd-sized. */
  {
    static char big[300 * 1024 + 7];
    for (size_t i = 0; i < sizeof big; ++i)
      big[i] = (char) (i * 7 + i / 4096);
    int bfd = open (P ("%s/big", src), O_WRONLY | O_CREAT, 0644);
    if (bfd == -1 || write (bfd, big, sizeof big) != sizeof big ||
        close (bfd) == -1)
      die ("big");
  }
  /* Sparse: 64 MiB, data at 1 MiB and at the end. */
  int fd = open (P ("%s/sparse", src), O_WRONLY | O_CREAT, 0644);
  if (fd == -1 || pwrite (fd, "middle", 6, 1 << 20) != 6 ||
      pwrite (fd, "end", 3, (64 << 20) - 3) != 3 || close (fd) == -1)
    die ("sparse");
  if (symlink ("plain.txt", P ("%s/link", src)) == -1 ||
      symlink ("/etc/passwd", P ("%s/abslink", src)) == -1 ||
      mkfifo (P ("%s/fifo", src), 0640) == -1)
    die ("symlink/fifo");
  if (mkdir (P ("%s/sub", src), 0750) == -1)
    die ("sub");
  if (link (P ("%s/plain.txt", src), Q ("%s/sub/hardlink", src)) == -1)
    die ("link");
  put_file (P ("%s/sub/two", src), "two names\n", 0644);
  if (link (P ("%s/sub/two", src), Q ("%s/sub/two-again", src)) == -1 ||
      link (P ("%s/fifo", src), Q ("%s/sub/fifo-again", src)) == -1)
    die ("link");
  /* 20 levels. */
  size_t n = snprintf (p, sizeof p, "%s/deep", src);
  for (int i = 0; i < 20; ++i) {
    if (mkdir (p, 0755) == -1)
      die (p);
    n += snprintf (p + n, sizeof p - n, "/level%02d", i);
  }
  put_file (p, "deep\n", 0644);
  set_time (p, 1000000000, 123456789);
  if (mkdir (P ("%s/readonly", src), 0555) == -1)
    die ("readonly");
  set_time (P ("%s/plain.txt", src), 1234567890, 987654321);
  set_time (P ("%s/link", src), 1111111111, 0);
  set_time (P ("%s/sub", src), 1500000000, 42);
  set_time (P ("%s/readonly", src), 1600000000, 0);
#undef P
#undef Q
}

/* Compare two trees; hard links must map to hard links. */
struct pair { ino_t a, b; };
DEFINE_VECTOR_TYPE (pair_vector, struct pair);

static int
same_content (const char *a, const char *b)
{
  FILE *fa = fopen (a, "r"), *fb = fopen (b, "r");
  int ca, cb, same = fa && fb;
  while (same && (ca = getc (fa), cb = getc (fb), ca == cb) && ca != EOF)
    ;
  if (same)
    same = ca == cb;
  if (fa)
    fclose (fa);
  if (fb)
    fclose (fb);
  return same;
}

static int
compare (const char *a, const char *b, pair_vector *inodes, bool strip_setuid,
         bool dir_times, char *why, size_t whylen)
{
  DIR *d = opendir (a);
  struct dirent *e;
  size_t na = 0, nb = 0;
  if (d == NULL)
    return snprintf (why, whylen, "%s: cannot open", a), -1;
  while ((e = readdir (d)) != NULL) {
    if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
      continue;
    ++na;
    char pa[8192], pb[8192];
    struct stat sa, sb;
    snprintf (pa, sizeof pa, "%s/%s", a, e->d_name);
    snprintf (pb, sizeof pb, "%s/%s", b, e->d_name);
    if (lstat (pa, &sa) == -1 || lstat (pb, &sb) == -1) {
      snprintf (why, whylen, "%s: missing", pb);
      goto bad;
    }
    mode_t ma = sa.st_mode;
    if (strip_setuid && !S_ISDIR (ma))
      ma &= ~06000;
    if (ma != sb.st_mode) {
      snprintf (why, whylen, "%s: mode %o, expected %o", pb, sb.st_mode, ma);
      goto bad;
    }
    if (!S_ISLNK (sa.st_mode) && (dir_times || !S_ISDIR (sa.st_mode)) &&
        (sa.st_mtim.tv_sec != sb.st_mtim.tv_sec ||
         sa.st_mtim.tv_nsec != sb.st_mtim.tv_nsec)) {
      snprintf (why, whylen, "%s: mtime differs", pb);
      goto bad;
    }
    if (S_ISLNK (sa.st_mode) && sa.st_mtim.tv_sec != sb.st_mtim.tv_sec) {
      snprintf (why, whylen, "%s: the link's mtime differs", pb);
      goto bad;
    }
    if (!S_ISDIR (sa.st_mode) && sa.st_nlink > 1) {
      bool found = false;
      for (size_t i = 0; i < inodes->len; ++i)
        if (inodes->ptr[i].a == sa.st_ino) {
          found = true;
          if (inodes->ptr[i].b != sb.st_ino) {
            snprintf (why, whylen, "%s: not the hard link it should be", pb);
            goto bad;
          }
        }
      if (!found)
        pair_vector_append (inodes, (struct pair) { sa.st_ino, sb.st_ino });
    }
    if (S_ISREG (sa.st_mode) &&
        (sa.st_size != sb.st_size || !same_content (pa, pb))) {
      snprintf (why, whylen, "%s: content differs", pb);
      goto bad;
    }
    if (S_ISREG (sa.st_mode) && sb.st_blocks > sa.st_blocks + 64) {
      snprintf (why, whylen, "%s: %jd blocks, the source %jd: not sparse",
                pb, (intmax_t) sb.st_blocks, (intmax_t) sa.st_blocks);
      goto bad;
    }
    if (S_ISLNK (sa.st_mode)) {
      char ta[4096], tb[4096];
      ssize_t la = readlink (pa, ta, sizeof ta), lb = readlink (pb, tb, sizeof tb);
      if (la != lb || la < 0 || memcmp (ta, tb, la) != 0) {
        snprintf (why, whylen, "%s: link target differs", pb);
        goto bad;
      }
    }
    if (S_ISDIR (sa.st_mode) &&
        compare (pa, pb, inodes, strip_setuid, dir_times, why, whylen) == -1)
      goto bad;
  }
  closedir (d);
  d = opendir (b);
  while (d && (e = readdir (d)) != NULL)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      ++nb;
  if (d)
    closedir (d);
  if (na != nb)
    return snprintf (why, whylen, "%s: %zu entries, expected %zu", b, nb, na), -1;
  return 0;
 bad:
  closedir (d);
  return -1;
}

static int
make_writable (const char *path, const struct stat *st, int type,
               struct FTW *ftw)
{
  if (type == FTW_D)
    chmod (path, 0700);
  return 0;
}

static int
remove_one (const char *path, const struct stat *st, int type,
            struct FTW *ftw)
{
  if (remove (path) == -1)
    die (path);
  return 0;
}

static int temporaries, partial_files;
static const char *walk_src, *walk_dest;

/* A regular file of walk_dest without its walk_src size is partial. */
static int
check_whole (const char *path, const struct stat *st, int type,
             struct FTW *ftw)
{
  char p[8192];
  struct stat ss;
  if (type != FTW_F || !S_ISREG (st->st_mode))
    return 0;
  snprintf (p, sizeof p, "%s%s", walk_src, path + strlen (walk_dest));
  if (lstat (p, &ss) == -1 || ss.st_size != st->st_size)
    ++partial_files;
  return 0;
}

static int
count_temporary (const char *path, const struct stat *st, int type,
                 struct FTW *ftw)
{
  if (strncmp (path + ftw->base, ".gc-tmp.", 8) == 0)
    ++temporaries;
  return 0;
}

static void
rm_rf (const char *path)
{
  struct stat st;
  if (lstat (path, &st) == -1)
    return;
  nftw (path, make_writable, 64, FTW_PHYS);
  if (nftw (path, remove_one, 64, FTW_PHYS | FTW_DEPTH) == -1)
    die (path);
}

/* Extract stream into a new directory dest, fed in pieces of step bytes
 * (0: all at once).  Returns finish's result; *err the reader's errno. */
static int
extract (const bytes *s, const char *dest, size_t step, unsigned flags,
         char *msg, size_t msglen, int *err)
{
  rm_rf (dest);
  if (mkdir (dest, 0755) == -1)
    die (dest);
  int rootfd = open (dest, O_RDONLY | O_DIRECTORY);
  struct gc_tree_reader *r = gc_tree_reader_new (rootfd, flags);
  if (rootfd == -1 || r == NULL)
    die ("reader");
  size_t pos = 0;
  while (pos < s->len) {
    size_t k = step == 0 || s->len - pos < step ? s->len - pos : step;
    if (gc_tree_reader_feed (r, s->ptr + pos, k) == -1)
      break;
    pos += k;
  }
  int ret = gc_tree_reader_finish (r);
  snprintf (msg, msglen, "%s", gc_tree_reader_error (r) ? gc_tree_reader_error (r) : "");
  *err = gc_tree_reader_errno (r);
  gc_tree_reader_free (r);
  close (rootfd);
  return ret;
}

/* A list of everything below top but the target directory box/dest
 * (directories without their times: making dest changes box's), for
 * "nothing changed outside". */
static void
outside_listing (bytes *out)
{
  char cmd[8300];
  snprintf (cmd, sizeof cmd, "cd '%s' && find . -path ./box/dest -prune -o "
            "-type d -printf '%%p d\\n' -o -printf '%%p %%y %%s %%T@\\n' | sort",
            top);
  FILE *f = popen (cmd, "r");
  char buf[4096];
  size_t n;
  out->len = 0;
  while (f && (n = fread (buf, 1, sizeof buf, f)) > 0)
    sink (out, buf, n);
  if (f)
    pclose (f);
}

static int
no_temporaries (const char *dir)
{
  temporaries = 0;
  nftw (dir, count_temporary, 64, FTW_PHYS);
  return temporaries == 0;
}

/*----------------------------------------------------------------------
 * Crafting streams by hand.
 */

static void
b_put (bytes *b, const void *p, size_t n)
{
  sink (b, p, n);
}

static void
b_be (bytes *b, uint64_t v, int n)
{
  unsigned char x[8];
  for (int i = n - 1; i >= 0; --i, v >>= 8)
    x[i] = v & 0xff;
  b_put (b, x, n);
}

static void
b_start (bytes *b)
{
  b->len = 0;
  b_put (b, GC_TREE_MAGIC, GC_TREE_MAGIC_LEN);
}

static void
b_name (bytes *b, const char *name, size_t n)
{
  b_be (b, n, 2);
  b_put (b, name, n);
}

static void
b_entry (bytes *b, char type, const char *name, size_t n, uint32_t mode,
         uint8_t flags)
{
  b_put (b, &type, 1);
  b_name (b, name, n);
  b_be (b, mode, 4);
  b_be (b, getuid (), 4);
  b_be (b, getgid (), 4);
  b_be (b, 1000000000, 8);
  b_be (b, 0, 4);
  b_be (b, 1000000000, 8);
  b_be (b, 0, 4);
  b_be (b, flags, 1);
}

static void
b_file (bytes *b, const char *name, const char *data, uint8_t flags)
{
  b_entry (b, 'f', name, strlen (name), 0644, flags);
  b_be (b, strlen (data), 8);
  if (data[0]) {
    b_be (b, strlen (data), 4);
    b_be (b, 0, 8);
    b_put (b, data, strlen (data));
  }
  b_be (b, 0, 4);
}

static void
b_symlink (bytes *b, const char *name, const char *target)
{
  b_entry (b, 'l', name, strlen (name), 0777, 0);
  b_name (b, target, strlen (target));
}

static void
b_byte (bytes *b, char c)
{
  b_put (b, &c, 1);
}

static void
b_hardlink (bytes *b, const char *name, uint32_t ref)
{
  b_byte (b, 'h');
  b_name (b, name, strlen (name));
  b_be (b, ref, 4);
}

/* One hostile stream: it must fail (with errno err if not 0, the
 * message containing what if not NULL), and nothing outside dest may
 * change. */
static void
attack (const bytes *s, const char *what, int err, const char *text)
{
  char dest[8192], msg[8192];
  bytes before = EMPTY_VECTOR, after = EMPTY_VECTOR;
  int e;
  snprintf (dest, sizeof dest, "%s/box/dest", top);
  outside_listing (&before);
  int r = extract (s, dest, 7, 0, msg, sizeof msg, &e);
  outside_listing (&after);
  CHECK (r == -1 && (err == 0 || e == err) && (text == NULL || strstr (msg, text)),
         "%s: refused: %s", what, msg);
  CHECK (before.len > 0 && before.len == after.len &&
         memcmp (before.ptr, after.ptr, before.len) == 0 && no_temporaries (dest),
         "%s: nothing changed outside the target, no temporary left", what);
  free (before.ptr);
  free (after.ptr);
}

int
main (void)
{
  char src[8192], dest[8192], msg[8192], why[8192], outside[8192];
  bytes s = EMPTY_VECTOR;
  int e;

  if (mkdtemp (top) == NULL)
    die ("mkdtemp");
  snprintf (src, sizeof src, "%s/src", top);
  snprintf (dest, sizeof dest, "%s/dest", top);
  make_tree (src);

  /* The round trip: the directory's contents, at the stream's root. */
  struct gc_tree_writer *w = gc_tree_writer_new (4096, 0, sink, &s);
  int srcfd = open (src, O_RDONLY | O_DIRECTORY);
  CHECK (w && srcfd >= 0 && gc_tree_write_contents (w, srcfd) == 0 &&
         gc_tree_write_end (w) == 0, "the tree is written: %s",
         w && gc_tree_writer_error (w) ? gc_tree_writer_error (w) : "ok");
  CHECK (s.len < 400000, "the 64 MiB sparse file costs the stream little "
         "(%zu bytes in all)", s.len);
  CHECK (w && gc_tree_writer_bytes (w) > 300 * 1024 &&
         gc_tree_writer_bytes (w) < (1 << 20),
         "file data read: %ju bytes, the holes not", (uintmax_t) gc_tree_writer_bytes (w));
  gc_tree_writer_free (w);
  close (srcfd);

  /* The same tree with an fd sink (what splice does in the appliance,
   * here a pread into the stream), then with one that cannot: the
   * same stream. */
  {
    bytes s2 = EMPTY_VECTOR;
    for (int mode = 0; mode < 2; ++mode) {
      s2.len = 0;
      fd_sink_fails = mode == 1;
      fd_sink_calls = 0;
      w = gc_tree_writer_new (4096, 0, sink, &s2);
      gc_tree_writer_set_sink_fd (w, fd_sink);
      srcfd = open (src, O_RDONLY | O_DIRECTORY);
      int ok = gc_tree_write_contents (w, srcfd) == 0 &&
        gc_tree_write_end (w) == 0;
      pair_vector inodes = EMPTY_VECTOR;
      int r = ok ? extract (&s2, dest, 4096, GC_TREE_R_SETUID, msg,
                            sizeof msg, &e) : -1;
      why[0] = '\0';
      CHECK (r == 0 && fd_sink_calls > 0 &&
             compare (src, dest, &inodes, false, true, why, sizeof why) == 0,
             "an fd sink that %s (%d calls): the same tree %s%s",
             mode ? "cannot" : "sends the data", fd_sink_calls, msg, why);
      free (inodes.ptr);
      gc_tree_writer_free (w);
      close (srcfd);
    }
    free (s2.ptr);
  }

  size_t steps[] = { 0, 1, 3, 4096, 65536 };
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; ++i) {
    pair_vector inodes = EMPTY_VECTOR;
    int r = extract (&s, dest, steps[i], GC_TREE_R_SETUID, msg, sizeof msg, &e);
    CHECK (r == 0, "read back in pieces of %zu bytes: %s", steps[i],
           r == 0 ? "ok" : msg);
    why[0] = '\0';
    CHECK (compare (src, dest, &inodes, false, true, why, sizeof why) == 0,
           "pieces of %zu bytes: the copy is identical: %s", steps[i],
           why[0] ? why : "type, mode, mtime, content, targets, hard links, holes");
    free (inodes.ptr);
  }
  {
    pair_vector inodes = EMPTY_VECTOR;
    int r = extract (&s, dest, 1000, GC_TREE_R_DURABLE | GC_TREE_R_SETUID,
                     msg, sizeof msg, &e);
    why[0] = '\0';
    CHECK (r == 0 && compare (src, dest, &inodes, false, true, why, sizeof why) == 0,
           "durable mode: identical too %s%s", msg, why);
    free (inodes.ptr);
  }
  {
    pair_vector inodes = EMPTY_VECTOR;
    int r = extract (&s, dest, 0, 0, msg, sizeof msg, &e);
    why[0] = '\0';
    CHECK (r == 0 && compare (src, dest, &inodes, true, true, why, sizeof why) == 0,
           "without GC_TREE_R_SETUID: identical but for the setuid bit %s%s",
           msg, why);
    free (inodes.ptr);
  }
  /* Extracting again over the first copy replaces the files. */
  {
    pair_vector inodes = EMPTY_VECTOR;
    int rootfd = open (dest, O_RDONLY | O_DIRECTORY);
    struct gc_tree_reader *r = gc_tree_reader_new (rootfd, GC_TREE_R_SETUID);
    int ok = gc_tree_reader_feed (r, s.ptr, s.len) == 0 &&
      gc_tree_reader_finish (r) == 0;
    why[0] = '\0';
    CHECK (ok && compare (src, dest, &inodes, false, false, why, sizeof why) == 0,
           "extracting over a copy replaces its files (the directories "
           "there keep their own modes and times): %s%s",
           gc_tree_reader_error (r) ? gc_tree_reader_error (r) : "", why);
    gc_tree_reader_free (r);
    close (rootfd);
    free (inodes.ptr);
  }

  /* A stream cut at every byte (of its first 1,500, and then every
   * 97th): an error, no temporary, every regular file whole. */
  {
    bool all_ok = true;
    for (size_t cut = 0; cut < s.len && all_ok; cut += cut < 1500 ? 1 : 97) {
      bytes part = { .ptr = s.ptr, .len = cut, .cap = cut };
      int r = extract (&part, dest, 0, 0, msg, sizeof msg, &e);
      if (r != -1 || !no_temporaries (dest)) {
        printf ("# cut at %zu: %d %s\n", cut, r, msg);
        all_ok = false;
      }
      partial_files = 0;
      walk_src = src;
      walk_dest = dest;
      nftw (dest, check_whole, 64, FTW_PHYS);
      if (partial_files) {
        printf ("# cut at %zu: a partial file\n", cut);
        all_ok = false;
      }
    }
    CHECK (all_ok, "a stream cut anywhere: an error, no temporary, no partial file");
  }

  /* Hostile streams.  A file outside the target, which must stay. */
  snprintf (outside, sizeof outside, "%s/outside", top);
  put_file (outside, "outside\n", 0644);
  char box[8192];
  snprintf (box, sizeof box, "%s/box", top);
  mkdir (box, 0755);

  const char *bad_names[] = { "../x", "/etc/x", "a/../../x", "..", ".", "a/b" };
  for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; ++i) {
    b_start (&s);
    b_file (&s, bad_names[i], "evil\n", 0);
    b_byte (&s, 'z');
    char what[64];
    snprintf (what, sizeof what, "the name \"%s\"", bad_names[i]);
    attack (&s, what, EBADMSG, "malformed");
  }
  b_start (&s);
  b_entry (&s, 'f', "a\0b", 3, 0644, 0);
  attack (&s, "a NUL in a name", EBADMSG, NULL);
  b_start (&s);
  b_entry (&s, 'f', "", 0, 0644, 0);
  attack (&s, "an empty name", EBADMSG, NULL);
  {
    char n256[256];
    memset (n256, 'x', 256);
    b_start (&s);
    b_entry (&s, 'f', n256, 256, 0644, 0);
    attack (&s, "a 256-byte name", EBADMSG, NULL);
  }
  b_start (&s);
  b_symlink (&s, "x", box);
  b_entry (&s, 'd', "x", 1, 0755, 0);
  b_file (&s, "evil", "evil\n", 0);
  b_byte (&s, 'e');
  b_byte (&s, 'z');
  attack (&s, "a symbolic link to a directory, then into it", EEXIST,
          "not a directory");
  {
    /* A link to a file outside, then a file of the link's name: the
     * link is replaced, the outside file untouched. */
    b_start (&s);
    b_symlink (&s, "x", outside);
    b_file (&s, "x", "evil\n", 0);
    b_byte (&s, 'z');
    int r = extract (&s, dest, 5, 0, msg, sizeof msg, &e);
    char px[8192];
    struct stat st;
    snprintf (px, sizeof px, "%s/x", dest);
    CHECK (r == 0 && lstat (px, &st) == 0 && S_ISREG (st.st_mode) &&
           same_content (outside, outside) && st.st_size == 5,
           "a symbolic link then a file of its name: the link is replaced %s", msg);
    FILE *f = fopen (outside, "r");
    char buf[64] = "";
    CHECK (f && fgets (buf, sizeof buf, f) && strcmp (buf, "outside\n") == 0,
           "... and the file it pointed at is untouched");
    if (f)
      fclose (f);
  }
  b_start (&s);
  b_file (&s, "a", "a\n", 0);
  b_hardlink (&s, "b", 0);
  b_byte (&s, 'z');
  attack (&s, "a hard link to an entry never sent", EBADMSG, "did not send");
  b_start (&s);
  b_file (&s, "a", "a\n", 1);
  b_file (&s, "a", "replaced\n", 0);
  b_hardlink (&s, "b", 0);
  b_byte (&s, 'z');
  attack (&s, "a hard link to an entry since replaced", ESTALE, "no longer");
  b_start (&s);
  b_entry (&s, 'f', "huge", 4, 0644, 0);
  b_be (&s, UINT64_MAX, 8);
  attack (&s, "a size of 2^64 - 1", EBADMSG, NULL);
  b_start (&s);
  b_entry (&s, 'f', "f", 1, 0644, 0);
  b_be (&s, 10, 8);
  b_be (&s, 5, 4);
  b_be (&s, 8, 8);
  b_put (&s, "12345", 5);
  b_be (&s, 0, 4);
  b_byte (&s, 'z');
  attack (&s, "an extent past the file's size", EBADMSG, NULL);
  b_start (&s);
  b_entry (&s, 'f', "f", 1, 0644, 0);
  b_be (&s, 10, 8);
  b_be (&s, 5, 4);
  b_be (&s, 2, 8);
  b_put (&s, "12345", 5);
  b_be (&s, 2, 4);
  b_be (&s, 0, 8);
  b_put (&s, "12", 2);
  b_be (&s, 0, 4);
  b_byte (&s, 'z');
  attack (&s, "extents out of order", EBADMSG, NULL);
  b_start (&s);
  b_entry (&s, 'f', "f", 1, 0100644, 0);
  attack (&s, "a mode with type bits", EBADMSG, NULL);
  b_start (&s);
  for (int i = 0; i <= GC_TREE_DEPTH_MAX; ++i)
    b_entry (&s, 'd', "d", 1, 0755, 0);
  attack (&s, "257 directories deep", ELOOP, NULL);
  b_start (&s);
  b_byte (&s, 'e');
  attack (&s, "the end of a directory at the root", EBADMSG, NULL);
  b_start (&s);
  b_entry (&s, 'd', "d", 1, 0755, 0);
  b_byte (&s, 'z');
  attack (&s, "the end inside a directory", EBADMSG, NULL);
  b_start (&s);
  b_byte (&s, 'z');
  b_byte (&s, 'z');
  attack (&s, "data after the end", EBADMSG, "after the end");
  b_start (&s);
  s.ptr[3] = 'X';
  attack (&s, "a bad magic", EBADMSG, "magic");
  b_start (&s);
  b_byte (&s, 'q');
  attack (&s, "an unknown record", EBADMSG, NULL);
  b_start (&s);
  b_file (&s, "f", "x", 0);
  attack (&s, "a stream without its end", EBADMSG, "ended early");

  /* Device nodes: skipped unless asked (and then only as root). */
  b_start (&s);
  b_entry (&s, 'c', "null", 4, 0666, 1);
  b_be (&s, 1, 4);
  b_be (&s, 3, 4);
  b_hardlink (&s, "null2", 0);
  b_entry (&s, 'f', "suid", 4, 04755, 0);
  b_be (&s, 0, 8);
  b_be (&s, 0, 4);
  b_byte (&s, 'z');
  {
    int rootfd;
    rm_rf (dest);
    mkdir (dest, 0755);
    rootfd = open (dest, O_RDONLY | O_DIRECTORY);
    struct gc_tree_reader *r = gc_tree_reader_new (rootfd, 0);
    int ok = gc_tree_reader_feed (r, s.ptr, s.len) == 0 &&
      gc_tree_reader_finish (r) == 0;
    char p[8192];
    struct stat st;
    snprintf (p, sizeof p, "%s/null", dest);
    CHECK (ok && lstat (p, &st) == -1 && gc_tree_reader_skipped_devices (r) == 2,
           "a device node (and a hard link to it) skipped without "
           "GC_TREE_R_DEVICES");
    snprintf (p, sizeof p, "%s/suid", dest);
    CHECK (lstat (p, &st) == 0 && (st.st_mode & 07777) == 0755 &&
           gc_tree_reader_dropped_setuid (r) == 1,
           "the setuid bit dropped without GC_TREE_R_SETUID");
    gc_tree_reader_free (r);
    close (rootfd);
  }

  rm_rf (top);
  free (s.ptr);
  return tap_done ();
}
