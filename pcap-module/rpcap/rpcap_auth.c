// SPDX-License-Identifier: GPL-2.0-or-later
/* Null and password-file authentication (see rpcap_auth.h). */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpcap_auth.h"

#define MAX_LINES 10000u

/* Compare without an early exit so the time says nothing about the hash. */
static bool same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* Find user's hash in the file; 1 found, 0 not, -1 unreadable (err set). */
static int find_hash(const char *path, const char *user, char *hash, size_t hashlen, char *err,
		     size_t errlen)
{
	char line[1024];
	unsigned n = 0;
	int found = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		snprintf(err, errlen, "password file %s: %s", path, strerror(errno));
		return -1;
	}
	while (n++ < MAX_LINES && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!strchr(line, '\n') && !feof(f)) {
			/* Longer than any entry we accept: skip it whole, so its tail
			 * is never read as a "user:hash" line of its own. */
			int c;

			while ((c = getc(f)) != EOF && c != '\n')
				;
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || !colon)
			continue;
		*colon = '\0';
		if (strcmp(line, user) != 0)
			continue;
		snprintf(hash, hashlen, "%s", colon + 1);
		found = 1;
		break;
	}
	fclose(f);
	return found;
}

int rpcap_auth_check(const struct rpcap_auth_cfg *c, const struct rpcap_auth_msg *m, char *err,
		     size_t errlen)
{
	char user[RPCAP_MAX_AUTH_STR + 1], pass[RPCAP_MAX_AUTH_STR + 1], hash[512];
	struct crypt_data *cd;
	const char *out;
	bool ok;
	int r;

	if (m->type == RPCAP_AUTH_NULL) {
		if (c->null_ok)
			return 0;
		snprintf(err, errlen, "null authentication is disabled on this server; "
				      "send a user name and password");
		return RPCAP_ERR_AUTH_FAILED;
	}
	if (m->type != RPCAP_AUTH_PWD) {
		snprintf(err, errlen, "authentication type %u is not supported", m->type);
		return RPCAP_ERR_AUTH_TYPE_NOTSUP;
	}
	if (!c->passwd_file) {
		snprintf(err, errlen, "password authentication is not configured on this server");
		return RPCAP_ERR_AUTH_FAILED;
	}
	memcpy(user, m->user, m->user_len);
	user[m->user_len] = '\0';
	memcpy(pass, m->pass, m->pass_len);
	pass[m->pass_len] = '\0';

	r = find_hash(c->passwd_file, user, hash, sizeof(hash), err, errlen);
	if (r < 0) {
		fprintf(stderr, "ctrcap-rpcapd: %s\n", err);
		snprintf(err, errlen, "authentication failed (server error)");
		return RPCAP_ERR_AUTH;
	}
	cd = calloc(1, sizeof(*cd));
	if (!cd) {
		snprintf(err, errlen, "authentication failed (out of memory)");
		return RPCAP_ERR_AUTH;
	}
	/* Hash even for unknown users so both cases take about as long. */
	out = crypt_r(pass, r == 1 ? hash : "$6$ctrcapnouser$", cd);
	ok = r == 1 && out && out[0] != '*' && same(out, hash);
	free(cd);
	explicit_bzero(pass, sizeof(pass));
	if (!ok) {
		snprintf(err, errlen, "authentication failed for user '%s'", user);
		return RPCAP_ERR_AUTH_FAILED;
	}
	return 0;
}
