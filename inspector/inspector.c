/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* virt-inspector: say which operating systems a disk image holds, with
 * their versions, packaging, hostname, mount points, filesystems and
 * installed applications, as XML (the element names and structure of
 * libguestfs's virt-inspector, see virt-inspector.rng) or as JSON with
 * the same facts.  The facts come from gc_inspect (lib/inspect.c).
 */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>

#include "cleanup.h"
#include "options.h"

static int no_applications, json;

static struct poptOption inspector_options[] = {
  { "no-applications", '\0', POPT_ARG_NONE, &no_applications, 0,
    "Do not list the installed applications", NULL },
  { "json", '\0', POPT_ARG_NONE, &json, 0,
    "Print JSON instead of XML", NULL },
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
 * JSON: the same facts, the same names.
 */

static void
json_string (const char *s)
{
  putchar ('"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
    switch (*p) {
    case '"': fputs ("\\\"", stdout); break;
    case '\\': fputs ("\\\\", stdout); break;
    case '\n': fputs ("\\n", stdout); break;
    case '\t': fputs ("\\t", stdout); break;
    case '\r': fputs ("\\r", stdout); break;
    default:
      if (*p < 0x20)
        printf ("\\u%04x", *p);
      else
        putchar (*p);
    }
  }
  putchar ('"');
}

/* ,"key": "value" (nothing if value is NULL); *first says whether a
 * comma is due. */
static void
json_field (int indent, bool *first, const char *key, const char *value)
{
  if (value == NULL)
    return;
  printf ("%s\n%*s", *first ? "" : ",", indent, "");
  *first = false;
  json_string (key);
  fputs (": ", stdout);
  json_string (value);
}

static void
json_key (int indent, bool *first, const char *key)
{
  printf ("%s\n%*s", *first ? "" : ",", indent, "");
  *first = false;
  json_string (key);
  fputs (": ", stdout);
}

static void
json_os (const struct gc_inspect_os *os)
{
  bool first = true;
  char maj[32], min[32];

  snprintf (maj, sizeof maj, "%d", os->major_version < 0 ? 0 : os->major_version);
  snprintf (min, sizeof min, "%d", os->minor_version < 0 ? 0 : os->minor_version);
  fputs ("    {", stdout);
  json_field (6, &first, "root", os->root);
  json_field (6, &first, "name", os->type);
  json_field (6, &first, "arch", os->arch);
  json_field (6, &first, "distro", os->distro);
  json_field (6, &first, "product_name", os->product_name);
  json_field (6, &first, "product_variant", os->product_variant);
  json_field (6, &first, "major_version", maj);
  json_field (6, &first, "minor_version", min);
  json_field (6, &first, "windows_systemroot", os->windows_systemroot);
  json_field (6, &first, "windows_current_control_set",
              os->windows_current_control_set);
  json_field (6, &first, "package_format", os->package_format);
  json_field (6, &first, "package_management", os->package_management);
  json_field (6, &first, "hostname", os->hostname);

  json_key (6, &first, "mountpoints");
  fputs ("[", stdout);
  for (size_t i = 0; i < os->nr_mountpoints; ++i) {
    bool f2 = true;
    printf ("%s\n        {", i ? "," : "");
    json_field (10, &f2, "dev", os->mountpoints[i].device);
    json_field (10, &f2, "mountpoint", os->mountpoints[i].mountpoint);
    fputs ("\n        }", stdout);
  }
  fputs ("\n      ]", stdout);

  json_key (6, &first, "filesystems");
  fputs ("[", stdout);
  for (size_t i = 0; i < os->nr_filesystems; ++i) {
    const struct gc_inspect_filesystem *f = &os->filesystems[i];
    bool f2 = true;
    printf ("%s\n        {", i ? "," : "");
    json_field (10, &f2, "dev", f->device);
    json_field (10, &f2, "type", f->type);
    json_field (10, &f2, "label", f->label);
    json_field (10, &f2, "uuid", f->uuid);
    fputs ("\n        }", stdout);
  }
  fputs ("\n      ]", stdout);

  if (os->nr_drive_mappings > 0) {
    json_key (6, &first, "drive_mappings");
    fputs ("[", stdout);
    for (size_t i = 0; i < os->nr_drive_mappings; ++i) {
      bool f2 = true;
      printf ("%s\n        {", i ? "," : "");
      json_field (10, &f2, "name", os->drive_mappings[i].name);
      json_field (10, &f2, "dev", os->drive_mappings[i].device);
      fputs ("\n        }", stdout);
    }
    fputs ("\n      ]", stdout);
  }

  if (os->have_applications) {
    json_key (6, &first, "applications");
    fputs ("[", stdout);
    for (size_t i = 0; i < os->nr_applications; ++i) {
      const struct gc_inspect_app *a = &os->applications[i];
      bool f2 = true;
      char epoch[32];
      snprintf (epoch, sizeof epoch, "%d", a->epoch);
      printf ("%s\n        {", i ? "," : "");
      json_field (10, &f2, "name", a->name);
      json_field (10, &f2, "display_name", a->display_name);
      json_field (10, &f2, "epoch", a->epoch > 0 ? epoch : NULL);
      json_field (10, &f2, "version", a->version);
      json_field (10, &f2, "release", a->release);
      json_field (10, &f2, "arch", a->arch);
      json_field (10, &f2, "install_path", a->install_path);
      json_field (10, &f2, "publisher", a->publisher);
      json_field (10, &f2, "url", a->url);
      json_field (10, &f2, "source_package", a->source_package);
      json_field (10, &f2, "summary", a->summary);
      json_field (10, &f2, "description", a->description);
      fputs ("\n        }", stdout);
    }
    fputs ("\n      ]", stdout);
  }
  fputs ("\n    }", stdout);
}

static int
write_json (const struct gc_inspection *insp)
{
  fputs ("{\n  \"operatingsystems\": [\n", stdout);
  for (size_t i = 0; i < insp->nr_oses; ++i) {
    json_os (&insp->oses[i]);
    fputs (i + 1 < insp->nr_oses ? ",\n" : "\n", stdout);
  }
  fputs ("  ]\n}\n", stdout);
  return 0;
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
  else if ((json ? write_json (insp) : write_xml (insp)) == -1
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

  CLEANUP_GC_HANDLE gc_h *g = gc_tool_create_handle ();
  if (g == NULL)
    return GC_EXIT_ERROR;
  if (gc_tool_add_drives (g, true) == -1)
    return GC_EXIT_ERROR;
  if (gc_tool_launch (g) == -1)
    return GC_EXIT_LAUNCH;
  return inspect (g);
}

int
main (int argc, char **argv)
{
  int code = run (argc, argv);
  gc_options_free ();
  return gc_tool_exit_status (code);
}
