// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Name Resolution Blocks: the writer's table of address -> name (a
 * container's addresses -> its name), each entry written once per section,
 * before the next packet, and repeated in every later section (rotated
 * file) so that each file names what it needs on its own.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng_int.h"
#include "utf8.h"

/* Longest name written: a DNS name's 253, cut on a UTF-8 boundary. */
#define NAME_MAX_BYTES 253
/* Records per NRB are bounded so that one block stays small (about 16 KiB). */
#define NRB_BODY_MAX (16u * 1024)

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* The entry of (family, addr), or NULL. */
static struct wr_name *find_name(struct ctrcap_pcapng_writer *w, int family, const void *addr)
{
	size_t alen = addr_len(family);

	for (uint32_t i = 0; i < w->n_names; i++) {
		struct wr_name *e = &w->names[i];

		if (e->family == family && !memcmp(e->addr, addr, alen))
			return e;
	}
	return NULL;
}

int ctrcap_pcapng_writer_name(struct ctrcap_pcapng_writer *w, int family, const void *addr,
			      const char *name)
{
	size_t alen = addr_len(family), nlen;
	struct wr_name *e;
	char *copy;

	if (!alen || !addr || !name || !*name) {
		wr_set_err(w, "writing %s: a name needs an IPv4 or IPv6 address and a name",
			   w->label);
		return -1;
	}
	nlen = ctrcap_utf8_cut(name, strlen(name), NAME_MAX_BYTES);
	e = find_name(w, family, addr);
	if (e && strlen(e->name) == nlen && !memcmp(e->name, name, nlen))
		return 0;
	copy = strndup(name, nlen);
	if (!copy) {
		wr_set_err(w, "writing %s: out of memory for the name %s", w->label, name);
		return -1;
	}
	if (!e) {
		if (w->n_names == w->cap_names) {
			uint32_t n = w->cap_names ? w->cap_names * 2 : 16;
			struct wr_name *p = realloc(w->names, n * sizeof(*p));

			if (!p) {
				free(copy);
				wr_set_err(w, "writing %s: out of memory for the name %s",
					   w->label, name);
				return -1;
			}
			w->names = p;
			w->cap_names = n;
		}
		e = &w->names[w->n_names++];
		memset(e, 0, sizeof(*e));
		e->family = (uint8_t)family;
		memcpy(e->addr, addr, alen);
	} else {
		free(e->name);
		if (e->written)
			e->written = false;
		else
			w->names_pending--;
	}
	e->name = copy;
	w->names_pending++;
	return 0;
}

void ctrcap_pcapng_writer_unname(struct ctrcap_pcapng_writer *w, int family, const void *addr)
{
	struct wr_name *e = addr_len(family) && addr ? find_name(w, family, addr) : NULL;

	if (!e)
		return;
	if (!e->written)
		w->names_pending--;
	free(e->name);
	*e = w->names[--w->n_names];
}

/* Bytes of e's record: type, length, address, name and its NUL, padded. */
static size_t record_size(const struct wr_name *e)
{
	return 4 + PAD4(addr_len(e->family) + strlen(e->name) + 1);
}

/* Queue one NRB with the unwritten entries from *next on that fit NRB_BODY_MAX. */
static int one_block(struct ctrcap_pcapng_writer *w, uint32_t *next)
{
	size_t body = 0, total;
	uint32_t i, end;
	uint8_t *b, *p;

	for (end = *next; end < w->n_names; end++) {
		size_t r = w->names[end].written ? 0 : record_size(&w->names[end]);

		if (body && body + r > NRB_BODY_MAX)
			break;
		body += r;
	}
	if (!body) {
		/* Nothing left unwritten from *next on: the count is stale. */
		w->names_pending = 0;
		*next = end;
		return 0;
	}
	/* header 8, records, nrb_record_end 4, no options, trailer 4 */
	total = 8 + body + 4 + 4;
	b = wr_reserve(w, total);
	if (!b)
		return -1;
	p = put32(b, PCAPNG_BT_NRB);
	p = put32(p, (uint32_t)total);
	for (i = *next; i < end; i++) {
		struct wr_name *e = &w->names[i];
		size_t alen = addr_len(e->family), nlen = strlen(e->name);
		size_t vlen = alen + nlen + 1;

		if (e->written)
			continue;
		p = put_opt_hdr(p, e->family == AF_INET ? PCAPNG_NRB_IPV4 : PCAPNG_NRB_IPV6,
				(uint16_t)vlen);
		memcpy(p, e->addr, alen);
		memcpy(p + alen, e->name, nlen);
		memset(p + alen + nlen, 0, PAD4(vlen) - alen - nlen);
		p += PAD4(vlen);
		e->written = true;
		w->names_pending--;
	}
	p = put_opt_hdr(p, PCAPNG_NRB_END, 0);
	put32(p, (uint32_t)total);
	*next = end;
	return 0;
}

int wr_names_blocks(struct ctrcap_pcapng_writer *w)
{
	uint32_t next = 0;

	/*
	 * Not before the section's first IDB: Wireshark (4.0) takes the file's
	 * interfaces from the IDBs right after the SHB, and with an NRB first
	 * it finds none and refuses to rewrite the file (editcap, tshark -w).
	 */
	if (!w->n_ifs)
		return 0;

	while (w->names_pending) {
		if (one_block(w, &next) < 0)
			return -1;
	}
	return 0;
}

void wr_names_new_section(struct ctrcap_pcapng_writer *w)
{
	for (uint32_t i = 0; i < w->n_names; i++)
		w->names[i].written = false;
	w->names_pending = w->n_names;
}

void wr_names_free(struct ctrcap_pcapng_writer *w)
{
	for (uint32_t i = 0; i < w->n_names; i++)
		free(w->names[i].name);
	free(w->names);
	w->names = NULL;
	w->n_names = w->cap_names = w->names_pending = 0;
}
