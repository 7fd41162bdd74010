/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Making strings from a guest safe to print: the one rule of every tool.
 *
 * A guest string is shown as the valid UTF-8 it holds, with U+FFFD,
 * the replacement character, for each byte that is not part of a valid
 * UTF-8 sequence (a stray continuation byte, a truncated or overlong
 * sequence, a surrogate, a code point past U+10FFFF) and for each
 * control character (U+0001 to U+001F but tab and newline, U+007F to
 * U+009F) and non-character U+FFFE and U+FFFF.  The result is
 * well-formed in XML 1.0 and JSON and carries no terminal escape
 * sequence. */

#ifndef GC_UTF8_H
#define GC_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Whether s (NUL-terminated) is already safe by the rule above. */
extern bool gc_utf8_is_safe (const char *s);
/* A safe copy of s (malloc'd), or NULL with errno ENOMEM.  NULL in,
 * NULL out (errno 0). */
extern char *gc_utf8_safe_copy (const char *s);
/* The same for the len bytes at s (a NUL among them is replaced), as
 * one line of a message or one field of a table: a newline and a tab
 * are replaced too.  malloc'd, or NULL with errno ENOMEM. */
extern char *gc_utf8_safe_line (const char *s, size_t len);
/* Make *s safe, replacing it by a new copy if needed (freeing the
 * old).  -1 with errno ENOMEM (*s is then unchanged). */
extern int gc_utf8_make_safe (char **s);
/* Cut s to at most max bytes, not inside a UTF-8 character (a
 * continuation byte is never left first after the cut). */
extern void gc_utf8_cut (char *s, size_t max);

#endif /* GC_UTF8_H */
