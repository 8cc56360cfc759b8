// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The resolver on real cgroup-v2 directories (as root), where a cgroup id
 * is found by the kernel (open_by_handle_at) without any walk: while the
 * worker is stuck on a runtime that does not answer, a container's first
 * lookup must still name its id and a host cgroup must be settled, and the
 * waiting lookup used for a container's first packet must return the
 * metadata once the runtime (here its state files) provides it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctr_internal.h"

#define FIX CTR_FIXTURES
/* The docker client's whole-request timeout (runtime_docker.c). */
#define DOCKER_TIMEOUT_MS 3000

struct kfx {
	char mnt[1024];		/* the cgroup2 mount */
	char root[1200];	/* our test subtree, the resolver's cgroup root */
	char sock[108];
	int sock_fd;
	char web[CTR_ID_MAX], sandbox[CTR_ID_MAX];
	struct ctr_info *info;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* The first cgroup2 mount point from mountinfo, or -1. */
static int cgroup2_mount(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	int ret = -1;

	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f)) {
		char mnt[1024], *sep = strstr(line, " - ");

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %1023s", mnt) == 1) {
			snprintf(buf, len, "%s", mnt);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

/* A fixture's container id (one line), through the library's own file reader. */
static void fixture_id(const char *path, char *buf, size_t len)
{
	size_t n = 0;
	int err = 0;
	char *s = ctr_read_file(path, 4096, &n, &err);

	if (!s)
		fail_msg("%s: %s", path, strerror(err));
	s[strcspn(s, "\n")] = '\0';
	snprintf(buf, len, "%s", s);
	free(s);
}

static void mk(const struct kfx *f, const char *rel)
{
	char path[2048];

	snprintf(path, sizeof(path), "%s%s", f->root, rel);
	if (mkdir(path, 0755))
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

static uint64_t cg_id(const struct kfx *f, const char *rel)
{
	char path[2048];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", f->root, rel);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* Remove our subtree, deepest first (cgroup directories go with rmdir only). */
static void rm_tree(const struct kfx *f)
{
	const char *rel[] = { "/docker/%s", "/docker/%s", "/docker", "/system.slice/cctr.service",
			      "/system.slice", "" };
	const char *ids[] = { f->web, f->sandbox, "", "", "", "" };
	char path[2400], sub[1024];

	for (unsigned i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(sub, sizeof(sub), rel[i], ids[i]);
		snprintf(path, sizeof(path), "%s%s", f->root, sub);
		if (rmdir(path) && errno != ENOENT)
			fprintf(stderr, "rmdir %s: %s\n", path, strerror(errno));
	}
}

static int setup(void **state)
{
	struct kfx *f = calloc(1, sizeof(*f));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char rel[512];

	assert_non_null(f);
	f->sock_fd = -1;
	if (geteuid() != 0) {
		print_message("needs root (cgroup directories)\n");
		free(f);
		return -1;
	}
	if (cgroup2_mount(f->mnt, sizeof(f->mnt)))
		fail_msg("no cgroup2 mount in /proc/self/mountinfo");
	snprintf(f->root, sizeof(f->root), "%s/cctr-resolver-test.%d", f->mnt, (int)getpid());
	if (mkdir(f->root, 0755))
		fail_msg("mkdir %s: %s", f->root, strerror(errno));
	fixture_id(FIX "/docker/web.id", f->web, sizeof(f->web));
	fixture_id(FIX "/docker/sandbox.id", f->sandbox, sizeof(f->sandbox));
	mk(f, "/docker");
	snprintf(rel, sizeof(rel), "/docker/%s", f->web);
	mk(f, rel);
	snprintf(rel, sizeof(rel), "/docker/%s", f->sandbox);
	mk(f, rel);
	mk(f, "/system.slice");
	mk(f, "/system.slice/cctr.service");

	/* A docker socket that takes connections (backlog) and never answers. */
	snprintf(f->sock, sizeof(f->sock), "/tmp/cctr-silent.%d.sock", (int)getpid());
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
	f->sock_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->sock_fd >= 0);
	unlink(f->sock);
	assert_int_equal(bind(f->sock_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->sock_fd, 16), 0);
	f->info = calloc(1, sizeof(*f->info));
	assert_non_null(f->info);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct kfx *f = *state;

	if (!f)
		return 0;
	if (f->sock_fd >= 0)
		close(f->sock_fd);
	unlink(f->sock);
	rm_tree(f);
	free(f->info);
	free(f);
	return 0;
}

static void test_busy_worker(void **state)
{
	struct kfx *f = *state;
	struct ctr_resolver_opts o = {
		.cgroup_root = f->root,
		.docker_sock = f->sock,
		.docker_root = FIX "/docker/root",
		.containerd_state = "/nonexistent/cctr-containerd",
		.crio_state = "/nonexistent/cctr-crio",
		.podman_state = "/nonexistent/cctr-podman",
		.no_events = true,
	};
	char rel[512], err[256];
	uint64_t web, sandbox, host, t0;
	struct ctr_resolver *r;

	snprintf(rel, sizeof(rel), "/docker/%s", f->web);
	web = cg_id(f, rel);
	snprintf(rel, sizeof(rel), "/docker/%s", f->sandbox);
	sandbox = cg_id(f, rel);
	host = cg_id(f, "/system.slice/cctr.service");

	t0 = now_ms();
	r = ctr_resolver_new(&o, err, sizeof(err));
	if (!r)
		fail_msg("ctr_resolver_new: %s", err);
	/*
	 * The start-up walk queues both containers; the worker then waits on
	 * the silent socket for the first one's metadata, so the other stays
	 * queued for DOCKER_TIMEOUT_MS.
	 */
	usleep(300 * 1000);
	assert_int_equal(ctr_resolver_lookup(r, web, f->info), 1);
	assert_string_equal(f->info->id, f->web);
	assert_int_equal(f->info->runtime, CTR_RT_DOCKER);
	assert_int_equal(ctr_resolver_lookup(r, sandbox, f->info), 1);
	assert_string_equal(f->info->id, f->sandbox);
	assert_false(f->info->complete);
	assert_int_equal(ctr_resolver_lookup(r, host, f->info), 0);
	assert_string_equal(f->info->cgroup_path, "/system.slice/cctr.service");
	/* All of the above must have been answered while the worker was stuck. */
	if (now_ms() - t0 >= DOCKER_TIMEOUT_MS - 500)
		fail_msg("the lookups took %llu ms: the worker may have caught up, nothing shown",
			 (unsigned long long)(now_ms() - t0));

	/* The first packet's wait: the socket times out, the state file answers. */
	assert_int_equal(ctr_resolver_lookup_wait(r, web, f->info, 4 * DOCKER_TIMEOUT_MS), 1);
	assert_true(f->info->complete);
	assert_string_equal(f->info->name, "k8s_web_shop-0_shop_5f0c2d7e-3b1a-4c9e-9d7f-"
					   "0a1b2c3d4e5f_1");
	ctr_resolver_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_busy_worker, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
