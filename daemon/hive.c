/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Windows registry hives, read with hivex inside the appliance: a
 * guest's hive is untrusted data, so it is parsed here, in the VM, and
 * only strings go back to the core.
 *
 * Inspection asks for many keys of the same hive (one call for the
 * Uninstall key, then one per application), so the last hive opened
 * stays open while the file is the same (device, inode, size, mtime).
 * It is closed before anything is unmounted: hivex maps the file, and a
 * mapped file keeps its filesystem busy.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hivex.h>

#include "daemon.h"
#include "utf8.h"
#include "gc-daemon-actions.h"

/* A key path has at most this many parts; a key at most this many
 * subkeys or values returned (a real SOFTWARE hive's biggest keys have a
 * few thousand). */
#define KEY_DEPTH_MAX 64
#define ENTRIES_MAX 65536

static struct {
  hive_h *h;
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
} open_hive;

/* See daemon.h. */
void
gc_d_hive_close (void)
{
  if (open_hive.h) {
    hivex_close (open_hive.h);
    open_hive.h = NULL;
  }
}

/* The hive of a guest file, opened or reused; NULL after replying. */
static hive_h *
hive_of (const char *path)
{
  CLEANUP_CLOSE int fd = gc_d_open_guest (path, O_RDONLY, 0);
  struct stat st;
  if (fd == -1 || fstat (fd, &st) == -1) {
    reply_with_perror ("%s: %s", gc_d_action (), path);
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    reply_with_error_errno (EINVAL, "%s: %s: not a regular file",
                            gc_d_action (), path);
    return NULL;
  }
  if (open_hive.h && open_hive.dev == st.st_dev && open_hive.ino == st.st_ino
      && open_hive.size == st.st_size
      && open_hive.mtime.tv_sec == st.st_mtim.tv_sec
      && open_hive.mtime.tv_nsec == st.st_mtim.tv_nsec)
    return open_hive.h;

  gc_d_hive_close ();
  /* hivex opens by name: the descriptor's /proc name is the file found
   * inside the guest's root, so no symlink can lead elsewhere. */
  char name[64];
  snprintf (name, sizeof name, "/proc/self/fd/%d", fd);
  hive_h *h = hivex_open (name, verbose ? HIVEX_OPEN_VERBOSE : 0);
  if (h == NULL) {
    int err = errno;
    reply_with_error_errno (err, "%s: %s: not a valid registry hive (%s)",
                            gc_d_action (), path, strerror (err));
    return NULL;
  }
  open_hive.h = h;
  open_hive.dev = st.st_dev;
  open_hive.ino = st.st_ino;
  open_hive.size = st.st_size;
  open_hive.mtime = st.st_mtim;
  return h;
}

/* The node of a backslash-separated key path ("" or "\" is the root);
 * 0 after replying. */
static hive_node_h
node_of (hive_h *h, const char *path, const char *key)
{
  hive_node_h node = hivex_root (h);
  if (node == 0) {
    reply_with_perror ("%s: %s: no root key", gc_d_action (), path);
    return 0;
  }
  CLEANUP_FREE char *copy = strdup (key);
  if (copy == NULL) {
    reply_with_perror ("malloc");
    return 0;
  }
  int depth = 0;
  for (char *save = NULL, *part = strtok_r (copy, "\\", &save); part;
       part = strtok_r (NULL, "\\", &save)) {
    if (++depth > KEY_DEPTH_MAX) {
      reply_with_error_errno (EINVAL, "%s: key path too deep", gc_d_action ());
      return 0;
    }
    errno = 0;
    hive_node_h child = hivex_node_get_child (h, node, part);
    if (child == 0) {
      int err = errno ? errno : ENOENT;
      reply_with_error_errno (err, "%s: %s: %s: %s", gc_d_action (), path,
                              key, err == ENOENT ? "no such key"
                              : strerror (err));
      return 0;
    }
    node = child;
  }
  return node;
}

/* Append a string (taking it); -1 after replying. */
static int
append (string_vector *v, char *s)
{
  if (s == NULL || string_vector_append (v, s) == -1) {
    free (s);
    reply_with_perror ("malloc");
    return -1;
  }
  return 0;
}

/* The NULL-terminated list (caller frees); NULL after replying. */
static char **
end_list (string_vector *v)
{
  char **r = gc_strings_from_vector (v);
  if (r == NULL) {
    gc_string_vector_free (v);
    reply_with_perror ("malloc");
  }
  return r;
}

/* Lowercase hex of bytes; NULL on ENOMEM. */
static char *
hex_of (const char *data, size_t len)
{
  char *s = malloc (2 * len + 1);
  if (s == NULL)
    return NULL;
  for (size_t i = 0; i < len; ++i)
    snprintf (s + 2 * i, 3, "%02x", (unsigned char) data[i]);
  s[2 * len] = '\0';
  return s;
}

/* The data of a value as the action describes; NULL with errno (EINVAL
 * for data that does not decode). */
static char *
value_data (hive_h *h, hive_value_h val, hive_type t)
{
  char *s = NULL;
  switch (t) {
  case hive_t_REG_SZ:
  case hive_t_REG_EXPAND_SZ:
  case hive_t_REG_LINK:
    return hivex_value_string (h, val);
  case hive_t_REG_DWORD:
  case hive_t_REG_DWORD_BIG_ENDIAN: {
    errno = 0;
    int32_t d = hivex_value_dword (h, val);
    if (d == -1 && errno)
      return NULL;
    return asprintf (&s, "%" PRIu32, (uint32_t) d) == -1 ? NULL : s;
  }
  case hive_t_REG_QWORD: {
    errno = 0;
    int64_t q = hivex_value_qword (h, val);
    if (q == -1 && errno)
      return NULL;
    return asprintf (&s, "%" PRIu64, (uint64_t) q) == -1 ? NULL : s;
  }
  case hive_t_REG_MULTI_SZ: {
    char **strs = hivex_value_multiple_strings (h, val);
    if (strs == NULL)
      return NULL;
    size_t n = 0;
    for (size_t i = 0; strs[i]; ++i)
      n += strlen (strs[i]) + 1;
    s = malloc (n + 1);
    if (s) {
      s[0] = '\0';
      for (size_t i = 0; strs[i]; ++i) {
        if (i)
          strcat (s, "\n");
        strcat (s, strs[i]);
      }
    }
    for (size_t i = 0; strs[i]; ++i)
      free (strs[i]);
    free (strs);
    return s;
  }
  default: {
    size_t len;
    hive_type t2;
    CLEANUP_FREE char *data = hivex_value_value (h, val, &t2, &len);
    if (data == NULL)
      return NULL;
    return hex_of (data, len);
  }
  }
}

/* The hive of a guest file and the node of a key in it; 0 after
 * replying. */
static hive_node_h
key_of (const char *hivefile, const char *key, hive_h **h)
{
  *h = hive_of (hivefile);
  return *h ? node_of (*h, hivefile, key) : 0;
}

/* The subkeys of a key (caller frees); NULL after replying. */
static hive_node_h *
children_of (const char *hivefile, const char *key, hive_h **h)
{
  hive_node_h node = key_of (hivefile, key, h);
  if (node == 0)
    return NULL;
  hive_node_h *children = hivex_node_children (*h, node);
  if (children == NULL)
    reply_with_perror ("%s: %s: %s", gc_d_action (), hivefile, key);
  return children;
}

/* Triples name, type, data (caller frees); NULL after replying. */
char **
do_hive_values (const char *hivefile, const char *key)
{
  hive_h *h;
  hive_node_h node = key_of (hivefile, key, &h);
  if (node == 0)
    return NULL;
  CLEANUP_FREE hive_value_h *vals = hivex_node_values (h, node);
  if (vals == NULL) {
    reply_with_perror ("%s: %s: %s", gc_d_action (), hivefile, key);
    return NULL;
  }
  string_vector v = EMPTY_VECTOR;
  for (size_t i = 0; vals[i] && i < ENTRIES_MAX; ++i) {
    hive_type t;
    size_t len;
    if (hivex_value_type (h, vals[i], &t, &len) == -1) {
      gc_d_debug ("hive_values: %s: %s: value %zu: %m", hivefile, key, i);
      continue;
    }
    char *name = hivex_value_key (h, vals[i]);
    if (name == NULL) {
      gc_d_debug ("hive_values: %s: %s: value %zu: bad name: %m",
                  hivefile, key, i);
      continue;
    }
    char *data = value_data (h, vals[i], t);
    if (data == NULL) {
      gc_d_debug ("hive_values: %s: %s: value \"%s\" (type %d): "
                  "undecodable data: %m", hivefile, key, name, (int) t);
      free (name);
      continue;
    }
    char *type;
    if (asprintf (&type, "%d", (int) t) == -1)
      type = NULL;
    if (append (&v, name) == -1 || append (&v, type) == -1 ||
        append (&v, data) == -1) {
      gc_string_vector_free (&v);
      return NULL;
    }
  }
  return end_list (&v);
}

/* The subkeys' names (caller frees); NULL after replying. */
char **
do_hive_subkeys (const char *hivefile, const char *key)
{
  hive_h *h;
  CLEANUP_FREE hive_node_h *children = children_of (hivefile, key, &h);
  if (children == NULL)
    return NULL;
  string_vector v = EMPTY_VECTOR;
  for (size_t i = 0; children[i] && i < ENTRIES_MAX; ++i) {
    char *name = hivex_node_name (h, children[i]);
    if (name == NULL) {
      gc_d_debug ("hive_subkeys: %s: %s: subkey %zu: bad name: %m",
                  hivefile, key, i);
      continue;
    }
    if (append (&v, name) == -1) {
      gc_string_vector_free (&v);
      return NULL;
    }
  }
  return end_list (&v);
}

/* hive_subkeys_values: the reply travels in one protocol message, and
 * a hostile hive can make every subkey share one list of 65,536 values,
 * so both the reply and the values looked at are bounded. */
#define REPLY_MAX (GC_MESSAGE_MAX - 512 * 1024)
#define DATA_MAX 4096
#define VALUES_VISITED_MAX (256 * 1024)
#define SUBKEY_VALUES_MAX 128

/* The values of one subkey that names asks for, appended as
 * quadruples; *bytes and *visited grow.  1 if a bound is reached (the
 * subkey is then left out whole), -1 after replying. */
static int
subkey_values (hive_h *h, hive_node_h child, char *const *names,
               string_vector *v, size_t *bytes, size_t *visited)
{
  /* The count first: hivex_node_values would walk a list of any
   * length, and every subkey may share the same long one. */
  size_t nr = hivex_node_nr_values (h, child);
  if (nr > SUBKEY_VALUES_MAX) {
    gc_d_debug ("hive_subkeys_values: a subkey with %zu values left out", nr);
    return 0;
  }
  CLEANUP_FREE char *subkey = hivex_node_name (h, child);
  if (subkey == NULL)
    return 0;                   /* a bad name: skipped, as in hive_subkeys */
  CLEANUP_FREE hive_value_h *vals = hivex_node_values (h, child);
  if (vals == NULL)
    return 0;
  size_t start = v->len, start_bytes = *bytes;
  for (size_t i = 0; vals[i]; ++i) {
    if (++*visited > VALUES_VISITED_MAX)
      goto too_big;
    CLEANUP_FREE char *name = hivex_value_key (h, vals[i]);
    if (name == NULL)
      continue;
    size_t k;
    for (k = 0; names[k] && strcasecmp (names[k], name) != 0; ++k)
      ;
    hive_type t;
    size_t len;
    if (names[k] == NULL || hivex_value_type (h, vals[i], &t, &len) == -1)
      continue;
    char *data = value_data (h, vals[i], t);
    if (data == NULL)
      continue;
    gc_utf8_cut (data, DATA_MAX);
    char *type;
    if (asprintf (&type, "%d", (int) t) == -1)
      type = NULL;
    *bytes += strlen (subkey) + strlen (name) + strlen (data) + 32;
    if (append (v, strdup (subkey)) == -1 || append (v, strdup (name)) == -1
        || append (v, type) == -1 || append (v, data) == -1)
      return -1;
    if (*bytes > REPLY_MAX)
      goto too_big;
  }
  return 0;
 too_big:
  while (v->len > start)
    free (v->ptr[--v->len]);
  *bytes = start_bytes;
  return 1;
}

/* See actions.py. */
char **
do_hive_subkeys_values (const char *hivefile, const char *key, int start,
                        char *const *names)
{
  hive_h *h;
  CLEANUP_FREE hive_node_h *children = children_of (hivefile, key, &h);
  if (children == NULL)
    return NULL;
  size_t n = 0;
  while (children[n] && n < ENTRIES_MAX)
    ++n;
  string_vector v = EMPTY_VECTOR;
  char *total, *done;
  if (asprintf (&total, "%zu", n) == -1)
    total = NULL;
  if (append (&v, total) == -1 || append (&v, strdup ("")) == -1)
    goto error;
  size_t i, bytes = 64, visited = 0;
  for (i = start > 0 ? (size_t) start : 0; i < n; ++i) {
    int r = subkey_values (h, children[i], names, &v, &bytes, &visited);
    if (r == -1)
      goto error;
    if (r == 1) {
      gc_d_debug ("hive_subkeys_values: %s: %s: stopped after %zu of %zu "
                  "subkeys (%zu bytes, %zu values looked at)",
                  hivefile, key, i, n, bytes, visited);
      break;
    }
  }
  if (asprintf (&done, "%zu", i < n ? i : n) == -1) {
    reply_with_perror ("malloc");
    goto error;
  }
  free (v.ptr[1]);
  v.ptr[1] = done;
  return end_list (&v);
 error:
  gc_string_vector_free (&v);
  return NULL;
}
