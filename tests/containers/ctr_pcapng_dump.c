// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctr_pcapng_dump FILE: one line per packet of a ctrcap pcapng file, with the
 * IPv4 addresses/ports and the container/pod identity its record carries,
 * as tab-separated key=value fields for the e2e scripts to grep:
 *   if=eth0 src=10.99.3.3 dst=10.99.3.2 sport=41234 dport=80 proto=6 cgroup=2039
 *   ctr_id=... ctr_name=db image=... runtime=docker labels=a=b,c=d pod=... pod_ns=...
 * Exit status 1 when the file is malformed (the reader's error is printed).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ctrcap/pcapng.h"
#include "ctrcap/record.h"

/* Offset of the IPv4 header for the link types ctrcap writes, or -1. */
static int l3_offset(uint16_t linktype, const uint8_t *d, uint32_t len)
{
	switch (linktype) {
	case 1:		/* Ethernet, maybe one VLAN tag */
		if (len < 14)
			return -1;
		if (d[12] == 0x81 && d[13] == 0x00)
			return len >= 18 && d[16] == 0x08 && d[17] == 0x00 ? 18 : -1;
		return d[12] == 0x08 && d[13] == 0x00 ? 14 : -1;
	case 12:
	case 101:	/* raw IP */
		return 0;
	case 113:	/* Linux cooked v1 */
		return len >= 16 && d[14] == 0x08 && d[15] == 0x00 ? 16 : -1;
	case 276:	/* Linux cooked v2 */
		return len >= 20 && d[0] == 0x08 && d[1] == 0x00 ? 20 : -1;
	}
	return -1;
}

/* key=value; control characters (a bash -c script's newlines in args) as spaces. */
static void put_str(const char *key, struct ctrcap_str s)
{
	size_t i;

	printf("\t%s=", key);
	for (i = 0; s.ptr && i < s.len; i++)
		putchar((unsigned char)s.ptr[i] < 0x20 ? ' ' : s.ptr[i]);
}

static void put_list(const char *key, const struct ctrcap_str *v, unsigned n)
{
	unsigned i;

	printf("\t%s=", key);
	for (i = 0; i < n; i++)
		printf("%s%.*s", i ? "," : "", (int)v[i].len, v[i].ptr);
}

static void put_packet(const struct ctrcap_pcapng_rec *rec)
{
	const struct ctrcap_identity *id = &rec->identity;
	const uint8_t *d = rec->data;
	char src[INET_ADDRSTRLEN] = "", dst[INET_ADDRSTRLEN] = "";
	unsigned sport = 0, dport = 0, proto = 0;
	int off = rec->iface ? l3_offset(rec->iface->linktype, d, rec->caplen) : -1;

	if (off >= 0 && rec->caplen >= (uint32_t)off + 20 && (d[off] >> 4) == 4) {
		unsigned ihl = (d[off] & 0xfu) * 4u;

		proto = d[off + 9];
		inet_ntop(AF_INET, d + off + 12, src, sizeof(src));
		inet_ntop(AF_INET, d + off + 16, dst, sizeof(dst));
		if ((proto == 6 || proto == 17) && rec->caplen >= off + ihl + 4) {
			sport = (unsigned)d[off + ihl] << 8 | d[off + ihl + 1];
			dport = (unsigned)d[off + ihl + 2] << 8 | d[off + ihl + 3];
		}
	}
	printf("if=%s\tsrc=%s\tdst=%s\tsport=%u\tdport=%u\tproto=%u\tcgroup=%llu",
	       rec->iface ? rec->iface->name : "", src, dst, sport, dport, proto,
	       (unsigned long long)(id->present & CTRCAP_HAS_CGROUP_ID ? id->cgroup_id : 0));
	put_str("ctr_id", id->ctr_id);
	put_str("ctr_name", id->ctr_name);
	put_str("image", id->ctr_image);
	put_str("runtime", id->ctr_runtime);
	put_list("labels", id->ctr_labels, id->n_ctr_labels);
	put_str("pod", id->pod_name);
	put_str("pod_ns", id->pod_namespace);
	put_str("pod_uid", id->pod_uid);
	put_str("k8s_ctr", id->k8s_ctr_name);
	put_list("pod_labels", id->pod_labels, id->n_pod_labels);
	/* Process fields last: the checks above match the container fields by position. */
	printf("\tpid=%u", id->present & CTRCAP_HAS_PID ? id->pid : 0);
	put_str("comm", id->comm);
	put_str("exe", id->exe);
	put_str("args", id->args);
	printf("\tppid=%u", id->present & CTRCAP_HAS_PARENT_PID ? id->parent_pid : 0);
	put_str("pcomm", id->parent_comm);
	put_str("pexe", id->parent_exe);
	put_str("pargs", id->parent_args);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	char err[512];
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: ctr_pcapng_dump FILE\n");
		return 2;
	}
	r = ctrcap_pcapng_reader_open(argv[1], err, sizeof(err));
	if (!r) {
		fprintf(stderr, "ctr_pcapng_dump: %s\n", err);
		return 1;
	}
	while ((rc = ctrcap_pcapng_reader_next(r, &rec)) == 1) {
		if (rec.kind == CTRCAP_REC_PACKET)
			put_packet(&rec);
	}
	if (rc < 0)
		fprintf(stderr, "ctr_pcapng_dump: %s\n", ctrcap_pcapng_reader_error(r));
	ctrcap_pcapng_reader_close(r);
	return rc < 0 ? 1 : 0;
}
