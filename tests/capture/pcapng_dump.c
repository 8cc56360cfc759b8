// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper: one line per packet of a pcapng file, read with the common
 * reader (not with ctrcap's own printer), as key=value fields the capture
 * tests grep:
 *   if=eth0 ns=4026532 dir=out pktid=7 attr=socket pid=12 tid=12 comm=traffic
 *   uid=0 cgroup=1234 ppid=11 exe=/x args=traffic tcp-send ... | IP 10.99.1.1.5 > ...
 * Then one line per ISB: "isb if=N received=R dropped=D", and one per NRB
 * name where it stands in the file: "nrb 10.99.1.2 web".
 * pcapng_dump --idb FILE prints instead one line per IDB:
 *   idb if=eth0 desc=node worker-1, netns ccapA
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctrcap/pcapng.h"
#include "packet_text.h"

static void str(const char *key, struct ctrcap_str s)
{
	if (s.ptr)
		printf(" %s=%.*s", key, (int)s.len, s.ptr);
}

int main(int argc, char **argv)
{
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	char err[512], sum[512];
	bool idb = argc == 3 && !strcmp(argv[1], "--idb");
	int ret;

	if (argc != 2 && !idb) {
		fprintf(stderr, "usage: pcapng_dump [--idb] FILE\n");
		return 2;
	}
	r = ctrcap_pcapng_reader_open(argv[argc - 1], err, sizeof(err));
	if (!r) {
		fprintf(stderr, "pcapng_dump: %s\n", err);
		return 1;
	}
	while ((ret = ctrcap_pcapng_reader_next(r, &rec)) == 1) {
		const struct ctrcap_identity *id = &rec.identity;

		if (idb) {
			if (rec.kind == CTRCAP_REC_INTERFACE)
				printf("idb if=%s desc=%s\n", rec.iface->name, rec.iface->description);
			continue;
		}
		/* One line per name: "nrb 10.99.1.2 web" */
		for (size_t i = 0; rec.kind == CTRCAP_REC_NAMES && i < rec.n_names; i++) {
			char ip[INET6_ADDRSTRLEN];

			inet_ntop(rec.names[i].family, rec.names[i].addr, ip, sizeof(ip));
			printf("nrb %s %s\n", ip, rec.names[i].name);
		}
		if (rec.kind == CTRCAP_REC_STATS) {
			printf("isb if=%u received=%" PRIu64 " dropped=%" PRIu64 "\n", rec.iface_id,
			       rec.isb_received, rec.isb_dropped);
			continue;
		}
		if (rec.kind != CTRCAP_REC_PACKET)
			continue;
		printf("if=%s dir=%s pktid=%" PRIu64, rec.iface ? rec.iface->name : "?",
		       (rec.flags & 3) == 1 ? "in" : (rec.flags & 3) == 2 ? "out" : "?",
		       rec.has_packet_id ? rec.packet_id : 0);
		if (rec.has_identity) {
			printf(" attr=%s", ctrcap_attribution_name(id->attribution));
			if (id->present & CTRCAP_HAS_NETNS)
				printf(" ns=%u", id->netns);
			if (id->present & CTRCAP_HAS_PID)
				printf(" pid=%u tid=%u uid=%u", id->pid, id->tid, id->uid);
			if (id->present & CTRCAP_HAS_CGROUP_ID)
				printf(" cgroup=%" PRIu64, id->cgroup_id);
			if (id->present & CTRCAP_HAS_PARENT_PID)
				printf(" ppid=%u", id->parent_pid);
			str("comm", id->comm);
			str("exe", id->exe);
			if (id->present & CTRCAP_HAS_PROC_STATE)
				printf(" state=%u", id->proc_state);
			str("node", id->node_name);
			if (id->present & CTRCAP_HAS_DROP_REASON)
				printf(" dropcode=%u", id->drop_reason_code);
			str("drop", id->drop_reason);
			str("dropat", id->drop_location);
		}
		if (rec.iface) {
			struct ctrcap_text_pkt t = { .linktype = rec.iface->linktype,
						     .data = rec.data,
						     .caplen = rec.caplen,
						     .len = rec.origlen };

			ctrcap_packet_summary(&t, sum, sizeof(sum));
			printf(" | %s", sum);
		}
		/* args last: it contains spaces */
		if (rec.has_identity && id->args.ptr)
			printf(" | args=%.*s", (int)id->args.len, id->args.ptr);
		printf("\n");
	}
	if (ret < 0) {
		fprintf(stderr, "pcapng_dump: %s\n", ctrcap_pcapng_reader_error(r));
		ctrcap_pcapng_reader_close(r);
		return 1;
	}
	ctrcap_pcapng_reader_close(r);
	return 0;
}
