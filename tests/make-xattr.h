/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* make-xattr: the values of extended attributes for the test guests,
 * from text (see make-xattr.c).
 */

#ifndef GC_TESTS_MAKE_XATTR_H
#define GC_TESTS_MAKE_XATTR_H

#include <stddef.h>

/* A value written in a recipe: "0x" and hex digits for those bytes (as
 * getfattr -e hex prints them), else the text itself (no NUL added).
 * On success returns 0 and sets *out (malloc'd, the caller frees) and
 * *out_len; -1 on error (printed, prefixed by where, "recipe:line"). */
extern int xattr_value (const char *text, const char *where, char **out,
                        size_t *out_len);

/* A POSIX ACL written as setfacl's short text ("u::rw-,u:1000:r--,
 * g::r--,m::r--,o::---"; user, group, mask and other also spelt out)
 * in the kernel's binary form, the value of system.posix_acl_access:
 * version 2, then the entries sorted as the kernel wants them.  On
 * success returns 0 and sets *out (malloc'd) and *out_len; -1 on an
 * invalid ACL (printed, prefixed by where). */
extern int acl_to_xattr (const char *text, const char *where, char **out,
                         size_t *out_len);

#endif /* GC_TESTS_MAKE_XATTR_H */
