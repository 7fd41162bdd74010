/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Small actions (ping, internal_test_echo), the string-list helpers of
 * the generated dispatch, and loading kernel modules on demand (each
 * filesystem's module costs boot time, so none is loaded before it is
 * needed).
 */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

/* 0. */
int
do_ping (void)
{
  return 0;
}

/* A copy of s (the dispatch frees it), NULL after replying on ENOMEM. */
char *
do_internal_test_echo (const char *s)
{
  char *r = strdup (s);
  if (r == NULL)
    reply_with_perror ("internal_test_echo");
  return r;
}

/* The strings of an XDR list as a NULL-terminated list (caller frees
 * with gc_d_free_strings), devices mapped to the appliance's names if
 * devices is set; NULL after replying. */
char **
gc_d_list_from_xdr (gc_str_list *l, int devices)
{
  char **r = calloc (l->gc_str_list_len + 1, sizeof (char *));
  if (r == NULL) {
    reply_with_perror ("malloc");
    return NULL;
  }
  for (unsigned i = 0; i < l->gc_str_list_len; ++i) {
    if (devices)
      r[i] = gc_d_device_from_user (l->gc_str_list_val[i]);
    else if ((r[i] = strdup (l->gc_str_list_val[i])) == NULL)
      reply_with_perror ("malloc");
    if (r[i] == NULL) {
      gc_d_free_strings (r);
      return NULL;
    }
  }
  return r;
}

/* Points out at the strings of list (which still owns them); the caller
 * frees out->gc_str_list_val only.  -1 after replying. */
int
gc_d_list_to_xdr (char **list, gc_str_list *out)
{
  size_t n = gc_strings_len (list);
  if (n > GC_LIST_MAX) {
    reply_with_error_errno (EFBIG, "%s: too many results (%zu)",
                            gc_d_proc_name (gc_d_proc), n);
    out->gc_str_list_val = NULL;
    return -1;
  }
  out->gc_str_list_len = n;
  out->gc_str_list_val = malloc ((n ? n : 1) * sizeof (char *));
  if (out->gc_str_list_val == NULL) {
    reply_with_perror ("malloc");
    return -1;
  }
  memcpy (out->gc_str_list_val, list, n * sizeof (char *));
  return 0;
}

/* Frees a NULL-terminated list; NULL is fine. */
void
gc_d_free_strings (char **list)
{
  gc_strings_free (list);
}

static string_vector loaded = EMPTY_VECTOR;

/* See daemon.h.  Modules are remembered once loaded (or found in
 * /sys/module, which also covers built-in ones). */
int
gc_d_modprobe (const char *module)
{
  for (size_t i = 0; i < loaded.len; ++i)
    if (strcmp (loaded.ptr[i], module) == 0)
      return 0;

  CLEANUP_FREE char *sysname = strdup (module);
  CLEANUP_FREE char *syspath = NULL;
  if (sysname == NULL)
    return -1;
  for (char *p = sysname; *p; ++p)
    if (*p == '-')
      *p = '_';
  if (asprintf (&syspath, "/sys/module/%s", sysname) == -1)
    return -1;
  if (access (syspath, F_OK) != 0) {
    CLEANUP_FREE char *err = NULL;
    int r = command (NULL, &err, "modprobe", "--", module, NULL);
    if (r != 0) {
      fprintf (stderr, "guestcelld: modprobe %s failed: %s\n", module,
               err ? err : "");
      return -1;
    }
  }
  char *copy = strdup (module);
  if (copy && string_vector_append (&loaded, copy) == -1)
    free (copy);
  return 0;
}
