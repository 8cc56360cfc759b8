/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctrcap's privilege model, the one dumpcap uses: Wireshark and the extcap
 * run unprivileged, ctrcap is the only privileged program. It is installed
 * root:ctrcap 0750 with file capabilities (see docs/security.md), or run by
 * root. It notes who invoked it, checks that it has what capture needs, and
 * once its BPF programs are attached keeps only the capabilities that
 * attaching to later namespaces and interfaces needs. Output files opened
 * with ctrcap_priv_open_output() get the invoking user's rights only.
 *
 * Capabilities are per thread: call ctrcap_priv_init() in main() once the
 * options are parsed (before any file or namespace is touched; -r skips it
 * and calls ctrcap_priv_drop_all()) and ctrcap_priv_drop() before starting any thread (the resolver's worker
 * included); threads created afterwards inherit the reduced set.
 * ctrcap_priv_drop() refuses when the process already has several threads.
 */
#ifndef CTRCAP_PRIVILEGE_H
#define CTRCAP_PRIVILEGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * -Z USER (a name, or a uid the password database knows): act as USER from
 * ctrcap_priv_init() (or ctrcap_priv_drop_all()) on: its uid, gid and
 * groups, keeping the capabilities; files are created and -- COMMAND runs
 * as USER. Only root may name another user; naming oneself changes
 * nothing. Call before ctrcap_priv_init(). Returns 0, or -1 with the
 * reason in err.
 */
int ctrcap_priv_set_user(const char *user, char *err, size_t errlen);

/*
 * Note the invoking user (real uid/gid), check that the capabilities
 * capture needs are permitted, and refuse clearly otherwise (the message
 * names the missing capabilities and how to get them). Keeps only those
 * capabilities (a root start loses the rest, from the bounding set too); a
 * setuid-root start becomes the invoking user here, keeping them.
 * Returns 0 or -1.
 */
int ctrcap_priv_init(char *err, size_t errlen);

/*
 * Drop every capability not needed to attach to namespaces and interfaces
 * that appear later, empty the inheritable and ambient sets, forbid new
 * privileges (so no exec can regain any). Call after
 * the BPF programs are loaded and attached, before threads are started.
 * Returns 0 or -1.
 */
int ctrcap_priv_drop(char *err, size_t errlen);

/*
 * Declare, before ctrcap_priv_drop(), that capture stays on the interfaces
 * already attached (no -i any): no namespace will be entered later, so the
 * drop removes cap_sys_admin and cap_net_admin as well.
 */
void ctrcap_priv_no_new_netns(void);

/*
 * For modes that need no privilege (-r; --help and --version touch nothing): become the
 * invoking user with no capability at all, before touching any file.
 * Works with or without ctrcap_priv_init(). Returns 0 or -1.
 */
int ctrcap_priv_drop_all(char *err, size_t errlen);

/*
 * Open (create) an output file as the invoking user with no capability
 * effective, refusing a symlink on the way that neither that user nor root
 * owns, and another user's file in a sticky shared directory (before
 * O_TRUNC takes effect: a refused file keeps its contents). flags are
 * open(2) flags; O_NOCTTY and O_CLOEXEC are added.
 * Returns the fd, or -1 with the path and reason in err.
 */
int ctrcap_priv_open_output(const char *path, int flags, mode_t mode, char *err, size_t errlen);

/*
 * Open path for reading (-F FILE) as the user ctrcap acts as, with no
 * capability effective: it reads only what that user may read. Returns the
 * fd, or -1 with the path and reason in err.
 */
int ctrcap_priv_open_input(const char *path, char *err, size_t errlen);

/*
 * Open directory path for the *_at functions below, walked as
 * ctrcap_priv_open_output() walks, its last component opened with
 * O_DIRECTORY|O_NOFOLLOW (a symlink there is followed only when that user
 * or root owns it). Rotation opens the -w directory once with this, so a
 * directory swapped for a symlink later cannot redirect any file. Returns
 * an O_PATH fd, or -1 with the path and reason in err.
 */
int ctrcap_priv_open_dir(const char *path, char *err, size_t errlen);

/*
 * Open (create) name, one component without '/', in dirfd as the user
 * ctrcap acts as, with no capability effective, never through a symlink.
 * An existing file in a sticky directory that others may write must be
 * that user's or the directory owner's (the kernel's protected_regular
 * rule, for every open); O_TRUNC is applied only after that check.
 * Returns the fd, or -1 with name and reason in err.
 */
int ctrcap_priv_open_at(int dirfd, const char *name, int flags, mode_t mode, char *err,
			size_t errlen);

/* Rename from to to, both in dirfd, as the user. Returns 0, or -1 with the reason in err. */
int ctrcap_priv_rename_at(int dirfd, const char *from, const char *to, char *err, size_t errlen);

/* Delete name in dirfd as the user. Returns 0, or -1 with the reason in err. */
int ctrcap_priv_unlink_at(int dirfd, const char *name, char *err, size_t errlen);

/* The uid and gid ctrcap acts as: the invoking user's, or -Z USER's. */
uid_t ctrcap_priv_uid(void);
gid_t ctrcap_priv_gid(void);

/* The real uid ctrcap was started with, for root-only options (also with -Z). */
uid_t ctrcap_priv_invoker_uid(void);

/* The capabilities capture needs, as setcap names them ("cap_a,cap_b"). */
const char *ctrcap_priv_needed(void);

/* The capabilities ctrcap_priv_drop() keeps at most, in the same form. */
const char *ctrcap_priv_kept(void);

/* True once ctrcap_priv_drop() has succeeded. */
bool ctrcap_priv_dropped(void);

#endif /* CTRCAP_PRIVILEGE_H */
