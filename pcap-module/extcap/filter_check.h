/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capture filter validation without privileges, through the compiler the
 * helper uses (capture-helper/pkt_filter.c when it is in the build, else
 * libpcap's for LINKTYPE_ETHERNET), so a filter Wireshark accepts is one
 * the helper accepts.
 */
#ifndef CTRCAP_EXTCAP_FILTER_CHECK_H
#define CTRCAP_EXTCAP_FILTER_CHECK_H

#include <stddef.h>

/* 0 if expr compiles for snaplen (0 = 262144), else -1 with the reason in err. */
int extcap_filter_check(const char *expr, unsigned snaplen, char *err, size_t errlen);


#endif /* CTRCAP_EXTCAP_FILTER_CHECK_H */
