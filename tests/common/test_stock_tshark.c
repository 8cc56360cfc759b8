// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What stock Wireshark, with no ctrcap plugin, makes of a ctrcap file whose
 * packets carry every identity carrier: Name Resolution Blocks, the pcapng
 * process id option (8), Apple's process info blocks with EPB option 0x8001,
 * ptcpdump's comments (--comments) and ctrcap's own option. Runs on the
 * host's Wireshark and, through the compat tests, on 4.4 and 4.6:
 *   - tshark -N n names the container addresses (every version);
 *   - frame.darwin.process_info.pid/.pname give each packet's process (4.6);
 *     older versions read the file cleanly;
 *   - the comments show as frame.comment (every version);
 *   - editcap, mergecap and tshark -w keep each carrier, or drop exactly
 *     what the version is known to drop (stated in want_rewrite()).
 * tshark runs with an empty HOME and plugin dir, and the test first checks
 * that no ctrcap plugin is loaded (as root Wireshark ignores both: then only
 * a plugin installed system-wide could load, and the check catches it).
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "test_util.h"

#include "ctrcap/ptcpdump_identity.h"

#define T0   1700000000000000000ull
#define NPKT 6
#define PID  241879u

static char *dir;
static char env[1024]; /* "HOME=... WIRESHARK_PLUGIN_DIR=..." before every tool */
static unsigned ws_major, ws_minor;

/* A file of this test's directory. */
static char *path_of(const char *name)
{
	return test_path(dir, name);
}

/* Ethernet + IPv4 + UDP from web (10.99.7.2) to db (10.99.7.3); bytes only, never sent. */
static uint32_t make_frame(uint8_t *f)
{
	static const uint8_t hdr[] = {
	    0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,		/* Ethernet */
	    0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 99, 7, 2, 10, 99, 7, 3, /* IPv4 */
	    0x9c, 0x40, 0, 53, 0, 12, 0, 0, 't', 'e', 's', 't',		/* UDP */
	};

	memcpy(f, hdr, sizeof(hdr));
	return sizeof(hdr);
}

/* s.pcapng: NRBs for both addresses, NPKT packets, every carrier on all but the last. */
static int setup(void **state)
{
	static char cmt[CTRCAP_PTCPDUMP_COMMENTS_MAX];
	struct ctrcap_pcapng_writer_opts o = {.userappl = "ctrcap-test"};
	struct ctrcap_pcapng_writer *w;
	struct ctrcap_identity id;
	uint8_t frame[64], web[4], db[4];
	char err[512], out[256];
	int ifid, n;
	(void)state;

	dir = test_tmpdir("stock");
	if (!dir)
		return -1;
	snprintf(env, sizeof(env), "HOME='%s/home' WIRESHARK_PLUGIN_DIR='%s/home'", dir, dir);
	if (test_run(NULL, 0, "mkdir '%s/home'", dir))
		return -1;
	if (test_run(out, sizeof(out), "%s tshark --version 2>/dev/null | head -1", env) ||
	    sscanf(out, "TShark (Wireshark) %u.%u", &ws_major, &ws_minor) != 2) {
		fprintf(stderr, "cannot tell the tshark version from '%s'\n", out);
		return -1;
	}
	fprintf(stderr, "stock tshark: Wireshark %u.%u\n", ws_major, ws_minor);
	o.path = path_of("s.pcapng");
	w = ctrcap_pcapng_writer_open(&o, err, sizeof(err));
	if (!w)
		return -1;
	ifid = ctrcap_pcapng_writer_interface(w, 4026532281u, 5, "eth0", "web", 1, 262144);
	inet_pton(AF_INET, "10.99.7.2", web);
	inet_pton(AF_INET, "10.99.7.3", db);
	if (ifid < 0 || ctrcap_pcapng_writer_name(w, AF_INET, web, "web.db-net.docker") ||
	    ctrcap_pcapng_writer_name(w, AF_INET, db, "db-0.shop.pod"))
		return -1;
	sample_identity(&id);
	id.pid = PID;
	n = ctrcap_ptcpdump_comments(&id, cmt, sizeof(cmt));
	for (unsigned i = 0; i < NPKT; i++) {
		bool known = i < NPKT - 1;
		struct ctrcap_pcapng_packet p = {
		    .if_id = (uint32_t)ifid,
		    .ts_ns = T0 + i * 1000,
		    .data = frame,
		    .direction = CTRCAP_DIR_OUT,
		    .packet_id = 100 + i,
		    .pid = known ? id.pid : 0,
		    .tid = id.tid,
		    .pname = id.comm.ptr,
		    .pname_len = id.comm.len,
		    .id = known ? &id : NULL,
		    .comments = known ? cmt : NULL,
		    .comments_len = known ? (uint32_t)n : 0,
		};

		p.caplen = p.origlen = make_frame(frame);
		if (ctrcap_pcapng_writer_packet(w, &p) < 0)
			return -1;
	}
	return ctrcap_pcapng_writer_close(w, err, sizeof(err));
}

static int teardown(void **state)
{
	(void)state;
	test_rmdir(dir);
	return 0;
}

static bool at_least(unsigned major, unsigned minor)
{
	return ws_major > major || (ws_major == major && ws_minor >= minor);
}

/* tshark -r s.pcapng ARGS into out (stderr dropped); the test fails unless it exits 0. */
static void tshark(char *out, size_t cap, const char *args)
{
	assert_int_equal(test_run(out, cap, "%s tshark -r '%s' %s 2>/dev/null", env,
				  path_of("s.pcapng"), args),
			 0);
}

/* No ctrcap plugin is loaded: what follows is what stock Wireshark shows. */
static void test_no_plugin(void **state)
{
	static char out[1 << 16];
	(void)state;

	assert_int_equal(test_run(out, sizeof(out), "%s tshark -G plugins 2>/dev/null", env), 0);
	if (strstr(out, "ctrcap"))
		fail_msg("a ctrcap plugin is loaded (installed system-wide?):\n%s", out);
}

/* -N n: the NRBs name both container addresses, on every version. */
static void test_names(void **state)
{
	char out[2048], want[2048] = "";
	(void)state;

	for (unsigned i = 0; i < NPKT; i++)
		strcat(want, "web.db-net.docker\tdb-0.shop.pod\n");
	tshark(out, sizeof(out), "-N n -T fields -e ip.src_host -e ip.dst_host");
	assert_string_equal(out, want);
}

/* 4.6: pid and name from Apple's blocks; before 4.6 the file reads cleanly all the same. */
static void test_process(void **state)
{
	char out[2048], want[2048] = "";
	(void)state;

	if (!at_least(4, 6)) {
		assert_int_equal(test_run(out, sizeof(out),
					  "%s tshark -r '%s' -T fields -e frame.number 2>&1 | "
					  "grep -v '^Running as user' | tr '\\n' ' '",
					  env, path_of("s.pcapng")),
				 0);
		assert_string_equal(out, "1 2 3 4 5 6 ");
		return;
	}
	for (unsigned i = 0; i < NPKT - 1; i++)
		strcat(want, "241879\twget\n");
	strcat(want, "\t\n");
	tshark(out, sizeof(out),
	       "-T fields -e frame.darwin.process_info.pid -e frame.darwin.process_info.pname");
	assert_string_equal(out, want);
	tshark(out, sizeof(out), "-Y 'frame.darwin.process_info.pname == \"wget\"' | wc -l");
	assert_string_equal(out, "5\n");
}

/* ptcpdump's comments are the packet's comments (frame.comment), on every version. */
static void test_comments(void **state)
{
	static const char *const filters[] = {
		/* A whole comment of several lines (display filter strings take \n). */
		"-Y 'frame.comment contains \"PID: 241879\\nCmd: /usr/bin/wget\\nArgs: wget\"'",
		"-Y 'frame.comment == \"UserId: 0\"'",
		"-Y 'frame.comment contains \"ContainerName: web\\nContainerId: 78f1713c\"'",
		"-Y 'frame.comment contains \"PodLabels: {\\\"app.kubernetes.io/name\\\":\"'",
	};
	char out[256], args[512];
	(void)state;

	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		snprintf(args, sizeof(args), "%s | wc -l", filters[i]);
		tshark(out, sizeof(out), args);
		if (strcmp(out, "5\n"))
			fail_msg("tshark %s: %s packets, expected 5", filters[i], out);
	}
}

/* What of each carrier a file holds, read back with ctrcap's reader. */
struct carriers {
	unsigned packets, names, pid, pib, comments, record;
};

static void count_packet(const struct ctrcap_pcapng_rec *rec, void *ctx)
{
	struct carriers *c = ctx;

	c->packets++;
	c->pid += rec->has_pid_tid && rec->pid == PID;
	c->pib += rec->has_pib && rec->pib_pid == PID && rec->pname_len == 4 &&
		  !memcmp(rec->pname, "wget", 4);
	c->comments += rec->comments_all && strstr(rec->comments_all, "\nPodAnnotations: {}");
	c->record += rec->has_identity && rec->identity.pid == PID;
}

static void survey(const char *path, char *out, size_t cap)
{
	struct carriers c = { 0 };
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	char err[512];
	int rc;

	test_each_packet(path, count_packet, &c);
	r = ctrcap_pcapng_reader_open(path, err, sizeof(err));
	assert_non_null(r);
	while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1)
		c.names += rec.kind == CTRCAP_REC_NAMES ? (unsigned)rec.n_names : 0;
	assert_int_equal(rc, 0);
	ctrcap_pcapng_reader_close(r);
	snprintf(out, cap, "packets %u names %u pid %u pib %u comments %u record %u", c.packets,
		 c.names, c.pid, c.pib, c.comments, c.record);
}

/*
 * The carriers a rewrite by tool keeps, as measured on each version:
 *   4.0: editcap, mergecap and tshark -w keep the comments and ctrcap's
 *        option, and drop the NRBs, option 8 and Apple's blocks with their
 *        0x8001 options (names, pid and process name are lost);
 *   4.4: all three keep the NRBs, the comments and ctrcap's option, and
 *        drop option 8 and Apple's blocks with their 0x8001 options;
 *   4.6: everything, except that mergecap drops Apple's blocks (it warns
 *        "Attempting to write a DPIB option while no DPIBs are present")
 *        and keeps the packets' 0x8001 options, which then name no block.
 * A version between two measured ones is expected to behave as the older.
 */
static const char *want_rewrite(const char *tool)
{
	if (!at_least(4, 4))
		return "packets 6 names 0 pid 0 pib 0 comments 5 record 5";
	if (!at_least(4, 6))
		return "packets 6 names 2 pid 0 pib 0 comments 5 record 5";
	if (!strcmp(tool, "mergecap") && at_least(4, 6))
		return "packets 6 names 2 pid 5 pib 0 comments 5 record 5";
	return "packets 6 names 2 pid 5 pib 5 comments 5 record 5";
}

/* Rewrite s.pcapng into out with tool (editcap, mergecap, tshark); its exit status. */
static int rewrite(const char *tool, const char *out)
{
	const char *in = path_of("s.pcapng");

	if (!strcmp(tool, "editcap"))
		return test_run(NULL, 0, "%s editcap '%s' '%s' 2>/dev/null", env, in, out);
	if (!strcmp(tool, "mergecap"))
		return test_run(NULL, 0, "%s mergecap -w '%s' '%s' 2>/dev/null", env, out, in);
	return test_run(NULL, 0, "%s tshark -r '%s' -w '%s' 2>/dev/null", env, in, out);
}

/* editcap, mergecap and tshark -w: what each keeps of every carrier. */
static void test_rewrites(void **state)
{
	static const char *const tools[] = { "editcap", "mergecap", "tshark" };
	char got[256];
	int bad = 0;
	(void)state;

	survey(path_of("s.pcapng"), got, sizeof(got));
	assert_string_equal(got, "packets 6 names 2 pid 5 pib 5 comments 5 record 5");
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		const char *out = path_of(tools[i]);

		assert_int_equal(rewrite(tools[i], out), 0);
		survey(out, got, sizeof(got));
		fprintf(stderr, "%s %u.%u: %s\n", tools[i], ws_major, ws_minor, got);
		if (strcmp(got, want_rewrite(tools[i]))) {
			fprintf(stderr, "  expected \"%s\"\n", want_rewrite(tools[i]));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_plugin),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_process),
	    cmocka_unit_test(test_comments),
	    cmocka_unit_test(test_rewrites),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
