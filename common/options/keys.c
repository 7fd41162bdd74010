/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Keys of encrypted volumes, as libguestfs's tools take them:
 * --key SELECTOR:key:PASSPHRASE, --key SELECTOR:file:FILENAME (the
 * file's bytes are the key, as cryptsetup's --key-file reads them),
 * --keys-from-stdin (one line per volume, in the order they are asked
 * for), else a prompt on /dev/tty (--echo-keys shows what is typed).
 * SELECTOR is our name of the device (/dev/sda2, /dev/VG/LV), its LUKS
 * UUID, or "all"; a device or UUID given by name wins over "all".
 * Keys are wiped from memory when freed.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "strutils.h"
#include "utf8.h"
#include "options.h"

/* The longest key read from a file, stdin or the terminal. */
#define KEY_MAX 8192

struct key {
  char *selector;
  char *key;
};
DEFINE_VECTOR_TYPE (key_vector, struct key);
static key_vector keys = EMPTY_VECTOR;

static void
wipe_free (char *s)
{
  if (s) {
    explicit_bzero (s, strlen (s));
    free (s);
  }
}

/* A key file's bytes, at most KEY_MAX and no NUL; NULL with a message
 * in *why (static). */
static char *
read_key_file (const char *file, const char **why)
{
  size_t len;
  char *k = gc_read_whole_file (file, KEY_MAX, &len);
  if (k == NULL) {
    *why = errno == EFBIG ? "longer than 8192 bytes" : strerror (errno);
    return NULL;
  }
  if (len == 0 || memchr (k, '\0', len)) {
    *why = len == 0 ? "empty" : "holds a NUL byte";
    wipe_free (k);
    return NULL;
  }
  return k;
}

/* See options.h. */
int
gc_tool_add_key (const char *arg, const char **why)
{
  const char *c1 = strchr (arg, ':');
  const char *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
  if (c1 == NULL || c1 == arg || c2 == NULL) {
    *why = "expected SELECTOR:key:PASSPHRASE or SELECTOR:file:FILENAME";
    return -1;
  }
  size_t tlen = c2 - (c1 + 1);
  struct key k = { .selector = strndup (arg, c1 - arg) };
  if (tlen == 3 && strncmp (c1 + 1, "key", 3) == 0) {
    if (c2[1] == '\0') {
      *why = "the passphrase is empty";
      free (k.selector);
      return -1;
    }
    k.key = strdup (c2 + 1);
  }
  else if (tlen == 4 && strncmp (c1 + 1, "file", 4) == 0) {
    k.key = read_key_file (c2 + 1, why);
    if (k.key == NULL) {
      free (k.selector);
      return -1;
    }
  }
  else {
    *why = "the key type must be 'key' or 'file'";
    free (k.selector);
    return -1;
  }
  if (k.selector == NULL || k.key == NULL ||
      key_vector_append (&keys, k) == -1) {
    free (k.selector);
    wipe_free (k.key);
    *why = "out of memory";
    return -1;
  }
  return 0;
}

/* See options.h. */
void
gc_tool_free_keys (void)
{
  for (size_t i = 0; i < keys.len; ++i) {
    free (keys.ptr[i].selector);
    wipe_free (keys.ptr[i].key);
  }
  key_vector_reset (&keys);
}

/* One line from fd, without its line end (malloc'd); NULL at EOF or on
 * error. */
static char *
read_line (int fd)
{
  char *buf = malloc (KEY_MAX + 1);
  size_t n = 0;
  if (buf == NULL)
    return NULL;
  for (;;) {
    char c;
    ssize_t r = read (fd, &c, 1);  /* a byte at a time: stdin is shared */
    if (r == -1 && errno == EINTR)
      continue;
    if (r <= 0 || c == '\n')
      break;
    if (n < KEY_MAX)
      buf[n++] = c;
  }
  buf[n] = '\0';
  if (n > 0 && buf[n - 1] == '\r')
    buf[--n] = '\0';
  if (n == 0) {
    free (buf);
    return NULL;
  }
  return buf;
}

/* The key typed at the terminal (echoed with --echo-keys); NULL if
 * there is no terminal or nothing was typed. */
static char *
prompt (const char *device)
{
  int fd = open ("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd == -1)
    return NULL;
  CLEANUP_FREE char *safe = gc_utf8_safe_line (device, strlen (device));
  dprintf (fd, "Enter key or passphrase (\"%s\"): ", safe ? safe : "?");
  struct termios old, quiet;
  bool restore = false;
  if (!gc_opts.echo_keys && tcgetattr (fd, &old) == 0) {
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t) ECHO;
    quiet.c_lflag |= ECHONL;
    restore = tcsetattr (fd, TCSAFLUSH, &quiet) == 0;
  }
  char *k = read_line (fd);
  if (restore)
    tcsetattr (fd, TCSAFLUSH, &old);
  close (fd);
  return k;
}

/* See options.h. */
char *
gc_tool_key_callback (gc_h *g, void *opaque, const char *device,
                      const char *uuid)
{
  (void) g;
  (void) opaque;
  const struct key *all = NULL;
  for (size_t i = 0; i < keys.len; ++i) {
    const char *s = keys.ptr[i].selector;
    if (strcmp (s, device) == 0 || strcasecmp (s, uuid) == 0)
      return strdup (keys.ptr[i].key);
    if (all == NULL && strcmp (s, "all") == 0)
      all = &keys.ptr[i];
  }
  if (all)
    return strdup (all->key);
  if (gc_opts.keys_from_stdin)
    return read_line (STDIN_FILENO);
  return prompt (device);
}
