// SPDX-License-Identifier: GPL-2.0-or-later
/* Capture filter validation for Wireshark's filter bar and for --capture. */
#include <stdlib.h>

#include "ctrcap/errbuf.h"
#include "filter_check.h"

#include "pkt_filter.h"

int extcap_filter_check(const char *expr, unsigned snaplen, char *err, size_t errlen)
{
	struct pkt_filter_prog *prog = calloc(1, sizeof(*prog));
	int rc;

	if (!prog) {
		ctrcap_errf(err, errlen, "out of memory compiling the capture filter");
		return -1;
	}
	rc = pkt_filter_compile(expr, PKT_FILTER_LINKTYPE_ETHERNET, snaplen, prog, err, errlen);
	free(prog);
	return rc ? -1 : 0;
}
