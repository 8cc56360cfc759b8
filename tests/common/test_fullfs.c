// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A full file system (a 64 KiB tmpfs this test mounts): the writer reports
 * ENOSPC naming the file, and what is on disk is a readable pcapng prefix
 * made of whole blocks, for a plain file and for rotated files, with the
 * writer's own write() thread and without. Root only.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"

#include "ctrcap/pcapng.h"

#define T0 1700000000000000000ull

static char *dir;
static bool mounted;

static int setup(void **state)
{
	(void)state;
	dir = test_tmpdir("fullfs");
	if (!dir)
		return -1;
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0700") < 0) {
		fprintf(stderr, "mounting a tmpfs on %s: %s\n", dir, strerror(errno));
		/* Only an unprivileged run may skip; as root (CI) this is a failure. */
		return geteuid() == 0 ? -1 : 0;
	}
	mounted = true;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (mounted && umount2(dir, MNT_DETACH) < 0)
		fprintf(stderr, "unmounting %s: %s\n", dir, strerror(errno));
	test_rmdir(dir);
	return 0;
}

/* Read path to its end: returns packets, fails the test unless it ends cleanly. */
static unsigned read_clean(const char *path)
{
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	unsigned n = 0;
	char err[512];
	int rc;

	r = ctrcap_pcapng_reader_open(path, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1) {
		if (rec.kind == CTRCAP_REC_PACKET) {
			assert_true(rec.has_identity);
			n++;
		}
	}
	if (rc < 0)
		fail_msg("%s", ctrcap_pcapng_reader_error(r));
	ctrcap_pcapng_reader_close(r);
	return n;
}

/*
 * Write 1000-byte packets until the writer fails (bounded: 5000, some 5 MB,
 * so that the writer thread's 1 MiB buffers change hands more than once
 * and its failure is taken before the end); returns how many went in.
 */
static unsigned fill(struct ctrcap_pcapng_writer *w)
{
	static uint8_t data[1000];
	struct ctrcap_identity id;
	unsigned i;
	int ifid = ctrcap_pcapng_writer_interface(w, 1, 2, "eth0", NULL, 1, 0);

	assert_true(ifid >= 0);
	sample_identity(&id);
	for (i = 0; i < 5000; i++) {
		struct ctrcap_pcapng_packet p = {.if_id = (uint32_t)ifid,
						 .ts_ns = T0 + i,
						 .data = data,
						 .caplen = sizeof(data),
						 .origlen = sizeof(data),
						 .packet_id = i + 1,
						 .direction = CTRCAP_DIR_IN,
						 .id = &id};

		if (ctrcap_pcapng_writer_packet(w, &p) < 0)
			return i;
	}
	fail_msg("5000 packets of 1000 bytes fit into a 64 KiB file system");
	return i;
}

static void plain_file(bool thread)
{
	struct ctrcap_pcapng_writer_opts o = {.userappl = "ctrcap-test", .write_thread = thread};
	struct ctrcap_pcapng_writer *w;
	char path[512], err[1024], want[600];
	unsigned long long kept;
	struct stat st;
	unsigned sent, got;

	if (!mounted)
		skip();
	snprintf(path, sizeof(path), "%s/full.pcapng", dir);
	o.path = path;
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	assert_non_null(w);
	sent = fill(w);
	snprintf(want, sizeof(want),
		 "writing %s: No space left on device (file system full); "
		 "the file keeps its first ",
		 path);
	assert_memory_equal(ctrcap_pcapng_writer_error(w), want, strlen(want));
	assert_int_equal(sscanf(ctrcap_pcapng_writer_error(w) + strlen(want), "%llu", &kept), 1);
	/* Nothing more goes in once failed, and close reports the same error. */
	assert_int_equal(ctrcap_pcapng_writer_flush(w), -1);
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), -1);
	assert_memory_equal(err, want, strlen(want));

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((unsigned long long)st.st_size, kept);
	got = read_clean(path);
	assert_true(got > 0 && got <= sent);
	/* Wireshark reads it without complaint too. */
	snprintf(err, sizeof(err), "capinfos -c '%s' >/dev/null 2>&1", path);
	assert_int_equal(system(err), 0);
	unlink(path);
}

static void test_plain_file(void **state)
{
	(void)state;
	plain_file(false);
}

static void test_plain_file_thread(void **state)
{
	(void)state;
	plain_file(true);
}

/* Remove every file in dir (what an earlier test left). */
static void empty_dir(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			assert_int_equal(unlinkat(dirfd(d), de->d_name, 0), 0);
	closedir(d);
}

static void rotated_files(bool thread)
{
	struct ctrcap_pcapng_writer_opts o = {.rotate_bytes = 16384, .write_thread = thread};
	struct ctrcap_pcapng_writer *w;
	char path[512], err[1024];
	struct dirent *de;
	unsigned files = 0, got = 0;
	DIR *d;

	if (!mounted)
		skip();
	empty_dir();
	snprintf(path, sizeof(path), "%s/rot.pcapng", dir);
	o.path = path;
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	assert_non_null(w);
	fill(w);
	assert_non_null(strstr(ctrcap_pcapng_writer_error(w), "No space left on device"));
	assert_int_equal(ctrcap_pcapng_writer_close(w, err, sizeof(err)), -1);

	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		char p[1024];

		if (de->d_name[0] == '.') {
			/* No hidden temp file is left behind. */
			assert_true(!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."));
			continue;
		}
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		got += read_clean(p);
		files++;
	}
	closedir(d);
	assert_true(files >= 3);
	assert_true(got > 0);
}

static void test_rotated_files(void **state)
{
	(void)state;
	rotated_files(false);
}

static void test_rotated_files_thread(void **state)
{
	(void)state;
	rotated_files(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_file),
	    cmocka_unit_test(test_plain_file_thread),
	    cmocka_unit_test(test_rotated_files),
	    cmocka_unit_test(test_rotated_files_thread),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
