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
 *   %chain N               a chain of N nested subkeys "Deeper" below
 *                          the key: a hostile deep key path.
 *   %many-subkeys N        N subkeys of the key (App00000, App00001...),
 *                          each with a DisplayName "Application I" and a
 *                          DisplayVersion "1.I": a hostile Uninstall key.
 *                          hivex writes a new subkey list for every
 *                          subkey it adds, so a wide key would take O(N^2)
 *                          time and bytes: these cells are written here,
 *                          in one hbin after hivex's commit, the subkey
 *                          list an "ri" of "lf" lists of 500 as Windows
 *                          makes them.  The key must have no subkeys.
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

/* The keys of %many-subkeys, filled after the commit. */
#define WIDE_MAX 4
static struct { hive_node_h node; unsigned long n; } wide[WIDE_MAX];
static int nr_wide;

/* A cell of size bytes (with its size field, rounded up to 8) at the
 * end of the hbin being written in *buf; its offset from the first
 * hbin.  The buffer grows as needed; exits on ENOMEM. */
static uint32_t
new_cell (unsigned char **buf, size_t *len, size_t *cap, size_t size)
{
  size = (size + 7) & ~(size_t) 7;
  if (*len + size > *cap) {
    *cap = 2 * (*len + size);
    *buf = realloc (*buf, *cap);
    if (*buf == NULL) {
      perror ("realloc");
      exit (EXIT_FAILURE);
    }
  }
  memset (*buf + *len, 0, size);
  put32 (*buf + *len, (uint32_t) -(int32_t) size);
  uint32_t off = *len - 0x1000;
  *len += size;
  return off;
}

static uint32_t
get32 (const unsigned char *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t) p[3] << 24;
}

/* A REG_SZ value: the vk cell and its data cell; the vk's offset. */
static uint32_t
new_sz_value (unsigned char **buf, size_t *len, size_t *cap,
              const char *name, const char *text)
{
  char *data;
  size_t dlen;
  if (utf16le (text, strlen (text), &data, &dlen) == -1) {
    perror ("utf16le");
    exit (EXIT_FAILURE);
  }
  uint32_t d = new_cell (buf, len, cap, 4 + dlen);
  memcpy (*buf + 0x1000 + d + 4, data, dlen);
  free (data);
  size_t nlen = strlen (name);
  uint32_t vk = new_cell (buf, len, cap, 0x18 + nlen);
  unsigned char *c = *buf + 0x1000 + vk;
  memcpy (c + 4, "vk", 2);
  put16 (c + 6, nlen);
  put32 (c + 8, dlen);
  put32 (c + 0xc, d);
  put32 (c + 0x10, hive_t_REG_SZ);
  put16 (c + 0x14, 1);          /* the name is ASCII */
  memcpy (c + 0x18, name, nlen);
  return vk;
}

/* One hbin appended to the committed hive *buf (*len bytes) holding n
 * subkeys of the key at file offset node; -1 on error (printed). */
static int
add_wide_key (unsigned char **buf, size_t *len, hive_node_h node,
              unsigned long n, const char *where)
{
  const size_t per_lf = 500;
  size_t nr_lf = (n + per_lf - 1) / per_lf;
  unsigned char *nk = *buf + node;
  if (node + 0x50 > *len || memcmp (nk + 4, "nk", 2) != 0 ||
      get32 (nk + 0x18) != 0) {
    fprintf (stderr, "%s: %%many-subkeys: the key already has subkeys\n",
             where);
    return -1;
  }
  uint32_t parent = node - 0x1000, sk = get32 (nk + 0x30);
  size_t start = *len, cap = *len;
  uint32_t hbin = start - 0x1000;
  /* The hbin's header: a cell-sized slot of 32 bytes, then cells. */
  new_cell (buf, len, &cap, 0x20);
  uint32_t *keys = malloc (n * sizeof *keys);
  if (keys == NULL) {
    perror ("malloc");
    return -1;
  }
  for (unsigned long i = 0; i < n; ++i) {
    char name[32], display[48], version[32];
    snprintf (name, sizeof name, "App%05lu", i);
    snprintf (display, sizeof display, "Application %lu", i);
    snprintf (version, sizeof version, "1.%lu", i);
    uint32_t list = new_cell (buf, len, &cap, 4 + 2 * 4);
    put32 (*buf + 0x1000 + list + 4,
           new_sz_value (buf, len, &cap, "DisplayName", display));
    put32 (*buf + 0x1000 + list + 8,
           new_sz_value (buf, len, &cap, "DisplayVersion", version));
    size_t nlen = strlen (name);
    keys[i] = new_cell (buf, len, &cap, 0x50 + nlen);
    unsigned char *c = *buf + 0x1000 + keys[i];
    memcpy (c + 4, "nk", 2);
    put16 (c + 6, 0x20);        /* COMP_NAME: an ASCII name */
    put64 (c + 8, HIVE_TIME);
    put32 (c + 0x14, parent);
    put32 (c + 0x20, 0xffffffff);
    put32 (c + 0x24, 0xffffffff);
    put32 (c + 0x28, 2);
    put32 (c + 0x2c, list);
    put32 (c + 0x30, sk);
    put32 (c + 0x34, 0xffffffff);
    put32 (c + 0x40, 2 * strlen ("DisplayVersion"));
    put32 (c + 0x44, 2 * (strlen (display) + 1));
    put16 (c + 0x4c, nlen);
    memcpy (c + 0x50, name, nlen);
  }
  uint32_t ri = new_cell (buf, len, &cap, 8 + 4 * nr_lf);
  memcpy (*buf + 0x1000 + ri + 4, "ri", 2);
  put16 (*buf + 0x1000 + ri + 6, nr_lf);
  for (size_t l = 0; l < nr_lf; ++l) {
    size_t first = l * per_lf, count = n - first < per_lf ? n - first : per_lf;
    uint32_t lf = new_cell (buf, len, &cap, 8 + 8 * count);
    unsigned char *c = *buf + 0x1000 + lf;
    memcpy (c + 4, "lf", 2);
    put16 (c + 6, count);
    for (size_t k = 0; k < count; ++k) {
      put32 (c + 8 + 8 * k, keys[first + k]);
      memcpy (c + 12 + 8 * k, "App0", 4);      /* the name's first 4 */
    }
    put32 (*buf + 0x1000 + ri + 8 + 4 * l, lf);
  }
  free (keys);
  /* Round the hbin up to 4 KiB with one free cell, then its header. */
  size_t size = (*len - start + 0xfff) & ~(size_t) 0xfff;
  if (*len - start < size) {
    size_t rest = size - (*len - start);
    new_cell (buf, len, &cap, rest);
    put32 (*buf + *len - rest, rest);
  }
  unsigned char *h = *buf + start;
  memset (h, 0, 0x20);
  memcpy (h, "hbin", 4);
  put32 (h + 4, hbin);
  put32 (h + 8, size);
  put64 (h + 0x14, HIVE_TIME);
  /* The key, its security cell's reference count, the base block. */
  nk = *buf + node;
  put32 (nk + 0x18, n);
  put32 (nk + 0x20, ri);
  put32 (nk + 0x38, 2 * 8);
  unsigned char *skc = *buf + 0x1000 + sk;
  put32 (skc + 0x10, get32 (skc + 0x10) + n);
  unsigned char *b = *buf;
  put32 (b + 0x28, get32 (b + 0x28) + size);
  uint32_t sum = 0;
  for (size_t i = 0; i < 0x1fc; i += 4)
    sum ^= get32 (b + i);
  put32 (b + 0x1fc, sum == 0xffffffff ? 0xfffffffe : sum == 0 ? 1 : sum);
  return 0;
}

/* The N of a line "%DIRECTIVE N" after a [KEY], 1 <= N <= max; 0 if
 * malformed (printed). */
static unsigned long
directive_count (const char *s, hive_node_h node, unsigned long max,
                 const char *where, int line)
{
  const char *sp = strchr (s, ' ');
  char *end;
  errno = 0;
  unsigned long n = strtoul (sp + 1, &end, 10);
  if (node == 0 || errno || *end || n == 0 || n > max) {
    fprintf (stderr, "%s: hive line %d: %.*s N, 1 <= N <= %lu, after a "
             "[KEY]\n", where, line, (int) (sp - s), s, max);
    return 0;
  }
  return n;
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
    if (gc_str_prefix (s, "%chain ")) {
      unsigned long n = directive_count (s, node, 100000, where, line);
      if (n == 0)
        return -1;
      hive_node_h k = node;
      for (unsigned long i = 0; i < n && k; ++i)
        k = hivex_node_add_child (h, k, "Deeper");
      if (k == 0) {
        fprintf (stderr, "%s: hive line %d: %%chain: %m\n", where, line);
        return -1;
      }
      continue;
    }
    if (gc_str_prefix (s, "%many-subkeys ")) {
      unsigned long n = directive_count (s, node, 1000000, where, line);
      if (n == 0)
        return -1;
      if (nr_wide >= WIDE_MAX) {
        fprintf (stderr, "%s: hive line %d: at most %d %%many-subkeys\n",
                 where, line, WIDE_MAX);
        return -1;
      }
      wide[nr_wide].node = node;
      wide[nr_wide++].n = n;
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
  nr_wide = 0;
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
  for (int i = 0; i < nr_wide; ++i)
    if (add_wide_key ((unsigned char **) out, out_len, wide[i].node,
                      wide[i].n, where) == -1) {
      free (*out);
      goto out;
    }
  r = 0;
 out:
  if (h)
    hivex_close (h);
  unlink (tmp);
  return r;
}
