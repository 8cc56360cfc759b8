// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: each runtime's state readers on fixture files recorded from real
 * engines (docker inspect/config.v2.json/events, podman storage and libpod
 * documents) or written in the runtimes' formats (containerd CRI bundles,
 * CRI-O), and on malformed state.
 */
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

#define FIX CTR_FIXTURES
#define A_ID "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define B_ID "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define C_ID "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4"
#define POD_UID "5f0c2d7e-3b1a-4c9e-9d7f-0a1b2c3d4e5f"

static char *slurp(const char *path, size_t *len)
{
	int err;
	char *s = ctr_read_file(path, CTR_STATE_FILE_MAX, len, &err);

	if (!s)
		fail_msg("cannot read fixture %s: %s", path, strerror(err));
	return s;
}

/* The first line of a fixture file (an id). */
static void fixture_id(const char *path, char *buf, size_t len)
{
	size_t n;
	char *s = slurp(path, &n);

	s[strcspn(s, "\n")] = '\0';
	ctr_strlcpy(buf, s, len);
	free(s);
}

static bool has_label(const struct ctr_info *i, const char *kv)
{
	unsigned k;

	for (k = 0; k < i->n_labels; k++) {
		if (!strcmp(i->labels[k], kv))
			return true;
	}
	return false;
}

static bool has_pod_label(const struct ctr_info *i, const char *kv)
{
	unsigned k;

	for (k = 0; k < i->n_pod_labels; k++) {
		if (!strcmp(i->pod_labels[k], kv))
			return true;
	}
	return false;
}

static struct ctr_info *new_info(void)
{
	struct ctr_info *i = calloc(1, sizeof(*i));

	assert_non_null(i);
	return i;
}

static void test_docker_inspect(void **state)
{
	char sandbox[CTR_ID_MAX], err[256], web[CTR_ID_MAX], sb[CTR_ID_MAX];
	struct ctr_info *i = new_info();
	size_t len;
	char *doc;

	(void)state;
	fixture_id(FIX "/docker/web.id", web, sizeof(web));
	fixture_id(FIX "/docker/sandbox.id", sb, sizeof(sb));
	doc = slurp(FIX "/docker/inspect-web.json", &len);
	assert_int_equal(ctr_docker_parse(doc, len, i, sandbox, sizeof(sandbox), err, sizeof(err)),
			 CTR_OK);
	free(doc);
	assert_string_equal(i->id, web);
	assert_string_equal(i->name, "k8s_web_shop-0_shop_" POD_UID "_1");
	assert_string_equal(i->image, "ctrcap-busybox:1");
	assert_true(i->running);
	assert_true(i->pid > 0);
	assert_true(has_label(i, "com.docker.compose.project=shop"));
	assert_true(has_label(i, "com.docker.compose.service=web"));
	assert_int_equal(i->n_labels, 8);
	assert_string_equal(i->pod_name, "shop-0");
	assert_string_equal(i->pod_namespace, "shop");
	assert_string_equal(i->pod_uid, POD_UID);
	assert_string_equal(i->k8s_ctr_name, "web");
	assert_string_equal(sandbox, sb);

	doc = slurp(FIX "/docker/inspect-sandbox.json", &len);
	assert_int_equal(ctr_docker_parse_sandbox(doc, len, i, err, sizeof(err)), CTR_OK);
	free(doc);
	assert_int_equal(i->n_pod_labels, 2);
	assert_true(has_pod_label(i, "app=shop"));
	assert_true(has_pod_label(i, "tier=front"));
	free(i);
}

static void test_docker_malformed(void **state)
{
	struct ctr_info *i = new_info();
	char err[256];
	size_t len;
	char *doc;

	(void)state;
	doc = slurp(FIX "/docker/inspect-truncated.json", &len);
	assert_int_equal(ctr_docker_parse(doc, len, i, NULL, 0, err, sizeof(err)), CTR_EBAD);
	assert_non_null(strstr(err, "truncated"));
	free(doc);
	assert_int_equal(ctr_docker_parse("[]", 2, i, NULL, 0, err, sizeof(err)), CTR_EBAD);
	assert_non_null(strstr(err, "Config"));
	assert_int_equal(ctr_docker_parse("{\"Config\": 5}", 13, i, NULL, 0, err, sizeof(err)),
			 CTR_EBAD);
	assert_int_equal(ctr_docker_parse("{\"Config\":{\"Labels\":null},\"Name\":7}", 35, i, NULL,
					  0, err, sizeof(err)),
			 CTR_OK);
	assert_int_equal(i->n_labels, 0);
	assert_int_equal(ctr_docker_parse("", 0, i, NULL, 0, err, sizeof(err)), CTR_EBAD);
	free(i);
}

/* Daemon down: the data root's config.v2.json stands in, sandbox included. */
static void test_docker_fallback(void **state)
{
	char err[256] = "", where[512] = "", web[CTR_ID_MAX];
	struct ctr_info *i = new_info();

	(void)state;
	fixture_id(FIX "/docker/web.id", web, sizeof(web));
	assert_int_equal(ctr_docker_fetch("/nonexistent/docker.sock", FIX "/docker/root", web, i,
					  err, sizeof(err), where, sizeof(where)),
			 CTR_OK);
	assert_string_equal(i->name, "k8s_web_shop-0_shop_" POD_UID "_1");
	assert_string_equal(i->image, "ctrcap-busybox:1");
	assert_string_equal(i->pod_name, "shop-0");
	assert_true(has_pod_label(i, "app=shop"));
	assert_false(has_pod_label(i, "annotation.kubernetes.io/config.seen=2026-11-22"));

	memset(i, 0, sizeof(*i));
	assert_int_equal(ctr_docker_fetch("/nonexistent/docker.sock", "/nonexistent/docker", web, i,
					  err, sizeof(err), where, sizeof(where)),
			 CTR_EUNREACH);
	assert_string_equal(where, "/nonexistent/docker.sock");
	assert_true(err[0] != '\0');
	/* Neither socket nor root: not this runtime's container. */
	assert_int_equal(ctr_docker_fetch(NULL, FIX "/docker/root", "ffff", i, err, sizeof(err),
					  where, sizeof(where)),
			 CTR_ENOTFOUND);
	free(i);
}

struct ev_seen {
	unsigned n;
	bool rename_web, start_web;
	char web[CTR_ID_MAX];
};

static void on_event(void *ctx, const char *id, const char *action)
{
	struct ev_seen *s = ctx;

	s->n++;
	if (!strcmp(id, s->web) && !strcmp(action, "rename"))
		s->rename_web = true;
	if (!strcmp(id, s->web) && !strcmp(action, "start"))
		s->start_web = true;
}

static void test_docker_events(void **state)
{
	struct ev_seen seen = { 0 };
	char *doc, *line, *save = NULL;
	size_t len;
	unsigned lines = 0, bad = 0;

	(void)state;
	fixture_id(FIX "/docker/web.id", seen.web, sizeof(seen.web));
	doc = slurp(FIX "/docker/events.jsonl", &len);
	for (line = strtok_r(doc, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lines++;
		if (ctr_docker_event_line(line, strlen(line), on_event, &seen))
			bad++;
	}
	free(doc);
	assert_true(lines > 4);
	assert_true(seen.n >= 4);		/* create/start x2, rename at least */
	assert_true(seen.n < lines);		/* image events are not container events */
	assert_true(seen.rename_web);
	assert_true(seen.start_web);
	assert_int_equal(ctr_docker_event_line("{\"Type\":", 8, on_event, &seen), -1);
	assert_int_equal(ctr_docker_event_line("[1,2]", 5, on_event, &seen), -1);
	(void)bad;
}

static void test_containerd_cri(void **state)
{
	char err[256] = "", where[512] = "";
	struct ctr_info *i = new_info();

	(void)state;
	assert_int_equal(ctr_containerd_read(FIX "/containerd", "k8s.io", A_ID, i, err, sizeof(err),
					     where, sizeof(where)),
			 CTR_OK);
	assert_string_equal(i->id, A_ID);
	assert_string_equal(i->name, "api");
	assert_string_equal(i->image, "registry.example/pay/api:2.1");
	assert_int_equal(i->pid, 4242);
	assert_string_equal(i->pod_name, "pay-7");
	assert_string_equal(i->pod_namespace, "pay");
	assert_string_equal(i->pod_uid, "11112222-3333-4444-5555-666677778888");
	assert_string_equal(i->k8s_ctr_name, "api");
	assert_true(has_label(i, "io.kubernetes.cri.sandbox-name=pay-7"));

	/* Namespace unknown (kubelet cgroupfs layout): found by scanning. */
	memset(i, 0, sizeof(*i));
	assert_int_equal(ctr_containerd_read(FIX "/containerd", NULL, A_ID, i, err, sizeof(err),
					     where, sizeof(where)),
			 CTR_OK);
	assert_string_equal(i->name, "api");
	free(i);
}

static void test_containerd_nerdctl_and_bad(void **state)
{
	char err[256] = "", where[512] = "";
	struct ctr_info *i = new_info();

	(void)state;
	assert_int_equal(ctr_containerd_read(FIX "/containerd", "default", B_ID, i, err,
					     sizeof(err), where, sizeof(where)),
			 CTR_OK);
	assert_string_equal(i->name, "cache");
	assert_string_equal(i->image, "");
	assert_true(has_label(i, "owner=ops"));
	assert_string_equal(i->pod_name, "");

	memset(i, 0, sizeof(*i));
	assert_int_equal(ctr_containerd_read(FIX "/containerd", "default", "broken", i, err,
					     sizeof(err), where, sizeof(where)),
			 CTR_EBAD);
	assert_non_null(strstr(where, "default/broken/config.json"));
	assert_non_null(strstr(err, "JSON"));
	assert_int_equal(ctr_containerd_read(FIX "/containerd", "default", "absent", i, err,
					     sizeof(err), where, sizeof(where)),
			 CTR_ENOTFOUND);
	assert_int_equal(ctr_containerd_read("/nonexistent", "default", B_ID, i, err, sizeof(err),
					     where, sizeof(where)),
			 CTR_EUNREACH);
	assert_non_null(strstr(where, "/nonexistent/io.containerd.runtime.v2.task"));
	free(i);
}

static void test_crio(void **state)
{
	char err[256] = "", where[512] = "";
	struct ctr_info *i = new_info();

	(void)state;
	assert_int_equal(ctr_crio_read(FIX "/crio/lib:" FIX "/crio/run", C_ID, i, err, sizeof(err),
				       where, sizeof(where)),
			 CTR_OK);
	assert_string_equal(i->name, "k8s_nginx_nginx-6b7f_web_0f0e0d0c-0b0a-4909-8807-060504030201_0");
	assert_string_equal(i->image, "docker.io/library/nginx:1.25");
	assert_string_equal(i->k8s_ctr_name, "nginx");
	assert_string_equal(i->pod_name, "nginx-6b7f");
	assert_string_equal(i->pod_namespace, "web");
	assert_string_equal(i->pod_uid, "0f0e0d0c-0b0a-4909-8807-060504030201");
	assert_true(has_pod_label(i, "app=nginx"));
	assert_true(has_pod_label(i, "pod-template-hash=6b7f"));
	assert_int_equal(i->n_pod_labels, 2);
	assert_int_equal(ctr_crio_read(FIX "/crio/lib", C_ID, i, err, sizeof(err), where,
				       sizeof(where)),
			 CTR_ENOTFOUND);
	free(i);
}

/* A stand-in for libpod's bolt database: binary pages around the JSON documents. */
static void make_podman_root(char *root, size_t len)
{
	char cmd[2048], path[1024];
	size_t n;
	char *doc;
	FILE *f;
	unsigned k;

	snprintf(root, len, "/tmp/cctr-podman.XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "cp -r " FIX "/podman/overlay-containers %s/", root);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/libpod", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/libpod/bolt_state.db", root);
	f = fopen(path, "wb");
	assert_non_null(f);
	for (k = 0; k < 4096; k++)
		fputc((int)(k * 7 % 256), f);
	/* A decoy for another container, then a broken one, then the real document. */
	fputs("{\"spec\":{\"process\":{}},\"id\":\"ffff\",\"labels\":{\"app\":\"decoy\"}}", f);
	fputc(0, f);
	fputs("{\"spec\":{\"process\":", f);
	fputc(0, f);
	doc = slurp(FIX "/podman/libpod-config.json", &n);
	fwrite(doc, 1, n, f);
	free(doc);
	for (k = 0; k < 1024; k++)
		fputc(0, f);
	fclose(f);
}

static void test_podman(void **state)
{
	char err[256] = "", where[512] = "", root[64], id[CTR_ID_MAX], cmd[128];
	struct ctr_info *i = new_info();

	(void)state;
	fixture_id(FIX "/podman/pweb.id", id, sizeof(id));
	make_podman_root(root, sizeof(root));
	assert_int_equal(ctr_podman_read(root, id, i, err, sizeof(err), where, sizeof(where)),
			 CTR_OK);
	assert_string_equal(i->name, "pweb");
	assert_string_equal(i->image, "localhost/ctrcap-busybox:1");
	assert_true(has_label(i, "app=pweb"));
	assert_true(has_label(i, "io.kubernetes.pod.name=pm-pod"));
	assert_true(has_label(i, "team=edge"));		/* an annotation */
	assert_false(has_label(i, "app=decoy"));
	assert_false(has_label(i, "io.container.manager=libpod"));
	assert_string_equal(i->pod_name, "pm-pod");
	assert_int_equal(ctr_podman_read(root, "ffff", i, err, sizeof(err), where, sizeof(where)),
			 CTR_ENOTFOUND);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);

	/* Without the database: names and image still come from storage. */
	memset(i, 0, sizeof(*i));
	assert_int_equal(ctr_podman_read(FIX "/podman", id, i, err, sizeof(err), where,
					 sizeof(where)),
			 CTR_OK);
	assert_string_equal(i->name, "pweb");
	assert_false(has_label(i, "app=pweb"));
	free(i);
}

static void test_podman_bad(void **state)
{
	char err[256] = "", where[512] = "";
	struct ctr_info *i = new_info();

	(void)state;
	assert_int_equal(ctr_podman_read(FIX "/podman-bad", "abc", i, err, sizeof(err), where,
					 sizeof(where)),
			 CTR_EBAD);
	assert_non_null(strstr(where, "podman-bad/overlay-containers/containers.json"));
	assert_non_null(strstr(err, "array"));
	assert_int_equal(ctr_podman_read("/nonexistent", "abc", i, err, sizeof(err), where,
					 sizeof(where)),
			 CTR_EUNREACH);
	assert_string_equal(where, "/nonexistent");
	free(i);
}

static void test_info_bounds(void **state)
{
	struct ctr_info *i = new_info(), *j = new_info();
	char key[32], big[2000];
	unsigned k;

	(void)state;
	for (k = 0; k < CTR_LABELS_MAX + 10; k++) {
		snprintf(key, sizeof(key), "k%u", k);
		ctr_info_add_label(i, key, "v");
	}
	assert_int_equal(i->n_labels, CTR_LABELS_MAX);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	i->n_labels = 0;
	ctr_info_add_label(i, "big", big);
	assert_int_equal(strlen(i->labels[0]), CTR_LABEL_MAX - 1);
	ctr_info_add_label(i, "io.kubernetes.pod.name", "p");
	ctr_info_apply_k8s(i);
	assert_string_equal(i->pod_name, "p");
	ctr_strlcpy(i->name, "n", sizeof(i->name));
	memset(j, 0x5a, sizeof(*j));
	ctr_info_copy(j, i);
	assert_string_equal(j->name, "n");
	assert_int_equal(j->n_labels, 2);
	assert_string_equal(j->labels[1], "io.kubernetes.pod.name=p");
	assert_string_equal(j->pod_name, "p");
	assert_int_equal(j->n_pod_labels, 0);
	assert_null(ctr_info_label(i, "io.kubernetes"));
	free(i);
	free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_inspect),
		cmocka_unit_test(test_docker_malformed),
		cmocka_unit_test(test_docker_fallback),
		cmocka_unit_test(test_docker_events),
		cmocka_unit_test(test_containerd_cri),
		cmocka_unit_test(test_containerd_nerdctl_and_bad),
		cmocka_unit_test(test_crio),
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_podman_bad),
		cmocka_unit_test(test_info_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
