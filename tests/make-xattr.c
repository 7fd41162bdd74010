/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* make-xattr: extended attribute values for make-guest's "setxattr" and
 * "acl" commands, so that a recipe gives a guest SELinux labels, file
 * capabilities and POSIX ACLs in a few readable words.
 *
 * A POSIX ACL is stored by Linux filesystems as the attribute
 * system.posix_acl_access: a little-endian header (version 2) followed
 * by 8-byte entries (16-bit tag, 16-bit permissions, 32-bit id), sorted
 * by tag (owner, named users, owning group, named groups, mask, other)
 * and by id within a tag.  The kernel refuses anything else, so the
 * text is checked here, where an error can name the recipe's line.
 */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "make-xattr.h"

/* Tags, in the order the kernel wants them. */
#define TAG_USER_OBJ  0x01
#define TAG_USER      0x02
#define TAG_GROUP_OBJ 0x04
#define TAG_GROUP     0x08
#define TAG_MASK      0x10
#define TAG_OTHER     0x20
#define UNDEFINED_ID  0xffffffffU

struct entry {
  uint16_t tag, perm;
  uint32_t id;
};

int
xattr_value (const char *text, const char *where, char **out,
             size_t *out_len)
{
  size_t len = strlen (text);
  if (strncmp (text, "0x", 2) != 0) {
    *out = malloc (len + 1);
    if (*out == NULL) {
      perror ("malloc");
      return -1;
    }
    memcpy (*out, text, len + 1);
    *out_len = len;
    return 0;
  }
  const char *hex = text + 2;
  size_t n = strlen (hex);
  if (n % 2 != 0) {
    fprintf (stderr, "%s: %s: an odd number of hex digits\n", where, text);
    return -1;
  }
  *out = malloc (n / 2 + 1);
  if (*out == NULL) {
    perror ("malloc");
    return -1;
  }
  for (size_t i = 0; i < n; i += 2) {
    unsigned v;
    if (!isxdigit ((unsigned char) hex[i]) ||
        !isxdigit ((unsigned char) hex[i + 1]) ||
        sscanf (hex + i, "%2x", &v) != 1) {
      fprintf (stderr, "%s: %s: not hex\n", where, text);
      free (*out);
      return -1;
    }
    (*out)[i / 2] = (char) v;
  }
  *out_len = n / 2;
  return 0;
}

/* One entry "tag:qualifier:perms"; -1 if it is not one. */
static int
parse_entry (char *s, struct entry *e)
{
  char *q = strchr (s, ':');
  char *p = q ? strchr (q + 1, ':') : NULL;
  if (q == NULL || p == NULL)
    return -1;
  *q++ = '\0';
  *p++ = '\0';

  bool named = *q != '\0';
  if (strcmp (s, "u") == 0 || strcmp (s, "user") == 0)
    e->tag = named ? TAG_USER : TAG_USER_OBJ;
  else if (strcmp (s, "g") == 0 || strcmp (s, "group") == 0)
    e->tag = named ? TAG_GROUP : TAG_GROUP_OBJ;
  else if ((strcmp (s, "m") == 0 || strcmp (s, "mask") == 0) && !named)
    e->tag = TAG_MASK;
  else if ((strcmp (s, "o") == 0 || strcmp (s, "other") == 0) && !named)
    e->tag = TAG_OTHER;
  else
    return -1;

  e->id = UNDEFINED_ID;
  if (named) {
    char *end;
    errno = 0;
    unsigned long id = strtoul (q, &end, 10);
    if (errno || *end || !isdigit ((unsigned char) *q) || id >= UNDEFINED_ID)
      return -1;
    e->id = id;
  }

  if (strlen (p) != 3)
    return -1;
  e->perm = 0;
  const char *rwx = "rwx";
  for (int i = 0; i < 3; ++i) {
    if (p[i] == rwx[i])
      e->perm |= 4 >> i;
    else if (p[i] != '-')
      return -1;
  }
  return 0;
}

static int
compare_entries (const void *a, const void *b)
{
  const struct entry *x = a, *y = b;
  if (x->tag != y->tag)
    return x->tag < y->tag ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static void
put_le (char *p, uint32_t v, int bytes)
{
  for (int i = 0; i < bytes; ++i)
    p[i] = (char) (v >> (8 * i));
}

int
acl_to_xattr (const char *text, const char *where, char **out,
              size_t *out_len)
{
  char *copy = strdup (text);
  struct entry *e = calloc (strlen (text) / 2 + 1, sizeof *e);
  size_t n = 0;
  int counts[0x21] = { 0 };
  if (copy == NULL || e == NULL) {
    perror ("malloc");
    goto err;
  }
  char *save = NULL;
  for (char *tok = strtok_r (copy, ",", &save); tok;
       tok = strtok_r (NULL, ",", &save)) {
    if (parse_entry (tok, &e[n]) == -1) {
      fprintf (stderr, "%s: acl: '%s' is not an entry like u::rw-, "
               "u:1000:r--, g::r--, m::r--, o::---\n", where, tok);
      goto err;
    }
    counts[e[n].tag]++;
    ++n;
  }
  qsort (e, n, sizeof *e, compare_entries);
  for (size_t i = 1; i < n; ++i)
    if (e[i].tag == e[i - 1].tag && e[i].id == e[i - 1].id) {
      fprintf (stderr, "%s: acl: an entry is given twice\n", where);
      goto err;
    }
  if (counts[TAG_USER_OBJ] != 1 || counts[TAG_GROUP_OBJ] != 1 ||
      counts[TAG_OTHER] != 1 ||
      ((counts[TAG_USER] || counts[TAG_GROUP]) && counts[TAG_MASK] != 1)) {
    fprintf (stderr, "%s: acl: an ACL has one u::, g:: and o:: entry each, "
             "and an m:: entry when it names users or groups\n", where);
    goto err;
  }

  *out_len = 4 + 8 * n;
  *out = malloc (*out_len);
  if (*out == NULL) {
    perror ("malloc");
    goto err;
  }
  put_le (*out, 2, 4);
  for (size_t i = 0; i < n; ++i) {
    put_le (*out + 4 + 8 * i, e[i].tag, 2);
    put_le (*out + 6 + 8 * i, e[i].perm, 2);
    put_le (*out + 8 + 8 * i, e[i].id, 4);
  }
  free (copy);
  free (e);
  return 0;

 err:
  free (copy);
  free (e);
  return -1;
}
