# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# Every appliance action, described once.  generate.py derives from this
# table the wire structures (gc_protocol.x), the core's client stubs
# (gc-actions.h, gc-actions.c), the daemon's dispatch (gc-dispatch.c) and
# the list of actions in the docs (gc-actions.pod).
#
# Adding an action: append a row with a new procedure number (never reuse
# or renumber one), and write do_<name> in daemon/.
#
# Argument types:
#   String     a string (const char *)
#   OptString  a string or NULL (sent as "" for NULL)
#   Device     a device the user names (/dev/sda, /dev/sda1, /dev/VG/LV);
#              the daemon checks it and maps it to the appliance's name
#   Pathname   an absolute path inside the mounted guest
#   Key        a string that is a secret (a LUKS passphrase): never
#              shown in a trace (-x) or a debug line
#   Int, Int64, Bool
#   StringList a NULL-terminated list of strings
#   DeviceList a NULL-terminated list of Devices
#   Buffer     bytes (const char *, size_t), at most GC_STRING_MAX
#
# Return types: RVoid (int: 0 or -1), RBool (int: 1, 0 or -1),
#   RInt (int, -1 on error), RInt64 (int64_t, -1 on error),
#   RString (char *, caller frees), RStringList (char **, NULL-terminated,
#   caller frees with gc_free_strings), RBuffer (char * and size_t *,
#   caller frees), RStat (struct gc_stat *, caller frees),
#   RStatvfs (struct gc_statvfs *, caller frees).
#
# Flags:
#   FileIn    after the call the core streams a local fd to the daemon
#   FileOut   after a successful reply the daemon streams data to a
#             local fd
#   Progress  the daemon sends progress frames during the call
#   Writes    changes the disks (refused on read-only drives)

ACTIONS = [
    # proc, name, ret, [(type, name), ...], [flags], description
    (1, "ping", "RVoid", [], [],
     "Check that the daemon answers."),
    (2, "internal_shutdown", "RVoid", [], [],
     "Sync and unmount everything; the appliance powers off after the reply."),
    (3, "list_devices", "RStringList", [], [],
     "List the added disks as /dev/sda, /dev/sdb..., in the order added."),
    (4, "list_partitions", "RStringList", [], [],
     "List the partitions of every added disk (/dev/sda1...)."),
    (5, "list_filesystems", "RStringList", [], [],
     "List every device, partition and LVM logical volume holding a "
     "filesystem, as pairs of device and filesystem type."),
    (6, "vfs_type", "RString", [("Device", "device")], [],
     "The filesystem type on a device (ext4, xfs, vfat, swap...), or "
     "\"\" if none is recognised."),
    (7, "vfs_label", "RString", [("Device", "device")], [],
     "The filesystem label on a device, or \"\"."),
    (8, "vfs_uuid", "RString", [("Device", "device")], [],
     "The filesystem UUID on a device, or \"\"."),
    (9, "lvm_scan", "RStringList", [("Bool", "activate")], [],
     "Scan the disks for LVM volume groups, and activate them if asked.  "
     "Returns warnings: a volume group whose logical volumes would take "
     "the number activated past GC_LV_ACTIVATE_MAX (1,000) is left "
     "inactive, with one warning."),
    (10, "lvs", "RStringList", [], [],
     "List the LVM logical volumes as /dev/VG/LV."),
    (11, "mount", "RVoid",
     [("Device", "device"), ("String", "mountpoint"),
      ("OptString", "options"), ("OptString", "fstype"),
      ("Bool", "readonly")], [],
     "Mount a device at a path inside the guest's root (\"/\" is the "
     "root), with mount options and filesystem type if given."),
    (12, "umount_all", "RVoid", [], [],
     "Unmount every guest filesystem, deepest first."),
    (13, "download", "RVoid", [("Pathname", "path")], ["FileOut", "Progress"],
     "Stream the contents of a guest file to the caller."),
    (14, "read_file", "RBuffer", [("Pathname", "path")], [],
     "The whole contents of a small guest file (at most 2 MiB)."),
    (15, "ls", "RStringList", [("Pathname", "directory")], [],
     "The names in a guest directory, sorted, without . and .."),
    (16, "stat", "RStat", [("Pathname", "path")], [],
     "stat(2) of a guest path, following symbolic links inside the guest."),
    (17, "lstat", "RStat", [("Pathname", "path")], [],
     "lstat(2) of a guest path."),
    (18, "is_file", "RBool", [("Pathname", "path")], [],
     "True if the path is a regular file (following links)."),
    (19, "is_dir", "RBool", [("Pathname", "path")], [],
     "True if the path is a directory (following links)."),
    (20, "readlink", "RString", [("Pathname", "path")], [],
     "The target of a symbolic link."),
    (21, "realpath", "RString", [("Pathname", "path")], [],
     "The canonical path, with links resolved inside the guest's root."),
    (22, "statvfs", "RStatvfs", [("Pathname", "path")], [],
     "statvfs(2) of the filesystem holding a guest path."),
    (23, "sync", "RVoid", [], [],
     "Flush every write to the disks."),
    (24, "part_init", "RVoid", [("Device", "device"), ("String", "parttype")],
     ["Writes"],
     "Write an empty partition table, parttype \"msdos\" or \"gpt\"."),
    (25, "part_add", "RVoid",
     [("Device", "device"), ("String", "prlogex"), ("Int64", "startsect"),
      ("Int64", "endsect")], ["Writes"],
     "Add a partition from sector startsect to endsect inclusive (endsect "
     "-1: to the end of the disk); prlogex is primary, logical or "
     "extended."),
    (26, "mkfs", "RVoid",
     [("String", "fstype"), ("Device", "device"), ("OptString", "label"),
      ("OptString", "uuid")], ["Writes"],
     "Make a filesystem (ext2, ext3, ext4, xfs, btrfs, vfat, swap, ntfs) "
     "with an "
     "optional label and UUID (for ntfs: the 16 hex digits of the volume "
     "serial)."),
    (27, "pvcreate", "RVoid", [("Device", "device")], ["Writes"],
     "Make an LVM physical volume."),
    (28, "vgcreate", "RVoid", [("String", "vgname"), ("DeviceList", "pvs")],
     ["Writes"],
     "Make an LVM volume group from physical volumes."),
    (29, "lvcreate", "RVoid",
     [("String", "lvname"), ("String", "vgname"), ("Int", "mbytes")],
     ["Writes"],
     "Make an LVM logical volume of a size in MiB (0: all free space)."),
    (30, "mkdir_p", "RVoid", [("Pathname", "path")], ["Writes"],
     "Make a directory and its missing parents."),
    (31, "write", "RVoid", [("Pathname", "path"), ("Buffer", "content")],
     ["Writes"],
     "Create or replace a guest file with the given contents."),
    (32, "upload", "RVoid", [("Pathname", "path")],
     ["FileIn", "Progress", "Writes"],
     "Create or replace a guest file with data streamed from the caller."),
    (33, "ln_s", "RVoid", [("String", "target"), ("Pathname", "linkname")],
     ["Writes"],
     "Make a symbolic link."),
    (100, "mknod", "RVoid",
     [("Int", "mode"), ("Int", "devmajor"), ("Int", "devminor"),
      ("Pathname", "path")],
     ["Writes"],
     "Make a FIFO (mode S_IFIFO|perms) or a character or block device "
     "node (S_IFCHR, S_IFBLK) in the guest."),
    (34, "chmod", "RVoid", [("Int", "mode"), ("Pathname", "path")],
     ["Writes"],
     "Change the permission bits of a guest path."),
    (35, "chown", "RVoid",
     [("Int", "owner"), ("Int", "group"), ("Pathname", "path")], ["Writes"],
     "Change the owner and group of a guest path (not following links)."),
    (36, "blockdev_getsize64", "RInt64", [("Device", "device")], [],
     "The size of a device in bytes."),
    (37, "truncate_size", "RVoid", [("Pathname", "path"), ("Int64", "size")],
     ["Writes"],
     "Set a guest file's size, making a sparse file when it grows."),
    (38, "internal_test_echo", "RString", [("String", "s")], [],
     "Return the string unchanged (protocol tests)."),
    (40, "hive_values", "RStringList",
     [("Pathname", "hivefile"), ("String", "key")], [],
     "The values of a registry key (a path from the hive's root, parts "
     "separated by backslashes, matched case-insensitively), as triples "
     "of name, type number and data: REG_SZ, REG_EXPAND_SZ and REG_LINK "
     "as UTF-8, REG_DWORD and REG_QWORD in decimal, REG_MULTI_SZ as "
     "strings separated by newlines, anything else in hex."),
    (41, "hive_subkeys", "RStringList",
     [("Pathname", "hivefile"), ("String", "key")], [],
     "The names of the subkeys of a registry key, in hive order."),
    (48, "hive_subkeys_values", "RStringList",
     [("Pathname", "hivefile"), ("String", "key"), ("Int", "start"),
      ("StringList", "names")],
     [],
     "The named values of the subkeys of a registry key from the "
     "start'th, as many as fit in one reply (an Uninstall key has "
     "thousands of subkeys): first the number of subkeys and the index "
     "after the last one gone through (call again from there while it "
     "is less), then for each value found, quadruples of subkey name, "
     "value name, type number and data (as hive_values gives it, at most "
     "4096 bytes).  A subkey with more than 128 values is left out."),
    (42, "pread", "RBuffer",
     [("Pathname", "path"), ("Int", "count"), ("Int64", "offset")], [],
     "At most count bytes (at most 2 MiB) of a guest file from offset."),
    (43, "part_uuid", "RString", [("Device", "partition")], [],
     "The partition's own UUID: the GPT partition GUID, or for MBR the "
     "disk signature and partition number (\"1234abcd-02\")."),
    # --- LUKS keys (procedures 110-119) ---
    (110, "luks_open", "RString",
     [("Device", "device"), ("Key", "key"), ("Bool", "readonly")], [],
     "Open a LUKS volume with a passphrase as /dev/mapper/luks-UUID (its "
     "LUKS UUID), read-only unless told; returns that name.  A wrong "
     "passphrase fails with EACCES.  The key is never logged."),
    (102, "internal_lvm_many", "RVoid",
     [("Device", "device"), ("String", "vgname"), ("Int", "count")],
     ["Writes"],
     "For tests: make device an LVM physical volume (with a 32 MiB "
     "metadata area) holding a new volume group of 64 KiB extents with "
     "count logical volumes lv00000, lv00001... of one extent each, "
     "written by one vgcfgrestore."),
    (101, "part_check", "RStringList", [], [],
     "What is wrong with the guest disks' partition tables, one message "
     "each: partitions past the end of their disk, partitions that "
     "overlap."),
    (44, "part_offset", "RInt64", [("Device", "partition")], [],
     "The byte offset of a partition from the start of its disk."),
    (45, "mbr_set_id", "RVoid", [("Device", "device"), ("Int64", "id")],
     ["Writes"],
     "Set the 4-byte MBR disk signature (offset 440) of a whole disk "
     "with an msdos partition table."),
    # 39, rpm_packages (the whole database in one reply), is retired:
    # rpm_packages_page replaced it.
    (57, "rpm_packages_page", "RStringList",
     [("Pathname", "path"), ("Int64", "after")], [],
     "The installed packages of an rpm sqlite database, a page at a "
     "time, in the order of the keys of its Packages table from the "
     "first key greater than after (the smallest Int64: from the start), "
     "as many as fit in one reply.  First 3 strings: the key to call "
     "again with (\"\": this was the last page), the packages in this "
     "page, the unreadable ones left out; then 9 strings a package: name, epoch, version, release, "
     "arch, url, sourcerpm, summary, description (cut to 8 KiB)."),
    (50, "luks_format", "RVoid",
     [("Device", "device"), ("Key", "key"), ("OptString", "uuid")],
     ["Writes"],
     "Make a LUKS2 volume on a device with one passphrase (pbkdf2, few "
     "iterations: for test guests, not for secrets) and an optional "
     "UUID."),
    (51, "md_create", "RVoid",
     [("String", "name"), ("DeviceList", "devices"), ("String", "level"),
      ("OptString", "uuid")], ["Writes"],
     "Make an md RAID array /dev/md/NAME (metadata 1.2; level raid1) "
     "from devices, with an optional array UUID, and leave it running; "
     "name \"HOST:NAME\" stores that name in the superblock (else "
     "\"any:NAME\")."),
    (52, "md_stop_all", "RVoid", [], [],
     "Stop every running md array."),
    (53, "md_assemble", "RVoid", [], [],
     "Start every md array whose members are on the guest's disks "
     "(arrays missing members are left alone)."),
    (54, "md_list", "RStringList", [], [],
     "The running md arrays: /dev/md/NAME where mdadm made that link, "
     "else /dev/mdN."),
    (46, "part_set_mbr_id", "RVoid",
     [("Device", "device"), ("Int", "partnum"), ("Int", "idbyte")],
     ["Writes"],
     "Set the type byte (0x07 NTFS, 0x83 Linux...) of primary partition "
     "partnum (1-4) in a disk's MBR."),
    (47, "part_set_bootable", "RVoid",
     [("Device", "device"), ("Int", "partnum"), ("Bool", "bootable")],
     ["Writes"],
     "Set or clear the active (boot) flag of primary partition partnum "
     "(1-4) in a disk's MBR."),
    # GPT partition names (make-guest's part-set-name).
    (90, "part_set_name", "RVoid",
     [("Device", "device"), ("Int", "partnum"), ("String", "name")],
     ["Writes"],
     "Set the name (GPT partition label) of partition partnum of a "
     "GPT disk: 1 to 36 printable ASCII characters, no blanks or quotes."),

    (55, "part_name", "RString", [("Device", "partition")], [],
     "The partition's name (GPT partition label), or \"\"."),
    (80, "btrfs_subvolume_list", "RStringList", [("Device", "device")], [],
     "The subvolumes of the btrfs filesystem on a device (the top level "
     "itself left out), as triples of id, flags and path from the top "
     "level (\"root\", \"@/.snapshots/1/snapshot\"), sorted by id; "
     "flags is a comma-separated list of default (the default "
     "subvolume: if none has it, the top level is), readonly and "
     "snapshot (made as a snapshot of another subvolume).  At most "
     "4096 subvolumes."),
    (81, "btrfs_subvolume_create", "RVoid", [("Pathname", "path")],
     ["Writes"],
     "Make a btrfs subvolume at a new guest path."),
    (82, "btrfs_subvolume_snapshot", "RVoid",
     [("Pathname", "source"), ("Pathname", "dest"), ("Bool", "readonly")],
     ["Writes"],
     "Make a snapshot of the btrfs subvolume at source as a new "
     "subvolume at dest, read-only if asked."),
    (83, "btrfs_subvolume_set_default", "RVoid", [("Pathname", "path")],
     ["Writes"],
     "Make the btrfs subvolume at a guest path the default one (what a "
     "mount without subvol= or subvolid= mounts)."),

    (56, "fs_check", "RStringList", [("Device", "device")], [],
     "Check the (unmounted) filesystem on a device with its own tool, "
     "read-only, repairing nothing: e2fsck -fn, xfs_repair -n, btrfs "
     "check --readonly, ntfsfix -n or fsck.fat -n.  Returns the "
     "checker's exit status (0: clean) and its output (at most 64 "
     "KiB); a swap area is \"0\" and \"\"."),

    # --- LUKS keys (procedures 110-119) ---

    # --- tree copy: virt-copy-in, virt-copy-out (procedures 120-129) ---
    (120, "copy_in", "RVoid", [("Pathname", "directory")],
     ["FileIn", "Writes"],
     "Extract a tree stream (common/utils/treestream.h) from the caller "
     "below an existing guest directory: every entry with the stream's "
     "owner, mode and times, device nodes and setuid bits included; "
     "regular files are linked into place only when whole and synced "
     "(after a crash a file is absent or whole).  Existing directories "
     "are entered and keep their own metadata; other existing entries of "
     "the same name are replaced."),
    (121, "copy_out", "RVoid", [("StringList", "paths"), ("Bool", "measure")],
     ["FileOut", "Progress"],
     "Stream guest paths to the caller as one tree stream: each path's "
     "last component as an entry of the stream's root (not followed if "
     "it is a symbolic link), and for a path that is \"/\" or ends in "
     "\"/.\" the directory's contents.  Sockets are skipped with a "
     "warning in the stream.  With measure, the data's total size is "
     "found first, for the progress frames."),

    # --- file replacement: virt-edit (procedures 130-139) ---
    (130, "replace", "RVoid",
     [("Pathname", "path"), ("OptString", "backup_suffix"),
      ("Int64", "size")],
     ["FileIn", "Progress", "Writes"],
     "Replace the contents of an existing regular guest file (a symbolic "
     "link is followed inside the guest and stays a link) with the "
     "size bytes streamed from the caller (size -1: not known; another "
     "count is an error), so that the guest holds at every instant the "
     "whole old file or the whole new one: the data goes to a temporary "
     "file in the same directory, which gets the original's owner, "
     "group, mode (setuid and setgid included) and extended attributes "
     "(SELinux label, POSIX ACLs, file capabilities...), is synced and "
     "renamed over the original; then the directory is synced.  The "
     "new file's times are those of the replacement (modified now).  "
     "With backup_suffix, the original is kept as its name followed by "
     "the suffix (a hard link, or a copy where the filesystem has none; "
     "an existing backup is replaced).  On any error the original is "
     "untouched and no temporary file is left."),
    (133, "remount_rw", "RVoid", [("Pathname", "path")], ["Writes"],
     "Make the filesystem holding a guest path (following links) "
     "writable, if it is mounted read-only: remounted read-write (an "
     "NTFS filesystem, which ntfs-3g cannot remount, is unmounted and "
     "mounted again read-write).  A tool that may write mounts "
     "read-only first and calls this only before it writes (see "
     "mount_ro_devices)."),
    (134, "mount_ro_devices", "RVoid", [("Bool", "enable")], [],
     "From now on (enable true), a read-only mount makes its device "
     "read-only first (BLKROSET), so that nothing at all is written "
     "through it: xfs writes its log and superblock at the unmount of a "
     "read-only mount, ext4 cleans up orphans.  A filesystem whose "
     "journal needs replaying is mounted with its device writable, as "
     "it must be.  remount_rw and read-write mounts make the device "
     "writable again.  For a tool that may write (virt-edit): it mounts "
     "read-only first, so that a run that changes nothing leaves the "
     "image as it was."),
    (131, "getxattrs", "RStringList", [("Pathname", "path")], [],
     "The extended attributes of a guest path (following links), as "
     "pairs of name and value, sorted by name; each value is its bytes "
     "in hex after \"0x\" (as getfattr -e hex prints it)."),
    (132, "setxattr", "RVoid",
     [("Pathname", "path"), ("String", "name"), ("Buffer", "value")],
     ["Writes"],
     "Set an extended attribute of a guest path (following links): an "
     "SELinux label (security.selinux), a POSIX ACL in the kernel's "
     "binary form (system.posix_acl_access), file capabilities "
     "(security.capability), user.*..."),

    # --- virt-resize (procedures 140-159) ---
    (140, "resize_layout", "RStringList", [("Device", "disk")], [],
     "The partition table of a whole disk, as virt-resize plans with it.  "
     "Six strings about the disk: the table type (dos or gpt), the disk's "
     "size, the byte where the boot loader area begins (after the primary "
     "table), the first byte a partition may use, the bytes the backup GPT "
     "takes at the end (0 for dos) and the number of entries of the table; "
     "then seven for each partition, sorted by start: its number, its kind "
     "(primary, extended or logical), its start and size in bytes, its "
     "type (dos: the type byte, 0xHH; gpt: the type GUID), its flags in "
     "hex (dos: the status byte; gpt: the attribute bits) and the blkid "
     "TYPE of its content (\"\" if none).  Sizes in bytes; 512-byte "
     "sectors only.  A GPT whose primary header is damaged is read from "
     "its backup."),
    (141, "resize_fs_size", "RInt64", [("Device", "device")], [],
     "The bytes the content of a partition or LV needs from its start, "
     "as its own structures say: an ext2/3/4 filesystem's blocks "
     "(dumpe2fs), an xfs or btrfs filesystem's size (xfs_db, btrfs "
     "inspect-internal), an NTFS volume and its backup boot sector, an "
     "LVM physical volume's recorded size; 0 for a swap area (virt-resize "
     "recreates it).  Fails with ENOTSUP for any other content."),
    (142, "resize_write_table", "RStringList",
     [("Device", "source"), ("Device", "dest"), ("StringList", "partitions"),
      ("Bool", "bootcode")], ["Writes"],
     "Write on the whole disk dest the partition table of the whole disk "
     "source with its partitions moved, resized, renumbered or added: "
     "each string is OUT:SRC:START:SECTORS (partition SRC of source "
     "becomes partition OUT of dest, from sector START for SECTORS "
     "sectors; SRC 0: a new empty Linux data partition).  Everything else "
     "of an entry is copied byte for byte (dos: status and type bytes; "
     "gpt: type and partition GUIDs, attributes, name), and so are the "
     "MBR disk signature and the GPT disk GUID; the boot code of sector 0 "
     "if bootcode is true (else zeros).  A GPT gets its backup at dest's "
     "end.  Logical partitions are not listed: they travel inside their "
     "extended partition's bytes.  The table is written inert: the MBR's "
     "0x55AA and the GPT headers' \"EFI PART\" signatures are left "
     "zero, so nothing sees a partition until virt-resize writes them once "
     "the partitions' contents are copied.  Returns warnings."),
    (143, "resize_content", "RString",
     [("Device", "device"), ("Bool", "ntfsforce")], ["Writes"],
     "Grow the content of a partition or LV to fill it, with its own "
     "tool: ext2/3/4 (e2fsck -f -p, then resize2fs), xfs (mounted, "
     "xfs_growfs), btrfs (mounted, btrfs filesystem resize max), NTFS "
     "(ntfsresize, with --force if ntfsforce), swap (mkswap keeping its "
     "UUID and label), an LVM physical volume (pvresize).  Returns the "
     "method used, or \"\" for content it cannot grow (nothing done)."),
    (144, "resize_lv_expand", "RBool", [("Device", "lv")], ["Writes"],
     "Grow an LVM logical volume (/dev/VG/LV) over all the free space of "
     "its volume group (lvextend -l +100%FREE); false if there was none."),
    (145, "part_verify", "RStringList", [("Device", "disk")], [],
     "Check a whole disk's partition table with an independent tool, "
     "changing nothing: sgdisk -v for GPT, sfdisk --verify for MBR.  "
     "Returns the tool's exit status (0: valid) and its output."),
    (146, "internal_resize2fs", "RVoid",
     [("Device", "device"), ("Int64", "size")], ["Writes"],
     "For tests: check an ext2/3/4 filesystem (e2fsck -f -y) and resize "
     "it to size bytes (resize2fs), to make a partition larger than its "
     "filesystem."),
    (147, "part_set_gpt_type", "RVoid",
     [("Device", "device"), ("Int", "partnum"), ("String", "guid")],
     ["Writes"],
     "Set the type GUID of partition partnum of a GPT disk (sgdisk)."),
    (148, "part_set_gpt_guid", "RVoid",
     [("Device", "device"), ("Int", "partnum"), ("String", "guid")],
     ["Writes"],
     "Set the unique GUID of partition partnum of a GPT disk (sgdisk)."),
    (149, "part_set_gpt_attributes", "RVoid",
     [("Device", "device"), ("Int", "partnum"), ("Int64", "attributes")],
     ["Writes"],
     "Set the 64 attribute bits of partition partnum of a GPT disk "
     "(sgdisk)."),
    (150, "part_set_disk_guid", "RVoid",
     [("Device", "device"), ("String", "guid")], ["Writes"],
     "Set the disk GUID of a GPT disk (sgdisk)."),

    # --- fast launch (procedures 160-169) ---
    (160, "internal_restored", "RVoid",
     [("Buffer", "seed"), ("Int64", "sec"), ("Int", "nsec"),
      ("Bool", "verbose")], [],
     "Sent once, first, to an appliance restored from the saved state: "
     "mix the seed (fresh host entropy) into the kernel's random pool and "
     "reseed its CRNG (RNDADDENTROPY, RNDRESEEDCRNG), set the clock to "
     "the host's (sec, nsec), turn the debug messages on if verbose, and "
     "only then look for the run's disks (a PCI rescan)."),
    (161, "internal_test_urandom", "RBuffer", [("Int", "count")], [],
     "For tests: count bytes (1 to 4096) read from the appliance's own "
     "/dev/urandom."),
    (162, "internal_presave", "RVoid", [], [],
     "Sent to the appliance whose state is about to be saved (it has no "
     "guest disk): load the kernel modules that runs commonly need "
     "(device-mapper, md, dm-crypt and its ciphers, FUSE, the xfs, btrfs "
     "and vfat filesystems) and read the lvm binary and its libraries "
     "once, so that every restored run finds them loaded and cached."),
    (163, "internal_test_lvm_tables", "RStringList", [("Bool", "with_lvm")],
     [], "For tests: deactivate every LVM volume (vgchange -an), activate "
     "them again with lvm's vgchange -ay (with_lvm) or without lvm as "
     "lvm_scan does (an error saying why if it cannot), and return the "
     "device-mapper table of each active LVM volume, one line each: "
     "NAME UUID ro|rw /dev/VG/LV->LINK then START LEN TYPE PARAMS per "
     "target, separated by ';', sorted."),
    (164, "internal_test_lvm", "RString", [("StringList", "words")], [],
     "For tests: run lvm with these arguments under the daemon's lvm "
     "configuration (they name no guest device: volume groups and "
     "volumes only) and return what it printed."),

]
