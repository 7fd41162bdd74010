/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Small string and file helpers shared by every part of the project. */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "strutils.h"

void
gc_strings_free (char **list)
{
  if (list == NULL)
    return;
  for (size_t i = 0; list[i]; ++i)
    free (list[i]);
  free (list);
}

size_t
gc_strings_len (char *const *list)
{
  size_t n = 0;
  while (list && list[n])
    ++n;
  return n;
}

char **
gc_strings_copy (char *const *list)
{
  size_t n = gc_strings_len (list);
  char **r;

  if (list == NULL)
    return NULL;
  r = calloc (n + 1, sizeof *r);
  if (r == NULL)
    return NULL;
  for (size_t i = 0; i < n; ++i)
    if ((r[i] = strdup (list[i])) == NULL) {
      gc_strings_free (r);
      errno = ENOMEM;
      return NULL;
    }
  return r;
}

char **
gc_strings_from_vector (string_vector *v)
{
  if (string_vector_append (v, NULL) == -1)
    return NULL;
  char **r = v->ptr;
  v->ptr = NULL;
  v->len = v->cap = 0;
  return r;
}

void
gc_string_vector_free (string_vector *v)
{
  for (size_t i = 0; i < v->len; ++i)
    free (v->ptr[i]);
  string_vector_reset (v);
}

char *
gc_read_whole_file (const char *path, size_t max, size_t *len_r)
{
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd == -1)
    return NULL;
  size_t cap = 4096, len = 0;
  CLEANUP_FREE char *buf = malloc (cap + 1);
  if (buf == NULL)
    return NULL;
  for (;;) {
    if (len == cap) {
      if (cap >= max) {
        errno = EFBIG;
        return NULL;
      }
      cap = cap * 2 > max ? max : cap * 2;
      char *p = realloc (buf, cap + 1);
      if (p == NULL)
        return NULL;
      buf = p;
    }
    ssize_t r = read (fd, buf + len, cap - len);
    if (r == -1) {
      if (errno == EINTR)
        continue;
      return NULL;
    }
    if (r == 0)
      break;
    len += r;
  }
  buf[len] = '\0';
  if (len_r)
    *len_r = len;
  return TAKE_PTR (buf);
}

int
gc_write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0) {
    ssize_t r = write (fd, p, len);
    if (r == -1) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += r;
    len -= r;
  }
  return 0;
}

int
gc_copy_all (int from, int to)
{
  char buf[65536];
  off_t pos = 0;
  for (;;) {
    ssize_t n = pread (from, buf, sizeof buf, pos);
    if (n == -1 && errno == EINTR)
      continue;
    if (n == -1)
      return -1;
    if (n == 0)
      return 0;
    if (gc_write_all (to, buf, n) == -1)
      return -1;
    pos += n;
  }
}

int
gc_make_dirs (const char *path, unsigned mode)
{
  CLEANUP_FREE char *p = strdup (path);
  if (p == NULL)
    return -1;
  for (char *s = p + 1; ; ++s) {
    if (*s == '/' || *s == '\0') {
      char c = *s;
      *s = '\0';
      if (mkdir (p, mode) == -1 && errno != EEXIST)
        return -1;
      *s = c;
      if (c == '\0')
        return 0;
    }
  }
}
