/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* virt-resize's partition tables.  resize_layout reads a disk's table
 * the way the kernel numbers its partitions: an MBR's primary entries
 * and the chain of EBRs of its extended partition, or a GPT's header
 * and entries (from the backup when the primary header is damaged).
 * resize_write_table writes another disk's table from it with the
 * partitions at their new places and every other byte of each entry
 * kept (type bytes, boot flags, type and partition GUIDs, attributes,
 * names), and the MBR disk signature or the GPT disk GUID too.
 *
 * The table is written inert: without the MBR's 0x55AA and the GPT
 * headers' "EFI PART" (their CRCs are those of the signed headers).
 * virt-resize writes the signatures on the host once the partitions'
 * contents are in place, so a run stopped half-way never leaves a disk
 * whose table says it is whole.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/random.h>

#include <linux/fs.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

#define SECTOR 512
#define MBR_ENTRIES 446         /* offset of the 4 MBR entries */
#define GPT_ENTRIES_MAX (1024 * 1024)   /* bytes of an entry array */
#define PARTS_MAX 256
#define LOGICAL_MAX 128

enum kind { PRIMARY, EXTENDED, LOGICAL };
static const char *const kind_name[] = { "primary", "extended", "logical" };

struct part {
  int num;
  enum kind kind;
  uint64_t start, sectors;
  const unsigned char *entry;   /* its MBR entry (primary, extended) or
                                   GPT entry; NULL for a logical one */
};

struct table {
  bool gpt;
  uint64_t sectors;             /* the disk's size */
  unsigned char mbr[SECTOR];    /* sector 0 */
  /* GPT: the header used and its entries. */
  unsigned char header[SECTOR];
  uint32_t header_size, n_entries, entry_size;
  unsigned char *entries;
  uint64_t first_usable, last_usable;
  bool from_backup, hybrid;
  struct part parts[PARTS_MAX];
  size_t nparts;
};

static void
table_free (struct table *t)
{
  if (t == NULL)
    return;
  free (t->entries);
  free (t);
}

static uint32_t
le32 (const unsigned char *p)
{
  return p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
    (uint32_t) p[3] << 24;
}

static uint64_t
le64 (const unsigned char *p)
{
  return le32 (p) | (uint64_t) le32 (p + 4) << 32;
}

static void
put_le32 (unsigned char *p, uint32_t v)
{
  for (int i = 0; i < 4; ++i)
    p[i] = v >> (8 * i);
}

static void
put_le64 (unsigned char *p, uint64_t v)
{
  put_le32 (p, v);
  put_le32 (p + 4, v >> 32);
}

/* The CRC-32 of GPT (IEEE 802.3, reflected). */
static uint32_t
crc32_ieee (const unsigned char *p, size_t n)
{
  static uint32_t tab[256];
  if (tab[1] == 0)
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = c & 1 ? 0xedb88320 ^ (c >> 1) : c >> 1;
      tab[i] = c;
    }
  uint32_t c = 0xffffffff;
  while (n--)
    c = tab[(c ^ *p++) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffff;
}

/* All of n bytes at off, read or written; -1 with errno (EIO for a
 * short transfer). */
static int
io_at (int fd, void *buf, size_t n, uint64_t off, bool write)
{
  ssize_t r = write ? pwrite (fd, buf, n, off) : pread (fd, buf, n, off);
  if (r == -1)
    return -1;
  if ((size_t) r != n) {
    errno = EIO;
    return -1;
  }
  return 0;
}

static int
read_at (int fd, void *buf, size_t n, uint64_t off)
{
  return io_at (fd, buf, n, off, false);
}

static int
write_at (int fd, const void *buf, size_t n, uint64_t off)
{
  return io_at (fd, (void *) buf, n, off, true);
}

static bool
is_extended_type (unsigned type)
{
  return type == 0x05 || type == 0x0f || type == 0x85;
}

/* The GPT header at lba and its entries, checked: 1 and t filled if
 * valid, 0 with *why if not, -1 on an I/O error (errno). */
static int
read_gpt (int fd, uint64_t lba, struct table *t, const char **why)
{
  unsigned char h[SECTOR], c[SECTOR];

  if (read_at (fd, h, SECTOR, lba * SECTOR) == -1)
    return -1;
  if (memcmp (h, "EFI PART", 8) != 0) {
    *why = "no GPT header signature";
    return 0;
  }
  uint32_t hsize = le32 (h + 12);
  if (hsize < 92 || hsize > SECTOR) {
    *why = "invalid GPT header size";
    return 0;
  }
  memcpy (c, h, hsize);
  put_le32 (c + 16, 0);
  if (crc32_ieee (c, hsize) != le32 (h + 16)) {
    *why = "GPT header checksum mismatch";
    return 0;
  }
  uint64_t my = le64 (h + 24), first = le64 (h + 40), last = le64 (h + 48);
  uint64_t elba = le64 (h + 72);
  uint32_t n = le32 (h + 80), esize = le32 (h + 84);
  if (my != lba || first > last + 1 || last >= t->sectors) {
    *why = "GPT header with impossible positions";
    return 0;
  }
  if (esize < 128 || esize % 8 || n == 0 ||
      (uint64_t) n * esize > GPT_ENTRIES_MAX) {
    *why = "GPT header with an invalid entry array";
    return 0;
  }
  uint64_t ebytes = (uint64_t) n * esize;
  uint64_t esectors = (ebytes + SECTOR - 1) / SECTOR;
  if (elba < 1 || elba >= t->sectors || esectors > t->sectors - elba) {
    *why = "GPT entry array past the end of the disk";
    return 0;
  }
  unsigned char *e = malloc (ebytes);
  if (e == NULL)
    return -1;
  if (read_at (fd, e, ebytes, elba * SECTOR) == -1) {
    free (e);
    return -1;
  }
  if (crc32_ieee (e, ebytes) != le32 (h + 88)) {
    free (e);
    *why = "GPT entry array checksum mismatch";
    return 0;
  }
  memcpy (t->header, h, SECTOR);
  t->header_size = hsize;
  t->n_entries = n;
  t->entry_size = esize;
  free (t->entries);
  t->entries = e;
  t->first_usable = first;
  t->last_usable = last;
  return 1;
}

static int
compare_start (const void *a, const void *b)
{
  const struct part *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return (int) x->kind - (int) y->kind;
}

/* Add a partition; -1 (message in *why) if there are too many. */
static int
add_part (struct table *t, int num, enum kind kind, uint64_t start,
          uint64_t sectors, const unsigned char *entry, const char **why)
{
  if (t->nparts == PARTS_MAX) {
    *why = "more than 256 partitions";
    return -1;
  }
  t->parts[t->nparts++] = (struct part) { num, kind, start, sectors, entry };
  return 0;
}

/* The logical partitions of the extended partition x: follow its chain
 * of EBRs (each holds data entries and a link to the next, relative to
 * the extended partition's start), as the kernel numbers them from 5.
 * 0, or -1 with *why (errno 0) or an I/O error (errno set). */
static int
read_logicals (int fd, struct table *t, const struct part *x,
               const char **why)
{
  uint64_t ebr = x->start, end = x->start + x->sectors;
  int num = 5;

  for (int k = 0; k < LOGICAL_MAX; ++k) {
    unsigned char s[SECTOR];
    uint64_t link = 0;

    if (read_at (fd, s, SECTOR, ebr * SECTOR) == -1)
      return -1;
    if (s[510] != 0x55 || s[511] != 0xaa)
      break;                    /* the kernel stops there too */
    for (int i = 0; i < 4; ++i) {
      const unsigned char *e = s + MBR_ENTRIES + 16 * i;
      uint64_t start = le32 (e + 8), size = le32 (e + 12);
      if (size == 0)
        continue;
      if (is_extended_type (e[4])) {
        if (link == 0)
          link = x->start + start;
        continue;
      }
      start += ebr;
      if (start < x->start || start + size > end) {
        if (i >= 2)
          continue;             /* garbage the kernel skips */
        errno = 0;
        *why = "a logical partition lies outside its extended partition";
        return -1;
      }
      if (add_part (t, num++, LOGICAL, start, size, NULL, why) == -1) {
        errno = 0;
        return -1;
      }
    }
    if (link <= ebr || link >= end)
      break;                    /* the end, or a loop */
    ebr = link;
  }
  return 0;
}

/* Read the table of a whole disk (open as fd, user name udev) into
 * *t_r.  -1 after replying. */
static int
read_table (const char *udev, int fd, struct table **t_r)
{
  const char *why = NULL;
  uint64_t bytes;
  int ssz;

  struct table *t = calloc (1, sizeof *t);
  if (t == NULL) {
    reply_with_perror ("%s: malloc", gc_d_action ());
    return -1;
  }
  if (ioctl (fd, BLKSSZGET, &ssz) == -1 ||
      ioctl (fd, BLKGETSIZE64, &bytes) == -1 ||
      read_at (fd, t->mbr, SECTOR, 0) == -1) {
    reply_with_perror ("%s: %s", gc_d_action (), udev);
    goto error;
  }
  if (ssz != SECTOR) {
    reply_with_error_errno (ENOTSUP, "%s: %s: %d-byte sectors: only "
                            "512-byte sectors are supported", gc_d_action (),
                            udev, ssz);
    goto error;
  }
  t->sectors = bytes / SECTOR;
  if (t->mbr[510] != 0x55 || t->mbr[511] != 0xaa) {
    reply_with_error_errno (EINVAL, "%s: %s: no partition table",
                            gc_d_action (), udev);
    goto error;
  }

  /* A protective 0xEE entry means GPT; other entries beside it make a
   * hybrid MBR. */
  int n_ee = 0, n_other = 0;
  for (int i = 0; i < 4; ++i) {
    const unsigned char *e = t->mbr + MBR_ENTRIES + 16 * i;
    if (e[4] == 0xee)
      ++n_ee;
    else if (e[4] != 0 && le32 (e + 12) != 0)
      ++n_other;
  }

  if (n_ee > 0) {
    t->gpt = true;
    int r = read_gpt (fd, 1, t, &why);
    if (r == 0) {
      const char *why_backup;
      gc_d_debug ("%s: primary GPT: %s; trying the backup", udev, why);
      r = read_gpt (fd, t->sectors - 1, t, &why_backup);
      t->from_backup = r == 1;
    }
    if (r == -1) {
      reply_with_perror ("%s: %s", gc_d_action (), udev);
      goto error;
    }
    if (r == 0) {
      reply_with_error_errno (EINVAL, "%s: %s: a protective MBR, but no "
                              "valid GPT (%s, and no valid backup at the "
                              "end of the disk)", gc_d_action (), udev, why);
      goto error;
    }
    t->hybrid = n_other > 0;
    for (uint32_t i = 0; i < t->n_entries; ++i) {
      const unsigned char *e = t->entries + (size_t) i * t->entry_size;
      static const unsigned char zero[16];
      if (memcmp (e, zero, 16) == 0)
        continue;
      uint64_t first = le64 (e + 32), last = le64 (e + 40);
      if (first > last || first < t->first_usable || last > t->last_usable) {
        reply_with_error_errno (EINVAL, "%s: %s: partition %" PRIu32
                                " (sectors %" PRIu64 " to %" PRIu64 ") is "
                                "outside the GPT's usable area", gc_d_action (),
                                udev, i + 1, first, last);
        goto error;
      }
      if (add_part (t, i + 1, PRIMARY, first, last - first + 1, e, &why)
          == -1) {
        reply_with_error_errno (ENOTSUP, "%s: %s: %s", gc_d_action (), udev,
                                why);
        goto error;
      }
    }
  }
  else {
    const struct part *x = NULL;
    for (int i = 0; i < 4; ++i) {
      const unsigned char *e = t->mbr + MBR_ENTRIES + 16 * i;
      uint64_t start = le32 (e + 8), size = le32 (e + 12);
      if (e[4] == 0 || size == 0)
        continue;
      if (start == 0 || start + size > t->sectors) {
        reply_with_error_errno (EINVAL, "%s: %s: partition %d (sectors %"
                                PRIu64 " to %" PRIu64 ") ends past the end of "
                                "the disk", gc_d_action (), udev, i + 1,
                                start, start + size - 1);
        goto error;
      }
      enum kind k = is_extended_type (e[4]) ? EXTENDED : PRIMARY;
      if (k == EXTENDED && x) {
        reply_with_error_errno (ENOTSUP, "%s: %s: more than one extended "
                                "partition", gc_d_action (), udev);
        goto error;
      }
      add_part (t, i + 1, k, start, size, e, &why);
      if (k == EXTENDED)
        x = &t->parts[t->nparts - 1];
    }
    if (x && read_logicals (fd, t, x, &why) == -1) {
      if (errno)
        reply_with_perror ("%s: %s", gc_d_action (), udev);
      else
        reply_with_error_errno (ENOTSUP, "%s: %s: %s", gc_d_action (), udev,
                                why);
      goto error;
    }
  }

  qsort (t->parts, t->nparts, sizeof t->parts[0], compare_start);
  /* Overlaps (logical partitions are inside their extended one). */
  for (size_t i = 0; i < t->nparts; ++i)
    for (size_t j = i + 1; j < t->nparts; ++j) {
      const struct part *a = &t->parts[i], *b = &t->parts[j];
      if ((a->kind == EXTENDED && b->kind == LOGICAL) ||
          (b->kind == EXTENDED && a->kind == LOGICAL))
        continue;
      if (b->start < a->start + a->sectors &&
          a->start < b->start + b->sectors) {
        reply_with_error_errno (EINVAL, "%s: %s: partitions %d and %d "
                                "overlap", gc_d_action (), udev, a->num,
                                b->num);
        goto error;
      }
    }
  *t_r = t;
  return 0;

 error:
  table_free (t);
  return -1;
}

/* Open a whole guest disk; -1 after replying. */
static int
open_disk (const char *dev, const char *udev, int flags)
{
  if (gc_d_check_whole_disk (dev) == -1)
    return -1;
  int fd = open (dev, flags | O_CLOEXEC);
  if (fd == -1)
    reply_with_perror ("%s: %s", gc_d_action (), udev);
  return fd;
}

/* A GUID in its text form (the first three fields little-endian). */
static void
guid_text (const unsigned char *g, char *buf)
{
  snprintf (buf, 37, "%08" PRIx32 "-%04x-%04x-%02x%02x-"
            "%02x%02x%02x%02x%02x%02x", le32 (g), g[4] | g[5] << 8,
            g[6] | g[7] << 8, g[8], g[9], g[10], g[11], g[12], g[13],
            g[14], g[15]);
}

static int
append_fmt (string_vector *v, const char *fs, ...)
  __attribute__ ((format (printf, 2, 3)));

static int
append_fmt (string_vector *v, const char *fs, ...)
{
  va_list ap;
  char *s;
  va_start (ap, fs);
  int r = vasprintf (&s, fs, ap);
  va_end (ap);
  if (r == -1)
    return -1;
  if (string_vector_append (v, s) == -1) {
    free (s);
    return -1;
  }
  return 0;
}

/* See protocol/actions.py.  NULL after replying. */
char **
do_resize_layout (const char *disk)
{
  CLEANUP_FREE char *udisk = gc_d_device_to_user (disk);
  const char *ud = udisk ? udisk : disk;
  CLEANUP_CLOSE int fd = open_disk (disk, ud, O_RDONLY);
  struct table *t;
  string_vector v = EMPTY_VECTOR;

  if (fd == -1 || read_table (ud, fd, &t) == -1)
    return NULL;

  int r = 0;
  if (t->gpt) {
    uint64_t es = ((uint64_t) t->n_entries * t->entry_size + SECTOR - 1)
      / SECTOR;
    r |= append_fmt (&v, "gpt");
    r |= append_fmt (&v, "%" PRIu64, t->sectors * SECTOR);
    r |= append_fmt (&v, "%" PRIu64, (2 + es) * SECTOR);
    r |= append_fmt (&v, "%" PRIu64, t->first_usable * SECTOR);
    r |= append_fmt (&v, "%" PRIu64, (es + 1) * SECTOR);
    r |= append_fmt (&v, "%" PRIu32, t->n_entries);
    if (t->from_backup)
      gc_d_debug ("%s: the primary GPT is damaged: read from the backup", ud);
  }
  else {
    r |= append_fmt (&v, "dos");
    r |= append_fmt (&v, "%" PRIu64, t->sectors * SECTOR);
    r |= append_fmt (&v, "%d", SECTOR);
    r |= append_fmt (&v, "%d", SECTOR);
    r |= append_fmt (&v, "0");
    r |= append_fmt (&v, "4");
  }
  for (size_t i = 0; r == 0 && i < t->nparts; ++i) {
    const struct part *p = &t->parts[i];
    char type[40], flags[24];
    if (t->gpt) {
      guid_text (p->entry, type);
      snprintf (flags, sizeof flags, "0x%" PRIx64, le64 (p->entry + 48));
    }
    else if (p->entry) {
      snprintf (type, sizeof type, "0x%02x", p->entry[4]);
      snprintf (flags, sizeof flags, "0x%02x", p->entry[0]);
    }
    else {
      strcpy (type, "");
      strcpy (flags, "");
    }
    CLEANUP_FREE char *content = NULL;
    if (p->kind != EXTENDED) {
      char pdev[300];
      snprintf (pdev, sizeof pdev, "%s%d", disk, p->num);
      content = gc_d_blkid_tag (pdev, "TYPE");
      if (content == NULL) {
        table_free (t);
        gc_string_vector_free (&v);
        return NULL;
      }
    }
    r |= append_fmt (&v, "%d", p->num);
    r |= append_fmt (&v, "%s", kind_name[p->kind]);
    r |= append_fmt (&v, "%" PRIu64, p->start * SECTOR);
    r |= append_fmt (&v, "%" PRIu64, p->sectors * SECTOR);
    r |= append_fmt (&v, "%s", type);
    r |= append_fmt (&v, "%s", flags);
    r |= append_fmt (&v, "%s", content ? content : "");
  }
  table_free (t);
  char **ret = r == 0 ? gc_strings_from_vector (&v) : NULL;
  if (ret == NULL) {
    gc_string_vector_free (&v);
    reply_with_perror ("resize_layout: malloc");
  }
  return ret;
}

/* One OUT:SRC:START:SECTORS of resize_write_table. */
struct item {
  unsigned out, src;
  uint64_t start, sectors;
  const struct part *p;         /* its source partition, NULL if new */
};

/* Parse and check the new layout against the source table and the
 * destination's size.  -1 after replying. */
static int
parse_items (char *const *list, const struct table *t, uint64_t first,
             uint64_t last, struct item *items, size_t *n_r)
{
  size_t n = 0;
  unsigned max_out = t->gpt ? t->n_entries : 4;

  for (size_t i = 0; list[i]; ++i) {
    struct item it = { 0 };
    int len = 0;
    if (n == PARTS_MAX ||
        sscanf (list[i], "%u:%u:%" SCNu64 ":%" SCNu64 "%n", &it.out, &it.src,
                &it.start, &it.sectors, &len) != 4 || list[i][len] != '\0') {
      reply_with_error_errno (EINVAL, "resize_write_table: \"%s\": expected "
                              "OUT:SRC:START:SECTORS", list[i]);
      return -1;
    }
    if (it.out < 1 || it.out > max_out) {
      reply_with_error_errno (EINVAL, "resize_write_table: partition number "
                              "%u out of range (1 to %u)", it.out, max_out);
      return -1;
    }
    if (it.src) {
      for (size_t j = 0; j < t->nparts; ++j)
        if (t->parts[j].num == (int) it.src && t->parts[j].kind != LOGICAL)
          it.p = &t->parts[j];
      if (it.p == NULL) {
        reply_with_error_errno (EINVAL, "resize_write_table: the source has "
                                "no partition %u (logical partitions move "
                                "with their extended partition)", it.src);
        return -1;
      }
    }
    if (it.sectors == 0 || it.start < first || it.start > last ||
        it.sectors - 1 > last - it.start) {
      reply_with_error_errno (EINVAL, "resize_write_table: partition %u "
                              "(sectors %" PRIu64 " to %" PRIu64 ") does not "
                              "fit in the usable sectors %" PRIu64 " to %"
                              PRIu64, it.out, it.start,
                              it.start + it.sectors - 1, first, last);
      return -1;
    }
    for (size_t j = 0; j < n; ++j) {
      const struct item *o = &items[j];
      if (o->out == it.out || (it.src && o->src == it.src) ||
          (it.start < o->start + o->sectors &&
           o->start < it.start + it.sectors)) {
        reply_with_error_errno (EINVAL, "resize_write_table: partitions %u "
                                "and %u: same number, same source or "
                                "overlapping", o->out, it.out);
        return -1;
      }
    }
    items[n++] = it;
  }
  *n_r = n;
  return 0;
}

/* CHS of an LBA in an MBR entry (255 heads, 63 sectors; past cylinder
 * 1023 the maximum, as every tool writes it). */
static void
put_chs (unsigned char *p, uint64_t lba)
{
  if (lba >= 1024ULL * 255 * 63) {
    p[0] = 0xfe;
    p[1] = 0xff;
    p[2] = 0xff;
    return;
  }
  unsigned c = lba / (255 * 63), h = (lba / 63) % 255, s = lba % 63 + 1;
  p[0] = h;
  p[1] = s | ((c >> 2) & 0xc0);
  p[2] = c & 0xff;
}

static void
set_mbr_entry (unsigned char *e, const unsigned char *src, unsigned type,
               uint64_t start, uint64_t sectors)
{
  if (src)
    memcpy (e, src, 16);
  else {
    memset (e, 0, 16);
    e[4] = type;
  }
  put_chs (e + 1, start);
  put_chs (e + 5, start + sectors - 1);
  put_le32 (e + 8, start);
  put_le32 (e + 12, sectors);
}

/* Linux filesystem data, as stored (mixed-endian). */
static const unsigned char linux_data_guid[16] = {
  0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
  0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4,
};

/* Write the GPT structures and the protective MBR of dest.  -1 with
 * errno. */
static int
write_gpt (int fd, const struct table *t, uint64_t sectors,
           const struct item *items, size_t n, bool bootcode)
{
  uint64_t ebytes = (uint64_t) t->n_entries * t->entry_size;
  uint64_t es = (ebytes + SECTOR - 1) / SECTOR, last = sectors - 1;
  CLEANUP_FREE unsigned char *e = calloc (es, SECTOR);
  unsigned char h[SECTOR], b[SECTOR], s0[SECTOR];

  if (e == NULL)
    return -1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char *d = e + (size_t) (items[i].out - 1) * t->entry_size;
    if (items[i].p)
      memcpy (d, items[i].p->entry, t->entry_size);
    else {
      memcpy (d, linux_data_guid, 16);
      if (getrandom (d + 16, 16, 0) != 16)
        return -1;
      d[16 + 7] = (d[16 + 7] & 0x0f) | 0x40;    /* version 4 */
      d[16 + 8] = (d[16 + 8] & 0x3f) | 0x80;    /* RFC 4122 variant */
    }
    put_le64 (d + 32, items[i].start);
    put_le64 (d + 40, items[i].start + items[i].sectors - 1);
  }

  memset (h, 0, SECTOR);
  memcpy (h, t->header, t->header_size);
  put_le64 (h + 24, 1);
  put_le64 (h + 32, last);
  put_le64 (h + 40, t->first_usable);
  put_le64 (h + 48, last - es - 1);
  put_le64 (h + 72, 2);
  put_le32 (h + 88, crc32_ieee (e, ebytes));
  memcpy (b, h, SECTOR);
  put_le64 (b + 24, last);
  put_le64 (b + 32, 1);
  put_le64 (b + 72, last - es);
  put_le32 (h + 16, 0);
  put_le32 (h + 16, crc32_ieee (h, t->header_size));
  put_le32 (b + 16, 0);
  put_le32 (b + 16, crc32_ieee (b, t->header_size));
  memset (h, 0, 8);             /* inert until virt-resize signs it */
  memset (b, 0, 8);

  /* The protective MBR: one 0xEE entry over the whole disk (a hybrid
   * MBR's other entries would point at the old places). */
  memcpy (s0, t->mbr, SECTOR);
  if (!bootcode)
    memset (s0, 0, 440);
  unsigned status = 0;
  for (int i = 0; i < 4; ++i)
    if (t->mbr[MBR_ENTRIES + 16 * i + 4] == 0xee)
      status = t->mbr[MBR_ENTRIES + 16 * i];
  memset (s0 + MBR_ENTRIES, 0, 64);
  set_mbr_entry (s0 + MBR_ENTRIES, NULL, 0xee, 1,
                 last > 0xffffffff ? 0xffffffff : last);
  s0[MBR_ENTRIES] = status;
  s0[510] = s0[511] = 0;

  if (write_at (fd, e, es * SECTOR, (last - es) * SECTOR) == -1 ||
      write_at (fd, b, SECTOR, last * SECTOR) == -1 ||
      write_at (fd, e, es * SECTOR, 2 * SECTOR) == -1 ||
      write_at (fd, h, SECTOR, SECTOR) == -1 ||
      write_at (fd, s0, SECTOR, 0) == -1)
    return -1;
  return 0;
}

/* See protocol/actions.py.  NULL after replying. */
char **
do_resize_write_table (const char *source, const char *dest,
                       char *const *partitions, int bootcode)
{
  CLEANUP_FREE char *usrc = gc_d_device_to_user (source);
  CLEANUP_FREE char *udst = gc_d_device_to_user (dest);
  const char *us = usrc ? usrc : source, *ud = udst ? udst : dest;
  struct table *t = NULL;
  struct item items[PARTS_MAX];
  size_t n;
  uint64_t bytes;
  string_vector warnings = EMPTY_VECTOR;
  char **ret = NULL;

  if (strcmp (source, dest) == 0) {
    reply_with_error_errno (EINVAL, "resize_write_table: %s: the source and "
                            "the destination are the same disk", us);
    return NULL;
  }
  CLEANUP_CLOSE int sfd = open_disk (source, us, O_RDONLY);
  if (sfd == -1)
    return NULL;
  CLEANUP_CLOSE int dfd = open_disk (dest, ud, O_RDWR);
  if (dfd == -1 || read_table (us, sfd, &t) == -1)
    return NULL;
  if (ioctl (dfd, BLKGETSIZE64, &bytes) == -1) {
    reply_with_perror ("resize_write_table: %s", ud);
    goto out;
  }
  uint64_t sectors = bytes / SECTOR, first, last;
  if (t->gpt) {
    uint64_t es = ((uint64_t) t->n_entries * t->entry_size + SECTOR - 1)
      / SECTOR;
    first = t->first_usable;
    if (first < 2 + es || sectors < first + es + 2) {
      reply_with_error_errno (EINVAL, "resize_write_table: %s: no room for "
                              "the GPT (first usable sector %" PRIu64 ")", ud,
                              first);
      goto out;
    }
    last = sectors - es - 2;
  }
  else {
    first = 1;
    last = (sectors > 0x100000000ULL ? 0x100000000ULL : sectors) - 1;
  }
  if (parse_items (partitions, t, first, last, items, &n) == -1)
    goto out;

  int r;
  if (t->gpt) {
    r = write_gpt (dfd, t, sectors, items, n, bootcode);
    if (t->hybrid &&
        append_fmt (&warnings, "%s: its hybrid MBR was not kept: %s has a "
                    "plain protective MBR", us, ud) == -1)
      r = -1;
    if (t->from_backup &&
        append_fmt (&warnings, "%s: the primary GPT is damaged: the table "
                    "was read from its backup", us) == -1)
      r = -1;
  }
  else {
    unsigned char s0[SECTOR];
    int extended = 0;
    memcpy (s0, t->mbr, SECTOR);
    if (!bootcode)
      memset (s0, 0, 440);
    memset (s0 + MBR_ENTRIES, 0, 64);
    s0[510] = s0[511] = 0;      /* inert until virt-resize signs it */
    for (size_t i = 0; i < n; ++i) {
      const struct item *it = &items[i];
      extended += it->p && it->p->kind == EXTENDED;
      set_mbr_entry (s0 + MBR_ENTRIES + 16 * (it->out - 1),
                     it->p ? it->p->entry : NULL, 0x83, it->start,
                     it->sectors);
    }
    if (extended > 1) {
      reply_with_error_errno (EINVAL, "resize_write_table: more than one "
                              "extended partition");
      goto out;
    }
    r = write_at (dfd, s0, SECTOR, 0);
  }
  if (r == -1 || fsync (dfd) == -1) {
    reply_with_perror ("resize_write_table: %s", ud);
    goto out;
  }
  ret = gc_strings_from_vector (&warnings);
  if (ret == NULL)
    reply_with_perror ("resize_write_table: malloc");

 out:
  if (ret == NULL)
    gc_string_vector_free (&warnings);
  table_free (t);
  return ret;
}
