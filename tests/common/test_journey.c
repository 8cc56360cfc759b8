// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the journey table (ctrcap/journey.h) on frames built here:
 * hops in order with their counts and latencies, a drop, a packet that
 * vanished, the packet id window, a partly captured journey, flows kept
 * apart by netns, and the flow text of each link type it reads.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "ctrcap/journey.h"
#include "ctrcap/pcapng.h"

#define T0 1700000000000000000ull
#define US 1000ull

/* A raw-IP TCP SYN (linktype 101) from src:sport to dst:dport. */
static void tcp4(uint8_t *b, const char *src, unsigned sport, const char *dst, unsigned dport)
{
	memset(b, 0, 40);
	b[0] = 0x45;
	b[3] = 40;
	b[8] = 64;
	b[9] = 6;
	inet_pton(AF_INET, src, b + 12);
	inet_pton(AF_INET, dst, b + 16);
	b[20] = sport >> 8, b[21] = sport & 255;
	b[22] = dport >> 8, b[23] = dport & 255;
	b[32] = 0x50, b[33] = 0x02;
}

static uint8_t syn[40], syn2[40];

/* Frame of packet id at t0 + us microseconds on ifname in place. */
static struct ctrcap_jrec fr(uint64_t id, uint64_t us, const char *ifname, const char *place,
			     uint32_t dir, const uint8_t *data)
{
	return (struct ctrcap_jrec){ .packet_id = id, .ts_ns = T0 + us * US, .ifname = ifname,
				     .place = place, .direction = dir, .linktype = 101,
				     .data = data, .caplen = 40 };
}

/* The 4 hops of the NAT path of tests/capture/common.sh. */
static const struct {
	const char *ifname, *place;
	uint32_t dir;
} path[4] = {
	{ "eth0", "netns 1 (web)", CTRCAP_DIR_OUT },
	{ "a0", "netns 3", CTRCAP_DIR_IN },
	{ "b0", "netns 3", CTRCAP_DIR_OUT },
	{ "eth0", "netns 2 (db)", CTRCAP_DIR_IN },
};

/* Add a journey of id over hops [from, to) of path, the hops gap us apart. */
static void walk(struct ctrcap_journeys *t, uint64_t id, uint64_t us, unsigned from, unsigned to,
		 uint64_t gap)
{
	for (unsigned i = from; i < to; i++) {
		struct ctrcap_jrec r = fr(id, us + (i - from) * gap, path[i].ifname,
					  path[i].place, path[i].dir, syn);

		assert_int_equal(ctrcap_journeys_add(t, &r), 0);
	}
}

/* The table t prints, in a malloc'd string. */
static char *table(struct ctrcap_journeys *t)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	assert_int_equal(ctrcap_journeys_print(t, f), 0);
	fclose(f);
	return s;
}

static void test_clean_path(void **state)
{
	struct ctrcap_journeys *t = ctrcap_journeys_new();
	char *s;

	(void)state;
	/* Three packets, hops 10, 20 and 30 us apart: medians 20, max 30. */
	walk(t, 1, 0, 0, 4, 10);
	walk(t, 2, 100, 0, 4, 30);
	walk(t, 3, 200, 0, 4, 20);
	s = table(t);
	assert_string_equal(
		s,
		"Journeys: 12 frames, 3 packets, 1 flow\n"
		"\n"
		"Flow 1: TCP 10.99.1.1:40000 > 10.99.11.2:7101\n"
		"  from netns 1 (web) to netns 2 (db), 3 packets\n"
		"  Hop  Interface        Dir   Packets    Median us       Max us  Netns/container\n"
		"  1    eth0             Out         3            -            -  netns 1 (web)\n"
		"  2    a0               In          3       20.000       30.000  netns 3\n"
		"  3    b0               Out         3       20.000       30.000  netns 3\n"
		"  4    eth0             In          3       20.000       30.000  netns 2 (db)\n");
	free(s);
	ctrcap_journeys_free(t);
}

static void test_drop_and_vanish(void **state)
{
	struct ctrcap_journeys *t = ctrcap_journeys_new();
	struct ctrcap_jrec d;
	char *s;

	(void)state;
	walk(t, 1, 0, 0, 4, 10);
	/* Packet 2: dropped in R after a0, 7 us later, by netfilter. */
	walk(t, 2, 100, 0, 2, 10);
	d = fr(2, 117, "a0", "netns 3", CTRCAP_DIR_UNKNOWN, syn);
	d.drop_reason = "NETFILTER_DROP";
	d.drop_location = "nf_hook_slow+0x9e";
	assert_int_equal(ctrcap_journeys_add(t, &d), 0);
	/* Packet 3: seen on eth0 and a0, then nowhere, no drop. */
	walk(t, 3, 200, 0, 2, 10);
	/* Packet 4: dropped with no reason (a kernel before 5.17). */
	walk(t, 4, 300, 0, 2, 10);
	d = fr(4, 320, "a0", "netns 3", CTRCAP_DIR_UNKNOWN, syn);
	d.drop_location = "0xffffffff81000000";
	assert_int_equal(ctrcap_journeys_add(t, &d), 0);
	s = table(t);
	assert_non_null(strstr(s, "Journeys: 12 frames, 4 packets, 1 flow\n"));
	assert_non_null(strstr(s, "  1    eth0             Out         4            -            -  netns 1 (web)\n"
				  "  2    a0               In          4       10.000       10.000  netns 3\n"
				  "  3    b0               Out         1       10.000       10.000  netns 3\n"));
	assert_non_null(strstr(s, "  vanished between hop 2 and hop 3: 1 packet, no drop seen\n"));
	assert_non_null(strstr(s, "  dropped: 1 packet, NETFILTER_DROP at nf_hook_slow+0x9e, on a0 in netns 3\n"));
	assert_non_null(strstr(s, "  dropped: 1 packet, (no reason) at 0xffffffff81000000, on a0 in netns 3\n"));
	/* Only one gap: the dropped ones did not vanish. */
	assert_null(strstr(strstr(s, "vanished") + 1, "vanished"));
	free(s);
	ctrcap_journeys_free(t);
}

static void test_window_and_partial(void **state)
{
	struct ctrcap_journeys *t = ctrcap_journeys_new();
	char *s;

	(void)state;
	walk(t, 1, 0, 0, 4, 10);
	walk(t, 2, 50, 0, 4, 10);
	/* Packet 3 was not captured on b0 (lost there): db's eth0 is its third hop. */
	walk(t, 3, 90, 0, 2, 10);
	{
		struct ctrcap_jrec r = fr(3, 120, path[3].ifname, path[3].place, path[3].dir, syn);

		assert_int_equal(ctrcap_journeys_add(t, &r), 0);
	}
	/* Id 1 again after its window: another packet, its own journey. */
	walk(t, 1, CTRCAP_PACKET_ID_WINDOW_NS / US + 5, 0, 1, 10);
	s = table(t);
	assert_non_null(strstr(s, "Journeys: 12 frames, 4 packets, 1 flow\n"));
	/* b0 and db's eth0 stay hops 3 and 4 despite packet 3's position 3 for db. */
	assert_non_null(strstr(s, "  2    a0               In          3 "));
	assert_non_null(strstr(s, "  3    b0               Out         2 "));
	assert_non_null(strstr(s, "  4    eth0             In          3       10.000       20.000  netns 2 (db)\n"));
	/* The late one at web's eth0 alone is counted as vanished after hop 1. */
	assert_non_null(strstr(s, "  vanished between hop 1 and hop 2: 1 packet, no drop seen\n"));
	free(s);
	ctrcap_journeys_free(t);
}

static void test_flows_apart(void **state)
{
	struct ctrcap_journeys *t = ctrcap_journeys_new();
	struct ctrcap_jrec r;
	char *s;

	(void)state;
	walk(t, 1, 0, 0, 2, 10);
	/* The same 5-tuple from another netns is another flow. */
	r = fr(2, 5, "eth0", "netns 9 (other)", CTRCAP_DIR_OUT, syn);
	assert_int_equal(ctrcap_journeys_add(t, &r), 0);
	/* A NATed later hop stays in the flow of its first hop. */
	r = fr(2, 8, "uplink", "netns 3", CTRCAP_DIR_OUT, syn2);
	assert_int_equal(ctrcap_journeys_add(t, &r), 0);
	/* No packet id: a journey of its own. */
	r = fr(0, 9, "lo", "netns 3", CTRCAP_DIR_IN, syn2);
	assert_int_equal(ctrcap_journeys_add(t, &r), 0);
	r = fr(0, 10, "lo", "netns 3", CTRCAP_DIR_IN, syn2);
	assert_int_equal(ctrcap_journeys_add(t, &r), 0);
	s = table(t);
	assert_non_null(strstr(s, "Journeys: 6 frames, 4 packets, 3 flows\n"));
	assert_non_null(strstr(s, "Flow 2: TCP 10.99.1.1:40000 > 10.99.11.2:7101\n"
				  "  from netns 9 (other) to netns 3, 1 packet\n"));
	assert_non_null(strstr(s, "Flow 3: TCP 10.99.2.1:5555 > 10.99.3.3:80\n"
				  "  from netns 3 to netns 3, 2 packets\n"));
	assert_non_null(strstr(s, "  1    lo               In          2            -            -  netns 3\n"));
	free(s);
	ctrcap_journeys_free(t);
}

static void flow_is(uint16_t lt, const uint8_t *d, uint32_t n, const char *want)
{
	char buf[160];

	ctrcap_flow_text(lt, d, n, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_flow_text(void **state)
{
	uint8_t e[200] = { 0 }, v6[80] = { 0 };

	(void)state;
	flow_is(101, syn, 40, "TCP 10.99.1.1:40000 > 10.99.11.2:7101");
	/* Ethernet with a VLAN tag. */
	e[12] = 0x81, e[16] = 0x08;
	memcpy(e + 18, syn, 40);
	e[18 + 9] = 17;
	flow_is(1, e, 58, "UDP 10.99.1.1:40000 > 10.99.11.2:7101");
	/* Too short for the ports: the addresses alone. */
	flow_is(1, e, 18 + 22, "UDP 10.99.1.1 > 10.99.11.2");
	/* A later fragment has no ports. */
	e[18 + 7] = 0x10;
	flow_is(1, e, 58, "UDP 10.99.1.1 > 10.99.11.2");
	/* IPv6 with a hop-by-hop header, in Linux cooked v1. */
	v6[14] = 0x86, v6[15] = 0xdd;
	v6[16] = 0x60, v6[16 + 6] = 0;
	inet_pton(AF_INET6, "fd99:18::1", v6 + 16 + 8);
	inet_pton(AF_INET6, "fd99:18::2", v6 + 16 + 24);
	v6[56] = 6, v6[57] = 0;
	v6[64] = 0x1f, v6[65] = 0x90, v6[66] = 0x00, v6[67] = 0x50;
	flow_is(113, v6, 80, "TCP [fd99:18::1]:8080 > [fd99:18::2]:80");
	v6[56] = 58;
	flow_is(113, v6, 80, "ICMPv6 fd99:18::1 > fd99:18::2");
	v6[56] = 89;
	flow_is(113, v6, 80, "IPv6 proto 89 fd99:18::1 > fd99:18::2");
	/* ARP, an unknown link type, nothing at all. */
	e[12] = 0x08, e[13] = 0x06;
	flow_is(1, e, 60, "ethertype 0x0806");
	flow_is(147, e, 60, "link-type 147");
	flow_is(1, e, 0, "link-type 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test(test_drop_and_vanish),
		cmocka_unit_test(test_window_and_partial),
		cmocka_unit_test(test_flows_apart),
		cmocka_unit_test(test_flow_text),
	};

	tcp4(syn, "10.99.1.1", 40000, "10.99.11.2", 7101);
	tcp4(syn2, "10.99.2.1", 5555, "10.99.3.3", 80);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
