/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Events: progress, the appliance's console, the core's debug messages,
 * warnings, and the trace of calls.  Callbacks registered by the tool
 * receive them; with none registered they go nowhere. */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Register a callback; returns its index, -1 on error. */
int
gc_set_event_callback (gc_h *g, gc_event_cb cb, uint64_t mask, void *opaque)
{
  struct gc_event_handler h = { .cb = cb, .mask = mask, .opaque = opaque };

  if (cb == NULL || (mask & ~(uint64_t) GC_EVENT_ALL) != 0) {
    gc_int_error_errno (g, EINVAL, "set_event_callback: invalid arguments");
    return -1;
  }
  if (gc_event_handler_vector_append (&g->events, h) == -1) {
    gc_int_perror (g, "set_event_callback");
    return -1;
  }
  return g->events.len - 1;
}

void
gc_int_event (gc_h *g, uint64_t event, const char *buf, size_t len,
              const uint64_t *array, size_t array_len)
{
  for (size_t i = 0; i < g->events.len; ++i)
    if (g->events.ptr[i].mask & event)
      g->events.ptr[i].cb (g, g->events.ptr[i].opaque, event, buf, len,
                           array, array_len);
}

static bool
wanted (gc_h *g, uint64_t event)
{
  for (size_t i = 0; i < g->events.len; ++i)
    if (g->events.ptr[i].mask & event)
      return true;
  return false;
}

static void
vevent (gc_h *g, uint64_t event, const char *fs, va_list args)
{
  char *msg;
  int len = vasprintf (&msg, fs, args);
  if (len >= 0) {
    gc_int_event (g, event, msg, len, NULL, 0);
    free (msg);
  }
}

/* A debug message, sent only when the handle is verbose. */
void
gc_int_debug (gc_h *g, const char *fs, ...)
{
  va_list args;

  if (!g->verbose || !wanted (g, GC_EVENT_LIBRARY))
    return;
  va_start (args, fs);
  vevent (g, GC_EVENT_LIBRARY, fs, args);
  va_end (args);
}

/* A warning.  A guest can make thousands of them (an fstab of 20,000
 * entries on devices it does not have): past GC_WARNINGS_SHOWN, they
 * are only debug messages, counted for gc_int_warnings_summary. */
void
gc_int_warning (gc_h *g, const char *fs, ...)
{
  va_list args;

  if (!wanted (g, GC_EVENT_WARNING))
    return;
  va_start (args, fs);
  if (g->warnings_shown < GC_WARNINGS_SHOWN) {
    ++g->warnings_shown;
    vevent (g, GC_EVENT_WARNING, fs, args);
  }
  else {
    ++g->warnings_hidden;
    if (g->verbose && wanted (g, GC_EVENT_LIBRARY))
      vevent (g, GC_EVENT_LIBRARY, fs, args);
  }
  va_end (args);
}

/* See internal.h. */
void
gc_int_warnings_summary (gc_h *g)
{
  if (g->warnings_hidden == 0)
    return;
  if (wanted (g, GC_EVENT_WARNING)) {
    char *msg;
    int len = asprintf (&msg, "%zu more warning%s not shown (-v shows "
                        "them all)", g->warnings_hidden,
                        g->warnings_hidden == 1 ? " was" : "s were");
    if (len >= 0) {
      gc_int_event (g, GC_EVENT_WARNING, msg, len, NULL, 0);
      free (msg);
    }
  }
  g->warnings_hidden = 0;
}

/* Keep the last bytes of the console for error messages. */
static void
tail_append (gc_h *g, const char *buf, size_t len)
{
  const size_t cap = sizeof g->console_tail;

  if (len >= cap) {
    memcpy (g->console_tail, buf + len - cap, cap);
    g->console_tail_len = cap;
    return;
  }
  if (g->console_tail_len + len > cap) {
    size_t drop = g->console_tail_len + len - cap;
    memmove (g->console_tail, g->console_tail + drop,
             g->console_tail_len - drop);
    g->console_tail_len -= drop;
  }
  memcpy (g->console_tail + g->console_tail_len, buf, len);
  g->console_tail_len += len;
}

static void
flush_line (gc_h *g)
{
  size_t n = g->console_line_len;
  while (n > 0 && g->console_line[n - 1] == '\r')
    --n;
  gc_int_event (g, GC_EVENT_APPLIANCE, g->console_line, n, NULL, 0);
  g->console_line_len = 0;
}

/* Bytes from qemu's console: a line at a time as APPLIANCE events. */
void
gc_int_console_data (gc_h *g, const char *buf, size_t len)
{
  tail_append (g, buf, len);
  if (!wanted (g, GC_EVENT_APPLIANCE))
    return;
  for (size_t i = 0; i < len; ++i) {
    if (buf[i] == '\n') {
      flush_line (g);
      continue;
    }
    if (g->console_line_len == sizeof g->console_line)
      flush_line (g);
    g->console_line[g->console_line_len++] = buf[i];
  }
}

/* Lines printed on every power-off. */
static bool
boring (const char *line)
{
  static const char *const noise[] = {
    "reboot: ", "ACPI: PM: ", "Kernel Offset: ", NULL
  };
  const char *p = line;

  /* Skip the "[    1.234567] " timestamp. */
  if (*p == '[' && (p = strchr (p, ']')) != NULL)
    p += strspn (p + 1, " ") + 1;
  else
    p = line;
  for (size_t i = 0; noise[i]; ++i)
    if (gc_str_prefix (p, noise[i]))
      return true;
  return false;
}

/* The last non-empty line of the console, for quoting in an error; the
 * string lives in the handle until the next call. */
const char *
gc_int_console_last_line (gc_h *g)
{
  static const size_t max = 200;
  size_t end = g->console_tail_len;

  for (;;) {
    while (end > 0 && (g->console_tail[end - 1] == '\n'
                       || g->console_tail[end - 1] == '\r'
                       || g->console_tail[end - 1] == ' '))
      --end;
    if (end == 0)
      return NULL;
    size_t start = end;
    while (start > 0 && g->console_tail[start - 1] != '\n')
      --start;
    if (end - start > max)
      start = end - max;
    /* Reuse the line buffer: it is flushed at every newline. */
    memcpy (g->console_line, g->console_tail + start, end - start);
    g->console_line[end - start] = '\0';
    g->console_line_len = 0;
    /* Skip lines with no printable characters, and the kernel's last
     * words on any power-off, which explain nothing. */
    if (!boring (g->console_line))
      for (size_t i = 0; g->console_line[i]; ++i)
        if ((unsigned char) g->console_line[i] > ' ')
          return g->console_line;
    end = start;
  }
}

/* Tracing. */

void
gc_int_enter (gc_h *g, const char *name)
{
  if (wanted (g, GC_EVENT_ENTER))
    gc_int_event (g, GC_EVENT_ENTER, name, strlen (name), NULL, 0);
}

bool
gc_int_tracing (gc_h *g)
{
  return g->trace && wanted (g, GC_EVENT_TRACE);
}

static void
scratch_free (gc_h *g)
{
  gc_string_vector_free (&g->trace_scratch);
}

static void
vtrace (gc_h *g, const char *fs, va_list args)
{
  vevent (g, GC_EVENT_TRACE, fs, args);
  scratch_free (g);
}

void
gc_int_trace (gc_h *g, const char *fs, ...)
{
  va_list args;

  va_start (args, fs);
  vtrace (g, fs, args);
  va_end (args);
}

/* "name = <result>" */
void
gc_int_trace_result (gc_h *g, const char *name, const char *fs, ...)
{
  va_list args;
  char *val;

  if (!gc_int_tracing (g)) {
    scratch_free (g);
    return;
  }
  va_start (args, fs);
  if (vasprintf (&val, fs, args) == -1)
    val = NULL;
  va_end (args);
  gc_int_trace (g, "%s = %s", name, val ? val : "?");
  free (val);
}

void
gc_int_trace_error (gc_h *g, const char *name)
{
  if (gc_int_tracing (g))
    gc_int_trace (g, "%s = -1 (error)", name);
}

static const char *
keep (gc_h *g, char *s)
{
  if (s == NULL || string_vector_append (&g->trace_scratch, s) == -1) {
    free (s);
    return "?";
  }
  return s;
}

static void
quote_into (FILE *fp, const char *s)
{
  if (s == NULL) {
    fputs ("NULL", fp);
    return;
  }
  fputc ('"', fp);
  for (; *s; ++s) {
    unsigned char c = *s;
    if (c == '"' || c == '\\')
      fprintf (fp, "\\%c", c);
    else if (c < ' ' || c == 0x7f)
      fprintf (fp, "\\x%02x", c);
    else
      fputc (c, fp);
  }
  fputc ('"', fp);
}

/* A quoted, escaped copy of s for a trace line; owned by the handle
 * until the line is sent. */
const char *
gc_int_trace_quote (gc_h *g, int unused, const char *s)
{
  char *buf = NULL;
  size_t len;
  FILE *fp;

  if (!gc_int_tracing (g))
    return "";
  fp = open_memstream (&buf, &len);
  if (fp == NULL)
    return "?";
  quote_into (fp, s);
  fclose (fp);
  return keep (g, buf);
}

const char *
gc_int_trace_list (gc_h *g, char *const *list)
{
  char *buf = NULL;
  size_t len;
  FILE *fp;

  if (!gc_int_tracing (g))
    return "";
  fp = open_memstream (&buf, &len);
  if (fp == NULL)
    return "?";
  fputc ('[', fp);
  for (size_t i = 0; list && list[i]; ++i) {
    if (i > 0)
      fputs (", ", fp);
    quote_into (fp, list[i]);
  }
  fputc (']', fp);
  fclose (fp);
  return keep (g, buf);
}
