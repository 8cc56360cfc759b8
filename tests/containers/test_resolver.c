// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the resolver on a cgroup tree made of plain directories (the
 * cgroup id of a directory is its inode, as on cgroupfs) and the runtime
 * fixtures: non-blocking lookups, every runtime, rescans for cgroups created
 * later, identity kept after the cgroup is gone, one warning per runtime and
 * path, the cache bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctr_internal.h"

#define FIX CTR_FIXTURES
#define A_ID "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define B_ID "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define C_ID "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4"
#define POD_DASH "5f0c2d7e-3b1a-4c9e-9d7f-0a1b2c3d4e5f"
#define WAIT_MS 5000

struct fx {
	char root[64];
	char web[CTR_ID_MAX], sandbox[CTR_ID_MAX];
	char warnings[8][1024];
	unsigned n_warn;
	struct ctr_info *info;
};

static void on_warn(void *ctx, const char *msg)
{
	struct fx *f = ctx;

	if (f->n_warn < 8)
		snprintf(f->warnings[f->n_warn], sizeof(f->warnings[0]), "%s", msg);
	f->n_warn++;
}

static void mkdirs(const char *root, const char *rel)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s%s'", root, rel);
	assert_int_equal(system(cmd), 0);
}

static uint64_t ino(const char *root, const char *rel)
{
	char path[2048];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static void read_id(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, (int)len, f));
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char rel[512];

	assert_non_null(f);
	f->info = calloc(1, sizeof(*f->info));
	snprintf(f->root, sizeof(f->root), "/tmp/cctr-cgtree.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	read_id(FIX "/docker/web.id", f->web, sizeof(f->web));
	read_id(FIX "/docker/sandbox.id", f->sandbox, sizeof(f->sandbox));
	snprintf(rel, sizeof(rel), "/docker/%s/init.scope", f->web);
	mkdirs(f->root, rel);
	snprintf(rel, sizeof(rel), "/docker/%s", f->sandbox);
	mkdirs(f->root, rel);
	mkdirs(f->root, "/kubepods/besteffort/pod11112222-3333-4444-5555-666677778888/" A_ID);
	mkdirs(f->root, "/default/" B_ID);
	mkdirs(f->root, "/default/broken");
	mkdirs(f->root, "/kubepods.slice/kubepods-pod0f0e0d0c_0b0a_4909_8807_060504030201.slice/"
			"crio-" C_ID ".scope");
	mkdirs(f->root, "/system.slice/sshd.service");
	mkdirs(f->root, "/lxc/foo");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	free(f->info);
	free(f);
	return 0;
}

static struct ctr_resolver *new_resolver_grace(struct fx *f, const char *docker_root,
					      unsigned max, unsigned grace_ms);

static struct ctr_resolver *new_resolver(struct fx *f, const char *docker_root, unsigned max)
{
	return new_resolver_grace(f, docker_root, max, 0);
}

static struct ctr_resolver *new_resolver_grace(struct fx *f, const char *docker_root,
					      unsigned max, unsigned grace_ms)
{
	struct ctr_resolver_opts o = {
		.cgroup_root = f->root,
		.docker_sock = "/nonexistent/cctr-docker.sock",
		.docker_root = docker_root,
		.containerd_state = FIX "/containerd",
		.crio_state = FIX "/crio/run",
		.podman_state = FIX "/podman",
		.cache_max = max,
		.gone_grace_ms = grace_ms,
		.no_events = true,
		.warn = on_warn,
		.warn_ctx = f,
	};
	char err[256];
	struct ctr_resolver *r = ctr_resolver_new(&o, err, sizeof(err));

	if (!r)
		fail_msg("ctr_resolver_new: %s", err);
	return r;
}

static void test_runtimes(void **state)
{
	struct fx *f = *state;
	struct ctr_resolver *r = new_resolver(f, FIX "/docker/root", 0);
	struct ctr_info *i = f->info;
	char rel[512];
	uint64_t web;
	int rc;

	snprintf(rel, sizeof(rel), "/docker/%s", f->web);
	web = ino(f->root, rel);
	/* The first lookup returns at once: not known yet (or, if the worker was quick, known). */
	rc = ctr_resolver_lookup(r, web, i);
	assert_true(rc == -1 || rc == 1);
	assert_int_equal(ctr_resolver_lookup_wait(r, web, i, WAIT_MS), 1);
	assert_int_equal(i->runtime, CTR_RT_DOCKER);
	assert_true(i->complete);
	assert_string_equal(i->id, f->web);
	assert_string_equal(i->name, "k8s_web_shop-0_shop_" POD_DASH "_1");
	assert_string_equal(i->pod_name, "shop-0");
	assert_string_equal(i->cgroup_path, rel);
	assert_int_equal(i->cgroup_id, web);

	/* A cgroup the container created below its own is the same container. */
	snprintf(rel, sizeof(rel), "/docker/%s/init.scope", f->web);
	assert_int_equal(ctr_resolver_lookup_wait(r, ino(f->root, rel), i, WAIT_MS), 1);
	assert_string_equal(i->id, f->web);

	assert_int_equal(ctr_resolver_lookup_wait(
				 r,
				 ino(f->root, "/kubepods/besteffort/"
					      "pod11112222-3333-4444-5555-666677778888/" A_ID),
				 i, WAIT_MS),
			 1);
	assert_int_equal(i->runtime, CTR_RT_CONTAINERD);
	assert_string_equal(i->name, "api");
	assert_string_equal(i->pod_namespace, "pay");
	assert_int_equal(i->pid, 4242);

	assert_int_equal(ctr_resolver_lookup_wait(r, ino(f->root, "/default/" B_ID), i, WAIT_MS),
			 1);
	assert_string_equal(i->name, "cache");

	assert_int_equal(ctr_resolver_lookup_wait(
				 r,
				 ino(f->root, "/kubepods.slice/"
					      "kubepods-pod0f0e0d0c_0b0a_4909_8807_060504030201.slice/"
					      "crio-" C_ID ".scope"),
				 i, WAIT_MS),
			 1);
	assert_int_equal(i->runtime, CTR_RT_CRIO);
	assert_string_equal(i->k8s_ctr_name, "nginx");
	assert_string_equal(i->pod_uid, "0f0e0d0c-0b0a-4909-8807-060504030201");

	/* Host cgroups, an unconfirmed look-alike, an id no cgroup has. */
	assert_int_equal(ctr_resolver_lookup_wait(r, ino(f->root, "/system.slice/sshd.service"), i,
						  WAIT_MS),
			 0);
	assert_string_equal(i->cgroup_path, "/system.slice/sshd.service");
	assert_int_equal(ctr_resolver_lookup_wait(r, ino(f->root, "/lxc/foo"), i, WAIT_MS), 0);
	assert_int_equal(ctr_resolver_lookup_wait(r, 0xfffffffffffull, i, WAIT_MS), 0);
	assert_int_equal(ctr_resolver_lookup(r, 0, i), 0);
	/* Only the corrupt state warned; the start-up walk resolved it without a lookup. */
	assert_int_equal(ctr_resolver_lookup_wait(r, ino(f->root, "/default/broken"), i, WAIT_MS), 1);
	assert_int_equal(f->n_warn, 1);
	assert_non_null(strstr(f->warnings[0], "default/broken/config.json"));
	ctr_resolver_free(r);
}

static void test_podman_in_tree(void **state)
{
	struct fx *f = *state;
	struct ctr_resolver *r = new_resolver(f, FIX "/docker/root", 0);
	char rel[512], id[CTR_ID_MAX];

	read_id(FIX "/podman/pweb.id", id, sizeof(id));
	/* The first walk of the tree happens here... */
	assert_int_equal(ctr_resolver_lookup_wait(r, ino(f->root, "/system.slice"), f->info,
						  WAIT_MS),
			 0);
	/* ...a cgroup created after it is found by the rescan its unknown id triggers. */
	snprintf(rel, sizeof(rel), "/libpod_parent/libpod-%s", id);
	mkdirs(f->root, rel);
	assert_int_equal(ctr_resolver_lookup_wait(r, ino(f->root, rel), f->info, WAIT_MS), 1);
	assert_int_equal(f->info->runtime, CTR_RT_PODMAN);
	assert_string_equal(f->info->name, "pweb");
	assert_string_equal(f->info->image, "localhost/ctrcap-busybox:1");
	ctr_resolver_free(r);
}

static void test_gone_keeps_identity(void **state)
{
	struct fx *f = *state;
	struct ctr_resolver *r = new_resolver(f, FIX "/docker/root", 0);
	char rel[512], cmd[1024];
	uint64_t id;

	snprintf(rel, sizeof(rel), "/docker/%s", f->sandbox);
	id = ino(f->root, rel);
	assert_int_equal(ctr_resolver_lookup_wait(r, id, f->info, WAIT_MS), 1);
	snprintf(cmd, sizeof(cmd), "rmdir '%s%s'", f->root, rel);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(ctr_resolver_lookup(r, id, f->info), 1);
	assert_string_equal(f->info->name, "k8s_POD_shop-0_shop_" POD_DASH "_0");
	mkdirs(f->root, rel);
	ctr_resolver_free(r);
}

/* A container whose cgroup is gone leaves the cache after the grace, not before. */
static void test_gone_evicted_after_grace(void **state)
{
	struct fx *f = *state;
	struct ctr_resolver *r = new_resolver_grace(f, FIX "/docker/root", 0, 1000);
	char rel[512], cmd[1024];
	size_t before;
	uint64_t id;
	int i;

	snprintf(rel, sizeof(rel), "/docker/%s", f->sandbox);
	id = ino(f->root, rel);
	assert_int_equal(ctr_resolver_lookup_wait(r, id, f->info, WAIT_MS), 1);
	before = ctr_resolver_cached(r);
	snprintf(cmd, sizeof(cmd), "rmdir '%s%s'", f->root, rel);
	assert_int_equal(system(cmd), 0);
	/* Within the grace: still there, still named. */
	assert_int_equal(ctr_resolver_lookup(r, id, f->info), 1);
	assert_string_equal(f->info->name, "k8s_POD_shop-0_shop_" POD_DASH "_0");
	for (i = 0; i < 200 && ctr_resolver_cached(r) >= before; i++)
		usleep(50000);
	assert_int_equal(ctr_resolver_cached(r), before - 1);
	mkdirs(f->root, rel);
	ctr_resolver_free(r);
}

/* The warning about runtime and path, or NULL. */
static const char *find_warning(struct fx *f, const char *a, const char *b)
{
	unsigned k;

	for (k = 0; k < f->n_warn && k < 8; k++) {
		if (strstr(f->warnings[k], a) && strstr(f->warnings[k], b))
			return f->warnings[k];
	}
	return NULL;
}

static void test_one_warning(void **state)
{
	struct fx *f = *state;
	struct ctr_resolver *r = new_resolver(f, "/nonexistent/docker-root", 0);
	char rel[512];

	snprintf(rel, sizeof(rel), "/docker/%s", f->web);
	assert_int_equal(ctr_resolver_lookup_wait(r, ino(f->root, rel), f->info, WAIT_MS), 1);
	assert_false(f->info->complete);
	assert_string_equal(f->info->id, f->web);
	snprintf(rel, sizeof(rel), "/docker/%s", f->sandbox);
	assert_int_equal(ctr_resolver_lookup_wait(r, ino(f->root, rel), f->info, WAIT_MS), 1);
	assert_string_equal(f->info->id, f->sandbox);

	/* Corrupt containerd state: a container all the same, and its own warning. */
	assert_int_equal(ctr_resolver_lookup_wait(r, ino(f->root, "/default/broken"), f->info,
						  WAIT_MS),
			 1);
	assert_string_equal(f->info->id, "broken");
	assert_false(f->info->complete);

	/* Two docker containers behind one unreachable socket: one warning, plus containerd's. */
	assert_int_equal(f->n_warn, 2);
	assert_non_null(find_warning(f, "docker metadata", "/nonexistent/cctr-docker.sock"));
	assert_non_null(find_warning(f, "containerd metadata", "default/broken/config.json"));
	ctr_resolver_free(r);
}

static void test_list_and_bound(void **state)
{
	struct fx *f = *state;
	struct ctr_resolver *r = new_resolver(f, FIX "/docker/root", 3);
	struct ctr_info *all;
	size_t n, k;
	unsigned round;
	bool web = false, api = false, crio = false;
	uint64_t ids[4];

	assert_int_equal(ctr_resolver_list(r, &all, &n, WAIT_MS), 0);
	for (k = 0; k < n; k++) {
		web |= !strcmp(all[k].id, f->web);
		api |= !strcmp(all[k].name, "api");
		crio |= all[k].runtime == CTR_RT_CRIO;
		/* One entry per container, not one per cgroup. */
		assert_true(strcmp(all[k].cgroup_path + strlen(all[k].cgroup_path) - 10,
				   "init.scope"));
	}
	free(all);
	assert_true(web && api && crio);

	/* More cgroups than the cache holds: every lookup still answers correctly. */
	ids[0] = ino(f->root, "/system.slice/sshd.service");
	ids[1] = ino(f->root, "/default/" B_ID);
	ids[2] = ino(f->root, "/lxc/foo");
	ids[3] = ino(f->root, "/system.slice");
	for (round = 0; round < 3; round++) {
		assert_int_equal(ctr_resolver_lookup_wait(r, ids[0], f->info, WAIT_MS), 0);
		assert_int_equal(ctr_resolver_lookup_wait(r, ids[1], f->info, WAIT_MS), 1);
		assert_string_equal(f->info->name, "cache");
		assert_int_equal(ctr_resolver_lookup_wait(r, ids[2], f->info, WAIT_MS), 0);
		assert_int_equal(ctr_resolver_lookup_wait(r, ids[3], f->info, WAIT_MS), 0);
	}
	assert_true(ctr_resolver_cached(r) <= 3);
	ctr_resolver_free(r);
}

static void test_new_errors(void **state)
{
	struct ctr_resolver_opts o = { .cgroup_root = "/nonexistent/cgroup", .no_events = true };
	struct fx *f = *state;
	struct ctr_resolver *r;
	char err[256];

	/* A missing root is not fatal at start (cgroup2 may be mounted later)... */
	o.warn = on_warn;
	o.warn_ctx = f;
	r = ctr_resolver_new(&o, err, sizeof(err));
	assert_non_null(r);
	/* ...but the first lookup warns once, naming the path, and answers "not a container". */
	assert_int_equal(ctr_resolver_lookup_wait(r, 12345, f->info, WAIT_MS), 0);
	assert_int_equal(ctr_resolver_lookup_wait(r, 12346, f->info, WAIT_MS), 0);
	assert_int_equal(f->n_warn, 1);
	assert_non_null(strstr(f->warnings[0], "/nonexistent/cgroup"));
	ctr_resolver_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_runtimes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_podman_in_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_keeps_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_evicted_after_grace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_warning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_and_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
