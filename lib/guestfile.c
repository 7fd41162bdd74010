/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Reading a guest file into memory on the host, bounded: what the core
 * itself reads of a guest (package databases) has a size limit that is
 * checked before the transfer starts (a stat in the appliance: a sparse
 * 1 TiB file costs a hostile guest 4 KiB of disk and us nothing) and
 * enforced while it runs, and nothing is written to the host's disk. */

#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "gc_protocol.h"

/* See internal.h. */
char *
gc_int_read_guest_file (gc_h *g, const char *path, uint64_t max,
                        size_t *len)
{
  CLEANUP_FREE struct gc_stat *st = gc_stat (g, path);
  struct gc_download_args args = { .path = (char *) path };
  char *buf = NULL;
  size_t n = 0;
  struct gc_int_call c = {
    .name = "download",
    .proc = GC_PROC_DOWNLOAD,
    .args_fn = (xdrproc_t) xdr_gc_download_args,
    .args = &args,
    .fd_in = -1,
    .fd_out = -1,
    .out_buf = &buf,
    .out_len = &n,
    .out_limit = max,
  };

  if (st == NULL)
    return NULL;
  if (!S_ISREG (st->mode)) {
    gc_int_error_errno (g, EINVAL, "%s: not a regular file", path);
    return NULL;
  }
  if (st->size < 0 || (uint64_t) st->size > max) {
    gc_int_error_errno (g, EFBIG, "%s: %jd bytes, more than the %ju that "
                        "are read at most", path, (intmax_t) st->size,
                        (uintmax_t) max);
    return NULL;
  }
  if (gc_int_call (g, &c) == -1) {
    free (buf);
    return NULL;
  }
  if (buf == NULL && (buf = strdup ("")) == NULL) {
    gc_int_perror (g, "%s", path);
    return NULL;
  }
  *len = n;
  return buf;
}
