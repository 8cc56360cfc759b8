// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the helper's container list as ctrcapdump parses it and
 * turns it into Wireshark interface lines. No crash, no '/' or brace left
 * in a display name, every listed interface name parses back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extcap_iface.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct extcap_container ctrs[64];
	char err[256], name[300];
	struct extcap_target t;
	size_t n = 0;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (extcap_parse_containers(text, ctrs, 64, &n, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (!extcap_iface_name(ctrs, n, i, name, sizeof(name)))
				continue;
			if (extcap_parse_target(name, &t, err, sizeof(err)))
				abort();
		}
		for (size_t i = 0; i < n; i++) {
			char clean[256];

			extcap_sanitize(ctrs[i].name, clean, sizeof(clean));
			if (strpbrk(clean, "/{}[]\n"))
				abort();
		}
	}
	free(text);
	return 0;
}
