// SPDX-License-Identifier: GPL-2.0-or-later
/* Starting the privileged helper `ctrcap` from the unprivileged extcap. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"
#include "ctrcap/errbuf.h"

#ifndef CTRCAP_HELPER_DEFAULT
#define CTRCAP_HELPER_DEFAULT "/usr/local/sbin/ctrcap"
#endif

#define LIST_MAX (4u << 20)

extern char **environ;

const char *helper_path(void)
{
	const char *p = getenv(HELPER_ENV);

	return p && *p ? p : CTRCAP_HELPER_DEFAULT;
}

static bool is_set(const char *s)
{
	return s && *s;
}

/* Values go to the helper as separate argv entries, so only reject what
 * could be read as an option or cannot be a name at all. */
static int check_value(const char *what, const char *v, char *err, size_t errlen)
{
	if (v[0] == '-') {
		ctrcap_errf(err, errlen, "%s '%s' must not start with '-'", what, v);
		return -1;
	}
	for (const char *p = v; *p; p++) {
		if (iscntrl((unsigned char)*p) || *p == ' ') {
			ctrcap_errf(err, errlen, "%s '%s' contains a space or control character", what,
				v);
			return -1;
		}
	}
	return 0;
}

int helper_capture_argv(const char *helper, const struct capture_opts *o, const char **argv,
			char *numbuf, char *err, size_t errlen)
{
	const char *name = o->container_name, *id = o->container_id;
	int argc = 0;

	if (o->target.kind == EXTCAP_TARGET_NAME) {
		if (is_set(name) && strcmp(name, o->target.value)) {
			ctrcap_errf(err, errlen, "interface %s%s conflicts with --container-name %s",
				EXTCAP_IF_PREFIX, o->target.value, name);
			return -1;
		}
		name = o->target.value;
	} else if (o->target.kind == EXTCAP_TARGET_ID) {
		if (is_set(id) && strcmp(id, o->target.value)) {
			ctrcap_errf(err, errlen, "interface %s%s conflicts with --container-id %s",
				EXTCAP_IF_ID_PREFIX, o->target.value, id);
			return -1;
		}
		id = o->target.value;
	}

	argv[argc++] = helper;
	argv[argc++] = "-i";
	argv[argc++] = is_set(o->interfaces) ? o->interfaces : "any";
	if (check_value("interface", argv[argc - 1], err, errlen))
		return -1;
	argv[argc++] = "-w";
	argv[argc++] = "-";
	argv[argc++] = "-U";
	/*
	 * One row per packet unless asked: Wireshark's TCP analysis takes the
	 * hop copies of a packet for retransmissions and duplicate ACKs.
	 */
	argv[argc++] = "--hops";
	argv[argc++] = o->all_hops ? "all" : "container";
	if (is_set(id)) {
		if (check_value("container id", id, err, errlen))
			return -1;
		argv[argc++] = "--container-id";
		argv[argc++] = id;
	}
	if (is_set(name)) {
		if (check_value("container name", name, err, errlen))
			return -1;
		argv[argc++] = "--container-name";
		argv[argc++] = name;
	}
	if (is_set(o->pod_name)) {
		if (check_value("pod name", o->pod_name, err, errlen))
			return -1;
		argv[argc++] = "--pod-name";
		argv[argc++] = o->pod_name;
	}
	if (is_set(o->pod_namespace)) {
		if (check_value("pod namespace", o->pod_namespace, err, errlen))
			return -1;
		argv[argc++] = "--pod-namespace";
		argv[argc++] = o->pod_namespace;
	}
	if (is_set(o->pid)) {
		char *end;
		unsigned long pid;

		errno = 0;
		pid = strtoul(o->pid, &end, 10);
		if (!isdigit((unsigned char)o->pid[0]) || *end || errno || pid == 0 ||
		    pid > 4194304) {
			ctrcap_errf(err, errlen, "--pid '%s' is not a process id (1 to 4194304)",
				o->pid);
			return -1;
		}
		argv[argc++] = "--pid";
		argv[argc++] = o->pid;
	}
	if (o->snaplen) {
		if (o->snaplen > HELPER_SNAPLEN_MAX) {
			ctrcap_errf(err, errlen, "--snaplen %u is larger than %u", o->snaplen,
				HELPER_SNAPLEN_MAX);
			return -1;
		}
		snprintf(numbuf, 32, "%u", o->snaplen);
		argv[argc++] = "-s";
		argv[argc++] = numbuf;
	}
	if (is_set(o->filter) && o->filter[strspn(o->filter, " \t\r\n")])
		argv[argc++] = o->filter;
	argv[argc] = NULL;
	return argc;
}

/* Why the helper could not be executed, as one actionable line. */
static void explain_exec_error(const char *helper, int e, char *err, size_t errlen)
{
	struct stat st;
	struct group *gr;
	const char *grname;

	if (e == ENOENT) {
		ctrcap_errf(err, errlen,
			"capture helper %s not found: install ctrcap, or point %s at it", helper,
			HELPER_ENV);
		return;
	}
	if (e != EACCES && e != EPERM) {
		ctrcap_errf(err, errlen, "cannot run capture helper %s: %s", helper, strerror(e));
		return;
	}
	if (stat(helper, &st)) {
		ctrcap_errf(err, errlen, "cannot run capture helper %s: %s", helper, strerror(e));
		return;
	}
	gr = getgrgid(st.st_gid);
	grname = gr ? gr->gr_name : "its group";
	ctrcap_errf(err, errlen,
		"permission denied running capture helper %s (mode %04o, group %s): only root "
		"and members of group %s may capture; ask an administrator to add you "
		"(usermod -aG %s USER) and log in again",
		helper, (unsigned)(st.st_mode & 07777), grname, grname, grname);
}

int helper_spawn(const char *const *argv, pid_t *pid, int *outfd, int *errfd, char *err,
		 size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int out[2] = { -1, -1 }, ep[2] = { -1, -1 };
	int rc = -1, e;

	if (pipe2(out, O_CLOEXEC) || pipe2(ep, O_CLOEXEC)) {
		ctrcap_errf(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, ep[1], STDERR_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawnattr_init(&attr);
	/* The helper gets default signal handling whatever we ignore. */
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	{
		sigset_t def;

		sigemptyset(&def);
		sigaddset(&def, SIGPIPE);
		sigaddset(&def, SIGTERM);
		sigaddset(&def, SIGINT);
		sigaddset(&def, SIGHUP);
		posix_spawnattr_setsigdefault(&attr, &def);
	}
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	e = posix_spawn(pid, argv[0], &fa, &attr, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e) {
		explain_exec_error(argv[0], e, err, errlen);
		goto out;
	}
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(ep[0], F_SETFL, O_NONBLOCK);
	*outfd = out[0];
	*errfd = ep[0];
	out[0] = ep[0] = -1;
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	return rc;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Append what fd has to *buf (cap limit); 0 at EOF, 1 more to come, -1 error. */
static int drain(int fd, char **buf, size_t *len, size_t *cap, size_t limit)
{
	for (;;) {
		ssize_t n;

		if (*cap - *len < 4096) {
			size_t ncap = *cap ? *cap * 2 : 65536;
			char *nb;

			if (ncap > limit + 1)
				ncap = limit + 1;
			if (ncap <= *cap)
				return -1;
			nb = realloc(*buf, ncap);
			if (!nb)
				return -1;
			*buf = nb;
			*cap = ncap;
		}
		n = read(fd, *buf + *len, *cap - *len - 1);
		if (n == 0)
			return 0;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 1 : -1;
		*len += (size_t)n;
		(*buf)[*len] = '\0';
	}
}

char *helper_list_containers(const char *helper, unsigned timeout_ms, char *err, size_t errlen)
{
	const char *argv[] = { helper, "--list-containers", NULL };
	char *out = NULL, *errtxt = NULL;
	size_t olen = 0, ocap = 0, elen = 0, ecap = 0;
	int ofd = -1, efd = -1, status = 0;
	bool oopen = true, eopen = true, ok = false;
	long long deadline = now_ms() + timeout_ms;
	pid_t pid;

	if (helper_spawn(argv, &pid, &ofd, &efd, err, errlen))
		return NULL;
	while (oopen || eopen) {
		struct pollfd p[2] = { { ofd, POLLIN, 0 }, { efd, POLLIN, 0 } };
		long long left = deadline - now_ms();
		int r;

		if (left <= 0) {
			ctrcap_errf(err, errlen, "%s --list-containers did not answer within %u ms",
				helper, timeout_ms);
			kill(pid, SIGKILL);
			goto reap;
		}
		if (!oopen)
			p[0].fd = -1;
		if (!eopen)
			p[1].fd = -1;
		r = poll(p, 2, (int)left);
		if (r < 0 && errno != EINTR)
			break;
		if (oopen && p[0].revents) {
			r = drain(ofd, &out, &olen, &ocap, LIST_MAX);
			if (r < 0) {
				ctrcap_errf(err, errlen, "%s --list-containers: output too large or "
						     "unreadable", helper);
				kill(pid, SIGKILL);
				goto reap;
			}
			oopen = r > 0;
		}
		if (eopen && p[1].revents) {
			r = drain(efd, &errtxt, &elen, &ecap, 65536);
			eopen = r > 0;
		}
	}
	ok = true;
reap:
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ok && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		char line[512];

		helper_error_line(errtxt ? errtxt : "", line, sizeof(line));
		if (WIFSIGNALED(status))
			ctrcap_errf(err, errlen, "%s --list-containers killed by signal %d", helper,
				WTERMSIG(status));
		else
			ctrcap_errf(err, errlen, "%s --list-containers failed (exit %d): %s", helper,
				WEXITSTATUS(status), line);
		ok = false;
	}
	close(ofd);
	close(efd);
	free(errtxt);
	if (!ok) {
		free(out);
		return NULL;
	}
	return out ? out : strdup("");
}

/* True when the n bytes at s hold something other than blanks. */
static bool has_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!isspace((unsigned char)s[i]))
			return true;
	}
	return false;
}

void helper_error_line(const char *text, char *buf, size_t len)
{
	const char *s = NULL, *last = NULL, *last_own = NULL;
	size_t n = 0, last_n = 0, own_n = 0;
	char line[1024];

	/*
	 * ctrcap prefixes its messages with "ctrcap: "; the packet counts it
	 * prints when a capture ends ("N packets captured") are not. So the
	 * last prefixed line is the reason, else the last line with text.
	 */
	for (const char *p = text; *p; p = s + n + (s[n] == '\n')) {
		s = p;
		n = strcspn(s, "\n");
		if (!has_text(s, n))
			continue;
		last = s;
		last_n = n;
		if (!strncmp(s, "ctrcap: ", 8)) {
			last_own = s;
			own_n = n;
		}
	}
	if (last_own) {
		last = last_own;
		last_n = own_n;
	}
	if (!last) {
		snprintf(buf, len, "ctrcap: failed without a message");
		return;
	}
	while (last_n && isspace((unsigned char)last[last_n - 1]))
		last_n--;
	if (last_n >= sizeof(line))
		last_n = sizeof(line) - 1;
	memcpy(line, last, last_n);
	line[last_n] = '\0';
	for (char *p = line; *p; p++) {
		if (iscntrl((unsigned char)*p))
			*p = ' ';
	}
	if (!strncmp(line, "ctrcap", 6))
		snprintf(buf, len, "%s", line);
	else
		snprintf(buf, len, "ctrcap: %s", line);
}
