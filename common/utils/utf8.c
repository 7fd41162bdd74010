/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The rule of utf8.h: guest strings made safe for XML, JSON and
 * terminals.  A decoder of UTF-8 (RFC 3629) one sequence at a time. */

#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "utf8.h"

/* The length (1 to 4) of the valid UTF-8 sequence at p, *safe telling
 * whether the character is allowed by the rule; 0 if the byte at p is
 * not part of a valid sequence.  p is NUL-terminated, and not at its
 * NUL. */
static size_t
sequence (const unsigned char *p, bool *safe)
{
  uint32_t c;
  size_t n;

  if (p[0] < 0x80) {
    *safe = (p[0] >= 0x20 && p[0] != 0x7f) || p[0] == '\t' || p[0] == '\n';
    return 1;
  }
  if (p[0] >= 0xc2 && p[0] <= 0xdf) {
    n = 2;
    c = p[0] & 0x1f;
  }
  else if (p[0] >= 0xe0 && p[0] <= 0xef) {
    n = 3;
    c = p[0] & 0x0f;
  }
  else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
    n = 4;
    c = p[0] & 0x07;
  }
  else
    return 0;                   /* continuation byte, 0xc0, 0xc1, 0xf5+ */
  for (size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xc0) != 0x80)  /* includes the NUL: truncated */
      return 0;
    c = c << 6 | (p[i] & 0x3f);
  }
  if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
      (c >= 0xd800 && c <= 0xdfff))
    return 0;                   /* overlong, too large, surrogate */
  /* C1 controls and the non-characters: one replacement each. */
  *safe = c > 0x9f && c != 0xfffe && c != 0xffff;
  return n;
}

/* See utf8.h. */
bool
gc_utf8_is_safe (const char *s)
{
  const unsigned char *p = (const unsigned char *) s;

  while (*p) {
    bool safe;
    size_t n = sequence (p, &safe);
    if (n == 0 || !safe)
      return false;
    p += n;
  }
  return true;
}

/* The safe copy of the len bytes at s; with one_line, a newline and a
 * tab are replaced too.  A NUL among them is a control character. */
static char *
safe_copy (const char *s, size_t len, bool one_line)
{
  const unsigned char *p, *end;
  CLEANUP_FREE char *z = NULL;
  char *r, *w;

  /* sequence () needs a NUL after the bytes. */
  if ((z = malloc (len + 1)) == NULL)
    return NULL;
  memcpy (z, s, len);
  z[len] = '\0';
  p = (const unsigned char *) z;
  end = p + len;
  /* Each byte becomes at most the 3 bytes of U+FFFD. */
  r = malloc (3 * len + 1);
  if (r == NULL)
    return NULL;
  for (w = r; p < end; ) {
    bool safe = false;
    size_t n = *p ? sequence (p, &safe) : 1;
    if (n == 0 || !safe || (one_line && (*p == '\n' || *p == '\t'))) {
      memcpy (w, "\xef\xbf\xbd", 3);
      w += 3;
      p += n ? n : 1;
    }
    else {
      memcpy (w, p, n);
      w += n;
      p += n;
    }
  }
  *w = '\0';
  return r;
}

/* See utf8.h. */
char *
gc_utf8_safe_copy (const char *s)
{
  if (s == NULL) {
    errno = 0;
    return NULL;
  }
  return safe_copy (s, strlen (s), false);
}

/* See utf8.h. */
char *
gc_utf8_safe_line (const char *s, size_t len)
{
  return safe_copy (s, len, true);
}

/* See utf8.h. */
int
gc_utf8_make_safe (char **s)
{
  char *c;

  if (*s == NULL || gc_utf8_is_safe (*s))
    return 0;
  c = gc_utf8_safe_copy (*s);
  if (c == NULL)
    return -1;
  free (*s);
  *s = c;
  return 0;
}

/* See utf8.h. */
void
gc_utf8_cut (char *s, size_t max)
{
  size_t n = strlen (s);
  if (n <= max)
    return;
  n = max;
  while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80)
    --n;
  s[n] = '\0';
}
