/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The rpm database writer of the test guests (see make-rpmdb.h).
 *
 * A header blob: big-endian int32 index count (il) and data length
 * (dl), il index entries of 16 bytes (tag, type, offset into the data
 * store, count), then dl bytes of data.  Entries are sorted by tag and
 * their data laid out in the same order (rpm refuses overlapping or
 * out-of-order data), int32 data 4-aligned.  The first entry is the
 * HEADERIMMUTABLE region (tag 63, type BIN, count 16) pointing at a
 * 16-byte trailer at the end of the data: an entry of the same tag
 * whose offset is minus the size of the region's index (il * 16).
 *
 * The database: the tables rpm's sqlite backend creates (Packages of
 * (hnum, blob) and one index table per indexed tag); only the Name
 * index is filled, which is what rpm -q NAME uses.  Build and install
 * times are fixed, so images are reproducible.
 */

#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "make-rpmdb.h"

enum {
  TYPE_INT32 = 4, TYPE_STRING = 6, TYPE_BIN = 7, TYPE_STRING_ARRAY = 8,
  TYPE_I18NSTRING = 9,
};

/* A growing byte buffer. */
struct buf {
  unsigned char *p;
  size_t len, cap;
};

static int
buf_add (struct buf *b, const void *data, size_t n)
{
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + n)
      cap *= 2;
    unsigned char *p = realloc (b->p, cap);
    if (p == NULL)
      return -1;
    b->p = p;
    b->cap = cap;
  }
  memcpy (b->p + b->len, data, n);
  b->len += n;
  return 0;
}

static int
buf_be32 (struct buf *b, uint32_t v)
{
  unsigned char x[4] = { v >> 24, v >> 16, v >> 8, v };
  return buf_add (b, x, 4);
}

/* See make-rpmdb.h. */
unsigned char *
rpmdb_header_encode (const struct rpmdb_pkg *p, size_t *len)
{
  struct {
    uint32_t tag, type;
    const char *s;
  } ents[] = {
    { 100, TYPE_STRING_ARRAY, "C" },        /* HEADERI18NTABLE */
    { 1000, TYPE_STRING, p->name },
    { 1001, TYPE_STRING, p->version },
    { 1002, TYPE_STRING, p->release },
    { 1003, TYPE_INT32, p->epoch },
    { 1004, TYPE_I18NSTRING, p->summary },
    { 1005, TYPE_I18NSTRING, p->description },
    /* rpm --rebuilddb drops a header without a build time. */
    { 1006, TYPE_INT32, "1700000000" },             /* BUILDTIME */
    { 1008, TYPE_INT32, "1700000000" },             /* INSTALLTIME */
    { 1020, TYPE_STRING, p->url },
    { 1022, TYPE_STRING, p->arch },
    { 1044, TYPE_STRING, p->sourcerpm },
  };
  const size_t n = sizeof ents / sizeof ents[0];
  struct buf index = { 0 }, data = { 0 }, out = { 0 };
  uint32_t il = 1;              /* the region entry */

  for (size_t i = 0; i < n; ++i) {
    if (ents[i].s == NULL)
      continue;
    if (ents[i].type == TYPE_INT32) {
      char *end;
      errno = 0;
      unsigned long v = strtoul (ents[i].s, &end, 10);
      if (errno || end == ents[i].s || *end || v > UINT32_MAX) {
        errno = EINVAL;
        goto err;
      }
      static const unsigned char zeros[4];
      if (buf_add (&data, zeros, (4 - data.len % 4) % 4) == -1)
        goto err;
      if (buf_be32 (&index, ents[i].tag) == -1 ||
          buf_be32 (&index, ents[i].type) == -1 ||
          buf_be32 (&index, data.len) == -1 || buf_be32 (&index, 1) == -1 ||
          buf_be32 (&data, v) == -1)
        goto err;
    }
    else {
      if (buf_be32 (&index, ents[i].tag) == -1 ||
          buf_be32 (&index, ents[i].type) == -1 ||
          buf_be32 (&index, data.len) == -1 || buf_be32 (&index, 1) == -1 ||
          buf_add (&data, ents[i].s, strlen (ents[i].s) + 1) == -1)
        goto err;
    }
    il++;
  }
  /* The region's trailer, then the region entry in front of the
   * others. */
  uint32_t trailer = data.len;
  if (buf_be32 (&data, 63) == -1 || buf_be32 (&data, TYPE_BIN) == -1 ||
      buf_be32 (&data, (uint32_t) -(int32_t) (il * 16)) == -1 ||
      buf_be32 (&data, 16) == -1)
    goto err;
  if (buf_be32 (&out, il) == -1 || buf_be32 (&out, data.len) == -1 ||
      buf_be32 (&out, 63) == -1 || buf_be32 (&out, TYPE_BIN) == -1 ||
      buf_be32 (&out, trailer) == -1 || buf_be32 (&out, 16) == -1 ||
      buf_add (&out, index.p, index.len) == -1 ||
      buf_add (&out, data.p, data.len) == -1)
    goto err;
  free (index.p);
  free (data.p);
  *len = out.len;
  return out.p;

 err:;
  int e = errno ? errno : ENOMEM;
  free (index.p);
  free (data.p);
  free (out.p);
  errno = e;
  return NULL;
}

/* The index tables of rpm 4.16+ (lib/rpmdb.c dbiTags) with the kind of
 * their key, and whether they index an array tag (then rpm also
 * indexes hnum). */
static const struct {
  const char *name;
  bool text, array;
} index_tables[] = {
  { "Name", true, false }, { "Basenames", true, true },
  { "Group", true, false }, { "Requirename", true, true },
  { "Providename", true, true }, { "Conflictname", true, true },
  { "Obsoletename", true, true }, { "Triggername", true, true },
  { "Dirnames", true, true }, { "Installtid", false, false },
  { "Sigmd5", false, false }, { "Sha1header", true, false },
  { "Filetriggername", true, true }, { "Transfiletriggername", true, true },
  { "Recommendname", true, true }, { "Suggestname", true, true },
  { "Supplementname", true, true }, { "Enhancename", true, true },
};

static int
exec (sqlite3 *db, const char *where, const char *sql)
{
  char *err = NULL;
  if (sqlite3_exec (db, sql, NULL, NULL, &err) != SQLITE_OK) {
    fprintf (stderr, "%s: sqlite: %s: %s\n", where, sql,
             err ? err : sqlite3_errmsg (db));
    sqlite3_free (err);
    return -1;
  }
  return 0;
}

static int
create_tables (sqlite3 *db, const char *where)
{
  if (exec (db, where,
            "CREATE TABLE 'Packages' ("
            "hnum INTEGER PRIMARY KEY AUTOINCREMENT,"
            "blob BLOB NOT NULL)") == -1)
    return -1;
  for (size_t i = 0; i < sizeof index_tables / sizeof index_tables[0]; ++i) {
    const char *t = index_tables[i].name;
    char *sql = sqlite3_mprintf ("CREATE TABLE '%q' ("
                                 "key '%q' NOT NULL, "
                                 "hnum INTEGER NOT NULL, "
                                 "idx INTEGER NOT NULL, "
                                 "FOREIGN KEY (hnum) REFERENCES "
                                 "'Packages'(hnum))",
                                 t, index_tables[i].text ? "TEXT" : "BLOB");
    int r = sql ? exec (db, where, sql) : -1;
    sqlite3_free (sql);
    if (r == -1)
      return -1;
    const char *cols[2] = {
      index_tables[i].text ? "key" : NULL,
      index_tables[i].array ? "hnum" : NULL,
    };
    for (int c = 0; c < 2; ++c) {
      if (cols[c] == NULL)
        continue;
      sql = sqlite3_mprintf ("CREATE INDEX '%q_%q_idx' ON '%q'(%s ASC)",
                             t, cols[c], t, cols[c]);
      r = sql ? exec (db, where, sql) : -1;
      sqlite3_free (sql);
      if (r == -1)
        return -1;
    }
  }
  return 0;
}

static int
insert (sqlite3 *db, const char *where, const struct rpmdb_pkg *p)
{
  size_t len;
  unsigned char *blob = rpmdb_header_encode (p, &len);
  if (blob == NULL) {
    fprintf (stderr, "%s: package %s: %s\n", where, p->name, strerror (errno));
    return -1;
  }
  int r = -1;
  sqlite3_stmt *st = NULL, *st2 = NULL;
  if (sqlite3_prepare_v2 (db, "INSERT INTO 'Packages' VALUES (NULL, ?)", -1,
                          &st, NULL) != SQLITE_OK ||
      sqlite3_bind_blob (st, 1, blob, (int) len, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_step (st) != SQLITE_DONE)
    goto out;
  sqlite3_int64 hnum = sqlite3_last_insert_rowid (db);
  if (sqlite3_prepare_v2 (db, "INSERT INTO 'Name' VALUES (?, ?, 0)", -1,
                          &st2, NULL) != SQLITE_OK ||
      sqlite3_bind_text (st2, 1, p->name, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_bind_int64 (st2, 2, hnum) != SQLITE_OK ||
      sqlite3_step (st2) != SQLITE_DONE)
    goto out;
  r = 0;
 out:
  if (r == -1)
    fprintf (stderr, "%s: sqlite: %s\n", where, sqlite3_errmsg (db));
  sqlite3_finalize (st);
  sqlite3_finalize (st2);
  free (blob);
  return r;
}

/* The packages being read from the stanzas: the fields point into
 * owned strings. */
enum { F_NAME, F_EPOCH, F_VERSION, F_RELEASE, F_ARCH, F_URL, F_SOURCERPM,
       F_SUMMARY, F_DESCRIPTION, NF };
static const char *const keys[NF] = {
  "Name", "Epoch", "Version", "Release", "Arch", "URL", "SourceRPM",
  "Summary", "Description",
};

static void
fields_free (char *f[NF])
{
  for (int i = 0; i < NF; ++i) {
    free (f[i]);
    f[i] = NULL;
  }
}

/* The end of a stanza: insert it if it has anything. */
static int
stanza_end (sqlite3 *db, const char *where, char *f[NF], int *count)
{
  bool any = false;
  for (int i = 0; i < NF; ++i)
    any |= f[i] != NULL;
  if (!any)
    return 0;
  if (f[F_NAME] == NULL) {
    fprintf (stderr, "%s: a package has no Name\n", where);
    return -1;
  }
  struct rpmdb_pkg p = {
    f[F_NAME], f[F_EPOCH], f[F_VERSION], f[F_RELEASE], f[F_ARCH], f[F_URL],
    f[F_SOURCERPM], f[F_SUMMARY], f[F_DESCRIPTION],
  };
  int r = insert (db, where, &p);
  fields_free (f);
  if (r == 0)
    ++*count;
  return r;
}

static int
parse_and_insert (sqlite3 *db, const char *where, const char *text,
                  size_t len)
{
  char *copy = strndup (text, len);
  char *f[NF] = { NULL };
  int last = -1, count = 0, r = -1;
  if (copy == NULL) {
    perror ("strndup");
    return -1;
  }
  for (char *p = copy, *nl; p && *p; p = nl ? nl + 1 : NULL) {
    nl = strchr (p, '\n');
    if (nl)
      *nl = '\0';
    if (*p == '\0') {
      if (stanza_end (db, where, f, &count) == -1)
        goto out;
      last = -1;
      continue;
    }
    if (*p == ' ' || *p == '\t') {
      if (last == -1) {
        fprintf (stderr, "%s: continuation line with no field: %s\n",
                 where, p);
        goto out;
      }
      const char *v = strcmp (p + 1, ".") == 0 ? "" : p + 1;
      char *s;
      if (asprintf (&s, "%s\n%s", f[last], v) == -1) {
        perror ("asprintf");
        goto out;
      }
      free (f[last]);
      f[last] = s;
      continue;
    }
    char *colon = strchr (p, ':');
    int k = -1;
    if (colon) {
      *colon = '\0';
      for (int i = 0; i < NF; ++i)
        if (strcmp (p, keys[i]) == 0)
          k = i;
    }
    if (k == -1) {
      fprintf (stderr, "%s: not a known \"Key: value\" line: %s\n", where, p);
      goto out;
    }
    const char *v = colon + 1;
    v += strspn (v, " \t");
    free (f[k]);
    f[k] = strdup (v);
    if (f[k] == NULL) {
      perror ("strdup");
      goto out;
    }
    last = k;
  }
  if (stanza_end (db, where, f, &count) == -1)
    goto out;
  if (count == 0) {
    fprintf (stderr, "%s: no packages\n", where);
    goto out;
  }
  r = 0;
 out:
  fields_free (f);
  free (copy);
  return r;
}

/* See make-rpmdb.h. */
int
rpmdb_write (const char *where, const char *text, size_t len,
             const char *path)
{
  sqlite3 *db = NULL;
  int r = -1;
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                       NULL) != SQLITE_OK) {
    fprintf (stderr, "%s: %s: %s\n", where, path,
             db ? sqlite3_errmsg (db) : "cannot open");
    goto out;
  }
  if (exec (db, where, "BEGIN") == -1 ||
      create_tables (db, where) == -1 ||
      parse_and_insert (db, where, text, len) == -1 ||
      exec (db, where, "COMMIT") == -1)
    goto out;
  r = 0;
 out:
  if (db && sqlite3_close (db) != SQLITE_OK) {
    fprintf (stderr, "%s: %s: close failed\n", where, path);
    r = -1;
  }
  return r;
}

/* See make-rpmdb.h. */
int
rpmdb_make (const char *where, const char *text, size_t len,
            char **bytes, size_t *blen)
{
  char dir[] = "/tmp/make-rpmdb.XXXXXX";
  char path[sizeof dir + 32];
  int r = -1;
  FILE *f = NULL;

  if (mkdtemp (dir) == NULL) {
    perror ("mkdtemp");
    return -1;
  }
  snprintf (path, sizeof path, "%s/rpmdb.sqlite", dir);
  if (rpmdb_write (where, text, len, path) == -1)
    goto out;
  f = fopen (path, "rb");
  if (f == NULL || fseek (f, 0, SEEK_END) == -1) {
    perror (path);
    goto out;
  }
  long size = ftell (f);
  rewind (f);
  *bytes = size > 0 ? malloc (size) : NULL;
  if (*bytes == NULL || fread (*bytes, 1, size, f) != (size_t) size) {
    perror (path);
    free (*bytes);
    *bytes = NULL;
    goto out;
  }
  *blen = size;
  r = 0;
 out:
  if (f)
    fclose (f);
  unlink (path);
  /* sqlite's journal, should one have been left. */
  snprintf (path, sizeof path, "%s/rpmdb.sqlite-journal", dir);
  unlink (path);
  rmdir (dir);
  return r;
}
