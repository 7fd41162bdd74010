/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* virt-inspector: say which operating systems a disk image holds, with
 * their versions, packaging, hostname, mount points, filesystems and
 * installed applications, as XML (the element names and structure of
 * libguestfs's virt-inspector, see virt-inspector.rng) or as JSON with
 * the same facts, or as JSON Lines: one line naming the image, for the
 * output of many runs to merge by concatenation (a failure is a line
 * too).  The facts come from gc_inspect (lib/inspect.c).
 */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/xmlwriter.h>

#include "cleanup.h"
#include "options.h"

static int no_applications, json, jsonl;

static struct poptOption inspector_options[] = {
  { "no-applications", '\0', POPT_ARG_NONE, &no_applications, 0,
    "Do not list the installed applications", NULL },
  { "json", '\0', POPT_ARG_NONE, &json, 0,
    "Print JSON instead of XML", NULL },
  { "jsonl", '\0', POPT_ARG_NONE, &jsonl, 0,
    "Print one line of JSON naming the image (JSON Lines)", NULL },
  POPT_TABLEEND
};

static struct poptOption options[] = {
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, inspector_options, 0,
    "Options:", NULL },
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, gc_common_options, 0,
    "Common options:", NULL },
  POPT_TABLEEND
};

/*----------------------------------------------------------------------
 * XML.
 */

/* Shorthands that turn a libxml2 failure into -1. */
#define XS(call) do { if ((call) < 0) return -1; } while (0)

static int
xml_elem (xmlTextWriterPtr w, const char *name, const char *value)
{
  if (value == NULL)
    return 0;
  return xmlTextWriterWriteElement (w, BAD_CAST name, BAD_CAST value) < 0
    ? -1 : 0;
}

static int
xml_int (xmlTextWriterPtr w, const char *name, int value)
{
  char buf[32];
  snprintf (buf, sizeof buf, "%d", value);
  return xml_elem (w, name, buf);
}

static int
xml_os (xmlTextWriterPtr w, const struct gc_inspect_os *os)
{
  XS (xmlTextWriterStartElement (w, BAD_CAST "operatingsystem"));
  XS (xml_elem (w, "root", os->root));
  XS (xml_elem (w, "name", os->type));
  XS (xml_elem (w, "arch", os->arch));
  XS (xml_elem (w, "distro", os->distro));
  XS (xml_elem (w, "product_name", os->product_name));
  XS (xml_elem (w, "product_variant", os->product_variant));
  /* The schema wants both versions: 0 when unknown, as libguestfs. */
  XS (xml_int (w, "major_version", os->major_version < 0 ? 0 : os->major_version));
  XS (xml_int (w, "minor_version", os->minor_version < 0 ? 0 : os->minor_version));
  XS (xml_elem (w, "windows_systemroot", os->windows_systemroot));
  XS (xml_elem (w, "windows_current_control_set",
                os->windows_current_control_set));
  XS (xml_elem (w, "package_format", os->package_format));
  XS (xml_elem (w, "package_management", os->package_management));
  XS (xml_elem (w, "hostname", os->hostname));

  XS (xmlTextWriterStartElement (w, BAD_CAST "mountpoints"));
  for (size_t i = 0; i < os->nr_mountpoints; ++i) {
    XS (xmlTextWriterStartElement (w, BAD_CAST "mountpoint"));
    XS (xmlTextWriterWriteAttribute (w, BAD_CAST "dev",
                                     BAD_CAST os->mountpoints[i].device));
    XS (xmlTextWriterWriteString (w, BAD_CAST os->mountpoints[i].mountpoint));
    XS (xmlTextWriterEndElement (w));
  }
  XS (xmlTextWriterEndElement (w));

  XS (xmlTextWriterStartElement (w, BAD_CAST "filesystems"));
  for (size_t i = 0; i < os->nr_filesystems; ++i) {
    const struct gc_inspect_filesystem *f = &os->filesystems[i];
    XS (xmlTextWriterStartElement (w, BAD_CAST "filesystem"));
    XS (xmlTextWriterWriteAttribute (w, BAD_CAST "dev", BAD_CAST f->device));
    XS (xml_elem (w, "type", f->type));
    XS (xml_elem (w, "label", f->label));
    XS (xml_elem (w, "uuid", f->uuid));
    XS (xmlTextWriterEndElement (w));
  }
  XS (xmlTextWriterEndElement (w));

  if (os->nr_drive_mappings > 0) {
    XS (xmlTextWriterStartElement (w, BAD_CAST "drive_mappings"));
    for (size_t i = 0; i < os->nr_drive_mappings; ++i) {
      XS (xmlTextWriterStartElement (w, BAD_CAST "drive_mapping"));
      XS (xmlTextWriterWriteAttribute (w, BAD_CAST "name",
                                       BAD_CAST os->drive_mappings[i].name));
      XS (xmlTextWriterWriteString (w,
                                    BAD_CAST os->drive_mappings[i].device));
      XS (xmlTextWriterEndElement (w));
    }
    XS (xmlTextWriterEndElement (w));
  }

  if (os->have_applications) {
    XS (xmlTextWriterStartElement (w, BAD_CAST "applications"));
    for (size_t i = 0; i < os->nr_applications; ++i) {
      const struct gc_inspect_app *a = &os->applications[i];
      XS (xmlTextWriterStartElement (w, BAD_CAST "application"));
      XS (xml_elem (w, "name", a->name));
      XS (xml_elem (w, "display_name", a->display_name));
      if (a->epoch > 0)
        XS (xml_int (w, "epoch", a->epoch));
      XS (xml_elem (w, "version", a->version));
      XS (xml_elem (w, "release", a->release));
      XS (xml_elem (w, "arch", a->arch));
      XS (xml_elem (w, "install_path", a->install_path));
      XS (xml_elem (w, "publisher", a->publisher));
      XS (xml_elem (w, "url", a->url));
      XS (xml_elem (w, "source_package", a->source_package));
      XS (xml_elem (w, "summary", a->summary));
      XS (xml_elem (w, "description", a->description));
      XS (xmlTextWriterEndElement (w));
    }
    XS (xmlTextWriterEndElement (w));
  }
  XS (xmlTextWriterEndElement (w));
  return 0;
}

static int
write_xml (const struct gc_inspection *insp)
{
  xmlOutputBufferPtr ob = xmlOutputBufferCreateFile (stdout, NULL);
  if (ob == NULL)
    return -1;
  xmlTextWriterPtr w = xmlNewTextWriter (ob);
  if (w == NULL) {
    xmlOutputBufferClose (ob);
    return -1;
  }
  int r = -1;
  if (xmlTextWriterSetIndent (w, 1) < 0
      || xmlTextWriterSetIndentString (w, BAD_CAST "  ") < 0
      || xmlTextWriterStartDocument (w, NULL, NULL, NULL) < 0
      || xmlTextWriterStartElement (w, BAD_CAST "operatingsystems") < 0)
    goto out;
  for (size_t i = 0; i < insp->nr_oses; ++i)
    if (xml_os (w, &insp->oses[i]) == -1)
      goto out;
  if (xmlTextWriterEndElement (w) < 0 || xmlTextWriterEndDocument (w) < 0)
    goto out;
  r = 0;
 out:
  xmlFreeTextWriter (w);          /* flushes and closes ob */
  return r;
}

/*----------------------------------------------------------------------
 * JSON: the same facts, the same names, written by jansson.  The
 * strings are already valid UTF-8 (gc_inspect makes them safe), which
 * jansson requires; a NULL value leaves its key out.
 */

/* obj[key] = value; -1 on ENOMEM (or a string jansson refuses). */
static int
json_set (json_t *obj, const char *key, json_t *value)
{
  return value == NULL || json_object_set_new (obj, key, value) == -1 ? -1
    : 0;
}

static int
json_str (json_t *obj, const char *key, const char *value)
{
  return value == NULL ? 0 : json_set (obj, key, json_string (value));
}

/* A version number as libguestfs's virt-inspector gives it: a string,
 * "0" when unknown. */
static int
json_num (json_t *obj, const char *key, int value)
{
  char buf[32];
  snprintf (buf, sizeof buf, "%d", value < 0 ? 0 : value);
  return json_str (obj, key, buf);
}

/* The array obj[key], made and attached; NULL on ENOMEM. */
static json_t *
json_list (json_t *obj, const char *key)
{
  json_t *a = json_array ();
  return json_set (obj, key, a) == -1 ? NULL : a;
}

/* A new object appended to the array; NULL on ENOMEM. */
static json_t *
json_item (json_t *array)
{
  json_t *o = json_object ();
  return o == NULL || json_array_append_new (array, o) == -1 ? NULL : o;
}

static int
json_os (json_t *oses, const struct gc_inspect_os *os)
{
  json_t *o = json_item (oses), *a, *e;
  int r = 0;

  if (o == NULL)
    return -1;
  r |= json_str (o, "root", os->root);
  r |= json_str (o, "name", os->type);
  r |= json_str (o, "arch", os->arch);
  r |= json_str (o, "distro", os->distro);
  r |= json_str (o, "product_name", os->product_name);
  r |= json_str (o, "product_variant", os->product_variant);
  r |= json_num (o, "major_version", os->major_version);
  r |= json_num (o, "minor_version", os->minor_version);
  r |= json_str (o, "windows_systemroot", os->windows_systemroot);
  r |= json_str (o, "windows_current_control_set",
                 os->windows_current_control_set);
  r |= json_str (o, "package_format", os->package_format);
  r |= json_str (o, "package_management", os->package_management);
  r |= json_str (o, "hostname", os->hostname);

  if ((a = json_list (o, "mountpoints")) == NULL)
    return -1;
  for (size_t i = 0; i < os->nr_mountpoints; ++i) {
    if ((e = json_item (a)) == NULL)
      return -1;
    r |= json_str (e, "dev", os->mountpoints[i].device);
    r |= json_str (e, "mountpoint", os->mountpoints[i].mountpoint);
  }
  if ((a = json_list (o, "filesystems")) == NULL)
    return -1;
  for (size_t i = 0; i < os->nr_filesystems; ++i) {
    const struct gc_inspect_filesystem *f = &os->filesystems[i];
    if ((e = json_item (a)) == NULL)
      return -1;
    r |= json_str (e, "dev", f->device);
    r |= json_str (e, "type", f->type);
    r |= json_str (e, "label", f->label);
    r |= json_str (e, "uuid", f->uuid);
  }
  if (os->nr_drive_mappings > 0) {
    if ((a = json_list (o, "drive_mappings")) == NULL)
      return -1;
    for (size_t i = 0; i < os->nr_drive_mappings; ++i) {
      if ((e = json_item (a)) == NULL)
        return -1;
      r |= json_str (e, "name", os->drive_mappings[i].name);
      r |= json_str (e, "dev", os->drive_mappings[i].device);
    }
  }
  if (os->have_applications) {
    if ((a = json_list (o, "applications")) == NULL)
      return -1;
    for (size_t i = 0; i < os->nr_applications; ++i) {
      const struct gc_inspect_app *p = &os->applications[i];
      if ((e = json_item (a)) == NULL)
        return -1;
      r |= json_str (e, "name", p->name);
      r |= json_str (e, "display_name", p->display_name);
      if (p->epoch > 0)
        r |= json_num (e, "epoch", p->epoch);
      r |= json_str (e, "version", p->version);
      r |= json_str (e, "release", p->release);
      r |= json_str (e, "arch", p->arch);
      r |= json_str (e, "install_path", p->install_path);
      r |= json_str (e, "publisher", p->publisher);
      r |= json_str (e, "url", p->url);
      r |= json_str (e, "source_package", p->source_package);
      r |= json_str (e, "summary", p->summary);
      r |= json_str (e, "description", p->description);
    }
  }
  return r ? -1 : 0;
}

/* --json: the object, indented; --jsonl: the same on one line, the
 * first image named first.  -1 with errno set on error. */
static int
write_json (const struct gc_inspection *insp)
{
  json_t *root = json_object ();
  int r = root ? 0 : -1;
  if (r == 0 && jsonl)
    r = gc_tool_jsonl_image (root, gc_opts.drives.ptr);
  json_t *oses = r == 0 ? json_list (root, "operatingsystems") : NULL;
  r = oses ? 0 : -1;

  for (size_t i = 0; r == 0 && i < insp->nr_oses; ++i)
    r = json_os (oses, &insp->oses[i]);
  if (r == -1) {
    json_decref (root);
    errno = ENOMEM;
    return -1;
  }
  if (jsonl)
    return gc_tool_jsonl_print (root);
  if (json_dumpf (root, stdout, JSON_INDENT (2)) == -1 ||
      putchar ('\n') == EOF)
    r = -1;
  json_decref (root);
  return r;
}

/*----------------------------------------------------------------------
 * main.
 */

static int
inspect (gc_h *g)
{
  struct gc_inspection *insp =
    gc_inspect (g, no_applications ? 0 : GC_INSPECT_APPLICATIONS);
  if (insp == NULL)
    return gc_tool_handle_error (g);

  int code = GC_EXIT_OK;
  if (insp->nr_oses == 0) {
    code = gc_tool_check_disk_images (g, gc_opts.drives.ptr,
                                      gc_opts.drives.len);
    if (code == GC_EXIT_OK) {
      gc_tool_error ("no operating system was found on the disk");
      code = GC_EXIT_NO_ROOT;
    }
  }
  else if ((json || jsonl ? write_json (insp) : write_xml (insp)) == -1
           || fflush (stdout) == EOF || ferror (stdout)) {
    if (errno == EPIPE)
      gc_tool_set_broken_pipe ();
    else
      gc_tool_error ("writing the output: %s", strerror (errno));
    code = GC_EXIT_ERROR;
  }
  gc_inspection_free (insp);
  if (gc_shutdown (g) == -1 && code == GC_EXIT_OK)
    code = gc_tool_handle_error (g);
  return code;
}

static int
launch_and_inspect (void)
{
  CLEANUP_GC_HANDLE gc_h *g = gc_tool_create_handle ();
  if (g == NULL)
    return GC_EXIT_ERROR;
  if (gc_tool_add_drives (g, true) == -1)
    return GC_EXIT_ERROR;
  if (gc_tool_launch (g) == -1)
    return GC_EXIT_LAUNCH;
  return inspect (g);
}

static int
run (int argc, char **argv)
{
  poptContext ctx = NULL;
  int code;

  if (gc_options_parse (argc, argv, options, "", &ctx, &code) == -1)
    return code;
  const char **rest = poptGetArgs (ctx);
  if (rest && rest[0]) {
    gc_tool_error ("unexpected argument '%s': disk images are given "
                   "with -a", rest[0]);
    poptFreeContext (ctx);
    return GC_EXIT_USAGE;
  }
  poptFreeContext (ctx);
  if (gc_opts.drives.len == 0) {
    return gc_tool_usage_error ("no disk image given: use -a IMAGE");
  }
  if (gc_opts.mounts.len > 0) {
    gc_tool_error ("-m is not used by virt-inspector: it finds the "
                   "filesystems itself");
    return GC_EXIT_USAGE;
  }
  if (json && jsonl)
    return gc_tool_usage_error ("--json and --jsonl cannot be used "
                                "together");

  code = launch_and_inspect ();
  /* --jsonl: a failure is a record too. */
  if (jsonl && code != GC_EXIT_OK)
    gc_tool_jsonl_failure (gc_opts.drives.ptr, gc_tool_last_error (), code);
  return code;
}

int
main (int argc, char **argv)
{
  int code = run (argc, argv);
  gc_options_free ();
  return gc_tool_exit_status (code);
}
