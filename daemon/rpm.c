/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* rpm's package database (rpm 4.16 and later: rpmdb.sqlite), read
 * inside the appliance: the database and its header blobs are
 * untrusted guest data.  The file is opened inside the guest's root,
 * then handed to sqlite read-only and immutable (no locks, no journal,
 * no WAL, nothing written), with sqlite's defensive settings, views and
 * triggers off, bounded memory, rows and work.  Each blob of the
 * Packages table is read by the pure parser of rpmheader.c; a header
 * that does not parse is left out with a debug line.
 *
 * The immutable open does not see transactions still in a WAL file
 * (rpm checkpoints its WAL when it closes the database, so a cleanly
 * shut down guest has none).
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "daemon.h"
#include "utf8.h"
#include "gc-daemon-actions.h"
#include "rpmheader.h"

/* Bounds: the size of a page (it travels in one protocol message of
 * GC_MESSAGE_MAX), a field's size (descriptions are cut, other fields
 * that long make the package left out), sqlite's memory and work per
 * call.  The core bounds the number of pages. */
#define REPLY_MAX (GC_MESSAGE_MAX - 512 * 1024)
#define FIELD_MAX 4096
#define DESCRIPTION_MAX 8192
#define HEAP_MAX (64 * 1024 * 1024)
#define PROGRESS_OPS 10000
#define PROGRESS_CALLS_MAX 200000 /* 2e9 virtual machine operations */

static int
progress (void *opaque)
{
  unsigned *calls = opaque;
  return ++*calls > PROGRESS_CALLS_MAX;
}

/* The bytes a string takes in the XDR reply. */
static size_t
xdr_size (const char *s)
{
  return 4 + ((strlen (s) + 3) & ~(size_t) 3);
}

/* Open the database behind an fd: read-only, immutable, defensive.
 * NULL after replying. */
static sqlite3 *
open_db (const char *path, int fd, unsigned *calls)
{
  char uri[64];
  sqlite3 *db = NULL;
  snprintf (uri, sizeof uri, "file:/proc/self/fd/%d?immutable=1", fd);
  int r = sqlite3_open_v2 (uri, &db,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
                           SQLITE_OPEN_NOMUTEX, NULL);
  if (r != SQLITE_OK) {
    reply_with_error_errno (EIO, "%s: %s", path,
                            db ? sqlite3_errmsg (db) : sqlite3_errstr (r));
    sqlite3_close (db);
    return NULL;
  }
  sqlite3_db_config (db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
  sqlite3_limit (db, SQLITE_LIMIT_LENGTH, GC_RPMHDR_MAX_DATA + 1024 * 1024);
  sqlite3_limit (db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_busy_timeout (db, 0);
  sqlite3_progress_handler (db, PROGRESS_OPS, progress, calls);
  sqlite3_exec (db, "PRAGMA cell_size_check = ON", NULL, NULL, NULL);
  sqlite3_exec (db, "PRAGMA mmap_size = 0", NULL, NULL, NULL);
  return db;
}

/* Reply with the error of a failed sqlite call on the database. */
static void
reply_sqlite (sqlite3 *db, const char *path)
{
  int code = sqlite3_errcode (db);
  if (code == SQLITE_NOTADB)
    reply_with_error_errno (EINVAL, "%s: not an rpm sqlite database", path);
  else if (code == SQLITE_INTERRUPT)
    reply_with_error_errno (EFBIG, "%s: rpm database: too much work, "
                            "given up", path);
  else
    reply_with_error_errno (code == SQLITE_NOMEM ? ENOMEM : EIO,
                            "%s: rpm database: %s", path,
                            sqlite3_errmsg (db));
}

/* Whether the database has a Packages table: 1, 0, or -1 after
 * replying. */
static int
has_packages (sqlite3 *db, const char *path)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (db, "SELECT 1 FROM sqlite_master WHERE "
                          "type = 'table' AND name = 'Packages'",
                          -1, &st, NULL) != SQLITE_OK) {
    reply_sqlite (db, path);
    return -1;
  }
  int r = sqlite3_step (st);
  sqlite3_finalize (st);
  if (r == SQLITE_ROW)
    return 1;
  if (r == SQLITE_DONE)
    return 0;
  reply_sqlite (db, path);
  return -1;
}

/* Append one package's fields (taking them: they are freed in every
 * case) to v if they fit in the page's budget *room; 1 if they did
 * not (v unchanged), 0, or -1 with errno (ENOMEM). */
static int
append_package (string_vector *v, char *f[GC_RPMHDR_NFIELDS], size_t *room)
{
  gc_utf8_cut (f[GC_RPMHDR_DESCRIPTION], DESCRIPTION_MAX);
  size_t need = 0;
  for (int i = 0; i < GC_RPMHDR_NFIELDS; ++i)
    need += xdr_size (f[i]);
  if (need > *room) {
    gc_rpmhdr_fields_free (f);
    return 1;
  }
  for (int i = 0; i < GC_RPMHDR_NFIELDS; ++i) {
    if (string_vector_append (v, f[i]) == -1) {
      gc_rpmhdr_fields_free (f);
      return -1;
    }
    f[i] = NULL;
  }
  *room -= need;
  return 0;
}

/* Set the page's header, the first 3 strings of v (already there):
 * the key to go on after ("" if this is the last page), packages read,
 * unreadable.  -1 on ENOMEM. */
static int
page_header (string_vector *v, bool more, int64_t next, size_t read,
             size_t bad)
{
  char *s[3] = { NULL, NULL, NULL };
  if ((more ? asprintf (&s[0], "%" PRId64, next)
       : asprintf (&s[0], "%s", "")) == -1 ||
      asprintf (&s[1], "%zu", read) == -1 ||
      asprintf (&s[2], "%zu", bad) == -1) {
    for (int i = 0; i < 3; ++i)
      free (s[i]);
    return -1;
  }
  for (int i = 0; i < 3; ++i) {
    free (v->ptr[i]);
    v->ptr[i] = s[i];
  }
  return 0;
}

/* See protocol/actions.py.  NULL after replying with an error; the
 * dispatch frees the list. */
char **
do_rpm_packages_page (const char *path, int64_t after)
{
  /* O_NONBLOCK: a FIFO must not hang the daemon; it is refused next. */
  CLEANUP_CLOSE int fd = gc_d_open_guest (path, O_RDONLY | O_NONBLOCK, 0);
  struct stat sb;
  if (fd == -1 || fstat (fd, &sb) == -1) {
    reply_with_perror ("%s", path);
    return NULL;
  }
  if (!S_ISREG (sb.st_mode)) {
    reply_with_error_errno (EINVAL, "%s: not a regular file", path);
    return NULL;
  }
  static bool limited;
  if (!limited) {
    sqlite3_hard_heap_limit64 (HEAP_MAX);
    limited = true;
  }

  unsigned calls = 0;
  sqlite3 *db = open_db (path, fd, &calls);
  if (db == NULL)
    return NULL;
  string_vector v = EMPTY_VECTOR;
  sqlite3_stmt *st = NULL;
  size_t rows = 0, bad = 0, room = REPLY_MAX - 3 * 32;
  bool more = false;
  char **ret = NULL;

  for (int i = 0; i < 3; ++i) {     /* the header's place */
    char *e = strdup ("");
    if (e == NULL || string_vector_append (&v, e) == -1) {
      free (e);
      reply_with_perror ("%s", path);
      goto out;
    }
  }
  int r = has_packages (db, path);
  if (r == -1)
    goto out;
  if (r == 0) {
    reply_with_error_errno (EINVAL, "%s: not an rpm sqlite database", path);
    goto out;
  }
  /* hnum is the table's INTEGER PRIMARY KEY: each page is a range
   * scan from where the last one stopped. */
  if (sqlite3_prepare_v2 (db, "SELECT hnum, blob FROM 'Packages' "
                          "WHERE hnum > ? ORDER BY hnum", -1, &st,
                          NULL) != SQLITE_OK ||
      sqlite3_bind_int64 (st, 1, after) != SQLITE_OK) {
    reply_sqlite (db, path);
    goto out;
  }
  int64_t last = after;
  while ((r = sqlite3_step (st)) == SQLITE_ROW) {
    int64_t hnum = sqlite3_column_int64 (st, 0);
    const void *blob = sqlite3_column_blob (st, 1);
    int len = sqlite3_column_bytes (st, 1);
    char *f[GC_RPMHDR_NFIELDS];
    const char *why = "not a blob";
    if (sqlite3_column_type (st, 1) != SQLITE_BLOB || len < 0 ||
        gc_rpmhdr_parse (blob, len, f, &why) == -1) {
      if (errno == ENOMEM) {
        reply_with_perror ("%s", path);
        goto out;
      }
      gc_d_debug ("rpm_packages_page: %s: package %" PRId64 " left out: "
                  "%s", path, hnum, why);
      bad++;
      last = hnum;
      continue;
    }
    bool too_long = false;
    for (int i = 0; i < GC_RPMHDR_NFIELDS; ++i)
      if (i != GC_RPMHDR_DESCRIPTION && strlen (f[i]) > FIELD_MAX)
        too_long = true;
    if (too_long) {
      gc_d_debug ("rpm_packages_page: %s: package %" PRId64 " left out: a "
                  "field is longer than %d bytes", path, hnum, FIELD_MAX);
      gc_rpmhdr_fields_free (f);
      bad++;
      last = hnum;
      continue;
    }
    int a = append_package (&v, f, &room);
    if (a == -1) {
      reply_with_perror ("%s", path);
      goto out;
    }
    if (a == 1) {               /* the page is full: go on after last */
      more = true;
      break;
    }
    rows++;
    last = hnum;
  }
  if (r != SQLITE_ROW && r != SQLITE_DONE) {
    reply_sqlite (db, path);
    goto out;
  }
  gc_d_debug ("rpm_packages_page: %s: %zu packages after %" PRId64
              ", %zu unreadable, %s", path, rows, after, bad,
              more ? "more to come" : "the last page");
  if (page_header (&v, more, last, rows, bad) == -1 ||
      (ret = gc_strings_from_vector (&v)) == NULL)
    reply_with_perror ("%s", path);

 out:
  sqlite3_finalize (st);
  sqlite3_close (db);
  if (ret == NULL)
    gc_string_vector_free (&v);
  return ret;
}
