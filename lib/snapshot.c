/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The saved appliance state: boot once, restore many.
 *
 * The first launch that finds no saved state for its appliance, qemu
 * and machine arguments boots the appliance once with no guest drive
 * (GC_BOOT_SAVE), waits for its daemon's hello, stops the VM and saves
 * it with qemu's migration.  Its RAM is a file mapped shared, and the
 * migration capability x-ignore-shared leaves it out of the stream, so
 * the state is two files in <appliance>/snapshot-<key>/:
 *   ram    the guest's RAM (a sparse file of -m MiB, ~100 MB used)
 *   state  the migration stream: the devices' state (~200 KiB)
 * Every later launch starts a new qemu that maps ram private (copy on
 * write: the file is never written, parallel runs share its pages),
 * loads state (-incoming defer, then migrate-incoming through QMP),
 * resumes, and sends internal_restored: fresh entropy, the clock, then
 * a PCI rescan that finds the run's drives (lib/launch.c).  The state
 * never holds guest data: no guest drive is attached when it is saved.
 *
 * The key hashes the machine's whole command line as saving uses it
 * (kernel, initrd and root image paths, which name the appliance's
 * inputs, memory size, extra kernel arguments, firmware, sandbox...),
 * the stat data of the qemu binary, the kernel, the initrd, the root
 * image and the firmware, and SNAPSHOT_FORMAT.  It is made under the
 * cache's exclusive lock and renamed into place whole: a directory that
 * exists is complete.
 *
 * Anything that goes wrong means a cold boot, never an error: a launch
 * that cannot restore a state removes it and counts the failure in
 * snapshot-<key>.failed; the next launch makes it again, and a key that
 * failed twice in a row (to make or to restore) is not tried again. */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "internal.h"
#include "gc-actions.h"

/* Bump when what is saved, or how, changes. */
#define SNAPSHOT_FORMAT "gc-snapshot-1"
/* Give up on a key after this many failures in a row. */
#define MAX_FAILURES 2
/* Let the freshly booted appliance finish what its boot left running
 * in the background (deferred work, timers) before saving, rather than
 * leave it to every restored run.  (A bound, not a measured need: the
 * daemon's hello comes at the end of the boot.) */
#define SETTLE_MS 300

#define QBOOT "/usr/share/qemu/qboot.rom"

static int qmp_fd (gc_h *g, int fd, const char *cmd, int send_fd,
                   int64_t deadline_us, char **reply);

static uint64_t
hash_stat (uint64_t h, const char *path)
{
  struct stat st;
  char buf[PATH_MAX + 200];
  int len;

  if (path == NULL || stat (path, &st) == -1)
    memset (&st, 0, sizeof st);
  len = snprintf (buf, sizeof buf, "%s:%ju:%ju:%jd:%jd.%09ld;",
                  path ? path : "", (uintmax_t) st.st_dev,
                  (uintmax_t) st.st_ino, (intmax_t) st.st_size,
                  (intmax_t) st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  return gc_int_fnv1a (h, buf, len < (int) sizeof buf ? len : (int) sizeof buf);
}

/* See internal.h. */
void
gc_int_snapshot_free (struct gc_int_snapshot *snap)
{
  free (snap->dir);
  free (snap->ram);
  free (snap->state);
  free (snap->failed);
  memset (snap, 0, sizeof *snap);
}

/* The appliance's directory: the root image's. */
static char *
appliance_dir (const struct gc_appliance *ap)
{
  char *dir = strdup (ap->root), *slash;

  if (dir && (slash = strrchr (dir, '/')) != NULL)
    *slash = '\0';
  return dir;
}

/* Fill snap's paths from the key.  -1 on error (recorded). */
static int
snapshot_paths (gc_h *g, const struct gc_appliance *ap, const char *accel,
                struct gc_int_snapshot *snap)
{
  const char *qemu = g->qemu ? g->qemu : "qemu-system-x86_64";
  CLEANUP_FREE_STRINGS char **argv = NULL;
  CLEANUP_FREE char *bin = NULL, *apdir = NULL;
  uint64_t h = 0xcbf29ce484222325ULL;

  {
    /* The qemu binary as execvp would find it, links resolved. */
    CLEANUP_FREE char *found = gc_int_which (qemu);
    bin = found ? realpath (found, NULL) : NULL;
  }
  if (bin == NULL) {
    gc_int_error_errno (g, ENOENT, "%s: not found", qemu);
    return -1;
  }
  /* The command line of the save, with placeholders for what differs
   * between runs. */
  argv = gc_int_qemu_argv (g, ap, accel, "SOCKET", GC_BOOT_SAVE, "RAM");
  if (argv == NULL)
    return -1;
  h = gc_int_fnv1a (h, SNAPSHOT_FORMAT, sizeof SNAPSHOT_FORMAT);
  for (size_t i = 0; argv[i]; ++i)
    h = gc_int_fnv1a (h, argv[i], strlen (argv[i]) + 1);
  h = hash_stat (h, bin);
  h = hash_stat (h, ap->kernel);
  h = hash_stat (h, ap->initrd);
  h = hash_stat (h, ap->root);
  h = hash_stat (h, access (QBOOT, R_OK) == 0 ? QBOOT : NULL);

  apdir = appliance_dir (ap);
  if (apdir == NULL ||
      asprintf (&snap->dir, "%s/snapshot-%016" PRIx64, apdir, h) == -1 ||
      asprintf (&snap->ram, "%s/ram", snap->dir) == -1 ||
      asprintf (&snap->state, "%s/state", snap->dir) == -1 ||
      asprintf (&snap->failed, "%s.failed", snap->dir) == -1) {
    gc_int_perror (g, "snapshot: asprintf");
    return -1;
  }
  return 0;
}

/* Is the saved state there and whole?  (Cheap checks only: a state that
 * is damaged inside fails to restore, and is then discarded.) */
static bool
usable (gc_h *g, struct gc_int_snapshot *snap)
{
  struct stat st;

  if (stat (snap->ram, &st) == -1 || !S_ISREG (st.st_mode) ||
      st.st_size != (off_t) g->memsize << 20)
    return false;
  if (stat (snap->state, &st) == -1 || !S_ISREG (st.st_mode) ||
      st.st_size < 1024)
    return false;
  snap->state_dev = st.st_dev;
  snap->state_ino = st.st_ino;
  return true;
}

static int
failures (const struct gc_int_snapshot *snap)
{
  CLEANUP_FREE char *text = gc_read_whole_file (snap->failed, 64, NULL);
  return text ? atoi (text) : 0;
}

static void
count_failure (const struct gc_int_snapshot *snap)
{
  char buf[32], tmp[PATH_MAX];
  int n = failures (snap) + 1, fd;

  snprintf (tmp, sizeof tmp, "%s.%d", snap->failed, (int) getpid ());
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd == -1)
    return;
  snprintf (buf, sizeof buf, "%d\n", n);
  if (gc_write_all (fd, buf, strlen (buf)) == -1 || close (fd) == -1 ||
      rename (tmp, snap->failed) == -1)
    unlink (tmp);
}

/* Under the exclusive lock, before making a state: remove what an
 * interrupted save left (snapshot-*.tmp-*), and the states of other
 * keys (another memory size, an older qemu) not restored for a day, and
 * their failure counts a day after the last failure. */
static void
remove_stale (gc_h *g, const char *apdir, const char *keep)
{
  DIR *d = opendir (apdir);
  struct dirent *e;
  time_t now = time (NULL);

  if (d == NULL)
    return;
  while ((e = readdir (d)) != NULL) {
    char path[PATH_MAX], state[PATH_MAX + 10];
    struct stat st;

    if (!gc_str_prefix (e->d_name, "snapshot-"))
      continue;
    snprintf (path, sizeof path, "%s/%s", apdir, e->d_name);
    if (strcmp (path, keep) == 0)
      continue;
    if (strstr (e->d_name, ".failed")) {
      size_t n = strlen (keep);
      if ((strncmp (path, keep, n) != 0 || strcmp (path + n, ".failed") != 0) &&
          lstat (path, &st) == 0 && now - st.st_mtime >= 86400) {
        gc_int_debug (g, "snapshot: removing %s", path);
        unlink (path);
      }
      continue;
    }
    if (!strstr (e->d_name, ".tmp-")) {
      snprintf (state, sizeof state, "%s/state", path);
      if (stat (state, &st) == 0 &&
          (now - st.st_atime < 86400 || now - st.st_mtime < 86400))
        continue;
    }
    gc_int_debug (g, "snapshot: removing %s", path);
    gc_int_remove_flat_dir (path);
  }
  closedir (d);
}

/* The save's console and debug lines under -v, in the launching
 * handle's stream. */
static void
forward_event (gc_h *p, void *opaque, uint64_t event, const char *buf,
               size_t len, const uint64_t *array, size_t array_len)
{
  gc_h *g = opaque;

  if (event == GC_EVENT_APPLIANCE || event == GC_EVENT_LIBRARY)
    gc_int_event (g, event, buf, len, array, array_len);
}

/* Boot p (a handle of its own) with no guest drive, then save it into
 * tsnap's files through QMP.  0, or -1 with the error on p. */
static int
save (gc_h *p, const struct gc_appliance *ap, const char *accel,
      const struct gc_int_snapshot *tsnap)
{
  CLEANUP_CLOSE int qmp = -1, state = -1;
  int64_t deadline;

  if (gc_int_boot (p, ap, accel, GC_BOOT_SAVE, tsnap, &qmp) == -1)
    return -1;
  /* What every run would load, loaded once into the state. */
  if (gc_internal_presave (p) == -1)
    return -1;
  deadline = gc_int_now_us () + 60 * (int64_t) 1000000;
  poll (NULL, 0, SETTLE_MS);
  state = open (tsnap->state, O_WRONLY | O_CLOEXEC);
  if (state == -1) {
    gc_int_perror (p, "%s", tsnap->state);
    return -1;
  }
  if (gc_int_qmp_start (p, qmp, deadline) == -1 ||
      qmp_fd (p, qmp, "{\"execute\":\"getfd\",\"arguments\":"
              "{\"fdname\":\"state\"}}", state, deadline, NULL) == -1 ||
      gc_int_qmp (p, qmp, "{\"execute\":\"stop\"}", deadline, NULL) == -1 ||
      gc_int_qmp (p, qmp, "{\"execute\":\"migrate-set-capabilities\","
                  "\"arguments\":{\"capabilities\":[{\"capability\":"
                  "\"x-ignore-shared\",\"state\":true}]}}", deadline,
                  NULL) == -1 ||
      gc_int_qmp (p, qmp, "{\"execute\":\"migrate\",\"arguments\":"
                  "{\"uri\":\"fd:state\"}}", deadline, NULL) == -1 ||
      gc_int_qmp_wait_migration (p, qmp, deadline) == -1)
    return -1;
  return 0;
}

static int
fsync_file (const char *path)
{
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);
  return fd == -1 || fdatasync (fd) == -1 ? -1 : 0;
}

/* Make the state (under the exclusive lock).  0, or -1 with the reason
 * in a debug note. */
static int
make_snapshot (gc_h *g, const struct gc_appliance *ap, const char *accel,
               struct gc_int_snapshot *snap)
{
  CLEANUP_FREE char *apdir = appliance_dir (ap);
  struct gc_int_snapshot tsnap = { NULL };
  char tmp[PATH_MAX];
  int64_t t0 = gc_int_now_us ();
  gc_h *p = NULL;
  int r = -1;

  if (apdir)
    remove_stale (g, apdir, snap->dir);
  snprintf (tmp, sizeof tmp, "%s.tmp-XXXXXX", snap->dir);
  if (mkdtemp (tmp) == NULL) {
    gc_int_debug (g, "snapshot: mkdtemp %s: %s", tmp, strerror (errno));
    return -1;
  }
  if (asprintf (&tsnap.ram, "%s/ram", tmp) == -1 ||
      asprintf (&tsnap.state, "%s/state", tmp) == -1)
    goto out;

  p = gc_create ();
  if (p == NULL)
    goto out;
  free (p->qemu);
  free (p->append);
  free (p->cachedir);
  p->qemu = g->qemu ? strdup (g->qemu) : NULL;
  p->append = g->append ? strdup (g->append) : NULL;
  p->cachedir = g->cachedir ? strdup (g->cachedir) : NULL;
  if ((g->qemu && !p->qemu) || (g->append && !p->append) ||
      (g->cachedir && !p->cachedir))
    goto out;
  p->memsize = g->memsize;
  p->launch_timeout = g->launch_timeout;
  p->snapshot = 0;
  p->verbose = g->verbose;
  if (g->verbose)
    gc_set_event_callback (p, forward_event,
                           GC_EVENT_APPLIANCE | GC_EVENT_LIBRARY, g);
  gc_int_debug (g, "snapshot: saving the appliance's state in %s", snap->dir);

  if (save (p, ap, accel, &tsnap) == -1) {
    gc_int_debug (g, "snapshot: saving failed after %.1f s: %s",
                  (gc_int_now_us () - t0) / 1e6, gc_last_error (p));
    goto out;
  }
  gc_int_stop_appliance (p, 0);
  p->state = GC_STATE_CLOSED;
  if (!usable (g, &tsnap)) {
    gc_int_debug (g, "snapshot: qemu left no usable state in %s", tmp);
    goto out;
  }
  if (fsync_file (tsnap.ram) == -1 || fsync_file (tsnap.state) == -1 ||
      rename (tmp, snap->dir) == -1) {
    gc_int_debug (g, "snapshot: %s: %s", snap->dir, strerror (errno));
    goto out;
  }
  gc_int_debug (g, "snapshot: saved in %.1f s", (gc_int_now_us () - t0) / 1e6);
  r = 0;

 out:
  if (p) {
    gc_int_stop_appliance (p, 0);
    p->state = GC_STATE_CLOSED;
    gc_close (p);
  }
  if (r == -1)
    gc_int_remove_flat_dir (tmp);
  gc_int_snapshot_free (&tsnap);
  return r;
}

/* See internal.h. */
int
gc_int_snapshot_get (gc_h *g, struct gc_appliance *ap, const char *accel,
                     struct gc_int_snapshot *snap)
{
  int n;

  memset (snap, 0, sizeof *snap);
  if (!g->snapshot) {
    gc_int_debug (g, "launch: cold boot (GUESTCELL_SNAPSHOT=0)");
    return 0;
  }
  /* KVM boots in well under a second, and saving and restoring under
   * it is untested here: KVM always boots cold. */
  if (strcmp (accel, "tcg") != 0) {
    gc_int_debug (g, "launch: cold boot (the saved state is for TCG only)");
    return 0;
  }
  if (g->drives.len > GC_SNAPSHOT_MAX_DRIVES) {
    gc_int_debug (g, "launch: cold boot (%zu drives: a restored appliance "
                  "takes at most %d)", g->drives.len, GC_SNAPSHOT_MAX_DRIVES);
    return 0;
  }
  if (ap->lock_fd < 0 || snapshot_paths (g, ap, accel, snap) == -1) {
    gc_int_debug (g, "launch: cold boot (no saved state: %s)",
                  gc_last_error (g));
    goto cold;
  }
  if (usable (g, snap))
    return 1;
  if ((n = failures (snap)) >= MAX_FAILURES) {
    gc_int_debug (g, "launch: cold boot (the saved state failed %d times: "
                  "%s)", n, snap->failed);
    goto cold;
  }

  /* Make it, unless a parallel run does while we wait.  flock converts
   * the shared lock by dropping it first: no deadlock with another run
   * doing the same. */
  if (flock (ap->lock_fd, LOCK_EX) == -1) {
    gc_int_debug (g, "launch: cold boot (lock: %s)", strerror (errno));
    goto cold;
  }
  if (!usable (g, snap) && failures (snap) < MAX_FAILURES) {
    gc_int_remove_flat_dir (snap->dir);   /* a partial one, if any */
    if (make_snapshot (g, ap, accel, snap) == -1)
      count_failure (snap);
  }
  if (flock (ap->lock_fd, LOCK_SH) == -1) {
    /* The appliance may go: do not use it. */
    gc_int_debug (g, "launch: lock: %s", strerror (errno));
    goto cold;
  }
  if (usable (g, snap))
    return 1;
  gc_int_debug (g, "launch: cold boot (no saved state)");

 cold:
  free (g->last_error);
  g->last_error = NULL;
  g->last_errno = 0;
  gc_int_snapshot_free (snap);
  return 0;
}

/* See internal.h. */
void
gc_int_snapshot_discard (gc_h *g, struct gc_appliance *ap,
                         struct gc_int_snapshot *snap)
{
  if (snap->dir == NULL || ap->lock_fd < 0)
    return;
  if (flock (ap->lock_fd, LOCK_EX) == 0) {
    struct stat st;
    /* Only the state that failed: not one that a parallel run, which
     * failed too, has removed and made again meanwhile. */
    if (stat (snap->state, &st) == 0 && st.st_ino == snap->state_ino &&
        st.st_dev == snap->state_dev) {
      gc_int_debug (g, "snapshot: removing %s", snap->dir);
      gc_int_remove_flat_dir (snap->dir);
      count_failure (snap);
    }
  }
  flock (ap->lock_fd, LOCK_SH);
}

/* See internal.h. */
void
gc_int_snapshot_ok (struct gc_int_snapshot *snap)
{
  if (snap->failed)
    unlink (snap->failed);
}

/* QMP. */

/* One line from qemu's QMP socket (non-blocking), without its newline.
 * malloc'd, or NULL with an error recorded. */
static char *
qmp_line (gc_h *g, int fd, int64_t deadline)
{
  char buf[16384];

  for (;;) {
    ssize_t n = recv (fd, buf, sizeof buf, MSG_PEEK);

    if (n > 0) {
      char *nl = memchr (buf, '\n', n);
      if (nl) {
        size_t len = nl - buf + 1;
        char *line;

        if (recv (fd, buf, len, 0) != (ssize_t) len) {
          gc_int_perror (g, "qmp: recv");
          return NULL;
        }
        buf[len - 1] = '\0';
        if (len >= 2 && buf[len - 2] == '\r')
          buf[len - 2] = '\0';
        line = strdup (buf);
        if (line == NULL)
          gc_int_perror (g, "strdup");
        return line;
      }
      if (n == sizeof buf) {
        gc_int_error_errno (g, EPROTO, "qmp: a line longer than %zu bytes",
                            sizeof buf);
        return NULL;
      }
      /* The rest of the line is on its way. */
      poll (NULL, 0, 1);
    }
    else if (n == 0 || errno == ECONNRESET) {
      /* qemu exited: say how, with its last words. */
      if (!gc_int_explain_qemu_exit (g, "qmp"))
        gc_int_error_errno (g, EPIPE, "qmp: qemu closed its monitor");
      return NULL;
    }
    else if (errno != EAGAIN && errno != EINTR) {
      gc_int_perror (g, "qmp: recv");
      return NULL;
    }
    if (n <= 0 && gc_int_wait_fd (g, fd, POLLIN, deadline, "qmp") == -1)
      return NULL;
    if (n > 0 && deadline > 0 && gc_int_now_us () > deadline) {
      gc_int_error_errno (g, ETIMEDOUT, "qmp: timed out");
      return NULL;
    }
  }
}

/* The string value of "key" in a JSON line (the first one), copied into
 * buf; false if there is none.  Enough for qemu's own answers. */
static bool
json_string (const char *line, const char *key, char *buf, size_t size)
{
  char pat[64];
  const char *p;
  size_t n = 0;

  snprintf (pat, sizeof pat, "\"%s\"", key);
  p = strstr (line, pat);
  if (p == NULL)
    return false;
  p += strlen (pat);
  p += strspn (p, " \t:");
  if (*p != '"')
    return false;
  for (++p; *p && *p != '"' && n + 1 < size; ++p) {
    if (*p == '\\' && p[1])
      ++p;
    buf[n++] = *p;
  }
  buf[n] = '\0';
  return true;
}

/* See internal.h. */
int
gc_int_qmp (gc_h *g, int fd, const char *cmd, int64_t deadline_us,
            char **reply)
{
  return qmp_fd (g, fd, cmd, -1, deadline_us, reply);
}

/* gc_int_qmp, sending send_fd (if >= 0) with the command. */
static int
qmp_fd (gc_h *g, int fd, const char *cmd, int send_fd, int64_t deadline_us,
        char **reply)
{
  size_t len = strlen (cmd);
  CLEANUP_FREE char *msg = malloc (len + 2);

  if (reply)
    *reply = NULL;
  if (msg == NULL) {
    gc_int_perror (g, "malloc");
    return -1;
  }
  memcpy (msg, cmd, len);
  msg[len] = '\n';
  msg[len + 1] = '\0';
  if (gc_int_wait_fd (g, fd, POLLOUT, deadline_us, "qmp") == -1)
    return -1;
  if (send_fd >= 0) {
    /* SCM_RIGHTS: the fd for getfd rides with the command. */
    struct iovec iov = { .iov_base = msg, .iov_len = len + 1 };
    union {
      char buf[CMSG_SPACE (sizeof (int))];
      struct cmsghdr align;
    } u;
    struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1,
      .msg_control = u.buf, .msg_controllen = sizeof u.buf,
    };
    struct cmsghdr *cm = CMSG_FIRSTHDR (&mh);

    memset (&u, 0, sizeof u);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN (sizeof (int));
    memcpy (CMSG_DATA (cm), &send_fd, sizeof (int));
    if (sendmsg (fd, &mh, MSG_NOSIGNAL) != (ssize_t) len + 1) {
      gc_int_perror (g, "qmp: sendmsg");
      return -1;
    }
  }
  else if (send (fd, msg, len + 1, MSG_NOSIGNAL) != (ssize_t) len + 1) {
    gc_int_perror (g, "qmp: send");
    return -1;
  }
  for (;;) {
    char *line = qmp_line (g, fd, deadline_us);
    const char *p;

    if (line == NULL)
      return -1;
    p = line + strspn (line, " {");
    if (gc_str_prefix (p, "\"return\"")) {
      if (reply)
        *reply = line;
      else
        free (line);
      return 0;
    }
    if (gc_str_prefix (p, "\"error\"")) {
      char desc[512] = "?";
      json_string (line, "desc", desc, sizeof desc);
      gc_int_error_errno (g, EIO, "qmp: %.*s: %s",
                          (int) strcspn (cmd + 12, "\""), cmd + 12, desc);
      free (line);
      return -1;
    }
    free (line);                /* an event */
  }
}

/* See internal.h. */
int
gc_int_qmp_start (gc_h *g, int fd, int64_t deadline_us)
{
  CLEANUP_FREE char *greeting = qmp_line (g, fd, deadline_us);

  if (greeting == NULL)
    return -1;
  if (!strstr (greeting, "\"QMP\"")) {
    gc_int_error_errno (g, EPROTO, "qmp: no greeting: %.100s", greeting);
    return -1;
  }
  return gc_int_qmp (g, fd, "{\"execute\":\"qmp_capabilities\"}",
                     deadline_us, NULL);
}

/* See internal.h. */
int
gc_int_qmp_wait_migration (gc_h *g, int fd, int64_t deadline_us)
{
  for (int i = 0;; ++i) {
    CLEANUP_FREE char *reply = NULL;
    char status[64];

    if (gc_int_qmp (g, fd, "{\"execute\":\"query-migrate\"}", deadline_us,
                    &reply) == -1)
      return -1;
    if (json_string (reply, "status", status, sizeof status)) {
      if (strcmp (status, "completed") == 0)
        return 0;
      if (strcmp (status, "failed") == 0 ||
          strcmp (status, "cancelled") == 0) {
        char desc[512] = "";
        json_string (reply, "error-desc", desc, sizeof desc);
        gc_int_error_errno (g, EIO, "qmp: the migration %s%s%s", status,
                            *desc ? ": " : "", desc);
        return -1;
      }
    }
    if (deadline_us > 0 && gc_int_now_us () > deadline_us) {
      gc_int_error_errno (g, ETIMEDOUT, "qmp: the migration timed out");
      return -1;
    }
    /* A restore takes some 50 ms: poll often at first. */
    poll (NULL, 0, i < 20 ? 2 : 20);
  }
}
