/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Unit test of utf8.c: what a guest string becomes (utf8.h's rule). */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "utf8.h"

#define R "\xef\xbf\xbd"        /* U+FFFD */

static void
expect (const char *in, const char *out, const char *what)
{
  char *c = gc_utf8_safe_copy (in);
  bool same = c && strcmp (c, out) == 0;
  CHECK (same && gc_utf8_is_safe (c) && gc_utf8_is_safe (in) ==
         (strcmp (in, out) == 0), "%s", what);
  free (c);
}

int
main (void)
{
  expect ("plain ascii, tab\tand\nnewline", "plain ascii, tab\tand\nnewline",
          "ASCII with tab and newline: unchanged");
  expect ("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7",
          "2, 3 and 4-byte sequences: unchanged");
  expect ("\x1b[31mred\x07", R "[31mred" R, "ESC and BEL replaced");
  expect ("a\x01" "b\r\x7f", "a" R "b" R R, "U+0001, CR and DEL replaced");
  expect ("\xc2\x9b" "2J", R "2J", "C1 control (CSI) replaced");
  expect ("\xff\xfe", R R, "bytes never in UTF-8 replaced one each");
  expect ("\x80\xbf", R R, "stray continuation bytes replaced");
  expect ("\xc3", R, "a sequence cut by the end replaced");
  expect ("\xe2\x82" "x", R R "x", "a sequence cut short replaced, byte by byte");
  expect ("\xc0\xaf", R R, "an overlong '/' replaced");
  expect ("\xe0\x80\xaf", R R R, "a 3-byte overlong replaced");
  expect ("\xed\xa0\x80", R R R, "a surrogate replaced");
  expect ("\xf4\x90\x80\x80", R R R R, "past U+10FFFF replaced");
  expect ("\xef\xbf\xbe\xef\xbf\xbf", R R, "U+FFFE and U+FFFF replaced, one each");
  expect ("\xef\xbf\xbd", R, "U+FFFD itself: unchanged");
  expect ("", "", "the empty string");

  char *s = strdup ("pkg\x1b]0;owned\x07");
  CHECK (s && gc_utf8_make_safe (&s) == 0 &&
         strcmp (s, "pkg" R "]0;owned" R) == 0, "make_safe replaces in place");
  free (s);
  char *l = gc_utf8_safe_line ("a\nb\0c\x1b\t", 7);
  CHECK (l && strcmp (l, "a" R "b" R "c" R R) == 0,
         "safe_line: newline, NUL, ESC and tab replaced");
  free (l);
  char *n = NULL;
  CHECK (gc_utf8_make_safe (&n) == 0 && n == NULL, "make_safe of NULL");
  CHECK (gc_utf8_safe_copy (NULL) == NULL, "safe_copy of NULL");

  /* Every 1-, 2- and 3-byte string: the copy is always safe, and a safe
   * string is kept as it is. */
  size_t bad = 0;
  for (unsigned a = 1; a < 256; ++a)
    for (unsigned b = 0; b < 256; ++b)
      for (unsigned c = 0; c < 256; c += (b < 0x80 ? 17 : 1)) {
        char in[4] = { (char) a, (char) b, (char) c, 0 };
        char *o = gc_utf8_safe_copy (in);
        if (o == NULL || !gc_utf8_is_safe (o) ||
            (gc_utf8_is_safe (in) && strcmp (in, o) != 0))
          ++bad;
        free (o);
      }
  CHECK (bad == 0, "exhaustive short strings: %zu wrong", bad);
  return tap_done ();
}
