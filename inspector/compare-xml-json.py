#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The XML and the JSON of virt-inspector hold the same facts: both are
# turned into the same Python structure and compared.
#
#   compare-xml-json.py OUT.xml OUT.json

import json
import sys
import xml.etree.ElementTree as ET

LISTS = {"mountpoints": "mountpoint", "filesystems": "filesystem",
         "drive_mappings": "drive_mapping", "applications": "application"}


def from_xml(path):
    oses = []
    for os_elem in ET.parse(path).getroot():
        os = {}
        for child in os_elem:
            if child.tag in LISTS:
                items = []
                for item in child:
                    d = dict(item.attrib)
                    if item.tag == "mountpoint":
                        d["mountpoint"] = item.text
                    if item.tag == "drive_mapping":
                        d["dev"] = item.text
                    for field in item:
                        d[field.tag] = field.text or ""
                    items.append(d)
                os[child.tag] = items
            else:
                os[child.tag] = child.text or ""
        oses.append(os)
    return oses


xml_facts = from_xml(sys.argv[1])
with open(sys.argv[2]) as f:
    json_facts = json.load(f)["operatingsystems"]
if xml_facts != json_facts:
    print("XML:  ", xml_facts)
    print("JSON: ", json_facts)
    sys.exit(1)
print(f"same facts: {len(xml_facts)} OS, "
      f"{sum(len(o.get('applications', [])) for o in xml_facts)} applications")
