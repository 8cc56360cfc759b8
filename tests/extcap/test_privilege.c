// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * capture-helper/privilege.c as root: the capability sets after init and
 * drop for a root, a setuid-root and a file-capabilities start, the
 * refusals, and output files opened as the invoking user without following
 * symlinks that user could not have made. Each case that changes the
 * process's credentials runs in a child.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "privilege.h"

#define OTHER_UID 4242u
#define OTHER_GID 4242u

static char dir[256];
static char secret[300];

static const struct {
	const char *name;
	int cap;
} cap_table[] = {
	{ "cap_chown", CAP_CHOWN },	    { "cap_dac_override", CAP_DAC_OVERRIDE },
	{ "cap_dac_read_search", CAP_DAC_READ_SEARCH },
	{ "cap_fowner", CAP_FOWNER },	    { "cap_setgid", CAP_SETGID },
	{ "cap_setuid", CAP_SETUID },	    { "cap_setpcap", CAP_SETPCAP },
	{ "cap_net_admin", CAP_NET_ADMIN }, { "cap_net_raw", CAP_NET_RAW },
	{ "cap_sys_ptrace", CAP_SYS_PTRACE }, { "cap_sys_admin", CAP_SYS_ADMIN },
	{ "cap_perfmon", CAP_PERFMON },	    { "cap_bpf", CAP_BPF },
};

/* The bit mask of a "cap_a,cap_b" list. */
static uint64_t mask_of(const char *list)
{
	char buf[512], *save = NULL;
	uint64_t m = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool found = false;

		for (size_t i = 0; i < sizeof(cap_table) / sizeof(cap_table[0]); i++) {
			if (!strcmp(t, cap_table[i].name)) {
				m |= 1ull << cap_table[i].cap;
				found = true;
			}
		}
		if (!found)
			fail_msg("unknown capability name %s", t);
	}
	return m;
}

/* A hex field of /proc/self/status ("CapPrm", "NoNewPrivs", ...). */
static uint64_t status_field(const char *name, int base)
{
	char line[256];
	uint64_t v = UINT64_MAX;
	size_t n = strlen(name);
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, n) && line[n] == ':') {
			v = strtoull(line + n + 1, NULL, base);
			break;
		}
	}
	fclose(f);
	return v;
}

/* Run fn in a child; its exit status 0 means the checks there passed. */
static void in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status))
		fail_msg("check %d failed in the child", WEXITSTATUS(status));
}

#define CHECK(n, cond)                                                                           \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "check %d failed: %s (%s)\n", n, #cond, err);             \
			return n;                                                                \
		}                                                                                \
	} while (0)

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_privilege needs root\n");
		return -1;
	}
	snprintf(dir, sizeof(dir), "/tmp/cext-priv-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return chmod(dir, 0755);
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A root start keeps the optional cap_net_admin (classic tc fallback). */
#define ROOT_SET (mask_of(ctrcap_priv_needed()) | 1ull << CAP_NET_ADMIN)

static int child_root_init_drop(void)
{
	char err[512] = "";

	CHECK(1, status_field("CapPrm", 16) & (1ull << CAP_DAC_OVERRIDE));
	CHECK(2, ctrcap_priv_init(err, sizeof(err)) == 0);
	CHECK(3, status_field("CapPrm", 16) == ROOT_SET); /* dac_override & co. are gone */
	CHECK(4, status_field("CapEff", 16) == ROOT_SET);
	CHECK(5, status_field("CapInh", 16) == 0);
	CHECK(6, status_field("CapBnd", 16) == ROOT_SET); /* root start: bounding set too */
	CHECK(7, ctrcap_priv_uid() == 0 && !ctrcap_priv_dropped());
	/* Capture on "any" keeps what following new namespaces needs. */
	CHECK(8, ctrcap_priv_drop(err, sizeof(err)) == 0);
	CHECK(9, status_field("CapPrm", 16) == ROOT_SET);
	CHECK(10, status_field("CapEff", 16) == ROOT_SET);
	CHECK(11, status_field("CapAmb", 16) == 0);
	CHECK(12, status_field("NoNewPrivs", 10) == 1);
	CHECK(13, ctrcap_priv_dropped());
	return 0;
}

static int child_fixed_ifaces_drop(void)
{
	char err[512] = "";
	uint64_t fixed = 1ull << CAP_DAC_READ_SEARCH | 1ull << CAP_SYS_PTRACE;

	CHECK(1, ctrcap_priv_init(err, sizeof(err)) == 0);
	ctrcap_priv_no_new_netns();
	CHECK(2, ctrcap_priv_drop(err, sizeof(err)) == 0);
	CHECK(3, status_field("CapPrm", 16) == fixed); /* sys_admin and net_admin gone */
	CHECK(4, status_field("CapEff", 16) == fixed);
	CHECK(5, mask_of(ctrcap_priv_kept()) == fixed);
	return 0;
}

static int child_drop_all(void)
{
	char err[512] = "";

	CHECK(1, ctrcap_priv_drop_all(err, sizeof(err)) == 0);
	CHECK(2, status_field("CapPrm", 16) == 0);
	CHECK(3, status_field("CapEff", 16) == 0);
	CHECK(4, status_field("NoNewPrivs", 10) == 1);
	/* Root without capabilities reads no other user's private file. */
	CHECK(5, open(secret, O_RDONLY) == -1 && errno == EACCES);
	return 0;
}

static void test_fixed_and_drop_all(void **state)
{
	int fd;

	(void)state;
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	fd = open(secret, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchown(fd, OTHER_UID, OTHER_GID), 0);
	close(fd);
	in_child(child_fixed_ifaces_drop);
	in_child(child_drop_all);
}

static void test_root_init_drop(void **state)
{
	(void)state;
	in_child(child_root_init_drop);
}

static void *sleeper(void *arg)
{
	(void)arg;
	sleep(5);
	return NULL;
}

static int child_drop_refuses_threads(void)
{
	char err[512] = "";
	pthread_t t;

	CHECK(1, ctrcap_priv_drop(err, sizeof(err)) == -1);
	CHECK(2, strstr(err, "before ctrcap_priv_init") != NULL);
	CHECK(3, ctrcap_priv_init(err, sizeof(err)) == 0);
	CHECK(4, pthread_create(&t, NULL, sleeper, NULL) == 0);
	CHECK(5, ctrcap_priv_drop(err, sizeof(err)) == -1);
	CHECK(6, strstr(err, "2 threads") != NULL);
	CHECK(7, !ctrcap_priv_dropped());
	return 0;
}

static void test_drop_refusals(void **state)
{
	(void)state;
	in_child(child_drop_refuses_threads);
}

static int child_unprivileged_refused(void)
{
	char err[512] = "";

	CHECK(1, setgroups(0, NULL) == 0);
	CHECK(2, setresgid(65534, 65534, 65534) == 0);
	CHECK(3, setresuid(65534, 65534, 65534) == 0);
	CHECK(4, ctrcap_priv_init(err, sizeof(err)) == -1);
	CHECK(5, strstr(err, "cap_sys_admin") != NULL);
	CHECK(6, strstr(err, "uid 65534") != NULL);
	CHECK(7, strstr(err, "group ctrcap") != NULL);
	CHECK(8, strchr(err, '\n') == NULL);
	return 0;
}

static void test_unprivileged_refused(void **state)
{
	(void)state;
	in_child(child_unprivileged_refused);
}

/* The shared part of the setuid and file-capability cases after init. */
static int drop_and_write_as_other(uint64_t caps)
{
	char err[512] = "", path[512];
	struct stat st;
	int fd;

	CHECK(20, getuid() == OTHER_UID && geteuid() == OTHER_UID);
	CHECK(21, status_field("CapPrm", 16) == caps);
	CHECK(22, ctrcap_priv_drop(err, sizeof(err)) == 0);
	CHECK(23, status_field("CapPrm", 16) == caps);
	/* Files are the invoker's ... */
	snprintf(path, sizeof(path), "%s/open/out.pcapng", dir);
	fd = ctrcap_priv_open_output(path, O_WRONLY | O_CREAT | O_TRUNC, 0600, err, sizeof(err));
	CHECK(24, fd >= 0);
	CHECK(25, fstat(fd, &st) == 0 && st.st_uid == OTHER_UID && st.st_gid == OTHER_GID);
	close(fd);
	/* ... and no capability lets them write where the invoker may not. */
	snprintf(path, sizeof(path), "%s/closed/out.pcapng", dir);
	fd = ctrcap_priv_open_output(path, O_WRONLY | O_CREAT | O_TRUNC, 0600, err, sizeof(err));
	CHECK(26, fd == -1);
	CHECK(27, strstr(err, path) && strstr(err, "Permission denied"));
	/* The capabilities are back after the open. */
	CHECK(28, status_field("CapEff", 16) == caps);
	return 0;
}

static int child_setuid_start(void)
{
	char err[512] = "";

	/* What exec of a setuid-root binary gives: ruid = invoker, euid = 0. */
	CHECK(1, setgroups(0, NULL) == 0);
	CHECK(2, setresgid(OTHER_GID, 0, 0) == 0);
	CHECK(3, setresuid(OTHER_UID, 0, 0) == 0);
	CHECK(4, ctrcap_priv_init(err, sizeof(err)) == 0);
	CHECK(5, ctrcap_priv_uid() == OTHER_UID && ctrcap_priv_gid() == OTHER_GID);
	return drop_and_write_as_other(ROOT_SET);
}

static int child_file_caps_start(void)
{
	char err[512] = "";
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	uint64_t need = mask_of(ctrcap_priv_needed());

	/* What exec of a file with those capabilities gives: the user's ids and
	 * exactly the file's capabilities, permitted and effective. */
	CHECK(1, setgroups(0, NULL) == 0);
	CHECK(2, prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0);
	CHECK(3, setresgid(OTHER_GID, OTHER_GID, OTHER_GID) == 0);
	CHECK(4, setresuid(OTHER_UID, OTHER_UID, OTHER_UID) == 0);
	memset(d, 0, sizeof(d));
	d[0].permitted = d[0].effective = (uint32_t)need;
	d[1].permitted = d[1].effective = (uint32_t)(need >> 32);
	CHECK(5, syscall(SYS_capset, &hdr, d) == 0);
	CHECK(6, ctrcap_priv_init(err, sizeof(err)) == 0);
	return drop_and_write_as_other(need);
}

static void make_dirs(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/open", dir);
	assert_int_equal(mkdir(path, 0777), 0);
	assert_int_equal(chmod(path, 0777), 0);
	snprintf(path, sizeof(path), "%s/closed", dir);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void test_setuid_start(void **state)
{
	(void)state;
	make_dirs();
	in_child(child_setuid_start);
}

static void test_file_caps_start(void **state)
{
	(void)state;
	make_dirs();
	in_child(child_file_caps_start);
}

/* --- output files, as root (the invoker is root here) --- */

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static int open_out(const char *name, char *err, size_t errlen)
{
	char path[512];

	path_in(path, sizeof(path), name);
	return ctrcap_priv_open_output(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, err, errlen);
}

static void test_output_symlinks(void **state)
{
	char err[512], a[512], b[512];
	struct stat st;
	int fd;

	(void)state;
	/* A symlink another user planted is not followed, however it points. */
	path_in(a, sizeof(a), "victim");
	fd = open(a, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	path_in(b, sizeof(b), "planted");
	assert_int_equal(symlink(a, b), 0);
	assert_int_equal(lchown(b, OTHER_UID, OTHER_GID), 0);
	assert_int_equal(open_out("planted", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "refusing to follow symlink 'planted' owned by uid 4242"));
	assert_int_equal(stat(a, &st), 0);
	assert_int_equal(st.st_size, 4); /* not truncated */

	/* The invoker's (root's) own symlink is followed. */
	path_in(b, sizeof(b), "mine");
	assert_int_equal(symlink("victim", b), 0);
	fd = open_out("mine", err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stat(a, &st), 0);
	assert_int_equal(st.st_size, 0);

	/* The same for a directory on the way. */
	path_in(a, sizeof(a), "realdir");
	assert_int_equal(mkdir(a, 0755), 0);
	path_in(b, sizeof(b), "linkdir");
	assert_int_equal(symlink(a, b), 0);
	assert_int_equal(lchown(b, OTHER_UID, OTHER_GID), 0);
	assert_int_equal(open_out("linkdir/x.pcapng", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'linkdir' owned by uid 4242"));
	assert_int_equal(lchown(b, 0, 0), 0);
	fd = open_out("linkdir/x.pcapng", err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	path_in(a, sizeof(a), "realdir/x.pcapng");
	assert_int_equal(access(a, F_OK), 0);

	/* Loops end with a clear error. */
	path_in(b, sizeof(b), "loop");
	assert_int_equal(symlink("loop", b), 0);
	assert_int_equal(open_out("loop", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many levels of symbolic links"));

	/* Missing directories name the path. */
	assert_int_equal(open_out("nodir/x.pcapng", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nodir"));
	assert_non_null(strstr(err, "No such file or directory"));
	assert_int_equal(ctrcap_priv_open_output("", O_WRONLY, 0, err, sizeof(err)), -1);
}

/* Bytes of path (not followed), or -1 when it does not exist. */
static long long size_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? -1 : (long long)st.st_size;
}

static void test_output_sticky_dir(void **state)
{
	char err[512], a[512];
	int fd, dfd;

	(void)state;
	path_in(a, sizeof(a), "tmp");
	assert_int_equal(mkdir(a, 01777), 0);
	assert_int_equal(chmod(a, 01777), 0);
	/* Another user's file in a /tmp-like directory is not written into. */
	path_in(a, sizeof(a), "tmp/theirs.pcapng");
	fd = open(a, O_WRONLY | O_CREAT, 0666);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "theirs", 6), 6);
	assert_int_equal(fchown(fd, OTHER_UID, OTHER_GID), 0);
	assert_int_equal(fchmod(fd, 0666), 0); /* writable: only ctrcap's check refuses */
	close(fd);
	assert_int_equal(open_out("tmp/theirs.pcapng", err, sizeof(err)), -1);
	/* fs.protected_regular may refuse the O_CREAT open first; without
	 * O_CREAT the refusal is ctrcap's own. */
	if (!strstr(err, "owned by uid 4242 in a shared sticky directory") &&
	    !strstr(err, "Permission denied"))
		fail_msg("unexpected error: %s", err);
	assert_int_equal(size_of(a), 6);
	fd = ctrcap_priv_open_output(a, O_WRONLY | O_TRUNC, 0, err, sizeof(err));
	assert_int_equal(fd, -1);
	if (!strstr(err, "owned by uid 4242 in a shared sticky directory") ||
	    !strstr(err, "theirs.pcapng"))
		fail_msg("unexpected error: %s", err);
	/* The refusal comes before O_TRUNC takes effect: the file is intact. */
	assert_int_equal(size_of(a), 6);
	/* The same for a file opened in the directory fd (rotation). */
	path_in(a, sizeof(a), "tmp");
	dfd = ctrcap_priv_open_dir(a, err, sizeof(err));
	assert_true(dfd >= 0);
	fd = ctrcap_priv_open_at(dfd, "theirs.pcapng", O_WRONLY | O_TRUNC, 0, err, sizeof(err));
	assert_int_equal(fd, -1);
	if (!strstr(err, "theirs.pcapng: refusing to write to a file owned by uid 4242"))
		fail_msg("unexpected error: %s", err);
	path_in(a, sizeof(a), "tmp/theirs.pcapng");
	assert_int_equal(size_of(a), 6);
	/* A file of the directory's owner (root) is accepted, as the kernel does. */
	fd = openat(dfd, "roots.pcapng", O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	fd = ctrcap_priv_open_at(dfd, "roots.pcapng", O_WRONLY | O_TRUNC, 0, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	close(dfd);
	/* A new file there is fine. */
	fd = open_out("tmp/mine.pcapng", err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	/* Relative paths walk from the working directory. */
	assert_int_equal(chdir(dir), 0);
	fd = ctrcap_priv_open_output("tmp/rel.pcapng", O_WRONLY | O_CREAT, 0644, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chdir("/"), 0);
}

/*
 * The rotation primitives: the directory is opened once (a trusted
 * symlink to it is followed, another user's is not); files in it are never
 * opened through a symlink, names are single components, and renames and
 * deletes stay in the directory that was opened even after its path is
 * swapped for a symlink to elsewhere.
 */
static void test_output_dir_ops(void **state)
{
	char err[512], a[512], b[512];
	int dfd, fd;

	(void)state;
	path_in(a, sizeof(a), "rot");
	assert_int_equal(mkdir(a, 0755), 0);
	path_in(a, sizeof(a), "else");
	assert_int_equal(mkdir(a, 0755), 0);
	path_in(b, sizeof(b), "theirlink");
	assert_int_equal(symlink("rot", b), 0);
	assert_int_equal(lchown(b, OTHER_UID, OTHER_GID), 0);
	assert_int_equal(ctrcap_priv_open_dir(b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "refusing to follow symlink 'theirlink' owned by uid 4242"));
	path_in(b, sizeof(b), "rot/x");
	assert_int_equal(close(open(b, O_WRONLY | O_CREAT, 0644)), 0);
	assert_int_equal(ctrcap_priv_open_dir(b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Not a directory"));

	path_in(b, sizeof(b), "mylink");
	assert_int_equal(symlink("rot", b), 0);
	dfd = ctrcap_priv_open_dir(b, err, sizeof(err));
	assert_true(dfd >= 0);
	/* A planted symlink in the directory is never followed, whoever owns it. */
	path_in(a, sizeof(a), "else/victim");
	assert_int_equal(close(open(a, O_WRONLY | O_CREAT, 0644)), 0);
	assert_int_equal(symlinkat(a, dfd, ".f.tmp"), 0);
	fd = ctrcap_priv_open_at(dfd, ".f.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644, err,
				 sizeof(err));
	assert_int_equal(fd, -1);
	assert_non_null(strstr(err, ".f.tmp: refusing to follow symlink"));
	assert_int_equal(unlinkat(dfd, ".f.tmp", 0), 0);
	assert_int_equal(
	    ctrcap_priv_open_at(dfd, "../escape", O_WRONLY | O_CREAT, 0644, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a file name in the output directory"));
	assert_int_equal(ctrcap_priv_rename_at(dfd, "x", "..", err, sizeof(err)), -1);

	/* Swap rot for a symlink to else: the fd still names the old directory. */
	path_in(a, sizeof(a), "rot");
	path_in(b, sizeof(b), "rot.moved");
	assert_int_equal(rename(a, b), 0);
	assert_int_equal(symlink("else", a), 0);
	fd = ctrcap_priv_open_at(dfd, ".f.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644, err,
				 sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "packets", 7), 7);
	close(fd);
	assert_int_equal(ctrcap_priv_rename_at(dfd, ".f.tmp", "f", err, sizeof(err)), 0);
	assert_int_equal(ctrcap_priv_unlink_at(dfd, "x", err, sizeof(err)), 0);
	assert_int_equal(ctrcap_priv_unlink_at(dfd, "x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "deleting x: No such file or directory"));
	close(dfd);
	path_in(a, sizeof(a), "rot.moved/f");
	assert_int_equal(size_of(a), 7);
	path_in(a, sizeof(a), "rot.moved/x");
	assert_int_equal(size_of(a), -1);
	path_in(a, sizeof(a), "else/f");
	assert_int_equal(size_of(a), -1);
	path_in(a, sizeof(a), "else/victim");
	assert_int_equal(size_of(a), 0);
}

static void test_install_script_matches(void **state)
{
	char line[512], want[600];
	bool found = false;
	FILE *f = fopen(INSTALL_PRIVILEGED, "re");

	(void)state;
	assert_non_null(f);
	snprintf(want, sizeof(want), "CTRCAP_CAPS=\"%s\"\n", ctrcap_priv_needed());
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "CTRCAP_CAPS=", 12)) {
			assert_string_equal(line, want);
			found = true;
		}
	}
	fclose(f);
	assert_true(found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_root_init_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_and_drop_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unprivileged_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setuid_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_caps_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_sticky_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_dir_ops, setup, teardown),
		cmocka_unit_test(test_install_script_matches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
