// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The symbols Wireshark looks up in an epan plugin. A plugin loads only in
 * the major.minor it was built for; the guards keep this file compiling
 * from 4.0 (Debian 12) to 4.6.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <ws_version.h>

#include "packet-ctrcap.h"

#ifndef CTRCAP_PLUGIN_VERSION
#define CTRCAP_PLUGIN_VERSION "0.0.0"
#endif

#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
#include <wsutil/plugins.h>
#define CTRCAP_HAVE_DESCRIBE 1
#endif

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = CTRCAP_PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);
#ifdef CTRCAP_HAVE_DESCRIBE
WS_DLL_PUBLIC uint32_t plugin_describe(void);

/* What kind of plugin this is (4.2+ asks before loading). */
uint32_t plugin_describe(void)
{
	return WS_PLUGIN_DESC_DISSECTOR;
}
#endif

/* Hand the ctrcap protocol's register/handoff routines to epan. */
void plugin_register(void)
{
	static proto_plugin plug;

	plug.register_protoinfo = proto_register_ctrcap;
	plug.register_handoff = proto_reg_handoff_ctrcap;
	proto_register_plugin(&plug);
}
