// SPDX-License-Identifier: GPL-2.0-or-later
/* Capture filter validation for Wireshark's filter bar and for --capture. */
#include <stdlib.h>
#include <string.h>

#include "extcap_util.h"
#include "filter_check.h"

#ifdef CTRCAP_EXTCAP_PKT_FILTER
#include "pkt_filter.h"

int extcap_filter_check(const char *expr, unsigned snaplen, char *err, size_t errlen)
{
	struct pkt_filter_prog *prog = calloc(1, sizeof(*prog));
	int rc;

	if (!prog) {
		ext_err(err, errlen, "out of memory compiling the capture filter");
		return -1;
	}
	rc = pkt_filter_compile(expr, PKT_FILTER_LINKTYPE_ETHERNET, snaplen, prog, err, errlen);
	free(prog);
	return rc ? -1 : 0;
}

const char *extcap_filter_compiler(void)
{
	return "pkt_filter";
}
#else
#include <pcap/pcap.h>

int extcap_filter_check(const char *expr, unsigned snaplen, char *err, size_t errlen)
{
	struct bpf_program prog;
	pcap_t *p;
	int rc = 0;

	if (!expr || !expr[strspn(expr, " \t\r\n")])
		return 0;
	p = pcap_open_dead(DLT_EN10MB, snaplen ? (int)snaplen : 262144);
	if (!p) {
		ext_err(err, errlen, "cannot set up libpcap to check the capture filter");
		return -1;
	}
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		ext_err(err, errlen, "invalid capture filter \"%s\": %s", expr, pcap_geterr(p));
		rc = -1;
	} else {
		pcap_freecode(&prog);
	}
	pcap_close(p);
	return rc;
}

const char *extcap_filter_compiler(void)
{
	return "libpcap";
}
#endif
