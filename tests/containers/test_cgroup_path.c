// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: cgroup path -> runtime/id for every runtime and kubelet layout; cgroup2 mount. */
#include <errno.h>
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

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID_DASH "1234abcd-5678-90ef-1234-567890abcdef"
#define UID_UNDER "1234abcd_5678_90ef_1234_567890abcdef"
/* A victim's container and pod, named in cgroups another container made below its own. */
#define VICTIM64 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define VUID_DASH "99999999-8888-7777-6666-555555555555"
#define VUID_UNDER "99999999_8888_7777_6666_555555555555"

struct path_case {
	const char *path;
	enum ctr_runtime rt;	/* CTR_RT_NONE: not a container */
	const char *id;
	const char *pod_uid;
	const char *ns;
	bool guessed;
};

static const struct path_case cases[] = {
	/* Docker, cgroupfs and systemd drivers; a cgroup the container made below its own. */
	{ "/docker/" ID64, CTR_RT_DOCKER, ID64, "", "", false },
	{ "/docker/" ID64 "/init.scope", CTR_RT_DOCKER, ID64, "", "", false },
	{ "/system.slice/docker-" ID64 ".scope", CTR_RT_DOCKER, ID64, "", "", false },
	/* containerd: CRI under kubelet's systemd layout, ctr's /<namespace>/<id>. */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_UNDER
	  ".slice/cri-containerd-" ID64 ".scope",
	  CTR_RT_CONTAINERD, ID64, UID_DASH, "", false },
	{ "/system.slice/containerd.service/kubepods-besteffort-pod" UID_UNDER
	  ".slice:cri-containerd:" ID64,
	  CTR_RT_NONE, NULL, NULL, NULL, false },
	{ "/cctr/c1", CTR_RT_CONTAINERD, "c1", "", "cctr", true },
	{ "/k8s.io/" ID64, CTR_RT_CONTAINERD, ID64, "", "k8s.io", true },
	/* kubelet cgroupfs layout: the runtime is confirmed from state. */
	{ "/kubepods/besteffort/pod" UID_DASH "/" ID64, CTR_RT_CONTAINERD, ID64, UID_DASH, "",
	  true },
	{ "/kubepods/pod" UID_DASH "/" ID64, CTR_RT_CONTAINERD, ID64, UID_DASH, "", true },
	/* CRI-O, systemd and cgroupfs; its conmon is not the container. */
	{ "/kubepods.slice/kubepods-pod" UID_UNDER ".slice/crio-" ID64 ".scope", CTR_RT_CRIO, ID64,
	  UID_DASH, "", false },
	{ "/kubepods/burstable/pod" UID_DASH "/crio-" ID64, CTR_RT_CRIO, ID64, UID_DASH, "", false },
	{ "/kubepods.slice/kubepods-pod" UID_UNDER ".slice/crio-conmon-" ID64 ".scope", CTR_RT_NONE,
	  NULL, NULL, NULL, false },
	/* podman: cgroupfs (libpod_parent) and systemd (machine.slice); conmon is not it. */
	{ "/libpod_parent/libpod-" ID64, CTR_RT_PODMAN, ID64, "", "", false },
	{ "/machine.slice/libpod-" ID64 ".scope", CTR_RT_PODMAN, ID64, "", "", false },
	{ "/machine.slice/libpod-" ID64 ".scope/container", CTR_RT_PODMAN, ID64, "", "", false },
	{ "/machine.slice/libpod-conmon-" ID64 ".scope", CTR_RT_NONE, NULL, NULL, NULL, false },
	{ "/libpod_parent/conmon", CTR_RT_NONE, NULL, NULL, NULL, false },
	/* Host cgroups. */
	{ "/", CTR_RT_NONE, NULL, NULL, NULL, false },
	{ "", CTR_RT_NONE, NULL, NULL, NULL, false },
	{ "/system.slice/sshd.service", CTR_RT_NONE, NULL, NULL, NULL, false },
	{ "/user.slice/user-1000.slice/session-2.scope", CTR_RT_NONE, NULL, NULL, NULL, false },
	{ "/init.scope", CTR_RT_NONE, NULL, NULL, NULL, false },
	{ "/kubepods/burstable", CTR_RT_NONE, NULL, NULL, NULL, false },
	{ "/kubepods.slice/kubepods-burstable.slice", CTR_RT_NONE, NULL, NULL, NULL, false },
	{ "/docker", CTR_RT_NONE, NULL, NULL, NULL, false },
	/* Look-alikes: short or upper-case ids, a runtime prefix on a unit that is no id. */
	{ "/docker/0123456789ab", CTR_RT_NONE, NULL, NULL, NULL, false },
	{ "/docker/0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", CTR_RT_NONE,
	  NULL, NULL, NULL, false },
	{ "/system.slice/docker-registry.scope", CTR_RT_NONE, NULL, NULL, NULL, false },
	{ "/system.slice/docker.service", CTR_RT_NONE, NULL, NULL, NULL, false },
	{ "/a/b/c", CTR_RT_NONE, NULL, NULL, NULL, false },
	{ "/lxc.payload.web", CTR_RT_NONE, NULL, NULL, NULL, false },
	{ "//docker//" ID64 "//", CTR_RT_DOCKER, ID64, "", "", false },
	/* The outermost match wins: names made inside a container never impersonate another. */
	{ "/docker/" ID64 "/docker-" VICTIM64 ".scope", CTR_RT_DOCKER, ID64, "", "", false },
	{ "/system.slice/docker-" ID64 ".scope/docker/" VICTIM64, CTR_RT_DOCKER, ID64, "", "",
	  false },
	{ "/docker/" ID64 "/libpod-" VICTIM64, CTR_RT_DOCKER, ID64, "", "", false },
	{ "/kubepods/burstable/pod" UID_DASH "/" ID64 "/pod" VUID_DASH "/" VICTIM64,
	  CTR_RT_CONTAINERD, ID64, UID_DASH, "", true },
	{ "/kubepods.slice/kubepods-pod" UID_UNDER ".slice/crio-" ID64
	  ".scope/kubepods-pod" VUID_UNDER ".slice/crio-" VICTIM64 ".scope",
	  CTR_RT_CRIO, ID64, UID_DASH, "", false },
	{ "/docker/" ID64 "/pod" VUID_DASH, CTR_RT_DOCKER, ID64, "", "", false },
	/* A near-miss pod name leaves no partial uid behind. */
	{ "/pod1234abcz/docker/" ID64, CTR_RT_DOCKER, ID64, "", "", false },
};

static void test_layouts(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct path_case *c = &cases[i];
		struct ctr_path_info pi;
		bool ok = ctr_parse_cgroup_path_ex(c->path, &pi);

		if (ok != (c->rt != CTR_RT_NONE) || pi.runtime != c->rt)
			fail_msg("%s: got %s (%d), want %d", c->path, ok ? "container" : "none",
				 pi.runtime, c->rt);
		if (c->rt == CTR_RT_NONE)
			continue;
		assert_string_equal(pi.id, c->id);
		assert_string_equal(pi.pod_uid, c->pod_uid);
		assert_string_equal(pi.ns, c->ns);
		if (pi.guessed != c->guessed)
			fail_msg("%s: guessed %d", c->path, pi.guessed);
	}
}

static void test_public_api(void **state)
{
	enum ctr_runtime rt = CTR_RT_DOCKER;
	char id[CTR_ID_MAX], small[9];

	(void)state;
	assert_true(ctr_parse_cgroup_path("/docker/" ID64, &rt, id, sizeof(id)));
	assert_int_equal(rt, CTR_RT_DOCKER);
	assert_string_equal(id, ID64);
	/* A short buffer truncates, never overflows. */
	assert_true(ctr_parse_cgroup_path("/libpod_parent/libpod-" ID64, &rt, small, sizeof(small)));
	assert_string_equal(small, "01234567");
	assert_int_equal(rt, CTR_RT_PODMAN);
	assert_false(ctr_parse_cgroup_path("/system.slice", &rt, id, sizeof(id)));
	assert_int_equal(rt, CTR_RT_NONE);
	assert_string_equal(id, "");
	assert_false(ctr_parse_cgroup_path(NULL, &rt, id, sizeof(id)));
	assert_true(ctr_parse_cgroup_path("/docker/" ID64, NULL, NULL, 0));
}

static void test_long_paths(void **state)
{
	char path[8192], comp[400];
	struct ctr_path_info pi;
	size_t i;

	(void)state;
	memset(comp, 'a', sizeof(comp) - 1);
	comp[sizeof(comp) - 1] = '\0';
	snprintf(path, sizeof(path), "/docker/%s", comp);
	assert_false(ctr_parse_cgroup_path_ex(path, &pi));
	/* Deeper than the component limit: still bounded, still no match. */
	path[0] = '\0';
	for (i = 0; i < 200; i++)
		strcat(path, "/x");
	assert_false(ctr_parse_cgroup_path_ex(path, &pi));
}

static void test_runtime_names(void **state)
{
	(void)state;
	assert_string_equal(ctr_runtime_name(CTR_RT_DOCKER), "docker");
	assert_string_equal(ctr_runtime_name(CTR_RT_CONTAINERD), "containerd");
	assert_string_equal(ctr_runtime_name(CTR_RT_CRIO), "cri-o");
	assert_string_equal(ctr_runtime_name(CTR_RT_PODMAN), "podman");
	assert_string_equal(ctr_runtime_name(CTR_RT_NONE), "");
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/cctr-mountinfo.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_cgroup2_mount(void **state)
{
	static const char hybrid[] =
		"30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
		"31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
	static const char unified[] =
		"25 22 0:23 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";
	static const char escaped[] =
		"40 30 0:37 / /mnt/my\\040cgroup rw,relatime shared:1 master:2 - cgroup2 none rw\n";
	static const char none[] = "31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n";
	char buf[256], *p;

	(void)state;
	p = write_tmp(hybrid);
	assert_int_equal(ctr_cgroup2_mount(p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/fs/cgroup/unified");
	unlink(p);
	free(p);
	p = write_tmp(unified);
	assert_int_equal(ctr_cgroup2_mount(p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/fs/cgroup");
	unlink(p);
	free(p);
	p = write_tmp(escaped);
	assert_int_equal(ctr_cgroup2_mount(p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/mnt/my cgroup");
	unlink(p);
	free(p);
	p = write_tmp(none);
	assert_int_equal(ctr_cgroup2_mount(p, buf, sizeof(buf)), -1);
	unlink(p);
	free(p);
	assert_int_equal(ctr_cgroup2_mount("/nonexistent/mountinfo", buf, sizeof(buf)), -1);
}

/*
 * The string and file helpers the runtime readers share (state_file.c,
 * ctr_info.c): review fixes kept with the cgroup path ones.
 */

/* "é" (c3 a9) and "€" (e2 82 ac) repeated so that a cut lands inside one. */
static void test_utf8_cut(void **state)
{
	char dst[8];

	(void)state;
	ctr_strlcpy(dst, "abcdef\xc3\xa9", sizeof(dst));
	assert_string_equal(dst, "abcdef");
	ctr_strlcpy(dst, "abcde\xe2\x82\xac", sizeof(dst));
	assert_string_equal(dst, "abcde");
	ctr_strlcpy(dst, "abcd\xe2\x82\xac\xe2\x82\xac", sizeof(dst));
	assert_string_equal(dst, "abcd\xe2\x82\xac");
	ctr_strlcpy(dst, "abcdefgh", sizeof(dst));
	assert_string_equal(dst, "abcdefg");
	/* Not UTF-8 (continuation bytes only): cut where the room ends. */
	ctr_strlcpy(dst, "\x80\x80\x80\x80\x80\x80\x80\x80", sizeof(dst));
	assert_int_equal(strlen(dst), 7);
	assert_int_equal(ctr_utf8_cut("a\xf0\x9f\x98\x80", 5, 4), 1);
	assert_int_equal(ctr_utf8_cut("a\xf0\x9f\x98\x80", 5, 5), 5);
}

static void test_label_cut(void **state)
{
	static struct ctr_info info;
	char value[CTR_LABEL_MAX + 8];
	size_t i, len;

	(void)state;
	/* "k=" then 2-byte characters: the room left (509 bytes) is odd. */
	for (i = 0; i + 2 < sizeof(value); i += 2)
		memcpy(value + i, "\xc3\xa9", 2);
	value[i] = '\0';
	ctr_info_add_label(&info, "k", value);
	assert_int_equal(info.n_labels, 1);
	len = strlen(info.labels[0]);
	assert_true(len < CTR_LABEL_MAX);
	assert_int_equal(len, CTR_LABEL_MAX - 2);
	assert_int_equal((unsigned char)info.labels[0][len - 1], 0xa9);
	assert_non_null(ctr_info_label(&info, "k"));
}

static void test_read_file_kinds(void **state)
{
	char dir[] = "/tmp/cctr-state.XXXXXX", path[64], link[64], fifo[64];
	size_t len = 0;
	char *doc;
	FILE *f;
	int err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	snprintf(link, sizeof(link), "%s/link.json", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{}", f);
	fclose(f);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	doc = ctr_read_file(path, 1024, &len, &err);
	assert_non_null(doc);
	assert_string_equal(doc, "{}");
	free(doc);
	/* A symlink is not followed, a FIFO does not block: both are refused. */
	assert_null(ctr_read_file(link, 1024, &len, &err));
	assert_int_equal(err, ELOOP);
	assert_null(ctr_read_file(fifo, 1024, &len, &err));
	assert_int_equal(err, EINVAL);
	unlink(path);
	unlink(link);
	unlink(fifo);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_public_api),
		cmocka_unit_test(test_long_paths),
		cmocka_unit_test(test_runtime_names),
		cmocka_unit_test(test_cgroup2_mount),
		cmocka_unit_test(test_utf8_cut),
		cmocka_unit_test(test_label_cut),
		cmocka_unit_test(test_read_file_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
