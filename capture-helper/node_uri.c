// SPDX-License-Identifier: GPL-2.0-or-later
/* Parsing --node NAME=URI (see node_uri.h). */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_uri.h"

/*
 * A user or host must not start with '-' (ssh would read an option) and
 * holds no byte a shell or ssh gives meaning to.
 */
static bool plain_word(const char *s, const char *extra)
{
	if (!*s || *s == '-')
		return false;
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	}
	return true;
}

/* HOST[:PORT] or [V6][:PORT] into spec. 0, or -1 with the reason in err. */
static int parse_hostport(const char *s, struct ctrcap_node_spec *spec, char *err, size_t errlen)
{
	const char *port = NULL, *end;
	size_t n;

	if (*s == '[') {
		end = strchr(s, ']');
		if (!end) {
			snprintf(err, errlen, "an IPv6 address needs its closing ']'");
			return -1;
		}
		n = (size_t)(end - s - 1);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1]) {
			snprintf(err, errlen, "'%s' after the address is no :PORT", end + 1);
			return -1;
		}
		s++;
	} else {
		end = strchr(s, ':');
		n = end ? (size_t)(end - s) : strlen(s);
		port = end ? end + 1 : NULL;
	}
	if (!n || n >= sizeof(spec->host)) {
		snprintf(err, errlen, "the URI names no host");
		return -1;
	}
	memcpy(spec->host, s, n);
	spec->host[n] = '\0';
	if (!plain_word(spec->host, ".-_:%")) {
		snprintf(err, errlen, "'%s' is not a host name or address", spec->host);
		return -1;
	}
	if (port) {
		char *e;
		unsigned long v = strtoul(port, &e, 10);

		if (!isdigit((unsigned char)*port) || *e || v < 1 || v > 65535) {
			snprintf(err, errlen, "'%s' is not a port (1 to 65535)", port);
			return -1;
		}
		spec->port = (unsigned)v;
	}
	return 0;
}

/*
 * k8s://NODE: a Kubernetes node name (a DNS subdomain: letters, digits,
 * '-' and '.'; '_' too, which some clusters' names carry). It becomes a
 * field selector value and an argv word, never shell text.
 */
static int parse_k8s(const char *s, struct ctrcap_node_spec *spec, char *err, size_t errlen)
{
	size_t n = strlen(s);

	spec->kind = CTRCAP_NODE_K8S;
	if (!n) {
		snprintf(err, errlen, "the URI names no Kubernetes node (k8s://NODE)");
		return -1;
	}
	if (n >= sizeof(spec->host) || !plain_word(s, ".-_")) {
		snprintf(err, errlen, "'%s' is not a Kubernetes node name", s);
		return -1;
	}
	memcpy(spec->host, s, n + 1);
	return 0;
}

/* [USER@]HOST[:PORT] (ssh://, rpcap://) into spec. 0, or -1 with the reason in err. */
static int parse_userhost(const char *rest, struct ctrcap_node_spec *spec, char *err,
			  size_t errlen)
{
	const char *at = strrchr(rest, '@');
	size_t n;

	if (at) {
		n = (size_t)(at - rest);
		if (!n || n >= sizeof(spec->user)) {
			snprintf(err, errlen, "bad user name before '@'");
			return -1;
		}
		memcpy(spec->user, rest, n);
		if (!plain_word(spec->user, ".-_")) {
			snprintf(err, errlen, "'%s' is not a user name", spec->user);
			return -1;
		}
		rest = at + 1;
	}
	return parse_hostport(rest, spec, err, errlen);
}

/*
 * rpcap://[USER@]HOST[:PORT][/SOURCE]: a ctrcap-rpcapd; SOURCE is one of
 * the sources it lists (container-any when none), so a selection by
 * container can be done by the server.
 */
static int parse_rpcap(const char *s, struct ctrcap_node_spec *spec, char *err, size_t errlen)
{
	const char *slash = strchr(s, '/');
	char hostpart[sizeof(spec->user) + sizeof(spec->host) + 8];
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	spec->kind = CTRCAP_NODE_RPCAP;
	if (strpbrk(s, "?#")) {
		snprintf(err, errlen, "an rpcap:// node URI has no query");
		return -1;
	}
	if (n >= sizeof(hostpart)) {
		snprintf(err, errlen, "the URI's host part is too long");
		return -1;
	}
	memcpy(hostpart, s, n);
	hostpart[n] = '\0';
	if (slash && slash[1]) {
		if (strlen(slash + 1) >= sizeof(spec->source) || !plain_word(slash + 1, ".-_+:")) {
			snprintf(err, errlen, "'%s' is not an rpcap source name", slash + 1);
			return -1;
		}
		snprintf(spec->source, sizeof(spec->source), "%s", slash + 1);
	}
	return parse_userhost(hostpart, spec, err, errlen);
}

int ctrcap_node_spec_parse(const char *arg, struct ctrcap_node_spec *spec, char *err,
			   size_t errlen)
{
	const char *eq = strchr(arg, '=');
	char why[160];
	size_t n;

	memset(spec, 0, sizeof(*spec));
	if (!eq) {
		snprintf(err, errlen, "give NAME=URI, e.g. web1=ssh://root@host");
		return -1;
	}
	n = (size_t)(eq - arg);
	if (n >= sizeof(spec->name)) {
		snprintf(err, errlen, "the node name is longer than %u bytes", CTRCAP_NODE_NAME_MAX);
		return -1;
	}
	memcpy(spec->name, arg, n);
	if (ctrcap_node_name_check(spec->name, why, sizeof(why))) {
		snprintf(err, errlen, "bad node name: %s", why);
		return -1;
	}
	return ctrcap_node_uri_parse(eq + 1, spec, err, errlen);
}

int ctrcap_node_uri_parse(const char *uri, struct ctrcap_node_spec *spec, char *err,
			  size_t errlen)
{
	spec->uri = uri;
	if (!strncmp(uri, "rpcaps://", 9)) {
		snprintf(err, errlen, "rpcaps:// (TLS) nodes are not supported yet (ssh://, k8s://, rpcap://)");
		return -1;
	}
	if (!strncmp(uri, "k8s://", 6))
		return parse_k8s(uri + 6, spec, err, errlen);
	if (!strncmp(uri, "rpcap://", 8))
		return parse_rpcap(uri + 8, spec, err, errlen);
	if (strncmp(uri, "ssh://", 6)) {
		snprintf(err, errlen,
			 "'%s' is no ssh://[USER@]HOST[:PORT], k8s://NODE or rpcap://[USER@]HOST[:PORT] URI",
			 uri);
		return -1;
	}
	if (strpbrk(uri + 6, "/?#")) {
		snprintf(err, errlen, "an ssh:// node URI has no path or query");
		return -1;
	}
	return parse_userhost(uri + 6, spec, err, errlen);
}
