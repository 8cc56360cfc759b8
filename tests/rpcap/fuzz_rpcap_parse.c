// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: a byte stream as a client would send it, cut into rpcap
 * messages and pushed through every request parser, the filter loader and
 * the filter on a PKTAP frame; plus the same bytes as --list-containers text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrcap/pcapng.h"
#include "pktap_frame.h"
#include "rpcap_filter.h"
#include "rpcap_proto.h"
#include "rpcap_sources.h"
#include "self_traffic.h"

static void run_filter(const struct rpcap_filter_msg *fm)
{
	static const uint8_t pkt[60] = { [12] = 0x08, [14] = 0x45 };
	struct ctrcap_identity id = { .present = CTRCAP_HAS_PID, .pid = 1 };
	struct pktap_frame_in in = { .linktype = 1, .data = pkt, .caplen = sizeof(pkt),
				     .origlen = sizeof(pkt), .id = &id };
	static uint8_t frame[1024];
	struct pktap_frame_out out;
	struct rpcap_bpf f = { 0 };
	char err[256];

	if (rpcap_bpf_load(fm, &f, err, sizeof(err)) < 0)
		return;
	if (pktap_frame_build(&in, sizeof(frame), frame, sizeof(frame), &out) == 0) {
		uint32_t keep = rpcap_bpf_run(&f, frame, out.caplen, out.wirelen, out.hdrlen, 1);

		if (keep > out.caplen)
			abort();
	}
	rpcap_bpf_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, n, skipped;
	struct rpcap_source *v;
	char err[512];

	if (size > 0) {
		struct self_conn sc = { .set = true, .version = 4, .local = { 127, 0, 0, 1 },
					.peer = { 127, 0, 0, 1 }, .local_port = 2002,
					.peer_port = 40000 };
		static const uint32_t lt[] = { 1, 101, 113, 228, 229, 276 };

		(void)self_conn_match(&sc, lt[data[0] % 6], data + 1, (uint32_t)size - 1);
		sc.version = 6;
		(void)self_conn_match(&sc, lt[data[0] % 6], data + 1, (uint32_t)size - 1);
	}

	if (rpcap_sources_parse((const char *)data, size, &v, &n, &skipped, err, sizeof(err)) ==
	    0) {
		for (size_t i = 0; i < n; i++)
			(void)rpcap_sources_find(v, n, v[i].name);
		free(v);
	}

	while (size - off >= RPCAP_HDR_LEN) {
		struct rpcap_hdr h;
		const uint8_t *p;
		size_t plen;
		bool fatal;

		rpcap_hdr_parse(data + off, &h);
		off += RPCAP_HDR_LEN;
		if (rpcap_hdr_check(&h, err, sizeof(err), &fatal) && fatal)
			break;
		plen = h.plen < size - off ? h.plen : size - off;
		p = data + off;
		off += plen;
		switch (h.type) {
		case RPCAP_MSG_AUTH_REQ: {
			struct rpcap_auth_msg m;

			if (rpcap_auth_parse(p, plen, &m, err, sizeof(err)) == 0 &&
			    m.type == RPCAP_AUTH_PWD && (m.user_len + m.pass_len > plen))
				abort();
			break;
		}
		case RPCAP_MSG_OPEN_REQ: {
			char name[RPCAP_MAX_DEVNAME + 1];

			if (rpcap_open_parse(p, plen, name, sizeof(name), err, sizeof(err)) == 0 &&
			    strlen(name) != plen)
				abort();
			break;
		}
		case RPCAP_MSG_STARTCAP_REQ: {
			struct rpcap_startcap_msg m;

			if (rpcap_startcap_parse(p, plen, &m, err, sizeof(err)) == 0)
				run_filter(&m.filter);
			break;
		}
		case RPCAP_MSG_UPDATEFILTER_REQ: {
			struct rpcap_filter_msg m;

			if (rpcap_filter_parse(p, plen, &m, err, sizeof(err)) == 0)
				run_filter(&m);
			break;
		}
		case RPCAP_MSG_SETSAMPLING_REQ: {
			uint8_t method;
			uint32_t value;

			(void)rpcap_sampling_parse(p, plen, &method, &value, err, sizeof(err));
			break;
		}
		}
	}
	return 0;
}
