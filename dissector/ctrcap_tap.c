// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tshark -z ctrcap,journey[,FILTER]: the postdissector queues every frame
 * to the "ctrcap" tap as the journey table's record (ctrcap/journey.h);
 * the listener feeds common/'s table and prints it at the end. The table,
 * the flow text and the grouping are common/'s, so this prints what
 * ctrcap -r FILE --journey prints of the same file.
 */
#include <string.h>

#include <epan/packet.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <wiretap/pcap-encap.h>
#include <wiretap/wtap.h>

#include "ctrcap/journey.h"
#include "ctrcap/pcapng.h"
#include "ctrcap_tap.h"
#include "ws_at_least.h"

static int tap_id = -1;

/* The listener's table, made anew on each reset (a file reloaded). */
struct journey_stat {
	struct ctrcap_journeys *t;
	bool oom;
};

/* The pcap link type of a Wireshark encapsulation, among those the flow text reads. */
static guint16 frame_linktype(int encap)
{
	static const guint16 read[] = { 1, 113, 276, 101, 228, 229 };

	for (size_t i = 0; i < G_N_ELEMENTS(read); i++)
		if (wtap_pcap_encap_to_wtap_encap(read[i]) == encap)
			return read[i];
	return 0;
}

void ctrcap_tap_frame(tvbuff_t *tvb, packet_info *pinfo, wtap_block_t block,
		      const struct ctrcap_journey *j, const struct ctrcap_journey_drop *drop)
{
	struct ctrcap_journey_drop later;
	struct ctrcap_jrec *r;
	guint64 id = 0;
	guint32 flags = 0;

	if (!have_tap_listener(tap_id))
		return;
	r = wmem_new0(pinfo->pool, struct ctrcap_jrec);
	if (block) {
		if (wtap_block_get_uint64_option_value(block, OPT_PKT_PACKETID, &id) ==
		    WTAP_OPTTYPE_SUCCESS)
			r->packet_id = id;
		if (wtap_block_get_uint32_option_value(block, OPT_PKT_FLAGS, &flags) ==
		    WTAP_OPTTYPE_SUCCESS)
			r->direction = flags & 3;
	}
	/* Past the first pass the drop is the journey's (tshark -2). */
	if (!drop)
		drop = ctrcap_journey_drop_at(j, pinfo->num, &later);
	if (drop) {
		r->drop_reason = drop->reason;
		r->drop_location = drop->where;
	}
	r->ts_ns = (guint64)pinfo->abs_ts.secs * 1000000000u + (guint64)pinfo->abs_ts.nsecs;
	ctrcap_journey_frame_iface(pinfo, &r->ifname, &r->place);
	r->linktype = frame_linktype(pinfo->rec->rec_header.packet_header.pkt_encap);
	r->caplen = tvb_captured_length(tvb);
	r->data = tvb_get_ptr(tvb, 0, r->caplen);
	tap_queue_packet(tap_id, pinfo, r);
}

static void stat_reset(void *p)
{
	struct journey_stat *st = p;

	ctrcap_journeys_free(st->t);
	st->t = ctrcap_journeys_new();
	st->oom = !st->t;
}

static tap_packet_status stat_packet(void *p, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
				     const void *data, tap_flags_t flags _U_)
{
	struct journey_stat *st = p;

	if (st->oom || ctrcap_journeys_add(st->t, data)) {
		st->oom = true;
		return TAP_PACKET_FAILED;
	}
	return TAP_PACKET_DONT_REDRAW;
}

static void stat_draw(void *p)
{
	struct journey_stat *st = p;

	if (st->oom || ctrcap_journeys_print(st->t, stdout))
		fprintf(stderr, "tshark: ctrcap,journey: out of memory\n");
}

static void stat_finish(void *p)
{
	struct journey_stat *st = p;

	ctrcap_journeys_free(st->t);
	g_free(st);
}

/* -z ctrcap,journey or -z ctrcap,journey,FILTER. */
static void journey_start(const char *opt)
{
	static const char prefix[] = "ctrcap,journey";
	const char *filter = NULL;
	struct journey_stat *st;
	GString *err;

	if (!strncmp(opt, prefix, sizeof(prefix) - 1) && opt[sizeof(prefix) - 1] == ',')
		filter = opt + sizeof(prefix);
	st = g_new0(struct journey_stat, 1);
	st->t = ctrcap_journeys_new();
	st->oom = !st->t;
	err = register_tap_listener("ctrcap", st, filter, TL_REQUIRES_NOTHING, stat_reset,
				    stat_packet, stat_draw, stat_finish);
	if (err) {
		fprintf(stderr, "tshark: -z ctrcap,journey: %s\n", err->str);
		g_string_free(err, TRUE);
		ctrcap_journeys_free(st->t);
		g_free(st);
		exit(1);
	}
}

#if WS_AT_LEAST(4, 6)
/* 4.6's stat_tap_ui init says whether it started; a failed start exits above. */
static bool stat_init(const char *opt, void *userdata _U_)
{
	journey_start(opt);
	return true;
}
#else
static void stat_init(const char *opt, void *userdata _U_)
{
	journey_start(opt);
}
#endif

void ctrcap_tap_register(void)
{
	static stat_tap_ui ui = {
		REGISTER_STAT_GROUP_GENERIC, "ctrcap journeys", "ctrcap,journey", stat_init, 0, NULL,
	};

	tap_id = register_tap("ctrcap");
	register_stat_tap_ui(&ui, NULL);
}
