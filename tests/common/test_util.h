/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the tests of ctrcap_common: sample identities and temp dirs. */
#ifndef CTRCAP_TEST_UTIL_H
#define CTRCAP_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrcap/pcapng.h"
#include "ctrcap/record.h"

#define S(lit) ((struct ctrcap_str){.ptr = (lit), .len = sizeof(lit) - 1})

/* The identity of DESIGN.md's example packet, every field set. */
static inline void sample_identity(struct ctrcap_identity *id)
{
	memset(id, 0, sizeof(*id));
	id->present = CTRCAP_HAS_PID | CTRCAP_HAS_TID | CTRCAP_HAS_UID | CTRCAP_HAS_GID |
		      CTRCAP_HAS_START_TIME | CTRCAP_HAS_PARENT_PID | CTRCAP_HAS_NETNS |
		      CTRCAP_HAS_CGROUP_ID | CTRCAP_HAS_ATTRIBUTION;
	id->pid = 241879;
	id->tid = 241880;
	id->uid = 0;
	id->gid = 0;
	id->start_time_ns = 1700000000123456789ull;
	id->parent_pid = 241858;
	id->netns = 4026532281u;
	id->cgroup_id = 0x1234567890abcdefull;
	id->attribution = CTRCAP_ATTR_SOCKET;
	id->comm = S("wget");
	id->exe = S("/usr/bin/wget");
	id->args = S("wget -T 10 10.99.7.3");
	id->user = S("root");
	id->parent_comm = S("containerd-shim");
	id->parent_exe = S("/usr/bin/containerd-shim-runc-v2");
	id->parent_args = S("/usr/bin/containerd-shim-runc-v2 -namespace moby");
	id->ctr_id = S("78f1713c7d0f9d5e0b1f6f1c2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d");
	id->ctr_name = S("web");
	id->ctr_image = S("busybox:1");
	id->ctr_runtime = S("docker");
	id->ctr_labels[0] = S("app=web");
	id->ctr_labels[1] = S("tier=front");
	id->n_ctr_labels = 2;
	id->pod_name = S("web-7d4b9c");
	id->pod_namespace = S("shop");
	id->pod_uid = S("0b6f1a52-4c1e-4a43-9a7e-1f6c2d3e4f50");
	id->k8s_ctr_name = S("nginx");
	id->pod_labels[0] = S("app.kubernetes.io/name=web");
	id->n_pod_labels = 1;
}

static inline void assert_str_eq(struct ctrcap_str a, struct ctrcap_str b)
{
	if (!a.ptr || !b.ptr) {
		assert_true(a.ptr == b.ptr);
		return;
	}
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.ptr, b.ptr, a.len);
}

/* Every field of two identities is equal (strings by content). */
static inline void assert_identity_eq(const struct ctrcap_identity *a,
				      const struct ctrcap_identity *b)
{
	unsigned i;

	assert_int_equal(a->present, b->present);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->tid, b->tid);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->gid, b->gid);
	assert_int_equal(a->parent_pid, b->parent_pid);
	assert_int_equal(a->netns, b->netns);
	assert_true(a->start_time_ns == b->start_time_ns);
	assert_true(a->cgroup_id == b->cgroup_id);
	assert_int_equal(a->attribution, b->attribution);
	assert_str_eq(a->comm, b->comm);
	assert_str_eq(a->exe, b->exe);
	assert_str_eq(a->args, b->args);
	assert_str_eq(a->user, b->user);
	assert_str_eq(a->parent_comm, b->parent_comm);
	assert_str_eq(a->parent_exe, b->parent_exe);
	assert_str_eq(a->parent_args, b->parent_args);
	assert_str_eq(a->ctr_id, b->ctr_id);
	assert_str_eq(a->ctr_name, b->ctr_name);
	assert_str_eq(a->ctr_image, b->ctr_image);
	assert_str_eq(a->ctr_runtime, b->ctr_runtime);
	assert_str_eq(a->pod_name, b->pod_name);
	assert_str_eq(a->pod_namespace, b->pod_namespace);
	assert_str_eq(a->pod_uid, b->pod_uid);
	assert_str_eq(a->k8s_ctr_name, b->k8s_ctr_name);
	assert_int_equal(a->n_ctr_labels, b->n_ctr_labels);
	for (i = 0; i < a->n_ctr_labels; i++)
		assert_str_eq(a->ctr_labels[i], b->ctr_labels[i]);
	assert_int_equal(a->n_pod_labels, b->n_pod_labels);
	for (i = 0; i < a->n_pod_labels; i++)
		assert_str_eq(a->pod_labels[i], b->pod_labels[i]);
	assert_str_eq(a->node_name, b->node_name);
}

/* A fresh directory under $TMPDIR (or /tmp) for one test; caller frees the path. */
static inline char *test_tmpdir(const char *tag)
{
	const char *base = getenv("TMPDIR");
	char *p;

	if (!base || !*base)
		base = "/tmp";
	if (asprintf(&p, "%s/ctrcap-A-%s-XXXXXX", base, tag) < 0)
		return NULL;
	if (!mkdtemp(p)) {
		free(p);
		return NULL;
	}
	return p;
}

/* rm -r of a test directory made by test_tmpdir(). */
static inline void test_rmdir(char *dir)
{
	char *cmd;

	if (!dir)
		return;
	if (asprintf(&cmd, "rm -rf '%s'", dir) >= 0) {
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
		free(cmd);
	}
	free(dir);
}

/* A pcapng writer on path with -C/-G/-W as given; the test fails if it does not open. */
static inline struct ctrcap_pcapng_writer *test_open_writer(const char *path, uint64_t rotate_bytes,
							    unsigned rotate_seconds,
							    unsigned max_files)
{
	struct ctrcap_pcapng_writer_opts o = {
	    .path = path,
	    .rotate_bytes = rotate_bytes,
	    .rotate_seconds = rotate_seconds,
	    .max_files = max_files,
	    .userappl = "ctrcap-test",
	};
	char err[512] = "";
	struct ctrcap_pcapng_writer *w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));

	if (!w)
		fail_msg("writer_open: %s", err);
	return w;
}

/*
 * A writer (-C rotate_bytes) on file in a new test directory (*dir, made
 * for tag; the file's path in path) with one interface, id 0.
 */
static inline struct ctrcap_pcapng_writer *test_writer_in(const char *tag, const char *file,
							  uint64_t rotate_bytes, char **dir,
							  char *path, size_t cap)
{
	struct ctrcap_pcapng_writer *w;

	*dir = test_tmpdir(tag);
	snprintf(path, cap, "%s/%s", *dir, file);
	w = test_open_writer(path, rotate_bytes, 0, 0);
	assert_int_equal(ctrcap_pcapng_writer_interface(w, 1, 2, "eth0", NULL, 1, 0), 0);
	return w;
}

/* Run a shell command; its stdout goes to out (NUL-terminated). Returns the exit status. */
static inline int test_run(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline int test_run(char *out, size_t cap, const char *fmt, ...)
{
	char cmd[4096];
	size_t n = 0;
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (out) {
		n = fread(out, 1, cap - 1, p);
		out[n] = '\0';
	} else {
		char sink[4096];

		while (fread(sink, 1, sizeof(sink), p) > 0) {
		}
	}
	return pclose(p);
}

/* dir/name in one of 8 buffers used in turn (a few paths per call are fine). */
static inline char *test_path(const char *dir, const char *name)
{
	static char p[8][512];
	static unsigned k;
	char *s = p[k++ % 8];

	snprintf(s, 512, "%s/%s", dir, name);
	return s;
}

/* Call fn with each packet of the pcapng file path; the file must read cleanly. Returns the count. */
static inline int test_each_packet(const char *path,
				   void (*fn)(const struct ctrcap_pcapng_rec *rec, void *ctx),
				   void *ctx)
{
	char err[512] = "";
	struct ctrcap_pcapng_reader *r = ctrcap_pcapng_reader_open(path, err, sizeof(err));
	struct ctrcap_pcapng_rec rec;
	int rc, n = 0;

	if (!r)
		fail_msg("reader_open: %s", err);
	while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1) {
		if (rec.kind != CTRCAP_REC_PACKET)
			continue;
		n++;
		fn(&rec, ctx);
	}
	if (rc)
		fail_msg("reading %s: %s", path, ctrcap_pcapng_reader_error(r));
	ctrcap_pcapng_reader_close(r);
	return n;
}

#endif /* CTRCAP_TEST_UTIL_H */
