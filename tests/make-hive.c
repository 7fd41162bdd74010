/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* make-hive: build a Windows registry hive file from a text, for the
 * test guests (make-guest's "hive" command), so that no binary hive is
 * ever committed.
 *
 * hivex can change a hive but not create one: we write the smallest
 * empty hive ourselves (the 4 KiB "regf" base block with its checksum,
 * one 4 KiB "hbin" holding the root key's "nk" cell, the "sk" security
 * cell it points to and one free cell), then let hivex add the keys and
 * values and commit the result.
 *
 * The text is a subset of the .reg format, one item a line:
 *
 *   [\Microsoft\Windows NT\CurrentVersion]  a key, from the hive's root
 *                                           (missing parents are made)
 *   "Name"="text"          REG_SZ: UTF-16LE with a terminating NUL
 *   "Name"=dword:0000000a  REG_DWORD (4 bytes, little-endian)
 *   "Name"=qword:0000000a  REG_QWORD (8 bytes, little-endian)
 *   "Name"=hex:01,02,ff    REG_BINARY
 *   "Name"=hex(N):..       type N (hex: 2 REG_EXPAND_SZ, 7 REG_MULTI_SZ),
 *                          the bytes as written
 *   @=...                  the key's default value
 *
 * In names and strings \\ is a backslash and \" a quote.  Hex lists may
 * go on over several lines, each but the last ending with ",\".  Empty
 * lines, lines starting with ';' and the "Windows Registry Editor
 * Version 5.00" or "REGEDIT4" header are ignored.  A value given twice
 * replaces the first.
 */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hivex.h>

#include "cleanup.h"
#include "strutils.h"
#include "make-hive.h"

/* 2019-01-01 00:00:00 UTC as a Windows FILETIME: fixed, so the base
 * block does not change from build to build. */
#define HIVE_TIME UINT64_C (131907744000000000)

static void
put16 (unsigned char *p, uint16_t v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static void
put32 (unsigned char *p, uint32_t v)
{
  for (int i = 0; i < 4; ++i)
    p[i] = (v >> (8 * i)) & 0xff;
}

static void
put64 (unsigned char *p, uint64_t v)
{
  for (int i = 0; i < 8; ++i)
    p[i] = (v >> (8 * i)) & 0xff;
}

/* A self-relative security descriptor: owner Administrators
 * (S-1-5-32-544), group SYSTEM (S-1-5-18), a DACL allowing Everyone
 * (S-1-1-0) KEY_ALL_ACCESS, inherited by subkeys. */
static const unsigned char security_descriptor[] = {
  /* revision, sbz1, control SE_SELF_RELATIVE|SE_DACL_PRESENT */
  0x01, 0x00, 0x04, 0x80,
  20, 0, 0, 0,                  /* owner at 20 */
  36, 0, 0, 0,                  /* group at 36 */
  0, 0, 0, 0,                   /* no SACL */
  48, 0, 0, 0,                  /* DACL at 48 */
  /* owner: S-1-5-32-544 */
  0x01, 0x02, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0,
  /* group: S-1-5-18 */
  0x01, 0x01, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0,
  /* ACL: revision 2, size 28, one ACE */
  0x02, 0x00, 28, 0, 1, 0, 0, 0,
  /* ACCESS_ALLOWED, CONTAINER_INHERIT, size 20, KEY_ALL_ACCESS, S-1-1-0 */
  0x00, 0x02, 20, 0, 0x3f, 0x00, 0x0f, 0x00,
  0x01, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
};

/* The empty hive (8 KiB) in buf. */
static void
empty_hive (unsigned char *buf, const char *name)
{
  const char root_name[] = "ROOT";
  memset (buf, 0, 0x2000);

  /* The base block. */
  unsigned char *b = buf;
  memcpy (b, "regf", 4);
  put32 (b + 0x04, 1);          /* primary sequence number */
  put32 (b + 0x08, 1);          /* secondary: equal, the hive is clean */
  put64 (b + 0x0c, HIVE_TIME);
  put32 (b + 0x14, 1);          /* major version */
  put32 (b + 0x18, 3);          /* minor version */
  put32 (b + 0x1c, 0);          /* primary file */
  put32 (b + 0x20, 1);          /* direct memory load */
  put32 (b + 0x24, 0x20);       /* root cell, from the first hbin */
  put32 (b + 0x28, 0x1000);     /* size of the hbins */
  put32 (b + 0x2c, 1);          /* clustering factor */
  for (size_t i = 0; name[i] && i < 31; ++i)
    put16 (b + 0x30 + 2 * i, (unsigned char) name[i]);
  uint32_t sum = 0;
  for (size_t i = 0; i < 0x1fc; i += 4)
    sum ^= (uint32_t) b[i] | (uint32_t) b[i + 1] << 8 |
      (uint32_t) b[i + 2] << 16 | (uint32_t) b[i + 3] << 24;
  if (sum == 0xffffffff)
    sum = 0xfffffffe;
  else if (sum == 0)
    sum = 1;
  put32 (b + 0x1fc, sum);

  /* The hbin. */
  unsigned char *h = buf + 0x1000;
  memcpy (h, "hbin", 4);
  put32 (h + 0x04, 0);          /* its offset */
  put32 (h + 0x08, 0x1000);     /* its size */
  put64 (h + 0x14, HIVE_TIME);

  /* The root key: nk cell at 0x20, 88 bytes. */
  const uint32_t nk_off = 0x20, nk_size = 88;
  const uint32_t sk_off = nk_off + nk_size;
  const uint32_t sk_size = (4 + 0x14 + sizeof security_descriptor + 7) & ~7u;
  unsigned char *nk = h + nk_off;
  put32 (nk, (uint32_t) -(int32_t) nk_size);
  nk += 4;
  memcpy (nk, "nk", 2);
  put16 (nk + 0x02, 0x2c);      /* HIVE_ENTRY | NO_DELETE | COMP_NAME */
  put64 (nk + 0x04, HIVE_TIME);
  put32 (nk + 0x10, 0xffffffff); /* parent: none */
  put32 (nk + 0x14, 0);         /* subkeys */
  put32 (nk + 0x18, 0);         /* volatile subkeys */
  put32 (nk + 0x1c, 0xffffffff);
  put32 (nk + 0x20, 0xffffffff);
  put32 (nk + 0x24, 0);         /* values */
  put32 (nk + 0x28, 0xffffffff);
  put32 (nk + 0x2c, sk_off);    /* security */
  put32 (nk + 0x30, 0xffffffff); /* class name */
  put16 (nk + 0x48, sizeof root_name - 1);
  memcpy (nk + 0x4c, root_name, sizeof root_name - 1);

  /* The security cell, its own only neighbour in the list. */
  unsigned char *sk = h + sk_off;
  put32 (sk, (uint32_t) -(int32_t) sk_size);
  sk += 4;
  memcpy (sk, "sk", 2);
  put32 (sk + 0x04, sk_off);    /* flink */
  put32 (sk + 0x08, sk_off);    /* blink */
  put32 (sk + 0x0c, 1);         /* reference count: the root */
  put32 (sk + 0x10, sizeof security_descriptor);
  memcpy (sk + 0x14, security_descriptor, sizeof security_descriptor);

  /* The rest of the hbin: one free cell. */
  put32 (h + sk_off + sk_size, 0x1000 - (sk_off + sk_size));
}

/* UTF-8 -> UTF-16LE with a terminating NUL (malloc'd); -1 if the text
 * is not UTF-8. */
static int
utf16le (const char *s, size_t n, char **out, size_t *out_len)
{
  unsigned char *r = malloc (4 * n + 2);
  size_t j = 0;
  if (r == NULL)
    return -1;
  for (size_t i = 0; i < n; ) {
    unsigned char c = s[i];
    uint32_t cp;
    int more;
    if (c < 0x80) { cp = c; more = 0; }
    else if ((c & 0xe0) == 0xc0) { cp = c & 0x1f; more = 1; }
    else if ((c & 0xf0) == 0xe0) { cp = c & 0x0f; more = 2; }
    else if ((c & 0xf8) == 0xf0) { cp = c & 0x07; more = 3; }
    else goto bad;
    if (i + more >= n + (more == 0))
      goto bad;
    for (int k = 1; k <= more; ++k) {
      if ((s[i + k] & 0xc0) != 0x80)
        goto bad;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    i += more + 1;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put16 (r + j, 0xd800 | (cp >> 10));
      put16 (r + j + 2, 0xdc00 | (cp & 0x3ff));
      j += 4;
    }
    else {
      put16 (r + j, cp);
      j += 2;
    }
  }
  put16 (r + j, 0);
  *out = (char *) r;
  *out_len = j + 2;
  return 0;
 bad:
  free (r);
  errno = EILSEQ;
  return -1;
}

/* A quoted string at *p (after its opening quote) with \\ and \"
 * unescaped; *p moves past the closing quote.  NULL if unterminated. */
static char *
quoted (const char **p)
{
  const char *s = *p;
  char *r = malloc (strlen (s) + 1), *w = r;
  if (r == NULL)
    return NULL;
  for (; *s && *s != '"'; ++s) {
    if (s[0] == '\\' && (s[1] == '\\' || s[1] == '"'))
      ++s;
    *w++ = *s;
  }
  if (*s != '"') {
    free (r);
    return NULL;
  }
  *w = '\0';
  *p = s + 1;
  return r;
}

/* "01,02,ff" -> bytes (malloc'd, maybe empty); -1 if malformed. */
static int
hex_list (const char *s, char **out, size_t *out_len)
{
  unsigned char *r = malloc (strlen (s) / 2 + 1);
  size_t n = 0;
  if (r == NULL)
    return -1;
  for (;;) {
    s += strspn (s, " \t");
    if (*s == '\0')
      break;
    if (!isxdigit ((unsigned char) s[0]) || !isxdigit ((unsigned char) s[1]))
      goto bad;
    char byte[3] = { s[0], s[1], '\0' };
    r[n++] = strtoul (byte, NULL, 16);
    s += 2;
    s += strspn (s, " \t");
    if (*s == ',')
      ++s;
    else if (*s != '\0')
      goto bad;
  }
  *out = (char *) r;
  *out_len = n;
  return 0;
 bad:
  free (r);
  return -1;
}

/* Parse the data after '=' into v (v->value malloc'd); an error message
 * (static) or NULL. */
static const char *
parse_data (const char *s, hive_set_value *v)
{
  char *end;
  if (*s == '"') {
    ++s;
    CLEANUP_FREE char *text = quoted (&s);
    if (text == NULL || *s != '\0')
      return "a string must end with a quote at the end of the line";
    v->t = hive_t_REG_SZ;
    if (utf16le (text, strlen (text), &v->value, &v->len) == -1)
      return "the string is not UTF-8";
    return NULL;
  }
  if (gc_str_prefix (s, "dword:") || gc_str_prefix (s, "qword:")) {
    bool q = s[0] == 'q';
    const char *num = s + 6;
    size_t digits = strspn (num, "0123456789abcdefABCDEF");
    if (digits == 0 || digits > (q ? 16u : 8u) || num[digits] != '\0')
      return q ? "qword: takes up to 16 hex digits"
        : "dword: takes up to 8 hex digits";
    uint64_t x = strtoull (num, NULL, 16);
    v->t = q ? hive_t_REG_QWORD : hive_t_REG_DWORD;
    v->len = q ? 8 : 4;
    v->value = malloc (8);
    if (v->value == NULL)
      return "out of memory";
    put64 ((unsigned char *) v->value, x);
    return NULL;
  }
  if (gc_str_prefix (s, "hex:")) {
    v->t = hive_t_REG_BINARY;
    s += 4;
  }
  else if (gc_str_prefix (s, "hex(")) {
    errno = 0;
    unsigned long t = strtoul (s + 4, &end, 16);
    if (errno || end == s + 4 || strncmp (end, "):", 2) != 0 ||
        t > 0xffffffffUL)
      return "hex(N): N must be a type number in hex";
    v->t = (hive_type) t;
    s = end + 2;
  }
  else
    return "the data must be \"text\", dword:, qword:, hex: or hex(N):";
  if (hex_list (s, &v->value, &v->len) == -1)
    return "the bytes must be pairs of hex digits separated by commas";
  return NULL;
}

/* The node of a key path (made as needed); 0 on error (printed). */
static hive_node_h
key_node (hive_h *h, const char *path, const char *where, int line)
{
  CLEANUP_FREE char *copy = strdup (path);
  hive_node_h node = hivex_root (h);
  char *save = NULL;
  if (copy == NULL || node == 0) {
    fprintf (stderr, "%s: hive line %d: %m\n", where, line);
    return 0;
  }
  for (char *c = strtok_r (copy, "\\", &save); c;
       c = strtok_r (NULL, "\\", &save)) {
    errno = 0;
    hive_node_h child = hivex_node_get_child (h, node, c);
    if (child == 0 && errno == 0)
      child = hivex_node_add_child (h, node, c);
    if (child == 0) {
      fprintf (stderr, "%s: hive line %d: key %s: %m\n", where, line, c);
      return 0;
    }
    node = child;
  }
  return node;
}

/* The whole text into the open hive; -1 on error (printed). */
static int
fill_hive (hive_h *h, const char *text, size_t len, const char *where)
{
  CLEANUP_FREE char *copy = strndup (text, len);
  if (copy == NULL) {
    perror ("strndup");
    return -1;
  }
  hive_node_h node = 0;
  int lineno = 0;
  char *save = NULL;
  /* strtok_r skips empty lines: count them from the pointers. */
  const char *prev = copy;
  for (char *l = strtok_r (copy, "\n", &save); l;
       l = strtok_r (NULL, "\n", &save)) {
    for (const char *p = prev; p < l; ++p)
      lineno += *p == '\n';
    int line = ++lineno;
    prev = l + strlen (l) + 1;
    CLEANUP_FREE char *joined = strdup (l);
    if (joined == NULL) {
      perror ("strdup");
      return -1;
    }
    /* Hex lists continue on the next line after ",\". */
    for (;;) {
      size_t n = strlen (joined);
      while (n > 0 && isspace ((unsigned char) joined[n - 1]))
        joined[--n] = '\0';
      if (n < 2 || strcmp (joined + n - 2, ",\\") != 0)
        break;
      char *next = strtok_r (NULL, "\n", &save);
      if (next == NULL)
        break;
      ++lineno;
      prev = next + strlen (next) + 1;
      joined[n - 1] = '\0';
      char *j2;
      if (asprintf (&j2, "%s%s", joined, next + strspn (next, " \t")) == -1) {
        perror ("asprintf");
        return -1;
      }
      free (joined);
      joined = j2;
    }
    const char *s = joined + strspn (joined, " \t");
    if (*s == '\0' || *s == ';' ||
        strcmp (s, "Windows Registry Editor Version 5.00") == 0 ||
        strcmp (s, "REGEDIT4") == 0)
      continue;
    if (*s == '[') {
      size_t n = strlen (s);
      if (s[n - 1] != ']') {
        fprintf (stderr, "%s: hive line %d: a key is [PATH]\n", where, line);
        return -1;
      }
      CLEANUP_FREE char *path = strndup (s + 1, n - 2);
      if (path == NULL) {
        perror ("strndup");
        return -1;
      }
      node = key_node (h, path, where, line);
      if (node == 0)
        return -1;
      continue;
    }
    if (node == 0) {
      fprintf (stderr, "%s: hive line %d: a value before any [KEY]\n",
               where, line);
      return -1;
    }
    CLEANUP_FREE char *name = NULL;
    if (*s == '@')
      name = strdup (""), ++s;
    else if (*s == '"') {
      ++s;
      name = quoted (&s);
    }
    if (name == NULL || *s != '=') {
      fprintf (stderr, "%s: hive line %d: expected \"NAME\"=DATA or @=DATA\n",
               where, line);
      return -1;
    }
    hive_set_value v = { .key = name };
    const char *err = parse_data (s + 1, &v);
    if (err) {
      fprintf (stderr, "%s: hive line %d: %s\n", where, line, err);
      free (v.value);
      return -1;
    }
    int r = hivex_node_set_value (h, node, &v, 0);
    free (v.value);
    if (r == -1) {
      fprintf (stderr, "%s: hive line %d: value %s: %m\n", where, line, name);
      return -1;
    }
  }
  return 0;
}

/* See make-hive.h. */
int
make_hive (const char *text, size_t len, const char *name, const char *where,
           char **out, size_t *out_len)
{
  static unsigned char empty[0x2000];
  const char *tmpdir = getenv ("TMPDIR");
  CLEANUP_FREE char *tmp = NULL;
  int r = -1;
  hive_h *h = NULL;

  if (asprintf (&tmp, "%s/make-hive.XXXXXX", tmpdir ? tmpdir : "/tmp") == -1) {
    perror ("asprintf");
    return -1;
  }
  int fd = mkstemp (tmp);
  if (fd == -1) {
    perror (tmp);
    return -1;
  }
  empty_hive (empty, name);
  if (gc_write_all (fd, empty, sizeof empty) == -1 || close (fd) == -1) {
    perror (tmp);
    goto out;
  }
  h = hivex_open (tmp, HIVEX_OPEN_WRITE);
  if (h == NULL) {
    fprintf (stderr, "%s: hivex_open of the empty hive: %m\n", where);
    goto out;
  }
  if (fill_hive (h, text, len, where) == -1)
    goto out;
  if (hivex_commit (h, NULL, 0) == -1) {
    fprintf (stderr, "%s: hivex_commit: %m\n", where);
    goto out;
  }
  *out = gc_read_whole_file (tmp, 64 << 20, out_len);
  if (*out == NULL) {
    perror (tmp);
    goto out;
  }
  r = 0;
 out:
  if (h)
    hivex_close (h);
  unlink (tmp);
  return r;
}
