/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Fuzz target: LVM metadata text made into device-mapper tables
 * (daemon/lvmmeta.c).  It runs in the appliance, never on the host, but
 * it reads a guest's bytes and its tables go to the kernel: a plan is
 * checked here to stay inside what it was given.  The first byte says
 * how many PVs there are (1 to 3, with the UUIDs of the seeds) and which
 * of them carry the text, which is the rest of the input (the same text
 * on every PV, as lvm writes it). */

#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lvmmeta.h"

static const char *const uuids[] = {
  "BIdzrlR8oj1y9eRZ6fAS5MoRiSAP97JI", /* the Debian guest's, and pv0's */
  "Z9y8x7w6v5u4t3s2r1q0p9o8n7m6l5k4",
  "GcQdiUTtMEEWyPagNfQOE6g6OHByhzoL",
};
static const char *const devs[] = { "254:2", "8:17", "8:33" };

/* Every device of a table's parameters ("DEV OFFSET" for linear,
 * "STRIPES CHUNK DEV OFFSET..." for striped) one of the first n. */
static bool
devices_known (const struct gc_lvm_target *tg, size_t n)
{
  char *copy = strdup (tg->params), *save = NULL;
  bool ok = copy != NULL, striped = strcmp (tg->type, "striped") == 0;
  size_t field = 0, devices = 0;
  for (char *w = copy ? strtok_r (copy, " ", &save) : NULL; ok && w;
       w = strtok_r (NULL, " ", &save), ++field) {
    size_t f = striped ? field - 2 : field;
    if ((striped && field < 2) || f % 2 == 1)
      continue;
    bool known = false;
    for (size_t k = 0; k < n; ++k)
      known |= strcmp (w, devs[k]) == 0;
    ok = known;
    ++devices;
  }
  free (copy);
  return ok && devices > 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct gc_lvm_pv pvs[3];
  struct gc_lvm_plan plan;
  const char *why = NULL;

  if (size < 1)
    return 0;
  size_t n = 1 + (data[0] & 3) % 3;
  for (size_t i = 0; i < n; ++i) {
    memcpy (pvs[i].uuid, uuids[i], sizeof pvs[i].uuid);
    pvs[i].dev = devs[i];
    bool has_text = i == 0 || (data[0] >> (1 + i) & 1);
    pvs[i].text = has_text ? (const char *) data + 1 : NULL;
    pvs[i].len = has_text ? size - 1 : 0;
  }
  if (gc_lvm_plan (pvs, n, &plan, &why) == -1) {
    if (why == NULL || plan.nlvs != 0)
      abort ();
    return 0;
  }
  /* What goes to the kernel: names it can take, each table one after
   * another from sector 0, and every linear/striped device one of the
   * PVs given. */
  for (size_t i = 0; i < plan.nlvs; ++i) {
    const struct gc_lvm_lv *lv = &plan.lvs[i];
    if (strlen (lv->dmname) > 127 || strlen (lv->dmuuid) > 128 ||
        !gc_lvm_valid_name (lv->vg) || !gc_lvm_valid_name (lv->lv) ||
        strchr (lv->dmname, '/') != NULL)
      abort ();
    uint64_t next = 0;
    for (size_t t = 0; t < lv->ntargets; ++t) {
      const struct gc_lvm_target *tg = &lv->targets[t];
      if (tg->start != next || tg->len == 0 || tg->start + tg->len < next)
        abort ();
      next = tg->start + tg->len;
      if (strcmp (tg->type, "linear") != 0 && strcmp (tg->type, "striped") != 0)
        abort ();
      if (!devices_known (tg, n))
        abort ();
    }
    if (lv->ntargets == 0)
      abort ();
  }
  gc_lvm_plan_free (&plan);
  return 0;
}
