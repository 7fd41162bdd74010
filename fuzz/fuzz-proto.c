/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Fuzz target: the protocol decoder, on frames from a hostile daemon:
 * replies of several shapes (a string list, a buffer, a stat, the rpm
 * packages, an error), progress bodies, chunks and frame lengths.  The
 * first byte chooses what the rest is. */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"
#include "gc_protocol.h"

static gc_h *g;

static void
reply (const char *name, unsigned proc, xdrproc_t fn, void *ret,
       size_t retsize, const uint8_t *data, size_t size)
{
  struct gc_int_call c = {
    .name = name, .proc = proc, .ret_fn = fn, .ret = ret,
    .fd_in = -1, .fd_out = -1,
  };
  memset (ret, 0, retsize);
  if (gc_int_decode_reply (g, (const char *) data, size, &c, 5) == 0)
    xdr_free (fn, ret);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  if (g == NULL && (g = gc_create ()) == NULL)
    abort ();
  const uint8_t *p = data + 1;
  size_t n = size - 1;

  switch (data[0] % 7) {
  case 0: {
    gc_list_devices_ret r;
    reply ("list_devices", GC_PROC_LIST_DEVICES,
           (xdrproc_t) xdr_gc_list_devices_ret, &r, sizeof r, p, n);
    break;
  }
  case 1: {
    gc_read_file_ret r;
    reply ("read_file", GC_PROC_READ_FILE,
           (xdrproc_t) xdr_gc_read_file_ret, &r, sizeof r, p, n);
    break;
  }
  case 2: {
    gc_stat_ret r;
    reply ("stat", GC_PROC_STAT, (xdrproc_t) xdr_gc_stat_ret, &r, sizeof r,
           p, n);
    break;
  }
  case 3: {
    gc_rpm_packages_page_ret r;
    reply ("rpm_packages_page", GC_PROC_RPM_PACKAGES_PAGE,
           (xdrproc_t) xdr_gc_rpm_packages_page_ret, &r, sizeof r, p, n);
    break;
  }
  case 4: {
    struct gc_int_call c = { .name = "download", .proc = GC_PROC_DOWNLOAD,
                             .fd_in = -1, .fd_out = -1 };
    (void) gc_int_decode_progress (g, (const char *) p, n, &c, 5);
    break;
  }
  case 5: {
    struct gc_int_call c = { .name = "download", .proc = GC_PROC_DOWNLOAD,
                             .fd_in = -1, .fd_out = -1 };
    int cancel;
    const char *d;
    size_t dlen;
    if (gc_int_decode_chunk (g, (const char *) p, n, &c, &cancel, &d,
                             &dlen) == 0 &&
        (d < (const char *) p || dlen > n || d + dlen > (const char *) p + n))
      abort ();                 /* data outside the frame */
    break;
  }
  default: {
    struct gc_int_call c = { .name = "ping", .proc = GC_PROC_PING,
                             .fd_in = -1, .fd_out = -1 };
    uint32_t len = 0;
    memcpy (&len, p, n < 4 ? n : 4);
    (void) gc_int_check_frame_length (g, &c, len, (enum gc_int_frame) (n & 1));
    break;
  }
  }
  return 0;
}
