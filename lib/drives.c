/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Probing a disk image's format safely.
 *
 * qemu never probes: the drive's format is always given to it.  When the
 * user did not give one we look at the header ourselves.  A qcow2 image
 * may name a backing file, which qemu would open on the host: refused
 * unless the caller allows it.  Other formats that can reference host
 * files are refused with a request to name the format; anything else is
 * raw (a raw image is only ever parsed by the appliance's kernel).  A
 * qcow2 header is also checked against the file's size, so a truncated
 * image is one clear error before qemu starts. */

#include <config.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "internal.h"

#define HEADER_SIZE 4096

static uint32_t
be32 (const unsigned char *p)
{
  uint32_t v;
  memcpy (&v, p, 4);
  return be32toh (v);
}

static uint64_t
be64 (const unsigned char *p)
{
  uint64_t v;
  memcpy (&v, p, 8);
  return be64toh (v);
}

/* Formats qemu knows that may refer to other files or are not worth
 * guessing: recognised by a magic string at offset 0. */
static const struct {
  const char *magic;
  size_t len;
  const char *name;
} refused[] = {
  { "KDMV", 4, "vmdk" },
  { "# Disk DescriptorFile", 21, "vmdk" },
  { "QED\0", 4, "qed" },
  { "vhdxfile", 8, "vhdx" },
  { "conectix", 8, "vpc" },
  { "<<< Oracle VM VirtualBox Disk Image >>>", 39, "vdi" },
  { "Bochs Virtual HD Image", 22, "bochs" },
  { "#!/bin/sh\n#V2.0 Format", 22, "cloop" },
  { "WithoutFreeSpace", 16, "parallels" },
  { "WithouFreSpacExt", 16, "parallels" },
};

/* What a qcow2 header says about other host files. */
struct qcow2_refs {
  bool has_backing;
  char backing[1024];           /* its name; "" if not in the header */
  bool has_data_file;           /* incompatible feature bit 2 */
  char data_file[1024];         /* its name (the "DATA" extension) or "" */
};

#define QCOW2_INCOMPAT_DATA_FILE (UINT64_C (1) << 2)
#define QCOW2_EXT_END 0
#define QCOW2_EXT_DATA_FILE 0x44415441 /* "DATA" */

/* Copy n bytes of a name from the header, NUL-terminated, bounded. */
static void
copy_name (char *dst, size_t dstlen, const unsigned char *src, size_t n)
{
  if (n >= dstlen)
    n = dstlen - 1;
  memcpy (dst, src, n);
  dst[n] = '\0';
}

/* Check a qcow2 header (buf holds the first len bytes of the file)
 * against the file's size, and fill *refs with the host files it names
 * (a header extension past the bytes read is not looked at: the data
 * file's feature bit still says there is one).  -1 with an error naming
 * the file if the header is inconsistent. */
static int
check_qcow2 (gc_h *g, const char *filename, const unsigned char *buf,
             size_t len, uint64_t filesize, struct qcow2_refs *refs)
{
  uint32_t version, cluster_bits, l1_size, refcount_clusters;
  uint64_t backing_off, l1_off, refcount_off, cluster_size, need;
  uint32_t backing_len, header_len;

  if (len < 72)
    goto truncated;
  version = be32 (buf + 4);
  backing_off = be64 (buf + 8);
  backing_len = be32 (buf + 16);
  cluster_bits = be32 (buf + 20);
  l1_size = be32 (buf + 36);
  l1_off = be64 (buf + 40);
  refcount_off = be64 (buf + 48);
  refcount_clusters = be32 (buf + 56);
  header_len = version >= 3 && len >= 104 ? be32 (buf + 100) : 72;

  if (version < 2 || version > 3) {
    gc_int_error_errno (g, EINVAL, "%s: qcow2 version %u is not supported",
                        filename, version);
    return -1;
  }
  if (cluster_bits < 9 || cluster_bits > 21) {
    gc_int_error_errno (g, EINVAL, "%s: corrupt qcow2 header "
                        "(cluster_bits %u)", filename, cluster_bits);
    return -1;
  }
  cluster_size = UINT64_C (1) << cluster_bits;
  if (version >= 3 && len < 104)
    goto truncated;
  if (header_len > filesize || filesize < cluster_size)
    goto truncated;
  if (l1_off % cluster_size || refcount_off % cluster_size ||
      l1_off > filesize || (uint64_t) l1_size * 8 > filesize - l1_off)
    goto truncated;
  need = (uint64_t) refcount_clusters << cluster_bits;
  if (refcount_off > filesize || need > filesize - refcount_off)
    goto truncated;
  if (backing_off != 0 &&
      (backing_len > 1023 || backing_off > filesize ||
       backing_len > filesize - backing_off)) {
    gc_int_error_errno (g, EINVAL, "%s: corrupt qcow2 header "
                        "(backing file name out of the file)", filename);
    return -1;
  }
  memset (refs, 0, sizeof *refs);
  refs->has_backing = backing_off != 0 && backing_len > 0;
  if (refs->has_backing && backing_off + backing_len <= len)
    copy_name (refs->backing, sizeof refs->backing, buf + backing_off,
               backing_len);
  if (version >= 3)
    refs->has_data_file = (be64 (buf + 72) & QCOW2_INCOMPAT_DATA_FILE) != 0;
  /* The header extensions, 8-byte aligned, until the end marker. */
  for (size_t off = header_len; off + 8 <= len && off < cluster_size; ) {
    uint32_t type = be32 (buf + off), elen = be32 (buf + off + 4);
    if (type == QCOW2_EXT_END || elen > len - off - 8)
      break;
    if (type == QCOW2_EXT_DATA_FILE)
      copy_name (refs->data_file, sizeof refs->data_file, buf + off + 8, elen);
    off += 8 + (((size_t) elen + 7) & ~(size_t) 7);
  }
  return 0;

 truncated:
  gc_int_error_errno (g, EINVAL, "%s: qcow2 image is truncated or corrupt "
                      "(its header points past the end of the %ju byte file)",
                      filename, (uintmax_t) filesize);
  return -1;
}

static int
read_header (gc_h *g, const char *filename, unsigned char *buf,
             size_t *len, uint64_t *size)
{
  CLEANUP_CLOSE int fd = open (filename, O_RDONLY | O_CLOEXEC);
  struct stat st;
  ssize_t n;

  if (fd == -1 || fstat (fd, &st) == -1) {
    gc_int_perror (g, "%s", filename);
    return -1;
  }
  if (S_ISBLK (st.st_mode)) {
    off_t end = lseek (fd, 0, SEEK_END);
    if (end == -1 || lseek (fd, 0, SEEK_SET) == -1) {
      gc_int_perror (g, "%s", filename);
      return -1;
    }
    *size = end;
  }
  else
    *size = st.st_size;
  n = pread (fd, buf, HEADER_SIZE, 0);
  if (n == -1) {
    gc_int_perror (g, "%s: read", filename);
    return -1;
  }
  *len = n;
  return 0;
}

/* Whether the data file a qcow2 header names is one the user allowed.
 * qemu opens a relative name from its working directory, which is ours. */
static bool
data_file_allowed (const char *name, char *const *allowed)
{
  CLEANUP_FREE char *real = name[0] ? realpath (name, NULL) : NULL;

  for (size_t i = 0; allowed && allowed[i]; ++i) {
    CLEANUP_FREE char *a = realpath (allowed[i], NULL);
    if (strcmp (name, allowed[i]) == 0 ||
        (real && a && strcmp (real, a) == 0))
      return true;
  }
  return false;
}

static void
refuse_data_file (gc_h *g, const char *filename, const struct qcow2_refs *r,
                  bool probed)
{
  const char *name = r->data_file[0] ? r->data_file : "(name not found)";

  if (probed)
    gc_int_error_errno (g, EPERM, "%s: qcow2 image whose data is in the host "
                        "file %s (an external data file): refused, as a "
                        "probed image must not make qemu open other host "
                        "files", filename, name);
  else
    gc_int_error_errno (g, EPERM, "%s: qcow2 image whose data is in the host "
                        "file %s (an external data file): refused; if you "
                        "trust the image, allow that file with "
                        "--allow-data-file", filename, name);
}

/* See internal.h. */
char *
gc_int_probe_format (gc_h *g, const char *filename, bool allow_backing)
{
  unsigned char buf[HEADER_SIZE];
  size_t len;
  uint64_t size;
  char *ret;

  if (read_header (g, filename, buf, &len, &size) == -1)
    return NULL;

  if (len >= 4 && memcmp (buf, "QFI\xfb", 4) == 0) {
    struct qcow2_refs refs;

    if (len >= 8 && be32 (buf + 4) == 1) {
      gc_int_error_errno (g, EINVAL, "%s: looks like an old qcow (version 1) "
                          "image, which can refer to other host files; "
                          "give its format explicitly (--format)", filename);
      return NULL;
    }
    if (check_qcow2 (g, filename, buf, len, size, &refs) == -1)
      return NULL;
    if (refs.has_data_file) {
      refuse_data_file (g, filename, &refs, true);
      return NULL;
    }
    if (refs.has_backing && !allow_backing) {
      gc_int_error_errno (g, EPERM, "%s: qcow2 image with a backing file: "
                          "refused, as a probed image must not make qemu "
                          "open other host files (give --format qcow2 if "
                          "you trust it)", filename);
      return NULL;
    }
    ret = strdup ("qcow2");
  }
  else {
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; ++i)
      if (len >= refused[i].len &&
          memcmp (buf, refused[i].magic, refused[i].len) == 0) {
        gc_int_error_errno (g, EINVAL, "%s: looks like a %s image, which can "
                            "refer to other host files; give its format "
                            "explicitly (--format)", filename,
                            refused[i].name);
        return NULL;
      }
    ret = strdup ("raw");
  }
  if (ret == NULL)
    gc_int_perror (g, "strdup");
  return ret;
}

/* See internal.h. */
int
gc_int_check_qcow2 (gc_h *g, const char *filename,
                    char *const *allowed_data_files, bool report)
{
  unsigned char buf[HEADER_SIZE];
  CLEANUP_FREE char *chain = NULL, *current = strdup (filename);
  size_t len;
  uint64_t size;

  if (current == NULL) {
    gc_int_perror (g, "strdup");
    return -1;
  }
  if (read_header (g, filename, buf, &len, &size) == -1)
    return -1;
  if (len < 4 || memcmp (buf, "QFI\xfb", 4) != 0) {
    gc_int_error_errno (g, EINVAL, "%s: not a qcow2 image (--format qcow2 "
                        "was given)", filename);
    return -1;
  }

  /* The image, then each qcow2 of its backing chain as qemu will open
   * it (a backing name is relative to the directory of the image that
   * names it): each one's external data file must be allowed; the chain
   * is named once. */
  for (int depth = 0; depth < 16; ++depth) {
    struct qcow2_refs refs;
    CLEANUP_FREE char *next = NULL;

    if (check_qcow2 (g, current, buf, len, size, &refs) == -1)
      return -1;
    if (refs.has_data_file &&
        !data_file_allowed (refs.data_file, allowed_data_files)) {
      refuse_data_file (g, current, &refs, false);
      return -1;
    }
    if (refs.has_data_file && report)
      gc_int_debug (g, "%s: its data is in the host file %s (allowed)",
                    current, refs.data_file);
    if (!refs.has_backing)
      break;
    if (asprintf (&next, "%s%s -> %s", chain ? chain : "",
                  chain ? "" : filename,
                  refs.backing[0] ? refs.backing : "(name not found)") == -1) {
      gc_int_perror (g, "asprintf");
      return -1;
    }
    free (chain);
    chain = TAKE_PTR (next);
    /* Follow a plain file name; a protocol ("nbd:...", "json:...") or a
     * name not found ends what can be told here. */
    if (refs.backing[0] == '\0' ||
        strcspn (refs.backing, ":") < strcspn (refs.backing, "/"))
      break;
    if (refs.backing[0] == '/')
      next = strdup (refs.backing);
    else {
      const char *slash = strrchr (current, '/');
      if (asprintf (&next, "%.*s%s", slash ? (int) (slash - current + 1) : 0,
                    current, refs.backing) == -1)
        next = NULL;
    }
    if (next == NULL) {
      gc_int_perror (g, "asprintf");
      return -1;
    }
    free (current);
    current = TAKE_PTR (next);
    /* A backing file that cannot be read is qemu's error to give; one
     * that is not qcow2 ends the chain. */
    {
      CLEANUP_CLOSE int fd = open (current, O_RDONLY | O_CLOEXEC);
      struct stat st;
      ssize_t n;
      if (fd == -1 || fstat (fd, &st) == -1 ||
          (n = pread (fd, buf, HEADER_SIZE, 0)) < 4 ||
          memcmp (buf, "QFI\xfb", 4) != 0)
        break;
      len = n;
      size = st.st_size;
    }
  }
  if (chain && report) {
    gc_int_debug (g, "qcow2 backing chain: %s", chain);
    gc_int_warning (g, "%s: a qcow2 image with a backing file: qemu reads "
                    "each host file of its chain %s", filename, chain);
  }
  return 0;
}

/* qemu's image locks (file-posix): a process using an image holds a
 * shared OFD lock on byte 100 + N for each permission N it has, and on
 * byte 200 + N for each permission it denies to others.  Permission 1
 * is "write". */
#define QEMU_LOCK_PERM_BASE 100
#define QEMU_LOCK_SHARED_BASE 200
#define QEMU_PERM_WRITE 1

/* See internal.h. */
int
gc_int_image_in_use (const char *filename, bool writers_only)
{
  CLEANUP_CLOSE int fd = open (filename, O_RDONLY | O_CLOEXEC);
  struct flock fl = {
    .l_type = F_WRLCK,
    .l_whence = SEEK_SET,
    .l_start = writers_only ? QEMU_LOCK_PERM_BASE + QEMU_PERM_WRITE
                            : QEMU_LOCK_PERM_BASE,
    .l_len = writers_only ? 1
                          : QEMU_LOCK_SHARED_BASE + 100 - QEMU_LOCK_PERM_BASE,
  };

  if (fd == -1 || fcntl (fd, F_OFD_GETLK, &fl) == -1)
    return -1;
  return fl.l_type != F_UNLCK;
}
