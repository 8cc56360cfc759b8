// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A real libpcap rpcap client for the tests, linked against libpcap built
 * with --enable-remote: findalldevs, open a source, set a filter, capture
 * N packets into a pcap file, print the stats.
 *
 *   rpcap_client -u rpcap://127.0.0.1:PORT/ [-U user -P pass] -L
 *   rpcap_client -u rpcap://127.0.0.1:PORT/ -s container-any [-f EXPR [-i]]
 *                [-c N] [-t SECONDS] [-w FILE] [-g EXPR2] [-N] [-a ADDR,PORT]
 * -g switches to EXPR2 (compiled like EXPR) after half the packets, which
 * sends UPDATEFILTER to the running capture.
 * -i compiles EXPR for Ethernet and marks it as an inner-frame filter (the
 * server's convention in ctrcap/pktap.h), because libpcap 1.10 cannot
 * compile anything but link[N:M] for DLT_PKTAP.
 * -N opens with PCAP_OPENFLAG_NOCAPTURE_RPCAP, as Wireshark's "Do not
 * capture own RPCAP traffic" does.
 * -a waits on ADDR,PORT for a server in active mode (pcap_remoteact_accept);
 * the URL then names the server's address, as the connection comes from it.
 * An rpcaps:// URL speaks TLS (on the control and data connections; with
 * -a, to the server that connects too).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap.h>

#include "ctrcap/pktap.h"

#define SNAPLEN 65535

static int list_sources(const char *url, struct pcap_rmtauth *auth)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_if_t *devs, *d;
	int n = 0;

	if (pcap_findalldevs_ex(url, auth, &devs, err) != 0) {
		fprintf(stderr, "rpcap_client: findalldevs on %s: %s\n", url, err);
		return 1;
	}
	for (d = devs; d; d = d->next, n++)
		printf("%s\t%s\n", d->name, d->description ? d->description : "");
	pcap_freealldevs(devs);
	fprintf(stderr, "rpcap_client: %d sources\n", n);
	return 0;
}

/* Active mode: wait on "addr,port" until a server connects (and authenticate to it). */
static int accept_server(char *spec, struct pcap_rmtauth *auth, int tls)
{
	char err[PCAP_ERRBUF_SIZE], from[PCAP_BUF_SIZE];
	char *comma = strchr(spec, ',');

	if (!comma) {
		fprintf(stderr, "rpcap_client: -a wants ADDR,PORT\n");
		return -1;
	}
	*comma = '\0';
	if (pcap_remoteact_accept_ex(spec, comma + 1, "", from, auth, tls, err) == (SOCKET)-1) {
		fprintf(stderr, "rpcap_client: waiting for a server on %s port %s: %s\n", spec,
			comma + 1, err);
		return -1;
	}
	fprintf(stderr, "rpcap_client: active server %s connected\n", from);
	return 0;
}

/* Compile expr for the inner frames and prepend the two marker instructions. */
static int inner_filter(const char *expr, struct bpf_program *out)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	struct bpf_program p;
	struct bpf_insn *v;

	if (pcap_compile(dead, &p, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		fprintf(stderr, "rpcap_client: compiling '%s' for Ethernet: %s\n", expr,
			pcap_geterr(dead));
		pcap_close(dead);
		return -1;
	}
	pcap_close(dead);
	v = calloc(p.bf_len + 2, sizeof(*v));
	if (!v)
		return -1;
	v[0] = (struct bpf_insn)BPF_STMT(BPF_LD | BPF_W | BPF_IMM, CTRCAP_PKTAP_INNER_FILTER_MAGIC);
	v[1] = (struct bpf_insn)BPF_STMT(BPF_LD | BPF_W | BPF_IMM, DLT_EN10MB);
	memcpy(v + 2, p.bf_insns, p.bf_len * sizeof(*v));
	out->bf_len = p.bf_len + 2;
	out->bf_insns = v;
	pcap_freecode(&p);
	return 0;
}

/*
 * Compile expr (for the source's link type, or for inner frames) and set
 * it. 0, -3 when libpcap cannot compile it for the link type, -1 otherwise.
 */
static int set_filter(pcap_t *p, const char *expr, int inner, struct bpf_program *prog)
{
	if (inner) {
		if (inner_filter(expr, prog) < 0)
			return -1;
	} else if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		fprintf(stderr, "rpcap_client: compiling '%s' for %s: %s\n", expr,
			pcap_datalink_val_to_name(pcap_datalink(p)), pcap_geterr(p));
		return -3;
	}
	if (pcap_setfilter(p, prog) != 0) {
		fprintf(stderr, "rpcap_client: setfilter '%s': %s\n", expr, pcap_geterr(p));
		pcap_freecode(prog);
		return -1;
	}
	pcap_freecode(prog);
	return 0;
}

int main(int argc, char **argv)
{
	const char *url = NULL, *source = NULL, *expr = NULL, *wfile = NULL, *expr2 = NULL;
	char *active = NULL;
	struct pcap_rmtauth auth = { .type = RPCAP_RMTAUTH_NULL };
	char err[PCAP_ERRBUF_SIZE], src[512];
	int c, inner = 0, list = 0, count = 10, seconds = 20, got = 0, r, flags = 0;
	struct bpf_program prog;
	struct pcap_stat st;
	pcap_dumper_t *dump = NULL;
	time_t end;
	pcap_t *p;

	while ((c = getopt(argc, argv, "u:U:P:Ls:f:ic:t:w:g:Na:")) != -1) {
		switch (c) {
		case 'u': url = optarg; break;
		case 'U': auth.type = RPCAP_RMTAUTH_PWD; auth.username = optarg; break;
		case 'P': auth.password = optarg; break;
		case 'L': list = 1; break;
		case 's': source = optarg; break;
		case 'f': expr = optarg; break;
		case 'i': inner = 1; break;
		case 'c': count = atoi(optarg); break;
		case 't': seconds = atoi(optarg); break;
		case 'w': wfile = optarg; break;
		case 'g': expr2 = optarg; break;
		case 'N': flags |= PCAP_OPENFLAG_NOCAPTURE_RPCAP; break;
		case 'a': active = optarg; break;
		default:
			fprintf(stderr, "usage: see the comment at the top of rpcap_client.c\n");
			return 2;
		}
	}
	if (!url) {
		fprintf(stderr, "rpcap_client: -u rpcap://host:port/ is required\n");
		return 2;
	}
	if (active && accept_server(active, &auth, strncmp(url, "rpcaps://", 9) == 0) < 0)
		return 1;
	if (list)
		return list_sources(url, &auth);
	if (!source) {
		fprintf(stderr, "rpcap_client: -s SOURCE or -L is required\n");
		return 2;
	}

	snprintf(src, sizeof(src), "%s%s", url, source);
	p = pcap_open(src, SNAPLEN, flags, 200, &auth, err);
	if (!p) {
		fprintf(stderr, "rpcap_client: open %s: %s\n", src, err);
		return 1;
	}
	printf("linktype %d (%s)\n", pcap_datalink(p),
	       pcap_datalink_val_to_name(pcap_datalink(p)) ?: "?");

	/* Always set a filter: libpcap 1.10.3 sends a malformed STARTCAP without one. */
	r = set_filter(p, expr ? expr : "", inner && expr, &prog);
	if (r != 0) {
		pcap_close(p);
		return r == -3 ? 3 : 1;
	}
	if (wfile) {
		dump = pcap_dump_open(p, wfile);
		if (!dump) {
			fprintf(stderr, "rpcap_client: %s: %s\n", wfile, pcap_geterr(p));
			pcap_close(p);
			return 1;
		}
	}

	end = time(NULL) + seconds;
	while (got < count && time(NULL) < end) {
		struct pcap_pkthdr *h;
		const u_char *data;

		r = pcap_next_ex(p, &h, &data);
		if (r == 0)
			continue; /* read timeout */
		if (r < 0) {
			fprintf(stderr, "rpcap_client: capture ended: %s\n", pcap_geterr(p));
			break;
		}
		if (dump)
			pcap_dump((u_char *)dump, h, data);
		got++;
		if (expr2 && got == count / 2) {
			struct bpf_program p2;

			if (set_filter(p, expr2, inner, &p2) < 0) {
				r = -1;
				break;
			}
			printf("filter updated to '%s'\n", expr2);
			expr2 = NULL;
		}
	}
	if (pcap_stats(p, &st) == 0)
		printf("stats recv %u drop %u ifdrop %u\n", st.ps_recv, st.ps_drop, st.ps_ifdrop);
	else
		fprintf(stderr, "rpcap_client: stats: %s\n", pcap_geterr(p));
	printf("captured %d packets\n", got);
	if (dump)
		pcap_dump_close(dump);
	pcap_close(p);
	return got >= count ? 0 : 4;
}
