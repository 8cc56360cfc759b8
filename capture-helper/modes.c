// SPDX-License-Identifier: GPL-2.0-or-later
/* ctrcap's non-capturing modes: -r, --list-containers, --cleanup (-D: list_ifaces.c). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "ctrcap/journey.h"
#include "ctrcap/pcapng.h"
#include "ctrcap/pktap.h"
#include "ctrcap/ptcpdump_identity.h"
#include "ctrcap/ptcpdump_text.h"
#include "attach.h"
#include "capture.h"
#include "cgroup.h"
#include "containers/resolver.h"
#include "identity.h"
#include "kernel_features.h"
#include "netns.h"
#include "packet_text.h"
#include "read_filter.h"

/* -r -w: the output and the input's interfaces as copied into it. */
struct read_out {
	struct ctrcap_pcapng_writer *w;
	const struct ctrcap_writer_opts *wo; /* -w's options (--comments) */
	int *ifmap;		/* input interface id -> output id + 1 (0 = not yet) */
	uint32_t n_ifmap;
	uint32_t key_base;	/* interfaces of the sections read before this one */
};

/* Note a record's section or interface in ro. 0, or -1 when out of memory. */
static int read_out_note(struct read_out *ro, const struct ctrcap_pcapng_rec *rec)
{
	if (rec->kind == CTRCAP_REC_SECTION) {
		ro->key_base += ro->n_ifmap;
		ro->n_ifmap = 0;
	} else if (rec->kind == CTRCAP_REC_INTERFACE) {
		int *m = realloc(ro->ifmap, (rec->iface_id + 1) * sizeof(*m));

		if (!m)
			return -1;
		ro->ifmap = m;
		while (ro->n_ifmap <= rec->iface_id)
			ro->ifmap[ro->n_ifmap++] = 0;
	}
	return 0;
}

/*
 * -r -w keeps the input's Name Resolution Blocks: every name goes to the
 * writer, which writes it before the next packet (once, and again in each
 * rotated file). 0, or -1 (the writer's error).
 */
static int read_out_names(struct read_out *ro, const struct ctrcap_pcapng_rec *rec)
{
	for (size_t i = 0; i < rec->n_names; i++) {
		const struct ctrcap_pcapng_name *e = &rec->names[i];

		if (ctrcap_pcapng_writer_name(ro->w, e->family, e->addr, e->name) < 0)
			return -1;
	}
	return 0;
}

void ctrcap_rec_packet(const struct ctrcap_pcapng_rec *rec, const struct ctrcap_identity *id,
		       struct ctrcap_pcapng_packet *out)
{
	/* Direction bits 11 are no direction pcapng defines: written as unknown. */
	uint32_t dir = rec->has_flags ? rec->flags & 3 : CTRCAP_DIR_UNKNOWN;
	struct ctrcap_pcapng_packet p = {
		.ts_ns = rec->ts_ns,
		.data = rec->data,
		.caplen = rec->caplen,
		.origlen = rec->origlen,
		.direction = dir == 3 ? CTRCAP_DIR_UNKNOWN : dir,
		.packet_id = rec->has_packet_id ? rec->packet_id : 0,
	};
	const struct ctrcap_identity *who = rec->has_identity ? &rec->identity : id;

	if (rec->has_pid_tid) {
		p.pid = rec->pid;
		p.tid = rec->tid;
	} else if (who && (who->present & CTRCAP_HAS_PID)) {
		p.pid = who->pid;
		p.tid = who->present & CTRCAP_HAS_TID ? who->tid : 0;
	} else if (rec->has_pib) {
		p.pid = rec->pib_pid; /* a macOS tcpdump -k file: the pid is the block's */
	}
	/*
	 * Its Darwin process info block is written again, for the same pid; a
	 * packet from a file without one gets one from its identity's comm,
	 * as a capture writes it.
	 */
	if (rec->has_pib && rec->pib_pid == p.pid) {
		p.pname = rec->pname;
		p.pname_len = rec->pname_len;
	} else if (p.pid && who && who->pid == p.pid && who->comm.ptr) {
		p.pname = who->comm.ptr;
		p.pname_len = who->comm.len;
	}
	if (rec->identity_raw_len && rec->identity_raw_len <= CTRCAP_RECORD_MAX) {
		p.record = rec->identity_raw;
		p.record_len = rec->identity_raw_len;
	} else if (rec->has_identity) {
		p.id = &rec->identity;
	} else {
		p.id = id;
	}
	*out = p;
}

/*
 * Write one selected packet with its identity option as read (the raw
 * record, so fields this version does not know are kept), else with id
 * (ptcpdump's, from its comments) as ctrcap's record. Its interface is
 * copied on first use. 0, 1 when the reader of -w - went away, -1.
 */
static int read_out_packet(struct read_out *ro, const struct ctrcap_pcapng_rec *rec,
			   const struct ctrcap_identity *id)
{
	int *slot = rec->iface_id < ro->n_ifmap ? &ro->ifmap[rec->iface_id] : NULL;
	const struct ctrcap_identity *who = rec->has_identity ? &rec->identity : id;
	struct ctrcap_pcapng_packet p;

	ctrcap_rec_packet(rec, id, &p);
	if (ctrcap_packet_comments(ro->wo, who, &p) < 0) {
		fprintf(stderr, "ctrcap: out of memory for the --comments text\n");
		return -1;
	}
	if (slot && !*slot && rec->iface) {
		int id = ctrcap_pcapng_writer_interface_copy(ro->w, ro->key_base + rec->iface_id,
							     rec->iface);

		if (id < 0)
			goto fail;
		*slot = id + 1;
	}
	if (!slot || !*slot)
		return 0; /* the reader refuses a packet of an undefined interface */
	p.if_id = *slot - 1;
	if (!ctrcap_pcapng_writer_packet(ro->w, &p))
		return 0;
fail:
	return strstr(ctrcap_pcapng_writer_error(ro->w), strerror(EPIPE)) ? 1 : -1;
}

/*
 * rec as -r selects and prints it, into p, and its identity into id:
 * ctrcap's record; else what ptcpdump's comments, epb_processid_threadid
 * and Apple's process info block give together; or for a PKTAP frame (a file
 * saved from ctrcap-rpcapd, or macOS tcpdump -k) the inner frame with the
 * identity its header carries. id's strings may point into pv. A malformed
 * PKTAP frame or record is named in bad. Returns whether id is set.
 */
static bool read_packet(const struct ctrcap_pcapng_rec *rec, struct ctrcap_read_pkt *p,
			struct ctrcap_identity *id, struct ctrcap_ptcpdump_store *ptcp,
			struct ctrcap_pktap_view *pv, char *bad, size_t badlen)
{
	bool found;

	*p = (struct ctrcap_read_pkt){
		.linktype = rec->iface ? rec->iface->linktype : 1,
		.snaplen = rec->iface ? rec->iface->snaplen : 0,
		.ifname = rec->iface ? rec->iface->name : "",
		.direction = rec->has_flags ? (rec->flags & 3) : 0,
		.data = rec->data,
		.caplen = rec->caplen,
		.len = rec->origlen,
	};
	bad[0] = '\0';
	memset(id, 0, sizeof(*id));
	if (rec->has_identity) {
		*id = rec->identity;
		return true;
	}
	if (p->linktype == CTRCAP_LINKTYPE_PKTAP) {
		char err[200];
		int r;

		if (ctrcap_pktap_parse(rec->data, rec->caplen, rec->origlen, pv, err, sizeof(err))) {
			snprintf(bad, badlen, "bad PKTAP frame: %s", err);
			return false;
		}
		p->linktype = (uint16_t)pv->dlt;
		p->ifname = pv->ifname[0] ? pv->ifname : p->ifname;
		p->direction = pv->direction;
		p->data = pv->inner;
		p->caplen = pv->inner_caplen;
		p->len = pv->inner_len;
		r = ctrcap_pktap_identity(pv, id, err, sizeof(err));
		if (r < 0)
			snprintf(bad, badlen, "bad identity record in the PKTAP header: %s", err);
		return r == 1;
	}
	/*
	 * No ctrcap record (another writer, or a file whose custom options a
	 * tool stripped): what the other carriers give, merged. ptcpdump's
	 * comments first, printed and filtered alike.
	 */
	found = rec->comments_all &&
		ctrcap_ptcpdump_identity(rec->comments_all, strlen(rec->comments_all), id, ptcp) == 1;
	/* The standard option: the pid and tid. */
	if (rec->has_pid_tid && rec->pid && !(id->present & CTRCAP_HAS_PID)) {
		id->present |= CTRCAP_HAS_PID;
		id->pid = rec->pid;
		found = true;
	}
	if (rec->has_pid_tid && rec->pid && rec->pid == id->pid && rec->tid &&
	    !(id->present & CTRCAP_HAS_TID)) {
		id->present |= CTRCAP_HAS_TID;
		id->tid = rec->tid;
	}
	/* Apple's process info block: its pid (macOS tcpdump -k writes no option 8) and name. */
	if (rec->has_pib && !(id->present & CTRCAP_HAS_PID)) {
		id->present |= CTRCAP_HAS_PID;
		id->pid = rec->pib_pid;
		found = true;
	}
	if (rec->has_pib && rec->pib_pid == id->pid && !id->comm.ptr && rec->pname_len) {
		id->comm.ptr = rec->pname;
		id->comm.len = rec->pname_len;
	}
	return found;
}

/* A string view as a C string in buf (cut to fit); NULL for an absent one. */
static const char *view_str(struct ctrcap_str v, char *buf, size_t cap)
{
	if (!v.ptr)
		return NULL;
	snprintf(buf, cap, "%.*s", (int)v.len, v.ptr);
	return buf;
}

/*
 * --journey: add a selected packet to the table, its bytes as printed (a
 * PKTAP frame's inner one), its drop as the identity names it. 0 or -1.
 */
static int journey_add(struct ctrcap_journeys *jt, const struct ctrcap_pcapng_rec *rec,
		       const struct ctrcap_read_pkt *p, const struct ctrcap_identity *id)
{
	char reason[256], where[256];
	bool drop = id && ctrcap_identity_is_drop(id);
	struct ctrcap_jrec r = {
		.packet_id = rec->has_packet_id ? rec->packet_id : 0,
		.ts_ns = rec->ts_ns,
		.ifname = p->ifname,
		.place = rec->iface ? rec->iface->description : NULL,
		.direction = p->direction,
		.linktype = p->linktype,
		.data = p->data,
		.caplen = p->caplen,
		.drop_reason = drop ? view_str(id->drop_reason, reason, sizeof(reason)) : NULL,
		/* A drop with a reason but no location (another writer) is still a drop. */
		.drop_location = drop ? (view_str(id->drop_location, where, sizeof(where)) ?: "?") :
					NULL,
	};

	return ctrcap_journeys_add(jt, &r);
}

/*
 * tcpdump's first line for -r, on stderr: the file's (first interface's)
 * link type by name and description, and its snapshot length (0, "no
 * limit" in pcapng, as libpcap reports it: 262144).
 */
static void reading_from(const char *path, const struct ctrcap_pcapng_iface *ifc)
{
	const char *name = pcap_datalink_val_to_name(ifc->linktype);
	const char *desc = pcap_datalink_val_to_description(ifc->linktype);

	if (name)
		fprintf(stderr, "reading from file %s, link-type %s (%s), snapshot length %u\n",
			path, name, desc ? desc : name, ifc->snaplen ? ifc->snaplen : 262144u);
	else
		fprintf(stderr, "reading from file %s, link-type %u, snapshot length %u\n", path,
			ifc->linktype, ifc->snaplen ? ifc->snaplen : 262144u);
}

/* True when -w names the file -r reads (writing would truncate it first). */
static bool same_file(const char *in, const char *out)
{
	struct stat a, b;

	if (!strcmp(in, "-") || !strcmp(out, "-") || stat(in, &a) || stat(out, &b))
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int ctrcap_run_read(const struct ctrcap_opts *o)
{
	struct ctrcap_pcapng_reader *r;
	struct ctrcap_pcapng_rec rec;
	struct ctrcap_ident_buf *b = calloc(1, sizeof(*b));
	struct ctrcap_ptcpdump_store ptcp = { 0 };
	struct ctrcap_read_filter *flt = NULL;
	struct read_out ro = { 0 };
	struct ctrcap_journeys *jt = NULL;
	uint64_t n = 0, uncommented = 0;
	bool said_reading = false;
	char err[512];
	int ret, code = 0;

	if (!b) {
		fprintf(stderr, "ctrcap: out of memory\n");
		return 1;
	}
	/* A bad expression is refused before the file is even opened. */
	if (o->filter && !(flt = ctrcap_read_filter_new(o->filter, err, sizeof(err)))) {
		fprintf(stderr, "ctrcap: %s\n", err);
		free(b);
		return 1;
	}
	r = ctrcap_pcapng_reader_open(o->read_path, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "ctrcap: %s\n", err);
		ctrcap_read_filter_free(flt);
		free(b);
		return 1;
	}
	if (o->journey && !(jt = ctrcap_journeys_new())) {
		fprintf(stderr, "ctrcap: out of memory\n");
		code = 1;
		goto out;
	}
	if (o->out.path && same_file(o->read_path, o->out.path)) {
		fprintf(stderr, "ctrcap: -w %s is the file -r reads\n", o->out.path);
		code = 1;
		goto out;
	}
	if (o->out.path) {
		ro.w = ctrcap_writer_open(&o->out, NULL, err, sizeof(err));
		ro.wo = &o->out;
		if (!ro.w) {
			fprintf(stderr, "ctrcap: %s\n", err);
			code = 1;
			goto out;
		}
	}
	while ((ret = ctrcap_pcapng_reader_next(r, &rec)) == 1) {
		struct ctrcap_pktap_view pv;
		struct ctrcap_read_pkt p;
		struct ctrcap_text_pkt t;
		char bad[256];
		bool has_id;
		int sel;

		if (ro.w && read_out_note(&ro, &rec)) {
			fprintf(stderr, "ctrcap: out of memory\n");
			code = 1;
			break;
		}
		if (ro.w && rec.kind == CTRCAP_REC_NAMES && read_out_names(&ro, &rec)) {
			fprintf(stderr, "ctrcap: %s\n", ctrcap_pcapng_writer_error(ro.w));
			code = 1;
			break;
		}
		if (rec.kind == CTRCAP_REC_INTERFACE && rec.iface && !said_reading) {
			reading_from(o->read_path, rec.iface);
			said_reading = true;
		}
		if (rec.kind != CTRCAP_REC_PACKET)
			continue;
		has_id = read_packet(&rec, &p, &b->id, &ptcp, &pv, bad, sizeof(bad));
		if (!ctrcap_ident_match(NULL, o, b, 0))
			continue;
		sel = ctrcap_read_filter_pkt(flt, &p);
		if (sel < 0) {
			code = 1;
			break;
		}
		if (!sel)
			continue;
		if (jt) {
			if (journey_add(jt, &rec, &p, has_id ? &b->id : NULL)) {
				fprintf(stderr, "ctrcap: out of memory for the journey table of %s\n",
					o->read_path);
				code = 1;
				break;
			}
			n++;
			if (o->count && n >= o->count)
				break;
			continue;
		}
		if (ro.w) {
			/* A PKTAP frame is copied whole: its identity travels inside it. */
			bool pktap = p.data != rec.data;
			int w = read_out_packet(&ro, &rec, has_id && !pktap ? &b->id : NULL);

			if (w < 0) {
				fprintf(stderr, "ctrcap: %s\n", ctrcap_pcapng_writer_error(ro.w));
				code = 1;
			}
			if (w)
				break;
			/* --comments writes ptcpdump's identity again, as comments. */
			uncommented += rec.comment && !(o->out.comments && rec.comments_all &&
							ptcpdump_is_identity(rec.comments_all,
									     strlen(rec.comments_all)));
		}
		n++;
		if (!ro.w || o->print) {
			t = (struct ctrcap_text_pkt){
				.ts_ns = rec.ts_ns,
				.ifname = p.ifname,
				.direction = p.direction,
				.linktype = p.linktype,
				.data = p.data,
				.caplen = p.caplen,
				.len = p.len,
			};
			ctrcap_print_packet(o, n, &t, has_id ? &b->id : NULL,
					    rec.has_packet_id ? rec.packet_id : 0);
			if (rec.identity_error && !o->count_only)
				fprintf(stdout, "    [bad identity record: %s]\n",
					rec.identity_error);
			if (bad[0] && !o->count_only)
				fprintf(stdout, "    [%s]\n", bad);
		}
		if (o->count && n >= o->count)
			break;
	}
	if (ret < 0) {
		fprintf(stderr, "ctrcap: %s\n", ctrcap_pcapng_reader_error(r));
		code = 1;
	}
	ctrcap_print_end();
	if (jt && !code && ctrcap_journeys_print(jt, stdout)) {
		fprintf(stderr, "ctrcap: out of memory for the journey table of %s\n", o->read_path);
		code = 1;
	}
	/* The writer has no comments to give: say so rather than lose them unseen. */
	if (uncommented)
		fprintf(stderr, "ctrcap: the comments of %llu packets are not copied to -w "
				"(ptcpdump's identity in them is, as ctrcap's record); "
				"tshark -r IN -Y FILTER -w OUT keeps them\n",
			(unsigned long long)uncommented);
	if (o->count_only)
		printf("%llu packet%s\n", (unsigned long long)n, n == 1 ? "" : "s");
	if (ro.w && ctrcap_pcapng_writer_close(ro.w, err, sizeof(err)) &&
	    !strstr(err, strerror(EPIPE))) {
		fprintf(stderr, "ctrcap: %s\n", err);
		code = 1;
	}
out:
	ctrcap_journeys_free(jt);
	free(ro.ifmap);
	ctrcap_pcapng_reader_close(r);
	ctrcap_read_filter_free(flt);
	ctrcap_ptcpdump_store_free(&ptcp);
	free(b);
	return code;
}

static void listing_warn(void *ctx, const char *msg)
{
	/* Front doors show stderr as an error: runtime notes only with -v. */
	if (*(const int *)ctx)
		fprintf(stderr, "ctrcap: %s\n", msg);
}

struct ctr_resolver *ctrcap_resolver_for_listing(const struct ctrcap_opts *o, char *root,
						 size_t cap)
{
	struct ctr_resolver_opts ro = {
		.warn = listing_warn,
		.warn_ctx = (void *)&o->verbose,
	};
	struct ctr_resolver *res;
	char err[512];

	if (!ctrcap_cgroup2_root(root, cap))
		ro.cgroup_root = root;
	ro.no_events = true;
	ctrcap_opts_engine_paths(o, &ro);
	res = ctr_resolver_new(&ro, err, sizeof(err));
	if (!res)
		fprintf(stderr, "ctrcap: container metadata unavailable: %s\n", err);
	return res;
}

int ctrcap_run_list_containers(const struct ctrcap_opts *o)
{
	struct ctr_resolver *res;
	struct ctr_info *v = NULL;
	char root[512];
	size_t n = 0;

	res = ctrcap_resolver_for_listing(o, root, sizeof(root));
	if (!res)
		return 1;
	if (ctr_resolver_list(res, &v, &n, CTRCAP_LIST_TIMEOUT_MS) < 0) {
		fprintf(stderr, "ctrcap: cannot list containers under %s\n", root);
		ctr_resolver_free(res);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		printf("%s\t%s\t%s\t%s\t%s\t%s\n", v[i].id, v[i].name, v[i].image,
		       ctr_runtime_name(v[i].runtime), v[i].pod_namespace, v[i].pod_name);
	}
	free(v);
	ctr_resolver_free(res);
	return 0;
}

int ctrcap_run_cleanup(void)
{
	unsigned removed = 0;

	if (ctrcap_tc_cleanup(&removed)) {
		if (errno == EPERM)
			fprintf(stderr, "ctrcap: --cleanup is for root only: it removes the "
					"capture filters of every user\n");
		else
			fprintf(stderr, "ctrcap: cleanup failed: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "ctrcap: removed %u leftover tc filters\n", removed);
	return 0;
}
