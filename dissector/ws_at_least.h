/* SPDX-License-Identifier: GPL-2.0-or-later */
/* WS_AT_LEAST(maj, min): building against Wireshark maj.min or newer (APIs differ across 4.0-4.6). */
#ifndef CTRCAP_WS_AT_LEAST_H
#define CTRCAP_WS_AT_LEAST_H

#include <ws_version.h>

#define WS_AT_LEAST(maj, min)                                                                      \
	(WIRESHARK_VERSION_MAJOR > (maj) ||                                                        \
	 (WIRESHARK_VERSION_MAJOR == (maj) && WIRESHARK_VERSION_MINOR >= (min)))

#endif /* CTRCAP_WS_AT_LEAST_H */
