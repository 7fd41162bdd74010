/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* LVM metadata to device-mapper tables (see lvmmeta.h).
 *
 * The metadata text is lvm's configuration syntax: "key = value",
 * "name { ... }" sections, values that are integers, "strings" (with
 * backslash escapes) or [ arrays ], and # comments.  One top-level
 * section is the VG:
 *
 *   vg0 { id = "..." seqno = 3 status = ["RESIZEABLE", "READ", "WRITE"]
 *         extent_size = 8192
 *         physical_volumes { pv0 { id = "..." pe_start = 2048
 *                                  pe_count = 111 } }
 *         logical_volumes { root { id = "..." status = [...] flags = []
 *           segment_count = 1
 *           segment1 { start_extent = 0 extent_count = 32
 *                      type = "striped" stripe_count = 1
 *                      stripes = [ "pv0", 0 ] } } } }
 *
 * Sizes are in 512-byte sectors, extents in extent_size sectors; a PV's
 * extent E starts at sector pe_start + E * extent_size of its device.
 * The parser works on a text of at most a few hundred KiB that the
 * guest wrote: every count and offset is checked, recursion is bounded,
 * and whatever is not understood makes the plan fail (lvm then
 * decides), never guesses.
 */

#include <config.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvmmeta.h"

/* Parsed metadata. */
enum kind { K_SECTION, K_STRING, K_NUMBER, K_ARRAY };
struct node {
  enum kind kind;
  char *key;                    /* NULL for array elements */
  char *str;                    /* K_STRING */
  int64_t num;                  /* K_NUMBER */
  bool integer;                 /* K_NUMBER: an integer that fits */
  struct node *child;           /* K_SECTION, K_ARRAY */
  struct node *next;
};

struct parser {
  const char *p, *end;
};

#define MAX_DEPTH 8

static void
free_nodes (struct node *n)
{
  while (n) {
    struct node *next = n->next;
    free_nodes (n->child);
    free (n->key);
    free (n->str);
    free (n);
    n = next;
  }
}

static void
skip_space (struct parser *ps)
{
  while (ps->p < ps->end) {
    if (*ps->p == '#') {
      while (ps->p < ps->end && *ps->p != '\n')
        ++ps->p;
    }
    else if (isspace ((unsigned char) *ps->p))
      ++ps->p;
    else
      break;
  }
}

static bool
at_end (struct parser *ps)
{
  return ps->p >= ps->end || *ps->p == '\0';
}

static bool
ident_char (char c)
{
  return isalnum ((unsigned char) c) || strchr ("_+.-", c);
}

static struct node *
new_node (enum kind kind, char *key)
{
  struct node *n = calloc (1, sizeof *n);
  if (n == NULL) {
    free (key);
    return NULL;
  }
  n->kind = kind;
  n->key = key;
  return n;
}

/* A value at ps->p (an array only at depth 0 of values); NULL if bad. */
static struct node *
parse_value (struct parser *ps, char *key, bool in_array)
{
  skip_space (ps);
  if (at_end (ps)) {
    free (key);
    return NULL;
  }
  if (*ps->p == '"') {
    const char *s = ++ps->p;
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != '"') {
      if (*ps->p == '\\' && ps->p + 1 < ps->end)
        ++ps->p;
      ++ps->p;
      ++n;
    }
    if (ps->p >= ps->end) {
      free (key);
      return NULL;
    }
    struct node *v = new_node (K_STRING, key);
    if (v == NULL || (v->str = malloc (n + 1)) == NULL) {
      free_nodes (v);
      return NULL;
    }
    size_t j = 0;
    for (; s < ps->p; ++s) {
      if (*s == '\\')
        ++s;
      v->str[j++] = *s;
    }
    v->str[j] = '\0';
    if (strlen (v->str) != j) {         /* a NUL inside */
      free_nodes (v);
      return NULL;
    }
    ++ps->p;
    return v;
  }
  if (*ps->p == '[' && !in_array) {
    struct node *a = new_node (K_ARRAY, key), **tail;
    if (a == NULL)
      return NULL;
    tail = &a->child;
    ++ps->p;
    for (;;) {
      skip_space (ps);
      if (at_end (ps))
        break;
      if (*ps->p == ']') {
        ++ps->p;
        return a;
      }
      if (a->child != NULL) {
        if (*ps->p != ',')
          break;
        ++ps->p;
      }
      if ((*tail = parse_value (ps, NULL, true)) == NULL)
        break;
      tail = &(*tail)->next;
    }
    free_nodes (a);
    return NULL;
  }
  if (*ps->p == '-' || isdigit ((unsigned char) *ps->p)) {
    bool neg = *ps->p == '-';
    uint64_t v = 0;
    bool ok = true;
    if (neg)
      ++ps->p;
    if (ps->p >= ps->end || !isdigit ((unsigned char) *ps->p)) {
      free (key);
      return NULL;
    }
    while (ps->p < ps->end && isdigit ((unsigned char) *ps->p)) {
      if (v > (uint64_t) INT64_MAX / 10)
        ok = false;
      v = v * 10 + (uint64_t) (*ps->p++ - '0');
      if (v > (uint64_t) INT64_MAX)
        ok = false;
    }
    if (ps->p < ps->end && *ps->p == '.') {     /* a float: kept, unused */
      ok = false;
      ++ps->p;
      while (ps->p < ps->end && isdigit ((unsigned char) *ps->p))
        ++ps->p;
    }
    struct node *n = new_node (K_NUMBER, key);
    if (n == NULL)
      return NULL;
    n->integer = ok;
    n->num = ok ? (neg ? -(int64_t) v : (int64_t) v) : 0;
    return n;
  }
  free (key);
  return NULL;
}

/* The entries of a section up to its '}' (or the end of the text at
 * depth 0) as a list; *ok false if bad. */
static struct node *
parse_entries (struct parser *ps, int depth, bool *ok)
{
  struct node *first = NULL, **tail = &first;

  *ok = false;
  if (depth > MAX_DEPTH)
    return NULL;
  for (;;) {
    skip_space (ps);
    if (at_end (ps)) {
      if (depth == 0)
        *ok = true;
      return first;
    }
    if (*ps->p == '}') {
      ++ps->p;
      if (depth > 0)
        *ok = true;
      return first;
    }
    const char *s = ps->p;
    while (ps->p < ps->end && ident_char (*ps->p))
      ++ps->p;
    if (ps->p == s)
      return first;
    /* A key twice in one section: which would lvm take? */
    for (struct node *n = first; n; n = n->next)
      if (strlen (n->key) == (size_t) (ps->p - s) &&
          memcmp (n->key, s, ps->p - s) == 0)
        return first;
    char *key = strndup (s, ps->p - s);
    if (key == NULL)
      return first;
    skip_space (ps);
    struct node *n = NULL;
    if (ps->p < ps->end && *ps->p == '{') {
      ++ps->p;
      bool sub_ok;
      if ((n = new_node (K_SECTION, key)) == NULL)
        return first;
      *tail = n;
      tail = &n->next;
      n->child = parse_entries (ps, depth + 1, &sub_ok);
      if (!sub_ok)
        return first;
      continue;
    }
    if (ps->p >= ps->end || *ps->p != '=') {
      free (key);
      return first;
    }
    ++ps->p;
    if ((n = parse_value (ps, key, false)) == NULL)
      return first;
    *tail = n;
    tail = &n->next;
  }
}

static struct node *
find (const struct node *section, const char *key)
{
  for (struct node *n = section ? section->child : NULL; n; n = n->next)
    if (n->key && strcmp (n->key, key) == 0)
      return n;
  return NULL;
}

static bool
get_int (const struct node *section, const char *key, int64_t min,
         int64_t max, int64_t *v)
{
  struct node *n = find (section, key);
  if (n == NULL || n->kind != K_NUMBER || !n->integer ||
      n->num < min || n->num > max)
    return false;
  *v = n->num;
  return true;
}

static const char *
get_str (const struct node *section, const char *key)
{
  struct node *n = find (section, key);
  return n && n->kind == K_STRING ? n->str : NULL;
}

/* Whether the array at key holds only words of allowed (NULL-ended)
 * and every word of required; an absent key counts as empty. */
static bool
words_ok (const struct node *section, const char *key,
          const char *const *allowed, const char *const *required)
{
  struct node *a = find (section, key);
  if (a && a->kind != K_ARRAY)
    return false;
  for (struct node *e = a ? a->child : NULL; e; e = e->next) {
    bool found = false;
    if (e->kind != K_STRING)
      return false;
    for (size_t i = 0; allowed && allowed[i] && !found; ++i)
      found = strcmp (e->str, allowed[i]) == 0;
    if (!found)
      return false;
  }
  for (size_t i = 0; required && required[i]; ++i) {
    bool found = false;
    for (struct node *e = a ? a->child : NULL; e && !found; e = e->next)
      found = strcmp (e->str, required[i]) == 0;
    if (!found)
      return false;
  }
  return true;
}

static bool
has_word (const struct node *section, const char *key, const char *word)
{
  struct node *a = find (section, key);
  for (struct node *e = a && a->kind == K_ARRAY ? a->child : NULL; e;
       e = e->next)
    if (e->kind == K_STRING && strcmp (e->str, word) == 0)
      return true;
  return false;
}

/* An LVM UUID without its dashes: 32 letters and digits, else false. */
static bool
plain_uuid (const char *s, char out[33])
{
  size_t j = 0;
  for (; s && *s; ++s) {
    if (*s == '-')
      continue;
    if (!isalnum ((unsigned char) *s) || j == 32)
      return false;
    out[j++] = *s;
  }
  out[j] = '\0';
  return j == 32;
}

bool
gc_lvm_valid_name (const char *s)
{
  if (!*s || *s == '-' || strlen (s) > 127 || strcmp (s, ".") == 0 ||
      strcmp (s, "..") == 0)
    return false;
  for (; *s; ++s)
    if (!isalnum ((unsigned char) *s) && !strchr ("+_.-", *s))
      return false;
  return true;
}

uint32_t
gc_lvm_crc (uint32_t crc, const void *buf, size_t len)
{
  static uint32_t table[256];
  const unsigned char *p = buf;

  if (table[1] == 0)
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = c & 1 ? (c >> 1) ^ 0xedb88320U : c >> 1;
      table[i] = c;
    }
  for (size_t i = 0; i < len; ++i)
    crc = (crc >> 8) ^ table[(crc ^ p[i]) & 0xff];
  return crc;
}

/* name with each '-' doubled appended at *w. */
static char *
put_escaped (char *w, const char *name)
{
  for (; *name; ++name) {
    if (*name == '-')
      *w++ = '-';
    *w++ = *name;
  }
  return w;
}

/* One parsed VG (its metadata may be on several PVs). */
struct vg {
  struct node *root;            /* owns the tree */
  struct node *sec;
  char id[33];
  int64_t seqno;
};

/* A PV of a VG: where its extents are. */
struct vg_pv {
  const char *name;             /* pv0... */
  const struct gc_lvm_pv *pv;
  int64_t pe_start, pe_count;
};

void
gc_lvm_plan_free (struct gc_lvm_plan *plan)
{
  for (size_t i = 0; i < plan->nlvs; ++i) {
    struct gc_lvm_lv *lv = &plan->lvs[i];
    free (lv->vg);
    free (lv->lv);
    free (lv->dmname);
    free (lv->dmuuid);
    for (size_t t = 0; t < lv->ntargets; ++t)
      free (lv->targets[t].params);
    free (lv->targets);
  }
  free (plan->lvs);
  plan->lvs = NULL;
  plan->nlvs = plan->nvgs = 0;
}

static int
compare_lvs (const void *a, const void *b)
{
  return strcmp (((const struct gc_lvm_lv *) a)->dmname,
                 ((const struct gc_lvm_lv *) b)->dmname);
}

/* The tables of one segment appended to lv; NULL or the reason. */
static const char *
add_segment (struct gc_lvm_lv *lv, const struct node *seg,
             int64_t extent_size, int64_t *next_extent,
             const struct vg_pv *pvs, size_t npvs)
{
  int64_t start, count, stripes, stripe_size = 0;
  const char *type = get_str (seg, "type");
  const struct node *a = find (seg, "stripes");

  if (!get_int (seg, "start_extent", 0, INT32_MAX, &start) ||
      start != *next_extent ||
      !get_int (seg, "extent_count", 1, INT32_MAX, &count))
    return "a segment's extents do not follow on";
  if (type == NULL || strcmp (type, "striped") != 0)
    return "a volume that is not linear or striped (snapshot, thin, "
      "RAID, mirror, cache...)";
  if (!get_int (seg, "stripe_count", 1, 128, &stripes) || a == NULL ||
      a->kind != K_ARRAY)
    return "a striped segment without its stripes";
  if (stripes > 1 &&
      (!get_int (seg, "stripe_size", 1, INT32_MAX, &stripe_size) ||
       count % stripes != 0))
    return "a striped segment's stripe size";
  *next_extent = start + count;

  size_t cap = 64 + (size_t) stripes * 48;
  char *params = malloc (cap), *w = params;
  if (params == NULL)
    return "out of memory";
  if (stripes > 1)
    w += snprintf (w, cap, "%d %" PRIi64, (int) stripes, stripe_size);
  const struct node *e = a->child;
  for (int64_t s = 0; s < stripes; ++s) {
    const struct node *name = e, *pe = e ? e->next : NULL;
    const struct vg_pv *p = NULL;
    if (name == NULL || pe == NULL || name->kind != K_STRING ||
        pe->kind != K_NUMBER || !pe->integer || pe->num < 0) {
      free (params);
      return "a segment's stripes";
    }
    for (size_t i = 0; i < npvs && p == NULL; ++i)
      if (strcmp (pvs[i].name, name->str) == 0)
        p = &pvs[i];
    if (p == NULL || pe->num + count / stripes > p->pe_count) {
      free (params);
      return "a segment on extents its PV does not have";
    }
    w += snprintf (w, cap - (w - params), "%s%s %" PRIi64,
                   w == params ? "" : " ", p->pv->dev,
                   p->pe_start + pe->num * extent_size);
    e = pe->next;
  }
  if (e != NULL) {
    free (params);
    return "a segment's stripes";
  }
  struct gc_lvm_target *t = realloc (lv->targets,
                                     (lv->ntargets + 1) * sizeof *t);
  if (t == NULL) {
    free (params);
    return "out of memory";
  }
  lv->targets = t;
  t[lv->ntargets].start = (uint64_t) start * (uint64_t) extent_size;
  t[lv->ntargets].len = (uint64_t) count * (uint64_t) extent_size;
  t[lv->ntargets].type = stripes > 1 ? "striped" : "linear";
  t[lv->ntargets].params = params;
  lv->ntargets++;
  return NULL;
}

/* The LVs of one VG appended to plan; NULL or the reason. */
static const char *
plan_vg (const struct vg *vg, const struct gc_lvm_pv *pvs, size_t npvs,
         struct gc_lvm_plan *plan)
{
  static const char *const vg_status[] = { "RESIZEABLE", "READ", "WRITE",
                                           NULL };
  static const char *const lv_status[] = { "READ", "WRITE", "VISIBLE",
                                           NULL };
  static const char *const lv_required[] = { "READ", "VISIBLE", NULL };
  static const char *const read[] = { "READ", NULL };
  static const char *const pv_flags[] = { "ALLOCATABLE", NULL };
  const struct node *sec = vg->sec, *pvsec, *lvsec;
  const char *sysid = get_str (sec, "system_id");
  int64_t extent_size;
  const char *why = NULL;

  if (!words_ok (sec, "status", vg_status, read) ||
      !words_ok (sec, "flags", NULL, NULL))
    return "a volume group that is exported, clustered, shared or partial";
  if ((sysid && *sysid) || find (sec, "lock_type"))
    return "a volume group of another system or with a lock type";
  if (!get_int (sec, "extent_size", 1, INT32_MAX, &extent_size))
    return "a volume group's extent size";
  bool vg_writable = has_word (sec, "status", "WRITE");

  /* Its PVs. */
  pvsec = find (sec, "physical_volumes");
  if (pvsec == NULL || pvsec->kind != K_SECTION)
    return "a volume group without physical volumes";
  size_t n = 0;
  for (const struct node *p = pvsec->child; p; p = p->next)
    ++n;
  struct vg_pv *vpvs = calloc (n ? n : 1, sizeof *vpvs);
  if (vpvs == NULL)
    return "out of memory";
  n = 0;
  for (const struct node *p = pvsec->child; p && !why; p = p->next) {
    char uuid[33];
    if (p->kind != K_SECTION || !plain_uuid (get_str (p, "id"), uuid) ||
        !get_int (p, "pe_start", 0, INT64_MAX / 2, &vpvs[n].pe_start) ||
        !get_int (p, "pe_count", 0, INT32_MAX, &vpvs[n].pe_count) ||
        !words_ok (p, "flags", NULL, NULL) ||
        !words_ok (p, "status", pv_flags, NULL)) {
      why = "a physical volume's entry";
      break;
    }
    for (size_t i = 0; i < npvs && !vpvs[n].pv; ++i)
      if (strcmp (pvs[i].uuid, uuid) == 0)
        vpvs[n].pv = &pvs[i];
    if (vpvs[n].pv == NULL)
      why = "a physical volume of the volume group is missing";
    vpvs[n++].name = p->key;
  }

  /* Its LVs. */
  lvsec = find (sec, "logical_volumes");
  if (!why && lvsec && lvsec->kind != K_SECTION)
    why = "a volume group's logical volumes";
  for (const struct node *l = lvsec ? lvsec->child : NULL; l && !why;
       l = l->next) {
    char lvid[33];
    int64_t nseg, next = 0;
    if (l->kind != K_SECTION || !gc_lvm_valid_name (l->key) ||
        !plain_uuid (get_str (l, "id"), lvid)) {
      why = "a logical volume's name or id";
      break;
    }
    if (!words_ok (l, "status", lv_status, lv_required) ||
        !words_ok (l, "flags", NULL, NULL)) {
      why = "a logical volume that is hidden, locked, being moved, "
        "skipped at activation or otherwise special";
      break;
    }
    if (!get_int (l, "segment_count", 1, 100000, &nseg)) {
      why = "a logical volume's segment count";
      break;
    }
    struct gc_lvm_lv *lvs = realloc (plan->lvs,
                                     (plan->nlvs + 1) * sizeof *lvs);
    if (lvs == NULL) {
      why = "out of memory";
      break;
    }
    plan->lvs = lvs;
    struct gc_lvm_lv *lv = &lvs[plan->nlvs++];
    memset (lv, 0, sizeof *lv);
    lv->readonly = !vg_writable || !has_word (l, "status", "WRITE");
    lv->vg = strdup (vg->sec->key);
    lv->lv = strdup (l->key);
    lv->dmname = malloc (2 * (strlen (vg->sec->key) + strlen (l->key)) + 2);
    if (asprintf (&lv->dmuuid, "LVM-%s%s", vg->id, lvid) == -1)
      lv->dmuuid = NULL;
    if (!lv->vg || !lv->lv || !lv->dmname || !lv->dmuuid) {
      why = "out of memory";
      break;
    }
    char *w = put_escaped (lv->dmname, vg->sec->key);
    *w++ = '-';
    *put_escaped (w, l->key) = '\0';
    /* The kernel's limit (DM_NAME_LEN, with its NUL): a longer name
     * would be cut, and two LVs could end up with one name. */
    if (strlen (lv->dmname) > 127) {
      why = "a device-mapper name would be longer than 127 bytes";
      break;
    }
    for (int64_t k = 1; k <= nseg && !why; ++k) {
      char key[32];
      snprintf (key, sizeof key, "segment%" PRIi64, k);
      const struct node *seg = find (l, key);
      if (seg == NULL || seg->kind != K_SECTION)
        why = "a logical volume's segment is missing";
      else
        why = add_segment (lv, seg, extent_size, &next, vpvs, n);
    }
  }
  free (vpvs);
  return why;
}

int
gc_lvm_plan (const struct gc_lvm_pv *pvs, size_t npvs,
             struct gc_lvm_plan *plan, const char **why)
{
  struct vg *vgs = calloc (npvs ? npvs : 1, sizeof *vgs);
  size_t nvgs = 0;

  memset (plan, 0, sizeof *plan);
  *why = NULL;
  if (vgs == NULL) {
    *why = "out of memory";
    return -1;
  }
  for (size_t i = 0; i < npvs && !*why; ++i)
    for (size_t j = 0; j < i && !*why; ++j)
      if (strcmp (pvs[i].uuid, pvs[j].uuid) == 0)
        *why = "two devices carry the same physical volume (a cloned disk?)";

  /* Each PV's metadata: one VG section. */
  for (size_t i = 0; i < npvs && !*why; ++i) {
    struct parser ps = { pvs[i].text, pvs[i].text + pvs[i].len };
    struct node *root, *sec = NULL;
    bool ok;
    int nsec = 0;
    char id[33];
    int64_t seqno;

    if (pvs[i].text == NULL)
      continue;
    root = new_node (K_SECTION, NULL);
    if (root == NULL) {
      *why = "out of memory";
      break;
    }
    root->child = parse_entries (&ps, 0, &ok);
    for (struct node *n = root->child; n; n = n->next)
      if (n->kind == K_SECTION) {
        sec = n;
        ++nsec;
      }
    if (!ok || nsec != 1 || !gc_lvm_valid_name (sec->key) ||
        !plain_uuid (get_str (sec, "id"), id) ||
        !get_int (sec, "seqno", 0, INT64_MAX, &seqno)) {
      free_nodes (root);
      *why = "metadata that cannot be read";
      break;
    }
    size_t k = 0;
    for (; k < nvgs; ++k) {
      if (strcmp (vgs[k].id, id) == 0) {
        if (vgs[k].seqno != seqno || strcmp (vgs[k].sec->key, sec->key))
          *why = "metadata copies of a volume group that differ";
        break;
      }
      if (strcmp (vgs[k].sec->key, sec->key) == 0) {
        *why = "two volume groups of the same name";
        break;
      }
    }
    if (k < nvgs) {
      free_nodes (root);
      continue;
    }
    vgs[nvgs].root = root;
    vgs[nvgs].sec = sec;
    memcpy (vgs[nvgs].id, id, sizeof id);
    vgs[nvgs++].seqno = seqno;
  }

  for (size_t k = 0; k < nvgs && !*why; ++k)
    *why = plan_vg (&vgs[k], pvs, npvs, plan);
  for (size_t k = 0; k < nvgs; ++k)
    free_nodes (vgs[k].root);
  free (vgs);
  if (*why) {
    gc_lvm_plan_free (plan);
    return -1;
  }
  plan->nvgs = nvgs;
  if (plan->nlvs > 1)
    qsort (plan->lvs, plan->nlvs, sizeof *plan->lvs, compare_lvs);
  return 0;
}
