// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctrcap's privilege handling (see privilege.h and docs/security.md).
 * Raw capget/capset/prctl rather than libcap: ctrcap links nothing extra
 * for it and the sets involved are small fixed masks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctrcap/errbuf.h"
#include "privilege.h"

#define CAPBIT(c) (1ull << (c))

/*
 * Measured on kernel 6.18 (docs/security.md, "How the set was found"):
 * cap_sys_admin loads and attaches every program (the kernel accepts it for
 * cap_bpf, cap_perfmon and tcx's cap_net_admin) and enters other network
 * namespaces (setns); cap_sys_ptrace opens /proc/<pid>/ns/net, exe and fd
 * of other users' processes; cap_dac_read_search reads the container
 * runtimes' root-only state (/var/lib/docker/containers/...).
 */
static const uint64_t priv_need = CAPBIT(CAP_DAC_READ_SEARCH) | CAPBIT(CAP_SYS_PTRACE) |
				  CAPBIT(CAP_SYS_ADMIN);

/*
 * Kept when already permitted (a root start), never required: classic tc
 * attach, the fallback on kernels without tcx (before 6.6), needs
 * cap_net_admin itself.
 */
static const uint64_t priv_optional = CAPBIT(CAP_NET_ADMIN);

/*
 * What stays after the programs are attached. Capture on "any" follows
 * namespaces, interfaces, processes and containers that appear later, so
 * it keeps all of the above. Capture on fixed interfaces enters no new
 * namespace: cap_sys_admin and cap_net_admin go (ctrcap_priv_no_new_netns()).
 */
static const uint64_t priv_keep_fixed = CAPBIT(CAP_DAC_READ_SEARCH) | CAPBIT(CAP_SYS_PTRACE);

static const char *const cap_names[] = {
	[CAP_CHOWN] = "cap_chown",
	[CAP_DAC_OVERRIDE] = "cap_dac_override",
	[CAP_DAC_READ_SEARCH] = "cap_dac_read_search",
	[CAP_FOWNER] = "cap_fowner",
	[CAP_SETGID] = "cap_setgid",
	[CAP_SETUID] = "cap_setuid",
	[CAP_SETPCAP] = "cap_setpcap",
	[CAP_NET_ADMIN] = "cap_net_admin",
	[CAP_NET_RAW] = "cap_net_raw",
	[CAP_SYS_PTRACE] = "cap_sys_ptrace",
	[CAP_SYS_ADMIN] = "cap_sys_admin",
	[CAP_SYS_RESOURCE] = "cap_sys_resource",
	[CAP_PERFMON] = "cap_perfmon",
	[CAP_BPF] = "cap_bpf",
};

static struct {
	bool inited, dropped, no_new_netns;
	uid_t uid;		/* the user ctrcap acts as: the invoker, or -Z USER */
	gid_t gid;
	uid_t invoker;		/* the real uid ctrcap was started with */
	bool run_as;		/* -Z: uid/gid/user come from the password database */
	uid_t run_uid;
	gid_t run_gid;
	char run_user[256];
} priv;

struct capsets {
	uint64_t eff, prm, inh;
};

static int caps_get(struct capsets *c)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &hdr, d))
		return -1;
	c->eff = d[0].effective | (uint64_t)d[1].effective << 32;
	c->prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	c->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int caps_set(const struct capsets *c)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)c->eff, (uint32_t)c->prm, (uint32_t)c->inh },
		{ (uint32_t)(c->eff >> 32), (uint32_t)(c->prm >> 32), (uint32_t)(c->inh >> 32) },
	};

	return syscall(SYS_capset, &hdr, d) ? -1 : 0;
}

/* "cap_bpf, cap_perfmon" for the bits of mask, into buf. */
static const char *cap_list_sep(uint64_t mask, char *buf, size_t len, const char *sep)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned c = 0; c < 64 && off < len; c++) {
		const char *n;
		char num[16];

		if (!(mask & CAPBIT(c)))
			continue;
		n = c < sizeof(cap_names) / sizeof(cap_names[0]) ? cap_names[c] : NULL;
		if (!n) {
			snprintf(num, sizeof(num), "cap_%u", c);
			n = num;
		}
		off += snprintf(buf + off, len - off, "%s%s", off ? sep : "", n);
	}
	return buf;
}

static const char *cap_list(uint64_t mask, char *buf, size_t len)
{
	return cap_list_sep(mask, buf, len, ", ");
}

static int thread_count(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	}
	fclose(f);
	return n;
}

/* Note who started ctrcap and whom it acts as (-Z USER, else the invoker). */
static void note_users(void)
{
	priv.invoker = getuid();
	priv.uid = priv.run_as ? priv.run_uid : getuid();
	priv.gid = priv.run_as ? priv.run_gid : getgid();
	priv.inited = true;
}

int ctrcap_priv_set_user(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;
	char *end;

	errno = 0;
	pw = getpwnam(user);
	if (!pw && *user >= '0' && *user <= '9') {
		unsigned long id = strtoul(user, &end, 10);

		if (!*end && id < (uid_t)-1)
			pw = getpwuid((uid_t)id);
	}
	if (!pw) {
		/* getpwnam(3): these mean "not found" too, depending on the NSS module. */
		if (errno && errno != ENOENT && errno != ESRCH && errno != EBADF && errno != EPERM)
			ctrcap_errf(err, errlen, "-Z %s: cannot look up the user: %s", user,
				    strerror(errno));
		else
			ctrcap_errf(err, errlen, "-Z %s: no such user", user);
		return -1;
	}
	/* Switching users takes cap_setuid, which only a root start has (and drops). */
	if (getuid() != 0) {
		if (pw->pw_uid != getuid()) {
			ctrcap_errf(err, errlen,
				    "-Z %s: only root can capture as another user (you are uid %u)",
				    user, (unsigned)getuid());
			return -1;
		}
		/* Naming oneself changes nothing, not even the group. */
		return 0;
	}
	if (strlen(pw->pw_name) >= sizeof(priv.run_user)) {
		ctrcap_errf(err, errlen, "-Z %s: user name too long", user);
		return -1;
	}
	strcpy(priv.run_user, pw->pw_name);
	priv.run_uid = pw->pw_uid;
	priv.run_gid = pw->pw_gid;
	priv.run_as = true;
	return 0;
}

/*
 * Become the user ctrcap acts as, keeping the capabilities: the invoker
 * when started setuid root, USER with -Z (its groups too).
 */
static int become_invoker(char *err, size_t errlen)
{
	/* -Z (set only for a root start) also sheds root's supplementary groups. */
	if (priv.run_as && initgroups(priv.run_user, priv.run_gid)) {
		ctrcap_errf(err, errlen, "-Z %s: cannot set its groups: %s", priv.run_user,
			    strerror(errno));
		return -1;
	}
	if (geteuid() == priv.uid && getegid() == priv.gid && getuid() == priv.uid &&
	    getgid() == priv.gid)
		return 0;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)) {
		ctrcap_errf(err, errlen, "prctl(PR_SET_KEEPCAPS): %s", strerror(errno));
		return -1;
	}
	/* glibc applies set*id to every thread, unlike capset. */
	if (setresgid(priv.gid, priv.gid, priv.gid) || setresuid(priv.uid, priv.uid, priv.uid)) {
		ctrcap_errf(err, errlen, "cannot switch to uid %u gid %u: %s", (unsigned)priv.uid,
		       (unsigned)priv.gid, strerror(errno));
		return -1;
	}
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return 0;
}

/* Reduce c to the permitted set keep, all of it effective, none inheritable. */
static int caps_reduce(struct capsets *c, uint64_t keep, char *err, size_t errlen)
{
	char names[512];

	c->prm &= keep;
	c->eff = c->prm;
	c->inh = 0;
	if (caps_set(c)) {
		ctrcap_errf(err, errlen, "cannot reduce the capabilities to %s: %s",
			    cap_list(c->prm, names, sizeof(names)), strerror(errno));
		return -1;
	}
	return 0;
}

int ctrcap_priv_init(char *err, size_t errlen)
{
	struct capsets c;
	uint64_t missing;
	char names[512];

	note_users();
	priv.dropped = false;

	if (caps_get(&c)) {
		ctrcap_errf(err, errlen, "cannot read the process capabilities: %s", strerror(errno));
		return -1;
	}
	missing = priv_need & ~c.prm;
	if (missing) {
		ctrcap_errf(err, errlen,
		       "capture needs %s, which uid %u does not have: run ctrcap as root, or "
		       "install it with file capabilities (scripts/install-privileged) and be a "
		       "member of group ctrcap",
		       cap_list(missing, names, sizeof(names)), (unsigned)priv.invoker);
		return -1;
	}
	/*
	 * The bounding set needs cap_setpcap, which only a root start has and
	 * which is not kept: reduce it here, once.
	 */
	if (c.eff & CAPBIT(CAP_SETPCAP)) {
		for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
			if ((priv_need | priv_optional) & CAPBIT(cap))
				continue;
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL) {
				ctrcap_errf(err, errlen, "cannot drop %s from the bounding set: %s",
				       cap_list(CAPBIT(cap), names, sizeof(names)),
				       strerror(errno));
				return -1;
			}
		}
	}
	/* Started setuid root: become the invoker now, keeping the capabilities. */
	if (become_invoker(err, errlen))
		return -1;
	/* Keep only what capture needs, effective from now on. */
	if (caps_reduce(&c, priv_need | priv_optional, err, errlen))
		return -1;
	return 0;
}

void ctrcap_priv_no_new_netns(void)
{
	priv.no_new_netns = true;
}

int ctrcap_priv_drop_all(char *err, size_t errlen)
{
	struct capsets c = { 0, 0, 0 };

	if (!priv.inited)
		note_users();
	if (become_invoker(err, errlen))
		return -1;
	if (caps_set(&c)) {
		ctrcap_errf(err, errlen, "cannot drop all capabilities: %s", strerror(errno));
		return -1;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		ctrcap_errf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -1;
	}
	priv.dropped = true;
	return 0;
}

int ctrcap_priv_drop(char *err, size_t errlen)
{
	struct capsets c;
	char names[512];
	uint64_t keep;
	int threads;

	if (!priv.inited) {
		ctrcap_errf(err, errlen, "ctrcap_priv_drop() called before ctrcap_priv_init()");
		return -1;
	}
	/*
	 * A thread just joined still counts in /proc until the kernel has
	 * released it: pthread_join returns when its tid is cleared, a little
	 * before (seen on a slow, emulated guest). Give it up to 200 ms.
	 */
	for (int i = 0; (threads = thread_count()) != 1 && i < 200; i++)
		usleep(1000);
	if (threads != 1) {
		ctrcap_errf(err, errlen,
		       "cannot drop capabilities with %d threads running: capabilities are per "
		       "thread, drop them before starting threads",
		       threads);
		return -1;
	}
	if (caps_get(&c)) {
		ctrcap_errf(err, errlen, "cannot read the process capabilities: %s", strerror(errno));
		return -1;
	}
	keep = priv.no_new_netns ? priv_keep_fixed : priv_need | priv_optional;
	if (caps_reduce(&c, keep, err, errlen))
		return -1;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		ctrcap_errf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -1;
	}
	if (caps_get(&c) || (c.prm & ~keep)) {
		ctrcap_errf(err, errlen, "capabilities %s are still permitted after dropping",
		       cap_list(c.prm & ~keep, names, sizeof(names)));
		return -1;
	}
	priv.dropped = true;
	return 0;
}

uid_t ctrcap_priv_uid(void)
{
	return priv.inited ? priv.uid : getuid();
}

gid_t ctrcap_priv_gid(void)
{
	return priv.inited ? priv.gid : getgid();
}

uid_t ctrcap_priv_invoker_uid(void)
{
	return priv.inited ? priv.invoker : getuid();
}

const char *ctrcap_priv_needed(void)
{
	static char buf[512];

	return cap_list_sep(priv_need, buf, sizeof(buf), ",");
}

const char *ctrcap_priv_kept(void)
{
	static char buf[512];

	return cap_list_sep(priv.no_new_netns ? priv_keep_fixed : priv_need, buf, sizeof(buf),
			    ",");
}

bool ctrcap_priv_dropped(void)
{
	return priv.dropped;
}

/* -------------------------------------------------- opening output files */

#define MAX_SYMLINKS 40

/*
 * A path walk done one component at a time with O_PATH|O_NOFOLLOW so
 * that every symlink on the way can be checked before it is followed.
 */
struct walk {
	char rest[PATH_MAX * 2]; /* components still to walk */
	int dirfd;
	int links;
};

static int walk_set_dir(struct walk *w, int fd)
{
	if (w->dirfd >= 0)
		close(w->dirfd);
	w->dirfd = fd;
	return 0;
}

/* A symlink may be followed when the invoker or root made it. */
static int check_link(const char *path, const char *comp, const struct stat *st, char *err,
		      size_t errlen)
{
	uid_t uid = ctrcap_priv_uid();

	if (st->st_uid == uid || st->st_uid == 0)
		return 0;
	ctrcap_errf(err, errlen,
	       "%s: refusing to follow symlink '%s' owned by uid %u (neither you, uid %u, nor root)",
	       path, comp, (unsigned)st->st_uid, (unsigned)uid);
	return -1;
}

/* Replace the walked symlink (open as O_PATH in lfd) by its target. */
static int splice_link(struct walk *w, int lfd, const char *path, char *err, size_t errlen)
{
	char target[PATH_MAX];
	char rest[sizeof(w->rest)];
	ssize_t n;

	if (++w->links > MAX_SYMLINKS) {
		ctrcap_errf(err, errlen, "%s: too many levels of symbolic links", path);
		return -1;
	}
	n = readlinkat(lfd, "", target, sizeof(target) - 1);
	if (n < 0) {
		ctrcap_errf(err, errlen, "%s: cannot read symlink: %s", path, strerror(errno));
		return -1;
	}
	target[n] = '\0';
	if ((size_t)snprintf(rest, sizeof(rest), "%s%s%s", target, w->rest[0] ? "/" : "",
			     w->rest) >= sizeof(rest)) {
		ctrcap_errf(err, errlen, "%s: path too long after following symlinks", path);
		return -1;
	}
	memcpy(w->rest, rest, sizeof(rest));
	if (target[0] == '/') {
		int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (root < 0) {
			ctrcap_errf(err, errlen, "%s: cannot open /: %s", path, strerror(errno));
			return -1;
		}
		walk_set_dir(w, root);
	}
	return 0;
}

/*
 * Pop the next component of w->rest into comp: 1, or 0 when none is left, or
 * -1 (ENAMETOOLONG) when it does not fit: cutting it would open another name.
 */
static int next_comp(struct walk *w, char *comp, size_t len, bool *last)
{
	char *p = w->rest, *slash;
	size_t n;

	while (*p == '/')
		p++;
	if (!*p)
		return 0;
	slash = strchr(p, '/');
	n = slash ? (size_t)(slash - p) : strlen(p);
	if (n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(comp, p, n);
	comp[n] = '\0';
	p += slash ? (size_t)(slash - p) : strlen(p);
	while (*p == '/')
		p++;
	memmove(w->rest, p, strlen(p) + 1);
	*last = w->rest[0] == '\0';
	return 1;
}

/*
 * What the kernel's fs.protected_regular does for O_CREAT, for every open:
 * in a sticky directory that others may write (/tmp), an existing file
 * must be the user's or the directory owner's. Another user may have
 * planted it to receive the capture, or it is theirs and would be lost.
 * The file's status goes into fs.
 */
static int check_sticky(const char *path, int dirfd, int fd, struct stat *fs, char *err,
			size_t errlen)
{
	struct stat ds;

	if (fstat(dirfd, &ds) || fstat(fd, fs)) {
		ctrcap_errf(err, errlen, "%s: stat: %s", path, strerror(errno));
		return -1;
	}
	if (!(ds.st_mode & S_ISVTX) || !(ds.st_mode & (S_IWGRP | S_IWOTH)))
		return 0;
	if (fs->st_uid == ctrcap_priv_uid() || fs->st_uid == ds.st_uid)
		return 0;
	ctrcap_errf(err, errlen,
		    "%s: refusing to write to a file owned by uid %u in a shared sticky directory "
		    "(owned by uid %u; you are uid %u)",
		    path, (unsigned)fs->st_uid, (unsigned)ds.st_uid, (unsigned)ctrcap_priv_uid());
	return -1;
}

/* open_final()'s return for a file it opened and then refused (message in err). */
#define OPEN_REFUSED (-2)

/*
 * Open comp in dirfd without following a symlink. O_TRUNC is applied only
 * once the file passed check_sticky(), so a refused file keeps its
 * contents. Returns the fd; -1 with errno set when the open failed (ELOOP
 * for a symlink); OPEN_REFUSED with the message, naming path, in err.
 */
static int open_final(const char *path, int dirfd, const char *comp, int flags, mode_t mode,
		      char *err, size_t errlen)
{
	struct stat fs;
	int fd = openat(dirfd, comp, (flags & ~O_TRUNC) | O_NOFOLLOW, mode);

	if (fd < 0)
		return -1;
	if (check_sticky(path, dirfd, fd, &fs, err, errlen)) {
		close(fd);
		return OPEN_REFUSED;
	}
	if ((flags & O_TRUNC) && S_ISREG(fs.st_mode) && ftruncate(fd, 0)) {
		ctrcap_errf(err, errlen, "%s: cannot truncate: %s", path, strerror(errno));
		close(fd);
		return OPEN_REFUSED;
	}
	return fd;
}

/*
 * The last component of a directory walk (want_dir): opened with
 * O_DIRECTORY|O_NOFOLLOW; 1 when that gave the fd, 0 when it is a symlink
 * or no directory (the caller's checks tell which), -1 on another error.
 */
static int open_last_dir(const char *path, int dirfd, const char *comp, int *fd, char *err,
			 size_t errlen)
{
	*fd = openat(dirfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd >= 0)
		return 1;
	if (errno == ENOTDIR || errno == ELOOP)
		return 0;
	ctrcap_errf(err, errlen, "%s: %s", path, strerror(errno));
	return -1;
}

/*
 * Walk path and open its last component: a file with flags and mode, or
 * with want_dir a directory (an O_PATH fd for the *at calls).
 */
static int walk_open(const char *path, int flags, mode_t mode, bool want_dir, char *err,
		     size_t errlen)
{
	struct walk w = { .dirfd = -1 };
	char comp[NAME_MAX + 1];
	bool last = false;
	int fd = -1, more;

	if (!path || !*path) {
		ctrcap_errf(err, errlen, "empty output path");
		return -1;
	}
	if (strlen(path) >= PATH_MAX) {
		ctrcap_errf(err, errlen, "%.64s...: path too long", path);
		return -1;
	}
	snprintf(w.rest, sizeof(w.rest), "%s", path);
	w.dirfd = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w.dirfd < 0) {
		ctrcap_errf(err, errlen, "%s: cannot open the start directory: %s", path,
		       strerror(errno));
		return -1;
	}
	while ((more = next_comp(&w, comp, sizeof(comp), &last)) > 0) {
		struct stat st;
		int cfd, r;

		if (last && want_dir) {
			r = open_last_dir(path, w.dirfd, comp, &fd, err, errlen);
			if (r)
				break;
		} else if (last) {
			fd = open_final(path, w.dirfd, comp, flags, mode, err, errlen);
			if (fd == OPEN_REFUSED) {
				fd = -1;
				break;
			}
			if (fd >= 0)
				break;
			if (errno != ELOOP) {
				ctrcap_errf(err, errlen, "%s: %s", path, strerror(errno));
				break;
			}
		}
		cfd = openat(w.dirfd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0) {
			ctrcap_errf(err, errlen, "%s: %s: %s", path, comp, strerror(errno));
			break;
		}
		if (fstat(cfd, &st)) {
			ctrcap_errf(err, errlen, "%s: %s: %s", path, comp, strerror(errno));
			close(cfd);
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			r = check_link(path, comp, &st, err, errlen);
			if (!r)
				r = splice_link(&w, cfd, path, err, errlen);
			close(cfd);
			if (r)
				break;
			continue;
		}
		if (last && (!want_dir || S_ISDIR(st.st_mode))) {
			/* The open said symlink (or no directory) but it is not: raced. */
			ctrcap_errf(err, errlen, "%s: changed while being opened", path);
			close(cfd);
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			ctrcap_errf(err, errlen, "%s: %s: %s", path, comp, strerror(ENOTDIR));
			close(cfd);
			break;
		}
		walk_set_dir(&w, cfd);
	}
	if (more < 0)
		ctrcap_errf(err, errlen, "%.64s...: a path component is longer than %d bytes: %s",
		       path, NAME_MAX, strerror(ENAMETOOLONG));
	if (want_dir && more == 0 && fd < 0 && !(err && errlen && err[0])) {
		/* Nothing left after the walk ("/", a link to "/"): where it stands. */
		fd = w.dirfd;
		w.dirfd = -1;
	}
	if (fd < 0 && !last && err && errlen && !err[0])
		ctrcap_errf(err, errlen, "%s: no file name", path);
	if (w.dirfd >= 0)
		close(w.dirfd);
	return fd;
}

/* Capabilities and fs ids saved while a file operation runs as the user. */
struct as_user {
	struct capsets c;
	bool lowered;
	uid_t ofsuid;
	gid_t ofsgid;
};

/*
 * Act as the user ctrcap acts as for a file operation on what: that user's
 * fs ids, no capability effective (none may override a permission check).
 */
static int user_begin(struct as_user *u, const char *what, char *err, size_t errlen)
{
	struct capsets none;

	if (err && errlen)
		err[0] = '\0';
	u->lowered = !caps_get(&u->c) && u->c.eff;
	if (u->lowered) {
		none = u->c;
		none.eff = 0;
		if (caps_set(&none)) {
			ctrcap_errf(err, errlen, "%s: cannot lower capabilities: %s", what,
				    strerror(errno));
			return -1;
		}
	}
	u->ofsgid = setfsgid(ctrcap_priv_gid());
	u->ofsuid = setfsuid(ctrcap_priv_uid());
	return 0;
}

/*
 * Undo user_begin() after an operation that returned rc (an fd or 0, -1 on
 * failure). Returns rc, or -1 (closing an fd rc) when the capabilities
 * cannot be restored. errno is that of the operation.
 */
static int user_end(struct as_user *u, const char *what, int rc, bool rc_is_fd, char *err,
		    size_t errlen)
{
	int saved = errno;

	setfsuid(u->ofsuid);
	setfsgid(u->ofsgid);
	if (u->lowered && caps_set(&u->c)) {
		ctrcap_errf(err, errlen, "%s: cannot restore capabilities: %s", what,
			    strerror(errno));
		if (rc_is_fd && rc >= 0)
			close(rc);
		return -1;
	}
	errno = saved;
	return rc;
}

int ctrcap_priv_open_output(const char *path, int flags, mode_t mode, char *err, size_t errlen)
{
	struct as_user u;
	int fd;

	if (user_begin(&u, path ? path : "", err, errlen))
		return -1;
	fd = walk_open(path, flags | O_CLOEXEC | O_NOCTTY, mode, false, err, errlen);
	return user_end(&u, path ? path : "", fd, true, err, errlen);
}

int ctrcap_priv_open_input(const char *path, char *err, size_t errlen)
{
	struct as_user u;
	int fd;

	if (user_begin(&u, path, err, errlen))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		ctrcap_errf(err, errlen, "%s: %s", path, strerror(errno));
	return user_end(&u, path, fd, true, err, errlen);
}

int ctrcap_priv_open_dir(const char *path, char *err, size_t errlen)
{
	struct as_user u;
	int fd;

	if (user_begin(&u, path ? path : "", err, errlen))
		return -1;
	fd = walk_open(path, 0, 0, true, err, errlen);
	return user_end(&u, path ? path : "", fd, true, err, errlen);
}

/* One name in a directory: not empty, no '/', not "." or "..". */
static int check_name(const char *name, char *err, size_t errlen)
{
	if (name && *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, ".."))
		return 0;
	ctrcap_errf(err, errlen, "'%s': not a file name in the output directory", name ? name : "");
	errno = EINVAL;
	return -1;
}

int ctrcap_priv_open_at(int dirfd, const char *name, int flags, mode_t mode, char *err,
			size_t errlen)
{
	struct as_user u;
	int fd;

	if (check_name(name, err, errlen) || user_begin(&u, name, err, errlen))
		return -1;
	fd = open_final(name, dirfd, name, flags | O_CLOEXEC | O_NOCTTY, mode, err, errlen);
	if (fd == -1 && errno == ELOOP)
		ctrcap_errf(err, errlen,
			    "%s: refusing to follow symlink '%s' (files in the "
			    "output directory are never opened through one)",
			    name, name);
	else if (fd == -1)
		ctrcap_errf(err, errlen, "%s: %s", name, strerror(errno));
	if (fd == OPEN_REFUSED)
		fd = -1;
	return user_end(&u, name, fd, true, err, errlen);
}

int ctrcap_priv_rename_at(int dirfd, const char *from, const char *to, char *err, size_t errlen)
{
	struct as_user u;
	int rc;

	if (check_name(from, err, errlen) || check_name(to, err, errlen) ||
	    user_begin(&u, from, err, errlen))
		return -1;
	rc = renameat(dirfd, from, dirfd, to);
	if (rc)
		ctrcap_errf(err, errlen, "renaming %s to %s: %s", from, to, strerror(errno));
	return user_end(&u, from, rc, false, err, errlen);
}

int ctrcap_priv_unlink_at(int dirfd, const char *name, char *err, size_t errlen)
{
	struct as_user u;
	int rc;

	if (check_name(name, err, errlen) || user_begin(&u, name, err, errlen))
		return -1;
	rc = unlinkat(dirfd, name, 0);
	if (rc)
		ctrcap_errf(err, errlen, "deleting %s: %s", name, strerror(errno));
	return user_end(&u, name, rc, false, err, errlen);
}
