// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcapng reader: both byte orders, several sections, IDB/EPB/SPB/ISB and
 * ctrcap's custom option. Every length is checked against the block it
 * sits in; malformed input gives an error naming the file and offset.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "ctrcap/identity_refs.h"
#include "pcap_classic.h"
#include "pcapng_int.h"

struct ctrcap_pcapng_reader {
	FILE *f;
	bool own_f;
	char *name;
	uint64_t off;	 /* file offset of the next block */
	bool in_section; /* an SHB has been seen */
	bool swap;	 /* section byte order differs from the host's */
	bool failed;
	/* A classic pcap file, read by pcap_classic_reader.c, or NULL. */
	struct ctrcap_pcap_classic *classic;

	uint8_t *blk; /* the current block, header and trailer included */
	size_t blk_cap;

	struct ctrcap_pcapng_iface *ifs;
	uint32_t n_ifs, cap_ifs;

	uint8_t *raw; /* ctrcap option values of the current packet, concatenated */
	size_t raw_cap;
	/* Comments of the current packet: the first, then all joined, each NUL-terminated. */
	char *cbuf;
	size_t cbuf_cap, first_cap, all_len;
	/* The Darwin process info blocks of this section, by index. */
	struct rd_proc {
		uint32_t pid;
		uint16_t len;
		char name[16];
	} *procs;
	uint32_t n_procs, cap_procs;
	/* Wireshark's Process Information Blocks of this section, in file order. */
	struct rd_proc *wpibs;
	uint32_t n_wpibs, cap_wpibs;
	/* The current NRB: its entries and their names, each NUL-terminated. */
	struct ctrcap_pcapng_name *names;
	size_t names_cap;
	char *nstr;
	size_t nstr_cap;
	/* --compact-identity: this section's definitions (made on the first key). */
	struct ctrcap_idrefs *idrefs;
	uint8_t *res;	/* a packet's record with its reference resolved */
	uint8_t *def, *pp; /* ctrcap_record_split() scratch */
	size_t res_cap, def_cap, pp_cap;
	char id_err[640]; /* room for an interface name (255) in the compact-identity messages */
	char err[512];
};

static void rd_err(struct ctrcap_pcapng_reader *r, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void rd_err(struct ctrcap_pcapng_reader *r, uint64_t off, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->err, sizeof(r->err), "%s: offset %llu: %s", r->name, (unsigned long long)off,
		 msg);
	r->failed = true;
}

static uint16_t g16(const struct ctrcap_pcapng_reader *r, const uint8_t *p)
{
	return pcap_get16(p, r->swap);
}

static uint32_t g32(const struct ctrcap_pcapng_reader *r, const uint8_t *p)
{
	return pcap_get32(p, r->swap);
}

static uint64_t g64(const struct ctrcap_pcapng_reader *r, const uint8_t *p)
{
	return pcap_get64(p, r->swap);
}

static struct ctrcap_pcapng_reader *rd_new(FILE *f, bool own, const char *name, char *err,
					   size_t errlen)
{
	struct ctrcap_pcapng_reader *r = calloc(1, sizeof(*r));

	if (!r || !(r->name = strdup(name))) {
		free(r);
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	r->f = f;
	r->own_f = own;
	return r;
}

struct ctrcap_pcapng_reader *ctrcap_pcapng_reader_open(const char *path, char *err, size_t errlen)
{
	struct ctrcap_pcapng_reader *r;
	struct stat st;
	FILE *f;

	if (!strcmp(path, "-"))
		return rd_new(stdin, false, "stdin", err, errlen);
	f = fopen(path, "rbe");
	if (!f) {
		snprintf(err, errlen, "opening %s: %s", path, strerror(errno));
		return NULL;
	}
	/* fopen opens a directory; say so as tcpdump does, not "empty input". */
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
		fclose(f);
		return NULL;
	}
	r = rd_new(f, true, path, err, errlen);
	if (!r)
		fclose(f);
	return r;
}

struct ctrcap_pcapng_reader *ctrcap_pcapng_reader_fdopen(FILE *f, char *err, size_t errlen)
{
	return rd_new(f, false, "stream", err, errlen);
}

void ctrcap_pcapng_reader_close(struct ctrcap_pcapng_reader *r)
{
	if (!r)
		return;
	if (r->own_f)
		fclose(r->f);
	ctrcap_pcap_classic_free(r->classic);
	free(r->blk);
	free(r->ifs);
	free(r->raw);
	ctrcap_idrefs_free(r->idrefs);
	free(r->res);
	free(r->def);
	free(r->pp);
	free(r->names);
	free(r->nstr);
	free(r->procs);
	free(r->wpibs);
	free(r->cbuf);
	free(r->name);
	free(r);
}

const char *ctrcap_pcapng_reader_error(const struct ctrcap_pcapng_reader *r)
{
	return r->err;
}

const struct ctrcap_pcapng_iface *ctrcap_pcapng_reader_iface(const struct ctrcap_pcapng_reader *r,
							     uint32_t iface_id)
{
	return iface_id < r->n_ifs ? &r->ifs[iface_id] : NULL;
}

/* Read exactly n bytes: 1 done, 0 clean EOF before any byte, -1 short or error. */
static int rd_exact(struct ctrcap_pcapng_reader *r, void *p, size_t n, size_t *got)
{
	*got = fread(p, 1, n, r->f);
	if (*got == n)
		return 1;
	if (ferror(r->f))
		return -1;
	return *got == 0 ? 0 : -1;
}

static int rd_grow(uint8_t **buf, size_t *cap, size_t need)
{
	uint8_t *p;

	if (need <= *cap)
		return 0;
	p = realloc(*buf, need);
	if (!p)
		return -1;
	*buf = p;
	*cap = need;
	return 0;
}

/* ------------------------------------------------------------------ options */

typedef int (*opt_fn)(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint16_t code,
		      const uint8_t *val, uint16_t len, uint64_t off);

/* Walk the options in p[0..n); off is p's file offset, for messages. */
static int rd_options(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec,
		      const uint8_t *p, size_t n, uint64_t off, opt_fn fn)
{
	size_t i = 0;

	while (n - i >= 4) {
		uint16_t code = g16(r, p + i), len = g16(r, p + i + 2);

		if (code == PCAPNG_OPT_END)
			return 0;
		if (PAD4((size_t)len) > n - i - 4) {
			rd_err(r, off + i, "option %u: length %u runs past the end of its block",
			       code, len);
			return -1;
		}
		if (fn(r, rec, code, p + i + 4, len, off + i) < 0)
			return -1;
		i += 4 + PAD4((size_t)len);
	}
	/* A missing opt_endofopt is tolerated, a torn option header is not. */
	if (n - i != 0) {
		rd_err(r, off + i, "%zu stray bytes after the last option", n - i);
		return -1;
	}
	return 0;
}

static void copy_str(char *dst, size_t cap, const uint8_t *val, uint16_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;

	memcpy(dst, val, n);
	dst[n] = '\0';
}

static int shb_opt(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint16_t code,
		   const uint8_t *val, uint16_t len, uint64_t off)
{
	(void)r;
	(void)off;
	if (code == PCAPNG_SHB_USERAPPL)
		copy_str(rec->userappl, sizeof(rec->userappl), val, len);
	return 0;
}

static int idb_opt(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint16_t code,
		   const uint8_t *val, uint16_t len, uint64_t off)
{
	struct ctrcap_pcapng_iface *ifc = &r->ifs[r->n_ifs];

	(void)rec;
	if (code == PCAPNG_IF_NAME) {
		copy_str(ifc->name, sizeof(ifc->name), val, len);
	} else if (code == PCAPNG_IF_DESCRIPTION) {
		copy_str(ifc->description, sizeof(ifc->description), val, len);
	} else if (code == PCAPNG_IF_TSRESOL) {
		if (len != 1) {
			rd_err(r, off, "if_tsresol has length %u, not 1", len);
			return -1;
		}
		ifc->tsresol = val[0];
	}
	return 0;
}

static bool pen_accepted(uint32_t pen)
{
	static const uint32_t pens[] = {CTRCAP_PEN};
	size_t i;

	for (i = 0; i < sizeof(pens) / sizeof(pens[0]); i++) {
		if (pens[i] == pen)
			return true;
	}
	return false;
}

static int epb_opt(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint16_t code,
		   const uint8_t *val, uint16_t len, uint64_t off)
{
	char derr[200];

	switch (code) {
	case PCAPNG_OPT_COMMENT: {
		/* Both regions were sized from the block, which bounds all comments. */
		char *all = r->cbuf + r->first_cap;

		if (!rec->comment) {
			memcpy(r->cbuf, val, len);
			r->cbuf[len] = '\0';
			rec->comment = r->cbuf;
		}
		if (r->all_len)
			all[r->all_len++] = '\n';
		memcpy(all + r->all_len, val, len);
		r->all_len += len;
		all[r->all_len] = '\0';
		rec->comments_all = all;
		return 0;
	}
	case PCAPNG_EPB_FLAGS:
		if (len != 4) {
			rd_err(r, off, "epb_flags has length %u, not 4", len);
			return -1;
		}
		rec->flags = g32(r, val);
		rec->has_flags = true;
		return 0;
	case PCAPNG_EPB_PACKETID:
		if (len != 8) {
			rd_err(r, off, "epb_packetid has length %u, not 8", len);
			return -1;
		}
		rec->packet_id = g64(r, val);
		rec->has_packet_id = true;
		return 0;
	case PCAPNG_EPB_PROCESSID_THREADID:
		if (len != 8) {
			rd_err(r, off, "epb_processid_threadid has length %u, not 8", len);
			return -1;
		}
		rec->pid = g32(r, val);
		rec->tid = g32(r, val + 4);
		rec->has_pid_tid = true;
		return 0;
	case PCAPNG_EPB_DARWIN_PIB_ID: {
		uint32_t i;

		if (len != 4) {
			rd_err(r, off, "darwin_pib_id has length %u, not 4", len);
			return -1;
		}
		/* An index no block of this section has names nothing. */
		i = g32(r, val);
		if (i < r->n_procs) {
			rec->has_pib = true;
			rec->pib_pid = r->procs[i].pid;
			rec->pname = r->procs[i].name;
			rec->pname_len = r->procs[i].len;
		}
		return 0;
	}
	case CTRCAP_OPT_CUSTOM_BIN:
		if (len < 4) {
			rd_err(r, off, "custom option of %u bytes has no room for a PEN", len);
			return -1;
		}
		if (!pen_accepted(g32(r, val)))
			return 0;
		/* Raw copy first: identity views must point at stable memory. */
		memcpy(r->raw + rec->identity_raw_len, val + 4, len - 4u);
		if (ctrcap_record_decode(r->raw + rec->identity_raw_len, len - 4u, &rec->identity,
					 derr, sizeof(derr)) < 0) {
			if (!rec->identity_error) {
				snprintf(r->id_err, sizeof(r->id_err),
					 "identity option at offset %llu: %s",
					 (unsigned long long)off, derr);
				rec->identity_error = r->id_err;
			}
		} else {
			rec->has_identity = true;
		}
		rec->identity_raw_len += len - 4u;
		return 0;
	}
	return 0;
}

static int isb_opt(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint16_t code,
		   const uint8_t *val, uint16_t len, uint64_t off)
{
	uint64_t *dst;
	bool *has;

	switch (code) {
	case PCAPNG_ISB_IFRECV:
		dst = &rec->isb_received;
		has = &rec->has_received;
		break;
	case PCAPNG_ISB_IFDROP:
		dst = &rec->isb_dropped;
		has = &rec->has_dropped;
		break;
	case PCAPNG_ISB_OSDROP:
		dst = &rec->isb_osdrop;
		has = &rec->has_osdrop;
		break;
	default:
		return 0;
	}
	if (len != 8) {
		rd_err(r, off, "ISB option %u has length %u, not 8", code, len);
		return -1;
	}
	*dst = g64(r, val);
	*has = true;
	return 0;
}

/* ------------------------------------------------------------------ blocks */

/* Timestamp in if_tsresol units -> ns, saturating instead of wrapping. */
static uint64_t to_ns(uint64_t ts, uint8_t tsresol)
{
	unsigned __int128 v;
	unsigned e = tsresol & 0x7f;

	if (tsresol & 0x80) {
		if (e >= 64)
			return 0;
		v = ((unsigned __int128)ts * 1000000000u) >> e;
	} else if (e <= 9) {
		uint64_t mul = 1;

		while (e++ < 9)
			mul *= 10;
		v = (unsigned __int128)ts * mul;
	} else {
		uint64_t div = 1;

		if (e > 19 + 9)
			return 0;
		while (e-- > 9)
			div *= 10;
		v = ts / div;
	}
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

static int dpib_opt(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint16_t code,
		    const uint8_t *val, uint16_t len, uint64_t off)
{
	struct rd_proc *p = &r->procs[r->n_procs];

	(void)rec;
	(void)off;
	/* dpib_process_name; Apple's names are comms, longer ones are cut. */
	if (code == PCAPNG_DPIB_NAME) {
		p->len = len < sizeof(p->name) - 1 ? len : sizeof(p->name) - 1;
		memcpy(p->name, val, p->len);
	}
	return 0;
}

/* Room for one more process in *v (n used of cap): the zeroed slot v[n], or NULL. */
static struct rd_proc *rd_proc_slot(struct rd_proc **v, uint32_t n, uint32_t *cap)
{
	struct rd_proc *p;

	if (n == *cap) {
		uint32_t c = *cap ? *cap * 2 : 64;

		p = realloc(*v, c * sizeof(*p));
		if (!p)
			return NULL;
		*v = p;
		*cap = c;
	}
	p = &(*v)[n];
	memset(p, 0, sizeof(*p));
	return p;
}

/* Apple's Darwin process info block: u32 pid, options; numbered from 0 per section. */
static int rd_dpib(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint32_t total)
{
	struct rd_proc *p;

	rec->kind = CTRCAP_REC_OTHER;
	if (total < 16) {
		rd_err(r, r->off, "darwin process info block of %u bytes is shorter than 16", total);
		return -1;
	}
	p = rd_proc_slot(&r->procs, r->n_procs, &r->cap_procs);
	if (!p) {
		rd_err(r, r->off, "out of memory for a darwin process info block");
		return -1;
	}
	p->pid = g32(r, r->blk + 8);
	if (rd_options(r, rec, r->blk + 12, total - 16, r->off + 12, dpib_opt) < 0)
		return -1;
	r->n_procs++;
	return 0;
}

/*
 * A custom block. Only Wireshark's (PEN 32622) Process Information entry
 * (type 3) is read: u32 pid and options, little-endian in any section; the
 * name (option 2) is kept, cut to a comm's 15 bytes. Others are skipped.
 */
static int rd_cb(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint32_t total)
{
	const uint8_t *b = r->blk;
	uint32_t elen, pos, end;
	struct rd_proc *p;

	rec->kind = CTRCAP_REC_OTHER;
	if (total < 16) {
		rd_err(r, r->off, "custom block of %u bytes has no room for a PEN", total);
		return -1;
	}
	if (g32(r, b + 8) != PCAPNG_PEN_WIRESHARK)
		return 0;
	if (total < 28) {
		rd_err(r, r->off, "Wireshark custom block of %u bytes has no room for its entry", total);
		return -1;
	}
	if (pcap_get32(b + 12, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__) != PCAPNG_WS_ENTRY_PROCESS)
		return 0;
	elen = pcap_get32(b + 16, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	if (elen < 4 || PAD4((size_t)elen) > total - 24u) {
		rd_err(r, r->off, "process information entry of %u bytes does not fit its %u-byte "
				  "block (or has no pid)", elen, total);
		return -1;
	}
	p = rd_proc_slot(&r->wpibs, r->n_wpibs, &r->cap_wpibs);
	if (!p) {
		rd_err(r, r->off, "out of memory for a process information block");
		return -1;
	}
	p->pid = pcap_get32(b + 20, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	for (pos = 24, end = 20 + elen; pos + 4 <= end;) {
		uint16_t code = pcap_get16(b + pos, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
		uint16_t len = pcap_get16(b + pos + 2, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);

		if (code == PCAPNG_OPT_END)
			break;
		if (PAD4((size_t)len) > end - pos - 4) {
			rd_err(r, r->off + pos, "process information option %u of %u bytes runs past "
						"its entry", code, len);
			return -1;
		}
		if (code == PCAPNG_PIB_NAME) {
			p->len = len < sizeof(p->name) - 1 ? len : sizeof(p->name) - 1;
			memcpy(p->name, b + pos + 4, p->len);
		}
		pos += 4 + (uint32_t)PAD4((size_t)len);
	}
	r->n_wpibs++;
	return 0;
}

/* A packet with option 8 and no Darwin block: the last Wireshark block of its pid names it. */
static void rd_epb_wpib(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec)
{
	if (rec->has_pib || !rec->has_pid_tid)
		return;
	for (uint32_t i = r->n_wpibs; i-- > 0;) {
		if (r->wpibs[i].pid != rec->pid)
			continue;
		rec->has_pib = true;
		rec->pib_pid = r->wpibs[i].pid;
		rec->pname = r->wpibs[i].name;
		rec->pname_len = r->wpibs[i].len;
		return;
	}
}

static int rd_shb(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint32_t total)
{
	const uint8_t *b = r->blk;
	uint16_t major;

	if (total < 28) {
		rd_err(r, r->off, "section header block of %u bytes is shorter than 28", total);
		return -1;
	}
	major = g16(r, b + 12);
	if (major != 1) {
		rd_err(r, r->off, "section header version %u.%u, only 1.x is known", major,
		       g16(r, b + 14));
		return -1;
	}
	r->n_ifs = 0;
	r->n_procs = 0;
	r->n_wpibs = 0;
	/* Identity keys are scoped by section: a new one defines them again. */
	ctrcap_idrefs_reset(r->idrefs);
	r->in_section = true;
	rec->kind = CTRCAP_REC_SECTION;
	rec->big_endian = (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__) != r->swap;
	return rd_options(r, rec, b + 24, total - 28, r->off + 24, shb_opt);
}

static int rd_idb(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint32_t total)
{
	struct ctrcap_pcapng_iface *ifc;
	const uint8_t *b = r->blk;

	if (total < 20) {
		rd_err(r, r->off, "interface description block of %u bytes is shorter than 20",
		       total);
		return -1;
	}
	if (r->n_ifs == r->cap_ifs) {
		uint32_t n = r->cap_ifs ? r->cap_ifs * 2 : 8;
		struct ctrcap_pcapng_iface *p;

		if (n > 1u << 20) {
			rd_err(r, r->off, "more than %u interfaces in one section", r->cap_ifs);
			return -1;
		}
		p = realloc(r->ifs, n * sizeof(*p));
		if (!p) {
			rd_err(r, r->off, "out of memory for interface %u", r->n_ifs);
			return -1;
		}
		r->ifs = p;
		r->cap_ifs = n;
	}
	ifc = &r->ifs[r->n_ifs];
	memset(ifc, 0, sizeof(*ifc));
	ifc->linktype = g16(r, b + 8);
	ifc->snaplen = g32(r, b + 12);
	ifc->tsresol = 6;
	if (rd_options(r, rec, b + 16, total - 20, r->off + 16, idb_opt) < 0)
		return -1;
	rec->kind = CTRCAP_REC_INTERFACE;
	rec->iface_id = r->n_ifs;
	rec->iface = ifc;
	r->n_ifs++;
	return 0;
}

static int rd_iface_of(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint32_t id)
{
	if (id >= r->n_ifs) {
		rd_err(r, r->off, "block names interface %u, the section has %u", id, r->n_ifs);
		return -1;
	}
	rec->iface_id = id;
	rec->iface = &r->ifs[id];
	return 0;
}

/* The packet's identity: nothing but what its record carries for itself (pp, no version byte). */
static void rd_idref_alone(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec,
			   size_t pp_len)
{
	char derr[200];

	memset(&rec->identity, 0, sizeof(rec->identity));
	rec->has_identity = pp_len > 0;
	if (!pp_len) {
		rec->identity_raw = NULL;
		rec->identity_raw_len = 0;
		return;
	}
	r->res[0] = CTRCAP_RECORD_VERSION;
	memcpy(r->res + 1, r->pp, pp_len);
	rec->identity_raw = r->res;
	rec->identity_raw_len = 1 + pp_len;
	ctrcap_record_decode(r->res, 1 + pp_len, &rec->identity, derr, sizeof(derr));
}

/*
 * --compact-identity (docs/pcapng-format.md, section 2.1): remember a
 * definition (identity-key) of the packet's interface, or replace a
 * reference (identity-ref) by the identity it names. Either way the
 * packet's identity_raw becomes its whole record without key or reference,
 * so ctrcap -r -w, the node merge and the rpcap server pass on
 * self-contained records. A reference with no definition is an
 * identity_error naming the interface and key, the packet keeps its
 * per-packet TLVs only. Returns -1 only when out of memory.
 */
static int rd_idref(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec)
{
	struct ctrcap_identity *id = &rec->identity;
	const uint8_t *def = NULL;
	size_t def_len, pp_len, need = rec->identity_raw_len + CTRCAP_RECORD_MAX;
	char derr[200];

	if (!rec->has_identity || rec->identity_error ||
	    !(id->present & (CTRCAP_HAS_IDENTITY_KEY | CTRCAP_HAS_IDENTITY_REF)))
		return 0;
	if (rd_grow(&r->res, &r->res_cap, need) < 0 ||
	    rd_grow(&r->def, &r->def_cap, rec->identity_raw_len) < 0 ||
	    rd_grow(&r->pp, &r->pp_cap, rec->identity_raw_len) < 0 ||
	    (!r->idrefs && !(r->idrefs = ctrcap_idrefs_new()))) {
		rd_err(r, r->off, "out of memory for the identities of a compact file");
		return -1;
	}
	/* The writer puts one option per packet; several with a key or reference are not split. */
	if (ctrcap_record_split(r->raw, rec->identity_raw_len, r->def, &def_len, r->pp, &pp_len) <
	    0) {
		snprintf(r->id_err, sizeof(r->id_err),
			 "interface %u (%s): identity-key or identity-ref in a packet with several "
			 "identity options; only one is read as such",
			 rec->iface_id, rec->iface->name[0] ? rec->iface->name : "unnamed");
		rec->identity_error = r->id_err;
		return 0;
	}
	if (id->present & CTRCAP_HAS_IDENTITY_KEY) {
		if (ctrcap_idrefs_define(r->idrefs, rec->iface_id, id->identity_key, r->def,
					 def_len) < 0) {
			rd_err(r, r->off, "out of memory for the identities of a compact file");
			return -1;
		}
		def = r->def;
	} else {
		def = ctrcap_idrefs_lookup(r->idrefs, rec->iface_id, id->identity_ref, &def_len);
		if (!def) {
			snprintf(r->id_err, sizeof(r->id_err),
				 "interface %u (%s): identity-ref %u names no identity defined "
				 "earlier in this section (packets cut out of a --compact-identity "
				 "file lose their definitions); shown without identity",
				 rec->iface_id, rec->iface->name[0] ? rec->iface->name : "unnamed",
				 id->identity_ref);
			rec->identity_error = r->id_err;
			rd_idref_alone(r, rec, pp_len);
			return 0;
		}
	}
	/* Definition first, then the packet's own TLVs, which win over it. */
	memcpy(r->res, def, def_len);
	memcpy(r->res + def_len, r->pp, pp_len);
	rec->identity_raw = r->res;
	rec->identity_raw_len = def_len + pp_len;
	memset(id, 0, sizeof(*id));
	if (ctrcap_record_decode(r->res, rec->identity_raw_len, id, derr, sizeof(derr)) < 0) {
		/* The definition decoded once already: this cannot fail, but say so if it does. */
		snprintf(r->id_err, sizeof(r->id_err), "resolved identity: %s", derr);
		rec->identity_error = r->id_err;
	}
	return 0;
}

static int rd_epb(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint32_t total)
{
	const uint8_t *b = r->blk;
	uint32_t caplen;
	size_t data_end;

	if (total < 32) {
		rd_err(r, r->off, "enhanced packet block of %u bytes is shorter than 32", total);
		return -1;
	}
	if (rd_iface_of(r, rec, g32(r, b + 8)) < 0)
		return -1;
	caplen = g32(r, b + 20);
	if (caplen > total - 32) {
		rd_err(r, r->off, "captured length %u runs past the end of its %u-byte block",
		       caplen, total);
		return -1;
	}
	rec->kind = CTRCAP_REC_PACKET;
	rec->ts_ns = to_ns(((uint64_t)g32(r, b + 12) << 32) | g32(r, b + 16), rec->iface->tsresol);
	rec->caplen = caplen;
	rec->origlen = g32(r, b + 24);
	rec->data = b + 28;
	data_end = 28 + PAD4((size_t)caplen);
	if (data_end > total - 4u) {
		rd_err(r, r->off, "packet data padding runs past the end of its block");
		return -1;
	}
	/* Option values are never larger than the block: that bounds the raw copy. */
	if (rd_grow(&r->raw, &r->raw_cap, total) < 0 ||
	    rd_grow((uint8_t **)&r->cbuf, &r->cbuf_cap, 2 * ((size_t)total + 1)) < 0) {
		rd_err(r, r->off, "out of memory");
		return -1;
	}
	r->first_cap = (size_t)total + 1;
	r->all_len = 0;
	if (rd_options(r, rec, b + data_end, total - 4 - data_end, r->off + data_end, epb_opt) < 0)
		return -1;
	rd_epb_wpib(r, rec);
	return rd_idref(r, rec);
}

static int rd_spb(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint32_t total)
{
	uint32_t avail;

	if (total < 16) {
		rd_err(r, r->off, "simple packet block of %u bytes is shorter than 16", total);
		return -1;
	}
	if (rd_iface_of(r, rec, 0) < 0)
		return -1;
	rec->kind = CTRCAP_REC_PACKET;
	rec->origlen = g32(r, r->blk + 8);
	avail = total - 16;
	rec->caplen = rec->origlen < avail ? rec->origlen : avail;
	if (rec->iface->snaplen && rec->caplen > rec->iface->snaplen)
		rec->caplen = rec->iface->snaplen;
	rec->data = r->blk + 12;
	return 0;
}

static int rd_isb(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint32_t total)
{
	const uint8_t *b = r->blk;

	if (total < 24) {
		rd_err(r, r->off, "interface statistics block of %u bytes is shorter than 24",
		       total);
		return -1;
	}
	if (rd_iface_of(r, rec, g32(r, b + 8)) < 0)
		return -1;
	rec->kind = CTRCAP_REC_STATS;
	rec->ts_ns = to_ns(((uint64_t)g32(r, b + 12) << 32) | g32(r, b + 16), rec->iface->tsresol);
	return rd_options(r, rec, b + 20, total - 24, r->off + 20, isb_opt);
}

/* Add the names of one ipv4/ipv6 record: the address, then NUL-terminated names. */
static int nrb_record(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, int family,
		      const uint8_t *val, size_t len, char **str)
{
	size_t alen = family == AF_INET ? 4 : 16, i = alen;

	if (len < alen)
		return 0; /* no address: nothing to name (Wireshark skips it too) */
	while (i < len) {
		const uint8_t *nul = memchr(val + i, 0, len - i);
		size_t n = nul ? (size_t)(nul - (val + i)) : len - i;
		struct ctrcap_pcapng_name *e;

		if (n) {
			if (rec->n_names == r->names_cap) {
				size_t c = r->names_cap ? r->names_cap * 2 : 16;
				void *p = realloc(r->names, c * sizeof(*r->names));

				if (!p) {
					rd_err(r, r->off, "out of memory for a name resolution block");
					return -1;
				}
				r->names = p;
				r->names_cap = c;
			}
			e = &r->names[rec->n_names++];
			e->family = family;
			memset(e->addr, 0, sizeof(e->addr));
			memcpy(e->addr, val, alen);
			memcpy(*str, val + i, n);
			(*str)[n] = '\0';
			e->name = *str;
			*str += n + 1;
		}
		i += n + 1;
	}
	return 0;
}

/*
 * NRB: records (u16 type, u16 length, value padded to 4) up to
 * nrb_record_end, then options, which ctrcap does not use. Unknown record
 * types are skipped; a record running past the block is an error.
 */
static int rd_nrb(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec, uint32_t total)
{
	const uint8_t *p = r->blk + 8;
	size_t n = total - 12, i = 0;
	char *str;

	/* Names are never longer than the block: that bounds their copy. */
	if (rd_grow((uint8_t **)&r->nstr, &r->nstr_cap, total) < 0) {
		rd_err(r, r->off, "out of memory for a name resolution block");
		return -1;
	}
	str = r->nstr;
	rec->kind = CTRCAP_REC_NAMES;
	while (n - i >= 4) {
		uint16_t type = g16(r, p + i), len = g16(r, p + i + 2);

		if (type == PCAPNG_NRB_END)
			break;
		if (PAD4((size_t)len) > n - i - 4) {
			rd_err(r, r->off + 8 + i,
			       "name resolution record %u: length %u runs past the end of its block",
			       type, len);
			return -1;
		}
		if ((type == PCAPNG_NRB_IPV4 || type == PCAPNG_NRB_IPV6) &&
		    nrb_record(r, rec, type == PCAPNG_NRB_IPV4 ? AF_INET : AF_INET6, p + i + 4, len,
			       &str) < 0)
			return -1;
		i += 4 + PAD4((size_t)len);
	}
	rec->names = r->names;
	return 0;
}

/* Read the 12 first bytes of a block; for an SHB settle the byte order first. */
static int rd_header(struct ctrcap_pcapng_reader *r, uint8_t hdr[12], uint32_t *type,
		     uint32_t *total)
{
	size_t got;
	int rc = rd_exact(r, hdr, 8, &got);

	if (rc == 0) {
		if (!r->in_section) {
			rd_err(r, r->off, "empty input, not a pcapng file");
			return -1;
		}
		return 0;
	}
	if (rc < 0 && !r->in_section && got >= 4 && ctrcap_pcap_classic_magic(hdr)) {
		rd_err(r, r->off, "file ends inside the pcap file header (%zu of 24 bytes)", got);
		return -1;
	}
	if (rc < 0) {
		rd_err(r, r->off, "file ends inside a block header (%zu of 8 bytes)", got);
		return -1;
	}
	memcpy(type, hdr, 4);
	if (*type == PCAPNG_BT_SHB) {
		uint32_t bom;

		if (rd_exact(r, hdr + 8, 4, &got) != 1) {
			rd_err(r, r->off, "file ends inside a section header");
			return -1;
		}
		memcpy(&bom, hdr + 8, 4);
		if (bom == PCAPNG_BOM) {
			r->swap = false;
		} else if (bom == __builtin_bswap32(PCAPNG_BOM)) {
			r->swap = true;
		} else {
			rd_err(r, r->off, "section header with unknown byte-order magic 0x%08x",
			       bom);
			return -1;
		}
	} else if (!r->in_section && ctrcap_pcap_classic_magic(hdr)) {
		return 2; /* classic pcap: pcap_classic_reader.c reads on */
	} else if (!r->in_section) {
		rd_err(r, r->off,
		       "not a pcapng or pcap file: it starts with 0x%08x, no section header "
		       "or pcap magic", *type);
		return -1;
	}
	*type = g32(r, hdr);
	*total = g32(r, hdr + 4);
	if (*total < 12 || *total % 4 || *total > PCAPNG_BLOCK_MAX) {
		rd_err(r, r->off, "block type 0x%08x has impossible length %u", *type, *total);
		return -1;
	}
	return 1;
}

int ctrcap_pcapng_reader_next(struct ctrcap_pcapng_reader *r, struct ctrcap_pcapng_rec *rec)
{
	uint8_t hdr[12];
	uint32_t type = 0, total = 0, trailer;
	size_t have, got;
	int rc;

	if (r->failed)
		return -1;
	if (r->classic)
		goto classic;
	memset(rec, 0, sizeof(*rec));
	rc = rd_header(r, hdr, &type, &total);
	if (rc <= 0)
		return rc;
	if (rc == 2) {
		r->classic = ctrcap_pcap_classic_new(r->f, r->name, hdr, 8, r->err,
						     sizeof(r->err));
		if (!r->classic) {
			r->failed = true;
			return -1;
		}
		goto classic;
	}
	have = type == PCAPNG_BT_SHB ? 12 : 8;
	if (type == PCAPNG_BT_SHB && total < 28) {
		rd_err(r, r->off, "section header block of %u bytes is shorter than 28", total);
		return -1;
	}
	if (rd_grow(&r->blk, &r->blk_cap, total) < 0) {
		rd_err(r, r->off, "out of memory for a %u-byte block", total);
		return -1;
	}
	memcpy(r->blk, hdr, have);
	if (rd_exact(r, r->blk + have, total - have, &got) != 1) {
		rd_err(r, r->off,
		       "file ends inside a %u-byte block of type 0x%08x (%zu bytes there)", total,
		       type, have + got);
		return -1;
	}
	trailer = g32(r, r->blk + total - 4);
	if (trailer != total) {
		rd_err(r, r->off, "block type 0x%08x: trailing length %u differs from leading %u",
		       type, trailer, total);
		return -1;
	}
	rec->block_type = type;
	switch (type) {
	case PCAPNG_BT_SHB:
		rc = rd_shb(r, rec, total);
		break;
	case PCAPNG_BT_IDB:
		rc = rd_idb(r, rec, total);
		break;
	case PCAPNG_BT_EPB:
		rc = rd_epb(r, rec, total);
		break;
	case PCAPNG_BT_SPB:
		rc = rd_spb(r, rec, total);
		break;
	case PCAPNG_BT_ISB:
		rc = rd_isb(r, rec, total);
		break;
	case PCAPNG_BT_NRB:
		rc = rd_nrb(r, rec, total);
		break;
	case PCAPNG_BT_DARWIN_PIB:
		rc = rd_dpib(r, rec, total);
		break;
	case PCAPNG_BT_CB_COPY:
	case PCAPNG_BT_CB_NOCOPY:
		rc = rd_cb(r, rec, total);
		break;
	default:
		rec->kind = CTRCAP_REC_OTHER;
		rc = 0;
		break;
	}
	if (rc < 0)
		return -1;
	if (rec->identity_raw_len && !rec->identity_raw)
		rec->identity_raw = r->raw;
	r->off += total;
	return 1;
classic:
	rc = ctrcap_pcap_classic_next(r->classic, rec, r->err, sizeof(r->err));
	if (rc < 0)
		r->failed = true;
	return rc;
}
