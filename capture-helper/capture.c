// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Live capture: load the BPF object, attach the cgroup hooks and
 * tracepoints, attach tc everywhere selected, then consume the ring buffer
 * (polled, no per-event wake-ups) into pcapng or text until told to stop.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ctrcap_bpf.skel.h"
#include "ctrcap/pcapng.h"
#include "ctrcap/identity_text.h"
#include "ctrcap/ptcpdump_identity.h"
#include "attach.h"
#include "capture.h"
#include "cgroup.h"
#include "addr_names.h"
#include "event_park.h"
#include "containers/resolver.h"
#include "drop_reason.h"
#include "drop_select.h"
#include "filter_setup.h"
#include "hop_fold.h"
#include "hops.h"
#include "identity.h"
#include "iface_container.h"
#include "kernel_features.h"
#include "netns.h"
#include "node_name.h"
#include "packet_text.h"
#include "proc_table.h"
#include "ring_reader.h"
#include "post_rotate.h"
#include "read_filter.h"
#include "privilege.h"
#include "rescan.h"
#include "startup_scan.h"
#include "tcp_seq.h"

#define POLL_IDLE_US 2000
/* Events between two reads of the stall clock (ring_read). */
#define RING_READ_EVERY 32
/* Empty polls before the reader sleeps until woken (100 ms without an event). */
#define IDLE_POLLS 50
/* Its longest sleep: the loop's other work (new tables, signals) waits at most this. */
#define SLEEP_MAX_MS 100
/* hop_seen's size when no program files hops (one interface): one set of two ways. */
#define HOP_SEEN_UNUSED 2
/* nat_owner's size when no hop is tracked: read, never written (an LRU map takes no 0). */
#define NAT_OWNER_UNUSED 1
#define RESCAN_MS 500
#define GC_MS 10000
/* Process table slots the gc visits between two ring reads (a pass: 32 steps). */
#define GC_SLOTS 1024
#define CMD_DRAIN_MS 300
/* At most one early rescan per this, for packets of interfaces not known yet. */
#define UNKNOWN_RESCAN_MS 100
/*
 * How long, and with how many bytes of events, the consumer holds packets
 * back for that rescan: then they go out named as far as known.
 */
#define PARK_MAX_MS 500
#define PARK_BYTES (8u << 20)
/*
 * How long the first packets of a new cgroup wait for its container's
 * metadata (once per cgroup), at most PARK_CGROUPS cgroups at a time, and
 * the longest any event is held back for all reasons together.
 */
#define FIRST_WAIT_MS 1000
#define PARK_CGROUPS 16
#define PARK_HOLD_MAX_MS 2000

#define IF_MEMO 64
/*
 * How often container addresses are named again without a new address
 * table: a container's metadata (its name) may come after its addresses,
 * and a rename changes the name.
 */
#define NAMES_REFRESH_MS 1000

/* A writer interface id already known for (netns, ifindex, name). */
struct if_memo {
	uint32_t netns, ifindex;
	uint16_t linktype;
	int ifid;		/* id + 1; 0 = empty */
	char name[IF_NAMESIZE + 8];
};

/* Whether an interface of the helper's namespace is a veth or a bridge. */
struct if_place {
	uint32_t ifindex;	/* 0 = empty */
	uint8_t place;		/* enum ctrcap_hop_place */
	char name[IF_NAMESIZE];
};

struct capture {
	const struct ctrcap_opts *o;
	struct ctrcap_iface_spec specs[CTRCAP_MAX_IFACES]; /* -i, containers named by their netns */
	struct ctrcap_bpf *skel;
	struct ctrcap_kernel_features kf;
	struct bpf_program *tc_prog[2];	/* ingress, egress: the pair this kernel loads */
	struct bpf_program *skb_egress;	/* the cgroup_skb egress variant it loads */
	struct bpf_program *sockops;	/* the sock_ops variant it loads */
	struct ctrcap_rings *rings;	/* the reader of ring_fds, merged by time */
	int ring_fds[CTRCAP_MAX_RINGS];
	unsigned n_rings;
	struct ctrcap_attach *att;
	struct ctrcap_proc_table *procs;
	struct ctrcap_ident *ident;
	struct ctr_resolver *res;
	struct ctrcap_pcapng_writer *w;
	struct bpf_link *links[32];
	unsigned n_links;
	uint64_t mono_to_epoch_ns;
	uint64_t captured;
	uint32_t cmd_pid;
	bool stop;
	int exit_code;
	char err[512];
	struct ctrcap_filters *filters;
	struct ctrcap_filter_target target;	/* where the filter programs count and tail-call */
	struct ctrcap_ident_recent recent;	/* the identities of recent packets */
	struct if_memo ifm[IF_MEMO];
	struct ctrcap_rescan *scan;	/* the scanner thread and the table it publishes */
	struct ctrcap_addr_names *names; /* container addresses named in the pcapng (NRBs) */
	uint64_t names_ms;		/* when they were last given to the writer */
	struct ctrcap_park *park;	/* events held back for a rescan or a new container */
	bool parked;			/* events are being held back */
	uint64_t park_for;		/* the scan count they wait for; 0 = none */
	uint64_t park_cg[PARK_CGROUPS];	/* the new cgroups whose containers they wait for */
	unsigned n_park_cg;
	uint64_t park_since_ms;
	uint64_t park_until_ms;		/* they go out then, whatever they wait for */
	uint64_t last_ask_ms;		/* the last early rescan asked for */
	uint64_t parks;			/* times events were held back (-v) */
	struct ctrcap_hops *hops;	/* --hops first|container; NULL = all */
	enum ctrcap_hops_mode hops_mode;
	uint32_t self_netns;		/* inode of the helper's network namespace */
	struct if_place place[IF_MEMO];	/* veth/bridge or not, helper's namespace */
	struct bpf_program *drop_prog;	/* --drops: the skb:kfree_skb program loaded */
	struct ctrcap_drop_names *drop_names;	/* NULL: the kernel gives no drop reasons */
	struct btf *btf;		/* --drops: the kernel's BTF, from the probe until the names are read */
	struct ctrcap_read_filter *drop_filter;	/* the pcap filter for drops, in user space */
	struct ctrcap_drop_select *drop_sel;	/* --drops: the interfaces selected in the kernel */
	uint64_t drops;			/* drops written or printed */
	uint64_t drops_filtered;	/* drops the pcap filter rejected (user space) */
	uint64_t drops_unmatched;	/* drops the identity filters (--pid, --comm, ...) left out */
	uint64_t last_read_ns;		/* the ring's last read: a poll or an event */
	uint64_t read_ms;		/* the event's time in ms (tick clock), for the park */
	uint64_t events_read;		/* ring events handled, for RING_READ_EVERY */
	uint64_t max_stall_ns;		/* longest time between two reads (-v) */
	char node[CTRCAP_NODE_NAME_BUF]; /* the node every packet and IDB names */
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* The tick clock (a few ms): a memory read, no clock source. */
static uint64_t coarse_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * The ring is read now (a poll or one event): keep the longest time it went
 * unread, the window in which a burst fills it and the kernel drops.
 */
static void ring_read(struct capture *c)
{
	uint64_t now = mono_ns();

	if (c->last_read_ns && now - c->last_read_ns > c->max_stall_ns)
		c->max_stall_ns = now - c->last_read_ns;
	c->last_read_ns = now;
}

static void fail(struct capture *c, const char *fmt, const char *what)
{
	if (!c->exit_code)
		fprintf(stderr, fmt, what);
	c->exit_code = 1;
	c->stop = true;
}

/*
 * The writer's interface id for the packet's (netns, ifindex, name); the
 * IDB's description (and the container lookup it needs) is built only the
 * first time, not per packet.
 */
static int interface_id(struct capture *c, const struct ctrcap_pkt_event *e,
			const struct ctrcap_iface *f, const char *ifname, uint16_t linktype)
{
	struct if_memo *m = &c->ifm[(e->netns * 31u + e->ifindex) % IF_MEMO];
	const struct ctr_info *nc;
	char desc[400];
	int ifid;

	if (m->ifid > 0 && m->netns == e->netns && m->ifindex == e->ifindex &&
	    m->linktype == linktype && !strcmp(m->name, ifname))
		return m->ifid - 1;
	/* The IDB names the netns and, when one owns it, the container. */
	nc = ctrcap_ident_netns_container(c->ident, e->netns);
	if (nc && nc->name[0])
		snprintf(desc, sizeof(desc), "%s (container %s)", f ? f->netns_name : "",
			 nc->name);
	else
		snprintf(desc, sizeof(desc), "%s", f ? f->netns_name : "");
	ifid = ctrcap_pcapng_writer_interface(c->w, e->netns, e->ifindex, ifname, desc, linktype,
					      c->o->snaplen);
	if (ifid < 0)
		return ifid;
	m->netns = e->netns;
	m->ifindex = e->ifindex;
	m->linktype = linktype;
	snprintf(m->name, sizeof(m->name), "%s", ifname);
	m->ifid = ifid + 1;
	return ifid;
}

/* The interface a packet was seen on, in the scanner's latest table; NULL if unknown. */
static const struct ctrcap_iface *packet_iface(struct capture *c, const struct ctrcap_pkt_event *e)
{
	return ctrcap_rescan_find(c->scan, e->netns, e->ifindex);
}

/* The ethtool driver of interface name in this namespace ("" if unknown). */
static void if_driver(const char *name, char *drv, size_t cap)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	drv[0] = 0;
	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&di;
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(drv, cap, "%s", di.driver);
	close(fd);
}

/*
 * Where --hops container ranks the hop of e: the helper's own namespace is
 * the host's; its veths and bridges only carry packets between containers.
 */
static enum ctrcap_hop_place hop_place(struct capture *c, const struct ctrcap_pkt_event *e,
				       const char *ifname)
{
	struct if_place *p = &c->place[e->ifindex % IF_MEMO];
	char drv[32];

	if (e->netns != c->self_netns)
		return CTRCAP_HOP_CONTAINER;
	if (p->ifindex == e->ifindex && !strcmp(p->name, ifname))
		return p->place;
	if_driver(ifname, drv, sizeof(drv));
	p->ifindex = e->ifindex;
	snprintf(p->name, sizeof(p->name), "%s", ifname);
	p->place = !strcmp(drv, "veth") || !strcmp(drv, "bridge") ? CTRCAP_HOP_PLUMBING :
								    CTRCAP_HOP_HOST;
	return p->place;
}

/* What output_packet needs of a kernel drop (NULL for a captured packet). */
struct drop_info {
	uint16_t linktype;	/* of its bytes: the device's, or raw IP */
	uint32_t if_key;	/* the writer's key of its interface */
	const char *reason;	/* NULL when the kernel gives no reason */
	uint32_t code;
	bool has_code;
	char location[160];
};

/* Name the drop d on the identity just built (and take it off again with NULL). */
static void drop_identity(struct ctrcap_identity *id, const struct drop_info *d)
{
	static const struct ctrcap_str none;

	/* The next packet of this identity may reuse it as it is (ctrcap_ident_build). */
	id->present &= ~(uint32_t)CTRCAP_HAS_DROP_REASON;
	id->drop_reason_code = 0;
	id->drop_reason = id->drop_location = none;
	if (!d)
		return;
	if (d->has_code) {
		id->drop_reason_code = d->code;
		id->present |= CTRCAP_HAS_DROP_REASON;
	}
	if (d->reason) {
		id->drop_reason.ptr = d->reason;
		id->drop_reason.len = strlen(d->reason);
	}
	id->drop_location.ptr = d->location;
	id->drop_location.len = strlen(d->location);
}

/*
 * Write or print one packet, data its caplen bytes; drop describes it when
 * the kernel dropped it (its interface is keyed apart when its bytes start
 * at the network header, and --hops never hides it).
 */
static void output_packet(struct capture *c, const struct ctrcap_pkt_event *e, const void *data,
			  const struct drop_info *drop)
{
	const struct ctrcap_opts *o = c->o;
	const struct ctrcap_iface *f = packet_iface(c, e);
	char unnamed[IF_NAMESIZE];
	const char *ifname = f ? f->name : unnamed;
	uint16_t linktype = drop ? drop->linktype : f ? f->linktype : ctrcap_linktype_for(e->dev_type);
	uint64_t ts = e->ts_ns + c->mono_to_epoch_ns;
	struct ctrcap_ident_buf *ib;

	if (!f)
		snprintf(unnamed, sizeof(unnamed), e->ifindex ? "if%u" : "nodev", e->ifindex);

	ib = ctrcap_ident_get(c->ident, e, &c->recent);
	if (!ctrcap_ident_match(c->ident, o, ib, c->cmd_pid)) {
		if (drop)
			c->drops_unmatched++;
		return;
	}
	if (!drop && c->hops &&
	    !ctrcap_hops_keep(c->hops, e->packet_id, e->ts_ns, hop_place(c, e, ifname)))
		return;

	if (c->w) {
		struct ctrcap_pcapng_packet p = {
			.ts_ns = ts,
			.data = data,
			.caplen = e->caplen,
			.origlen = e->len,
			.direction = e->direction,
			.packet_id = e->packet_id,
			.pid = ib->id.present & CTRCAP_HAS_PID ? ib->id.pid : 0,
			.tid = ib->id.present & CTRCAP_HAS_TID ? ib->id.tid : 0,
			/* Apple's process info block: Wireshark 4.6 shows pid and name. */
			.pname = ib->id.comm.ptr,
			.pname_len = ib->id.comm.len,
			.id = &ib->id,
		};
		struct ctrcap_pkt_event key = *e;
		int ifid;

		/*
		 * One encoding per distinct identity, not per packet (else .id
		 * encodes); a drop's record is its own, with the drop TLVs.
		 */
		if (drop) {
			drop_identity(&ib->id, drop);
			key.ifindex = drop->if_key;
		} else if (!ctrcap_ident_record(c->ident, ib, &p.record, &p.record_len)) {
			p.id = NULL;
		}
		if (ctrcap_packet_comments(&o->out, &ib->id, &p) < 0) {
			drop_identity(&ib->id, NULL);
			fail(c, "ctrcap: out of memory for the %s text\n", "--comments");
			return;
		}
		ifid = interface_id(c, &key, f, ifname, linktype);
		if (ifid < 0 || (p.if_id = ifid, ctrcap_pcapng_writer_packet(c->w, &p))) {
			const char *why = ctrcap_pcapng_writer_error(c->w);

			drop_identity(&ib->id, NULL);
			/* The reader went away (pipe closed): a normal end. */
			if (strstr(why, strerror(EPIPE))) {
				c->stop = true;
				return;
			}
			fail(c, "ctrcap: %s\n", why);
			return;
		}
	}
	if (drop)
		c->drops++;
	else
		c->captured++;
	if (!c->w || o->print) {
		struct ctrcap_text_pkt t = {
			.ts_ns = ts,
			.ifname = ifname,
			.direction = e->direction,
			.linktype = linktype,
			.data = data,
			.caplen = e->caplen,
			.len = e->len,
		};

		if (drop)
			drop_identity(&ib->id, drop);
		ctrcap_print_packet(o, c->captured + c->drops, &t, &ib->id, e->packet_id);
	}
	drop_identity(&ib->id, NULL);
	if (o->count && c->captured >= o->count)
		c->stop = true;
}

/* LINKTYPE_RAW: a drop taken from its network header. */
#define LINKTYPE_RAW_IP 101

/*
 * One kernel drop, of a captured interface or namespace (the BPF program
 * selected it, drop_where): the pcap filter, then out as a packet with its
 * reason.
 */
static void output_drop(struct capture *c, const struct ctrcap_drop_event *d)
{
	const struct ctrcap_pkt_event *e = &d->pkt;
	const struct ctrcap_iface *f = packet_iface(c, e);
	const uint8_t *data = (const uint8_t *)(d + 1);
	struct drop_info di = { 0 };

	if (d->start == CTRCAP_DROP_FROM_MAC) {
		di.linktype = f ? f->linktype : ctrcap_linktype_for(e->dev_type);
		di.if_key = e->ifindex;
	} else {
		/* Keyed apart from the device's own (Ethernet) interface: one IDB each. */
		di.linktype = LINKTYPE_RAW_IP;
		di.if_key = e->ifindex | 0x80000000u;
	}
	if (c->drop_filter) {
		const char *note = NULL;
		char err[256];
		int m = ctrcap_read_filter_match(c->drop_filter, di.linktype, c->o->snaplen, data,
						 e->caplen, e->len, &note, err, sizeof(err));

		if (m < 0) {
			fail(c, "ctrcap: --drops: %s\n", err);
			return;
		}
		if (note)
			fprintf(stderr, "ctrcap: --drops: %s\n", note);
		if (!m) {
			c->drops_filtered++;
			return;
		}
	}
	if (d->has_reason) {
		di.has_code = true;
		di.code = d->reason;
		di.reason = ctrcap_drop_reason_name(c->drop_names, d->reason);
	}
	ctrcap_ksyms_format(c->o->ksyms, d->location, di.location, sizeof(di.location));
	output_packet(c, e, data, &di);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct capture *c = ctx;
	const __u32 *type = data;

	if (size < sizeof(*type))
		return 0;
	switch (*type) {
	case CTRCAP_EV_PACKET: {
		const struct ctrcap_pkt_event *e = data;

		if (c->stop || size < sizeof(*e) || size < sizeof(*e) + e->caplen)
			return 0;
		output_packet(c, e, e + 1, NULL);
		break;
	}
	case CTRCAP_EV_DROP: {
		const struct ctrcap_drop_event *d = data;

		if (c->stop || size < sizeof(*d) || size < sizeof(*d) + d->pkt.caplen)
			return 0;
		output_drop(c, d);
		break;
	}
	case CTRCAP_EV_EXEC:
		if (size >= sizeof(struct ctrcap_exec_event))
			ctrcap_proc_on_exec(c->procs, data, mono_ms());
		break;
	case CTRCAP_EV_FORK:
		if (size >= sizeof(struct ctrcap_task_event)) {
			const struct ctrcap_task_event *t = data;

			ctrcap_proc_on_fork(c->procs, t->pid, t->ppid, t->start_ns, mono_ms());
		}
		break;
	case CTRCAP_EV_EXIT:
		if (size >= sizeof(struct ctrcap_task_event)) {
			const struct ctrcap_task_event *t = data;

			ctrcap_proc_on_exit(c->procs, t->pid, t->start_ns, mono_ms());
		}
		break;
	}
	return 0;
}

/*
 * Take the scanner's newest tables; with pcapng output give the writer the
 * names of container addresses, before any packet that follows.
 */
static void adopt_tables(struct capture *c)
{
	bool changed = ctrcap_rescan_adopt(c->scan);
	uint64_t now = mono_ms();
	const struct ctrcap_ns_addr *v;
	size_t n;

	if (!c->w || !c->names || (!changed && now - c->names_ms < NAMES_REFRESH_MS))
		return;
	c->names_ms = now;
	v = ctrcap_rescan_addrs(c->scan, &n);
	if (ctrcap_addr_names_update(c->names, c->w, c->ident, v, n) < 0)
		fail(c, "ctrcap: %s\n", ctrcap_pcapng_writer_error(c->w));
}

/* Hand the held-back events on, named with the table adopted now. */
static void park_release(struct capture *c)
{
	c->parked = false;
	c->park_for = 0;
	c->n_park_cg = 0;
	ctrcap_park_replay(c->park, handle_event, c);
}

/*
 * A packet of an interface the table does not hold comes from a device
 * our programs followed into another namespace or through a rename (a
 * container's veth), or from one that just appeared. Ask the scanner for a
 * scan now, so that the packet is named as the device is now. At most one
 * such scan per UNKNOWN_RESCAN_MS: a device no scan finds does not hold
 * the capture back again and again. True if a scan is to be waited for.
 */
static bool ask_scan(struct capture *c, const struct ctrcap_pkt_event *e, uint64_t now)
{
	/* A drop with no device names no interface a scan could find. */
	if (!c->o->any || c->park_for || !e->ifindex || packet_iface(c, e))
		return false;
	if (now - c->last_ask_ms < UNKNOWN_RESCAN_MS)
		return false;
	c->last_ask_ms = now;
	c->park_for = ctrcap_rescan_request(c->scan);
	return c->park_for != 0;
}

/*
 * The first packet of a cgroup not named yet (a container's first DNS
 * lookup) waits for the resolver to fetch its container's metadata, so
 * that it carries the name and passes --container-name like the rest. The
 * resolver works in its own thread; the ring keeps being read meanwhile.
 * True if a cgroup was added to those waited for.
 */
static bool ask_container(struct capture *c, const struct ctrcap_pkt_event *e)
{
	uint64_t cgs[2] = { ctrcap_ident_packet_cgroup(c->ident, e),
			    ctrcap_ident_netns_cgroup(c->ident, e->netns) };
	bool added = false;

	for (unsigned i = 0; i < 2 && c->n_park_cg < PARK_CGROUPS; i++) {
		bool held = false;

		for (unsigned j = 0; j < c->n_park_cg && !held; j++)
			held = c->park_cg[j] == cgs[i];
		if (held || !ctrcap_ident_pending(c->ident, cgs[i]))
			continue;
		c->park_cg[c->n_park_cg++] = cgs[i];
		added = true;
	}
	return added;
}

/* Hold this event and the ones after it back, when its packet waits for a scan or a container. */
static void park_maybe_begin(struct capture *c, const void *data, size_t size)
{
	const struct ctrcap_pkt_event *e = data;
	uint64_t now, until;
	bool scan, ctr;

	if (size < sizeof(*e) || (e->type != CTRCAP_EV_PACKET && e->type != CTRCAP_EV_DROP))
		return;
	/* The tick clock on_event() read for this event: the park counts in ms. */
	now = c->read_ms;
	scan = ask_scan(c, e, now);
	ctr = ask_container(c, e);
	if (!scan && !ctr)
		return;
	if (!c->parked) {
		c->parked = true;
		c->park_since_ms = now;
		c->park_until_ms = now;
		c->parks++;
	}
	until = now + (ctr ? FIRST_WAIT_MS : PARK_MAX_MS);
	if (until > c->park_until_ms)
		c->park_until_ms = until;
	if (c->park_until_ms > c->park_since_ms + PARK_HOLD_MAX_MS)
		c->park_until_ms = c->park_since_ms + PARK_HOLD_MAX_MS;
}

/* Every event has its time at the same offset: the reader merges the rings by it. */
_Static_assert(offsetof(struct ctrcap_pkt_event, ts_ns) == CTRCAP_EV_TS_OFFSET, "event time");
_Static_assert(offsetof(struct ctrcap_exec_event, ts_ns) == CTRCAP_EV_TS_OFFSET, "event time");
_Static_assert(offsetof(struct ctrcap_task_event, ts_ns) == CTRCAP_EV_TS_OFFSET, "event time");

/* The ring's callback: events go out at once, or into the park while a scan or a container is awaited. */
static int on_event(void *ctx, void *data, size_t size)
{
	struct capture *c = ctx;

	/*
	 * kvm-clock costs ~50 ns a read, 5% of the user-space time of a
	 * flood: the stall clock every RING_READ_EVERY events (a stall of
	 * one event still shows, it lies between two reads), the tick clock
	 * for the park's times on every one.
	 */
	if (!(++c->events_read % RING_READ_EVERY))
		ring_read(c);
	c->read_ms = coarse_ms();
	park_maybe_begin(c, data, size);
	if (!c->parked)
		return handle_event(c, data, size);
	if (ctrcap_park_add(c->park, data, size))
		return 0;
	/* The park is full: what it holds goes out now, and this event after it. */
	park_release(c);
	return handle_event(c, data, size);
}

/* Whether a cgroup the held events wait for is still being resolved; forgets settled ones. */
static bool containers_pending(struct capture *c)
{
	unsigned i = 0;

	while (i < c->n_park_cg) {
		if (ctrcap_ident_pending(c->ident, c->park_cg[i]))
			return true;
		c->park_cg[i] = c->park_cg[--c->n_park_cg];
	}
	return false;
}

/* Let the held-back events go once what they wait for is done, or too late. True if they went. */
static bool park_check(struct capture *c, uint64_t now)
{
	if (!c->parked)
		return false;
	if (now < c->park_until_ms &&
	    ((c->park_for && ctrcap_rescan_done(c->scan) < c->park_for) || containers_pending(c)))
		return false;
	/* Taken after the count was read: the table of that scan or a later one. */
	adopt_tables(c);
	park_release(c);
	return true;
}

/* Process events the kernel could not hand over (ring buffer full), all CPUs. */
static uint64_t proc_events_lost(struct capture *c)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v = calloc(ncpu > 0 ? ncpu : 1, sizeof(*v)), sum = 0;
	uint32_t zero = 0;

	if (v && !bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.proc_lost), &zero, v)) {
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	}
	free(v);
	return sum;
}

/* The --drops programs' counters summed over all CPUs: lost, elsewhere, filtered. */
static void drop_counts(struct capture *c, struct ctrcap_drop_counters *tot)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ctrcap_drop_counters *v;
	__u32 zero = 0;

	memset(tot, 0, sizeof(*tot));
	if (ncpu <= 0)
		return;
	v = calloc(ncpu, sizeof(*v));
	if (v && !bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.drop_counts), &zero, v)) {
		for (int i = 0; i < ncpu; i++) {
			tot->captured += v[i].captured;
			tot->lost += v[i].lost;
			tot->elsewhere += v[i].elsewhere;
			tot->filtered += v[i].filtered;
		}
	}
	free(v);
}

/* Sum the kernel counters over all interfaces and CPUs; per interface into the ISBs. */
static void kernel_counts(struct capture *c, struct ctrcap_counters *tot)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(c->skel->maps.if_counters);
	struct ctrcap_counters *v = calloc(ncpu > 0 ? ncpu : 1, sizeof(*v));
	uint32_t used = c->att ? ctrcap_attach_slots_used(c->att) : 0;

	memset(tot, 0, sizeof(*tot));
	if (!v)
		return;
	for (uint32_t slot = 0; slot < used; slot++) {
		struct ctrcap_counters s = {};
		const struct ctrcap_iface *f;

		if (bpf_map_lookup_elem(fd, &slot, v))
			continue;
		for (int i = 0; i < ncpu; i++) {
			s.seen += v[i].seen;
			s.filtered += v[i].filtered;
			s.dropped += v[i].dropped;
			s.captured += v[i].captured;
		}
		tot->seen += s.seen;
		tot->filtered += s.filtered;
		tot->dropped += s.dropped;
		tot->captured += s.captured;
		f = ctrcap_attach_find_slot(c->att, slot);
		if (c->w && f) {
			int ifid = ctrcap_pcapng_writer_interface(c->w, f->netns, f->ifindex, f->name,
								  f->netns_name, f->linktype,
								  c->o->snaplen);

			if (ifid >= 0)
				ctrcap_pcapng_writer_set_stats(c->w, ifid, s.captured + s.dropped,
							       s.dropped, 0);
		}
	}
	free(v);
}

static int attach_hooks(struct capture *c)
{
	struct ctrcap_bpf *s = c->skel;
	struct bpf_program *cg_progs[] = {
		s->progs.ctrcap_sock_create, s->progs.ctrcap_connect4, s->progs.ctrcap_connect6,
		s->progs.ctrcap_post_bind4, s->progs.ctrcap_post_bind6,
		s->progs.ctrcap_sock_release, c->sockops, c->skb_egress,
	};
	struct bpf_program *tp_progs[] = { s->progs.ctrcap_exec, s->progs.ctrcap_fork,
					   s->progs.ctrcap_exit };
	char root[512];
	int cg_fd;

	if (ctrcap_cgroup2_root(root, sizeof(root))) {
		fprintf(stderr, "ctrcap: no cgroup2 mount found in /proc/self/mountinfo\n");
		return -1;
	}
	cg_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		fprintf(stderr, "ctrcap: cannot open cgroup2 root %s: %s\n", root, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(cg_progs) / sizeof(cg_progs[0]); i++) {
		struct bpf_link *l = bpf_program__attach_cgroup(cg_progs[i], cg_fd);

		if (!l) {
			fprintf(stderr, "ctrcap: cannot attach %s at cgroup root %s: %s\n",
				bpf_program__name(cg_progs[i]), root, strerror(errno));
			close(cg_fd);
			return -1;
		}
		c->links[c->n_links++] = l;
	}
	close(cg_fd);
	for (size_t i = 0; i < sizeof(tp_progs) / sizeof(tp_progs[0]); i++) {
		struct bpf_link *l = bpf_program__attach(tp_progs[i]);

		if (!l) {
			fprintf(stderr, "ctrcap: cannot attach tracepoint %s: %s\n",
				bpf_program__name(tp_progs[i]), strerror(errno));
			return -1;
		}
		c->links[c->n_links++] = l;
	}
	if (c->drop_prog) {
		struct bpf_link *l = bpf_program__attach(c->drop_prog);

		if (!l) {
			fprintf(stderr, "ctrcap: --drops: cannot attach %s to the raw tracepoint "
				"skb:kfree_skb: %s\n", bpf_program__name(c->drop_prog),
				strerror(errno));
			return -1;
		}
		c->links[c->n_links++] = l;
	}
	return 0;
}

static uint32_t pow2_floor(uint64_t v)
{
	uint64_t p = 1;

	while (p * 2 <= v && p < (1u << 31))
		p *= 2;
	return p;
}

/* One of a pair of program variants: @use_a picks @a, and the other is not loaded. */
static struct bpf_program *pick(bool use_a, struct bpf_program *a, struct bpf_program *b)
{
	bpf_program__set_autoload(use_a ? b : a, false);
	return use_a ? a : b;
}

/*
 * Choose the programs this kernel accepts (the others are not loaded) and
 * say once, with -v, what that leaves out.
 */
static int choose_programs(struct capture *c)
{
	struct ctrcap_bpf *s = c->skel;
	bool k = c->kf.kern_ctx;

	if (!c->kf.ringbuf) {
		fprintf(stderr, "ctrcap: kernel %s has no BPF ring buffer (Linux 5.8 or newer "
			"is needed)%s\n", c->kf.release,
			c->kf.probed ? "" : "; or no privilege to load BPF programs (run as root?)");
		return -1;
	}
	/* Ingress: one of four, by kern_ctx and conntrack. */
	c->tc_prog[0] = pick(c->kf.ct, pick(k, s->progs.ctrcap_tc_ingress_ct,
					    s->progs.ctrcap_tc_ingress_cb_ct),
			     pick(k, s->progs.ctrcap_tc_ingress, s->progs.ctrcap_tc_ingress_cb));
	c->tc_prog[1] = pick(k, s->progs.ctrcap_tc_egress, s->progs.ctrcap_tc_egress_cb);
	c->skb_egress = pick(c->kf.skb_current, s->progs.ctrcap_skb_egress,
			     s->progs.ctrcap_skb_egress_flow);
	c->sockops = pick(c->kf.sockops_netns, s->progs.ctrcap_sockops,
			  s->progs.ctrcap_sockops_nolisten);
	if (c->o->drops) {
		char why[256] = "";

		/* The enum came with the tracepoint's reason argument (5.17). */
		if (c->kf.drop_reasons)
			c->drop_names = ctrcap_drop_names_load(c->btf, why, sizeof(why));
		if (!c->drop_names)
			fprintf(stderr, "ctrcap: drops: this kernel gives no drop reasons%s%s%s; "
				"every kfree_skb() is captured as a drop, without a reason\n",
				*why ? " (" : "", why, *why ? ")" : "");
		c->drop_prog = pick(c->drop_names != NULL, s->progs.ctrcap_drop_reason,
				    s->progs.ctrcap_drop_noreason);
		/* Tail-called by the in-kernel filter for drops, when there is a filter. */
		bpf_program__set_autoload(s->progs.ctrcap_drop_emit, c->drop_filter != NULL);
	} else {
		bpf_program__set_autoload(s->progs.ctrcap_drop_reason, false);
		bpf_program__set_autoload(s->progs.ctrcap_drop_noreason, false);
		bpf_program__set_autoload(s->progs.ctrcap_drop_emit, false);
	}
	if (c->o->verbose)
		ctrcap_kernel_report(stderr, "ctrcap: ", &c->kf);
	return 0;
}

/*
 * The --hops table. Without -i any the namespace of a container may not be
 * captured at all, so container ranking falls back to the first hop there.
 */
static int hops_setup(struct capture *c)
{
	struct stat st;

	c->hops_mode = c->o->hops;
	if (c->hops_mode == CTRCAP_HOPS_CONTAINER && !c->o->any)
		c->hops_mode = CTRCAP_HOPS_FIRST;
	if (stat("/proc/self/ns/net", &st)) {
		fprintf(stderr, "ctrcap: --hops: /proc/self/ns/net: %s\n", strerror(errno));
		return -1;
	}
	c->self_netns = st.st_ino;
	c->hops = ctrcap_hops_new(c->hops_mode);
	if (!c->hops) {
		fprintf(stderr, "ctrcap: out of memory\n");
		return -1;
	}
	return 0;
}

/*
 * The pcap filter on drops in the kernel too: a drop it rejects never
 * reaches the ring. A kernel that refuses it leaves the filtering to user
 * space (which filters every drop anyway), said once.
 */
static void drop_filter_load(struct capture *c)
{
	struct ctrcap_drop_filter_target t = {
		.counters_fd = bpf_map__fd(c->skel->maps.drop_counts),
		.scratch_fd = bpf_map__fd(c->skel->maps.drop_scratch),
		.tail_fd = bpf_map__fd(c->skel->maps.drop_tail),
	};
	uint32_t emit = CTRCAP_DROP_TAIL_EMIT;
	int fd = bpf_program__fd(c->skel->progs.ctrcap_drop_emit);
	char err[512];

	if (bpf_map_update_elem(t.tail_fd, &emit, &fd, BPF_ANY)) {
		snprintf(err, sizeof(err), "cannot install ctrcap_drop_emit in drop_tail: %s",
			 strerror(errno));
	} else if (!ctrcap_filters_load_drops(c->filters, &t, err, sizeof(err))) {
		return;
	}
	fprintf(stderr, "ctrcap: --drops: the filter runs on drops in user space only (%s)\n",
		err);
}

/* The rings --rings asks for: at most one per possible CPU (CPU i writes to ring i % n). */
static unsigned rings_wanted(const struct ctrcap_opts *o)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned n = o->rings ? o->rings : 1;

	if (ncpu > 0 && n > (unsigned)ncpu)
		n = ncpu;
	return n;
}

/* Each ring's bytes: -B, a power of two. */
static uint32_t ring_bytes(const struct ctrcap_opts *o)
{
	return pow2_floor((uint64_t)o->buffer_kib * 1024);
}

/* Make the rings; the first is the programs' template for all of them (same size). */
static int rings_make(struct capture *c)
{
	uint32_t bytes = ring_bytes(c->o);
	int ret;

	for (unsigned i = 0; i < c->n_rings; i++) {
		int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ctrcap_ring", 0, 0, bytes, NULL);

		if (fd < 0) {
			fprintf(stderr, "ctrcap: cannot make ring buffer %u of %u (%u KiB): %s\n",
				i + 1, c->n_rings, bytes >> 10, strerror(errno));
			return -1;
		}
		c->ring_fds[i] = fd;
	}
	ret = bpf_map__set_inner_map_fd(c->skel->maps.events, c->ring_fds[0]);
	if (ret) {
		fprintf(stderr, "ctrcap: cannot size the ring buffers' table: %s\n", strerror(-ret));
		return -1;
	}
	return 0;
}

/* Put the rings in the programs' table, before anything is attached. */
static int rings_install(struct capture *c)
{
	int outer = bpf_map__fd(c->skel->maps.events);

	for (unsigned i = 0; i < c->n_rings; i++) {
		if (bpf_map_update_elem(outer, &i, &c->ring_fds[i], BPF_ANY)) {
			fprintf(stderr, "ctrcap: cannot install ring buffer %u of %u: %s\n",
				i + 1, c->n_rings, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int load(struct capture *c)
{
	const struct ctrcap_opts *o = c->o;
	char err[512];
	int ret;

	c->skel = ctrcap_bpf__open();
	if (!c->skel) {
		fprintf(stderr, "ctrcap: cannot open the BPF object: %s\n", strerror(errno));
		return -1;
	}
	/* --drops names its reasons from the BTF the probes parse: parsed once (start-up time). */
	ctrcap_kernel_probe(&c->kf, o->drops ? &c->btf : NULL);
	ret = choose_programs(c);
	btf__free(c->btf);
	c->btf = NULL;
	if (ret)
		return -1;
	c->skel->rodata->cfg_snaplen = o->snaplen;
	c->skel->rodata->cfg_sk_storage = c->kf.sk_storage;
	c->skel->rodata->cfg_task_start = c->kf.task_start;
	c->skel->rodata->cfg_drops = o->drops;
	c->skel->rodata->cfg_drop_filter = c->drop_filter != NULL;
	/* One interface other than lo never sees a packet twice: skip hop tracking. */
	c->skel->rodata->cfg_hops = o->any || o->n_ifaces != 1 || !strcmp(o->ifaces[0].name, "lo");
	if (c->skel->rodata->cfg_hops && o->hops != CTRCAP_HOPS_ALL && o->hops != CTRCAP_HOPS_FOLD &&
	    hops_setup(c))
		return -1;
	/*
	 * Without hops the programs only read hop_seen (drops): one empty set,
	 * not 9 MB; and nothing writes nat_owner (a hop past a NAT does), so
	 * it need not be preallocated in full (10 ms of start-up).
	 */
	if (!c->skel->rodata->cfg_hops) {
		bpf_map__set_max_entries(c->skel->maps.hop_seen, HOP_SEEN_UNUSED);
		c->skel->rodata->cfg_hop_mask = HOP_SEEN_UNUSED - 1;
		bpf_map__set_max_entries(c->skel->maps.nat_owner, NAT_OWNER_UNUSED);
	}
	if (!o->drops)
		bpf_map__set_max_entries(c->skel->maps.drop_where, 1);
	c->n_rings = rings_wanted(o);
	c->skel->rodata->cfg_n_rings = c->n_rings;
	bpf_map__set_max_entries(c->skel->maps.events, c->n_rings);
	if (rings_make(c))
		return -1;
	ret = ctrcap_bpf__load(c->skel);
	if (ret) {
		fprintf(stderr, "ctrcap: cannot load the BPF programs on kernel %s: %s "
			"(run as root?)\n", c->kf.release, strerror(-ret));
		return -1;
	}
	if (rings_install(c))
		return -1;
	c->target.counters_fd = bpf_map__fd(c->skel->maps.if_counters);
	c->target.tail_fd = bpf_map__fd(c->skel->maps.tc_capture);
	for (uint32_t dir = 0; dir < 2; dir++) {
		int fd = bpf_program__fd(c->tc_prog[dir]);

		ret = bpf_map_update_elem(c->target.tail_fd, &dir, &fd, BPF_ANY);
		if (ret) {
			fprintf(stderr, "ctrcap: cannot install %s in tc_capture: %s\n",
				bpf_program__name(c->tc_prog[dir]), strerror(-ret));
			return -1;
		}
	}
	/* A filter the verifier refuses is an error before anything is attached. */
	if (ctrcap_filters_check(c->filters, &c->target, err, sizeof(err))) {
		fprintf(stderr, "ctrcap: %s\n", err);
		return -1;
	}
	if (c->drop_filter)
		drop_filter_load(c);
	return 0;
}

/* Make /dev/null the standard output (in the command's child). 0 or -1. */
static int null_stdout(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = dup2(fd, STDOUT_FILENO) < 0 ? -1 : 0;
	close(fd);
	return ret;
}

/* Start `-- CMD ARGS` stopped on a pipe; returns the pipe to release it, or -1. */
static int spawn_cmd(struct capture *c, char **cmd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC)) {
		fprintf(stderr, "ctrcap: pipe: %s\n", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "ctrcap: cannot start %s: %s\n", cmd[0], strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		char b;

		close(p[1]);
		/* Wait until capture is attached so the first packet is seen. */
		if (read(p[0], &b, 1) != 1)
			_exit(127);
		/* ctrcap ignores SIGPIPE; `yes | head` in the command must not. */
		signal(SIGPIPE, SIG_DFL);
		/* With -w -, stdout is the pcapng stream: the command's output must not mix in. */
		if (c->o->out.path && !strcmp(c->o->out.path, "-") && null_stdout()) {
			fprintf(stderr, "ctrcap: cannot open /dev/null for %s\n", cmd[0]);
			_exit(127);
		}
		/*
		 * The command runs as the user who invoked ctrcap, not as root.
		 * A user who is not root gets no capability at all, also not
		 * during execvp's search of PATH; root's command stays root's.
		 */
		if ((ctrcap_priv_gid() && setgid(ctrcap_priv_gid())) ||
		    (ctrcap_priv_uid() && setuid(ctrcap_priv_uid()))) {
			fprintf(stderr, "ctrcap: cannot switch to uid %u for %s\n",
				(unsigned)ctrcap_priv_uid(), cmd[0]);
			_exit(127);
		}
		if (ctrcap_priv_invoker_uid() != 0) {
			char err[256];

			if (ctrcap_priv_drop_all(err, sizeof(err))) {
				fprintf(stderr, "ctrcap: %s: %s\n", cmd[0], err);
				_exit(127);
			}
		}
		execvp(cmd[0], cmd);
		fprintf(stderr, "ctrcap: cannot run %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	c->cmd_pid = pid;
	return p[1];
}

/* The writer's file ops: -w and its rotations are created as the invoking user. */
static int out_open(void *ctx, const char *path, int flags, mode_t mode, char *err, size_t errlen)
{
	(void)ctx;
	return ctrcap_priv_open_output(path, flags, mode, err, errlen);
}

static int out_open_dir(void *ctx, const char *path, char *err, size_t errlen)
{
	(void)ctx;
	return ctrcap_priv_open_dir(path, err, errlen);
}

static int out_open_at(void *ctx, int dirfd, const char *name, int flags, mode_t mode, char *err,
		       size_t errlen)
{
	(void)ctx;
	return ctrcap_priv_open_at(dirfd, name, flags, mode, err, errlen);
}

static int out_rename_at(void *ctx, int dirfd, const char *from, const char *to, char *err,
			 size_t errlen)
{
	(void)ctx;
	return ctrcap_priv_rename_at(dirfd, from, to, err, errlen);
}

static int out_unlink_at(void *ctx, int dirfd, const char *name, char *err, size_t errlen)
{
	(void)ctx;
	return ctrcap_priv_unlink_at(dirfd, name, err, errlen);
}

/* -z: ctx is the program, run on each finished rotated file. */
static void out_done(void *ctx, const char *path)
{
	if (ctx)
		ctrcap_post_rotate_run(ctx, path);
}

static const struct ctrcap_pcapng_file_ops out_ops = {
	.open = out_open,
	.open_dir = out_open_dir,
	.open_at = out_open_at,
	.rename_at = out_rename_at,
	.unlink_at = out_unlink_at,
	.done = out_done,
};

/*
 * Whether the writer gets a write() thread of its own. With fewer than 4
 * CPUs it would take one from the traffic and the ring reader
 * (docs/capture.md, "The writer thread"); with -U each packet is written
 * at once anyway; a reader of standard output would wait for 1 MiB at a
 * time instead of 64 KiB.
 */
static bool use_write_thread(const struct ctrcap_writer_opts *wo)
{
	if (wo->write_thread != CTRCAP_WRITE_THREAD_AUTO)
		return wo->write_thread == CTRCAP_WRITE_THREAD_ON;
	return !wo->flush_each && wo->path && strcmp(wo->path, "-") &&
	       sysconf(_SC_NPROCESSORS_ONLN) >= 4;
}

struct ctrcap_pcapng_writer *ctrcap_writer_open(const struct ctrcap_writer_opts *wo,
						const char *node, char *err, size_t errlen)
{
	struct ctrcap_pcapng_writer_opts po = {
		.write_thread = use_write_thread(wo),
		.node = node,
		.path = wo->path,
		.flush_each = wo->flush_each,
		.process_blocks = wo->process_blocks,
		.compact_identity = wo->compact_identity,
		.rotate_bytes = wo->rotate_bytes,
		.rotate_seconds = wo->rotate_seconds,
		.max_files = wo->max_files,
		.userappl = "ctrcap " CTRCAP_VERSION,
		.file_ops = &out_ops,
		.file_ctx = (void *)wo->post_rotate,
	};

	return ctrcap_pcapng_writer_open(&po, err, errlen);
}

int ctrcap_packet_comments(const struct ctrcap_writer_opts *wo, const struct ctrcap_identity *id,
			   struct ctrcap_pcapng_packet *p)
{
	/* Room for any identity's comments, allocated on the first packet that needs it. */
	static char *buf;
	int n;

	p->comments = NULL;
	p->comments_len = 0;
	if (!wo->comments || !id)
		return 0;
	if (!buf && !(buf = malloc(CTRCAP_PTCPDUMP_COMMENTS_MAX)))
		return -1;
	n = ctrcap_ptcpdump_comments(id, buf, CTRCAP_PTCPDUMP_COMMENTS_MAX);
	if (n > 0) {
		p->comments = buf;
		p->comments_len = (uint32_t)n;
	}
	return 0;
}

/* --hops fold's printer: one per process, as the text state is. */
static struct ctrcap_hop_fold *fold;

/*
 * --hops fold: true when t is a later hop of a held packet (listed on its
 * line) and the caller is done. Else the packets whose window ended go out.
 */
static bool fold_later(const struct ctrcap_opts *o, const struct ctrcap_text_pkt *t,
		       const struct ctrcap_identity *id, uint64_t packet_id)
{
	char drop[512];

	if (o->hops != CTRCAP_HOPS_FOLD)
		return false;
	if (!fold && !(fold = ctrcap_hop_fold_new(stdout))) {
		fprintf(stderr, "ctrcap: out of memory for --hops fold; one line per hop\n");
		return false;
	}
	ctrcap_hop_fold_flush(fold, t->ts_ns);
	if (id && ctrcap_identity_is_drop(id))
		ctrcap_drop_text(id, drop, sizeof(drop));
	return ctrcap_hop_fold_later(fold, packet_id, t->ts_ns, t->ifname, t->direction,
				     id && ctrcap_identity_is_drop(id) ? drop : NULL);
}

void ctrcap_print_packet(const struct ctrcap_opts *o, uint64_t number,
			 const struct ctrcap_text_pkt *t, const struct ctrcap_identity *id,
			 uint64_t packet_id)
{
	const struct ctrcap_text_identity how = {
		.line_ctx = o->quiet ? 0 : o->context ? o->context : CTRCAP_CTX_BRIEF,
		.lines_ctx = o->context ? o->context : CTRCAP_CTX_ALL,
		/* -q: no identity at all; --oneline: on the line, also with -v. */
		.verbose = o->quiet || o->oneline ? 0 : o->verbose,
	};
	/* One printer per process, fed by one thread: -r's loop or the ring reader. */
	static struct ctrcap_text_state st;
	static bool seq_tried;
	struct ctrcap_text_opts fmt = o->text;
	FILE *out = stdout;
	char *held = NULL;
	size_t held_len = 0;

	if (o->count_only || fold_later(o, t, id, packet_id))
		return;
	if (!o->text.abs_seq && !seq_tried) {
		seq_tried = true;
		st.seq = ctrcap_tcp_seq_new();
		if (!st.seq)
			fprintf(stderr, "ctrcap: out of memory for relative TCP sequence numbers; "
					"printing absolute ones\n");
	}
	fmt.ip_detail = o->verbose > 0;
	/* A first hop under --hops fold: its text is held for the hops to come. */
	if (fold && !(out = open_memstream(&held, &held_len)))
		out = stdout;
	if (o->number)
		fprintf(out, "%5llu  ", (unsigned long long)number);
	ctrcap_packet_print(out, t, id, packet_id, &how, &fmt, &st);
	if (out != stdout) {
		fclose(out);
		ctrcap_hop_fold_hold(fold, packet_id, t->ts_ns, held, held_len);
		free(held);
	}
	if (o->out.flush_each)
		fflush(stdout);
}

void ctrcap_print_idle(uint64_t now_ns)
{
	if (fold)
		ctrcap_hop_fold_flush(fold, now_ns);
}

void ctrcap_print_end(void)
{
	ctrcap_hop_fold_free(fold);
	fold = NULL;
}

static void resolver_warn(void *ctx, const char *msg)
{
	/* stderr is the user's error channel (extcap shows it): only with -v. */
	if (*(const int *)ctx)
		fprintf(stderr, "ctrcap: %s\n", msg);
}

/* A write() this long while the ring filled is the likely cause of the drops. */
#define SLOW_WRITE_NS (100 * 1000000ull)

/*
 * After drops: say when the output held the ring reader up (a disk's
 * writeback, a slow pipe reader), and what lets the capture ride it out.
 */
static void slow_output_hint(const struct capture *c, const struct ctrcap_pcapng_write_stats *ws)
{
	const char *out = c->o->out.path && strcmp(c->o->out.path, "-") ? c->o->out.path : "stdout";

	if (ws->longest_write_ns < SLOW_WRITE_NS)
		return;
	if (!ws->thread)
		fprintf(stderr, "ctrcap: one write() to %s took %.0f ms while the kernel ring filled; "
			"--write-thread on lets up to %u MiB wait for it instead\n", out,
			ws->longest_write_ns / 1e6, CTRCAP_PCAPNG_WRITE_QUEUE_MIB);
	else if (ws->full_waits)
		fprintf(stderr, "ctrcap: one write() to %s took %.0f ms, longer than the writer "
			"thread's %u MiB queue lasted; a larger -B gives the ring more room\n", out,
			ws->longest_write_ns / 1e6, CTRCAP_PCAPNG_WRITE_QUEUE_MIB);
}

/* Free what a capture holds, once it is detached and its file closed. */
static void release(struct capture *c)
{
	ctrcap_rings_close(c->rings);
	for (unsigned i = 0; i < c->n_rings; i++)
		if (c->ring_fds[i] > 0)
			close(c->ring_fds[i]);
	ctrcap_rescan_free(c->scan);
	ctrcap_park_free(c->park);
	ctrcap_addr_names_free(c->names);
	ctrcap_ident_free(c->ident);
	if (c->res)
		ctr_resolver_free(c->res);
	ctrcap_proc_table_free(c->procs);
	ctrcap_bpf__destroy(c->skel);
	ctrcap_filters_free(c->filters);
	ctrcap_hops_free(c->hops);
	ctrcap_drop_names_free(c->drop_names);
	ctrcap_read_filter_free(c->drop_filter);
	ctrcap_drop_select_free(c->drop_sel);
}

/* How long start-up waits for the running containers' metadata. */
#define RESOLVE_AT_START_MS 1500

/* The container resolver; without it packets still carry cgroup ids. */
static struct ctr_resolver *resolver_start(const struct ctrcap_opts *o, const char *root)
{
	struct ctr_resolver_opts ro = {
		.cgroup_root = root[0] ? root : NULL,
		.warn = resolver_warn,
		.warn_ctx = (void *)&o->verbose,
	};
	char err[512];
	struct ctr_resolver *r;
	struct ctr_info *running;
	size_t n;

	ctrcap_opts_engine_paths(o, &ro);
	r = ctr_resolver_new(&ro, err, sizeof(err));

	if (!r) {
		fprintf(stderr, "ctrcap: container metadata unavailable: %s\n", err);
		return NULL;
	}
	/*
	 * Packets already flow (the programs are attached): resolve the running
	 * containers now, bounded, so their first packets carry names and not
	 * only ids. A slow runtime delays the start by at most the bound.
	 */
	if (!ctr_resolver_list(r, &running, &n, RESOLVE_AT_START_MS))
		free(running);
	return r;
}

/*
 * The ring was empty: poll it again in POLL_IDLE_US, or, once it has been
 * empty for IDLE_POLLS polls, sleep until the programs wake the reader
 * (at most SLEEP_MAX_MS): an idle capture then costs no CPU. Not while
 * held events or other work (@busy) wait for the loop. Returns the events
 * handled.
 */
static int idle_wait(struct capture *c, unsigned *idle, bool busy)
{
	int n;

	if (++*idle < IDLE_POLLS || busy || c->parked) {
		usleep(POLL_IDLE_US);
		return 0;
	}
	__atomic_store_n(&c->skel->bss->rb_reader_asleep, 1, __ATOMIC_SEQ_CST);
	/* What was committed before the programs saw the flag is read now. */
	ring_read(c);
	n = ctrcap_rings_read(c->rings);
	if (n == 0) {
		/* Asleep with nothing unread is no stall: the first event wakes it. */
		c->last_read_ns = 0;
		n = ctrcap_rings_wait(c->rings, SLEEP_MAX_MS);
	}
	__atomic_store_n(&c->skel->bss->rb_reader_asleep, 0, __ATOMIC_SEQ_CST);
	if (n > 0)
		*idle = 0;
	return n > 0 ? n : 0;
}

static void run_loop(struct capture *c)
{
	uint64_t last_gc = mono_ms(), cmd_done = 0;
	unsigned idle = 0;
	bool gc_pass = false;
	int status;

	while (!c->stop) {
		bool released;
		uint64_t now;
		int n;

		if (got_signal)
			break;
		/* A new table is taken only here, between reads: no packet holds a name of the old. */
		adopt_tables(c);
		released = park_check(c, mono_ms());
		ring_read(c);
		n = ctrcap_rings_read(c->rings);
		if (c->w && c->o->out.flush_each && (n > 0 || released))
			ctrcap_pcapng_writer_flush(c->w);
		if (n == 0) {
			n = idle_wait(c, &idle, gc_pass || c->cmd_pid);
			if (c->w && c->o->out.flush_each && n > 0)
				ctrcap_pcapng_writer_flush(c->w);
			/* --hops fold: packets whose hops all came go out when idle too. */
			ctrcap_print_idle(mono_ns() + c->mono_to_epoch_ns);
		} else {
			idle = 0;
		}
		now = mono_ms();
		/* A pass over the whole table held the ring for tens of ms: in steps. */
		if (gc_pass || now - last_gc >= GC_MS) {
			if (!gc_pass)
				last_gc = now;
			gc_pass = !ctrcap_proc_table_gc_step(c->procs, now, GC_SLOTS);
		}
		if (c->cmd_pid && !cmd_done && waitpid(c->cmd_pid, &status, WNOHANG) > 0)
			cmd_done = now;
		if (cmd_done && now - cmd_done >= CMD_DRAIN_MS)
			break;
	}
}

static void finish(struct capture *c)
{
	struct ctrcap_counters tot = {};
	struct ctrcap_drop_counters dc = {};
	struct ctrcap_pcapng_write_stats ws = {};
	uint64_t lost = 0, untracked = 0;
	bool wrote = false;
	char err[512];

	/* The drain below is no stall: the reader stopped on purpose. */
	c->last_read_ns = 0;
	/* The table is the caller's again once the scanner is gone; no event waits for it. */
	ctrcap_rescan_stop(c->scan);
	if (c->scan) {
		adopt_tables(c);
		park_release(c);
	}
	/* Detach first, then drain: what reached the ring belongs to the capture. */
	ctrcap_attach_detach_all(c->att);
	if (c->rings && !c->stop) {
		ctrcap_rings_drain(c->rings);
		/* What the drain held back for a container goes out now: nothing is awaited any more. */
		if (c->parked)
			park_release(c);
	}
	if (c->skel && c->att)
		kernel_counts(c, &tot);
	if (c->skel)
		lost = proc_events_lost(c);
	if (c->skel && c->o->drops)
		drop_counts(c, &dc);
	if (c->procs)
		untracked = ctrcap_proc_table_untracked(c->procs);
	ctrcap_attach_free(c->att);
	c->att = NULL;
	for (unsigned i = 0; i < c->n_links; i++)
		bpf_link__destroy(c->links[i]);
	c->n_links = 0;
	/* Taken before close: its last write()s come after the capture, not during it. */
	if (c->w) {
		ctrcap_pcapng_writer_write_stats(c->w, &ws);
		wrote = true;
	}
	if (c->w && ctrcap_pcapng_writer_close(c->w, err, sizeof(err))) {
		if (!strstr(err, strerror(EPIPE))) {
			fprintf(stderr, "ctrcap: %s\n", err);
			c->exit_code = 1;
		}
	}
	c->w = NULL;
	ctrcap_print_end();
	if (c->skel) {
		fflush(stdout);
		fprintf(stderr, "%llu packets captured\n", (unsigned long long)c->captured);
		fprintf(stderr, "%llu packets received by filter\n",
			(unsigned long long)(tot.captured + tot.dropped));
		fprintf(stderr, "%llu packets dropped by kernel\n", (unsigned long long)tot.dropped);
		if (tot.dropped)
			slow_output_hint(c, &ws);
		if (tot.filtered)
			fprintf(stderr, "%llu packets rejected by the filter in the kernel\n",
				(unsigned long long)tot.filtered);
		/* Apart from the capture's own counts: these are the kernel's drops, not ours. */
		if (c->o->drops) {
			fprintf(stderr, "%llu packets dropped by the kernel (--drops)\n",
				(unsigned long long)c->drops);
			if (dc.lost)
				fprintf(stderr, "%llu kernel drops not captured (ring buffer full)\n",
					(unsigned long long)dc.lost);
			/* What was left out where: the kernel's selection, then user space's filters. */
			if (dc.elsewhere)
				fprintf(stderr, "%llu kernel drops elsewhere (not on a captured interface "
					"or namespace), left out in the kernel\n",
					(unsigned long long)dc.elsewhere);
			if (dc.filtered)
				fprintf(stderr, "%llu kernel drops rejected by the filter in the kernel\n",
					(unsigned long long)dc.filtered);
			if (c->drops_filtered)
				fprintf(stderr, "%llu kernel drops rejected by the filter in user space\n",
					(unsigned long long)c->drops_filtered);
			if (c->drops_unmatched)
				fprintf(stderr, "%llu kernel drops of other processes or containers "
					"(in user space)\n", (unsigned long long)c->drops_unmatched);
		}
		if (lost)
			fprintf(stderr, "%llu process events lost (ring buffer full): packets of "
				"those processes may name their parent or only their cgroup\n",
				(unsigned long long)lost);
		if (ctrcap_hops_skipped(c->hops))
			fprintf(stderr, "%llu hop copies not shown (--hops %s)\n",
				(unsigned long long)ctrcap_hops_skipped(c->hops),
				ctrcap_hops_name(c->hops_mode));
		if (untracked)
			fprintf(stderr, "%llu processes not tracked (process table full at %u): "
				"their packets name only pid, command and user\n",
				(unsigned long long)untracked, CTRCAP_PROC_MAX);
		if (c->o->verbose && c->scan) {
			uint64_t scans, longest;

			ctrcap_rescan_stats(c->scan, &scans, &longest);
			fprintf(stderr, "ctrcap: longest ring stall %.1f ms; %llu rescans (the "
				"longest %llu ms, off the ring reader), packets held for one %llu "
				"times\n", c->max_stall_ns / 1e6, (unsigned long long)scans,
				(unsigned long long)longest, (unsigned long long)c->parks);
		}
		if (c->o->verbose && ws.thread)
			fprintf(stderr, "ctrcap: writer thread: longest write() %.1f ms; up to %u "
				"of %u buffers (1024 KiB each) waited to be written; the ring "
				"reader waited for a buffer %llu times\n",
				ws.longest_write_ns / 1e6, ws.deepest_queue,
				CTRCAP_PCAPNG_WRITE_QUEUE_MIB, (unsigned long long)ws.full_waits);
		/* Without the thread the reader writes: its stalls above include this. */
		else if (c->o->verbose && wrote)
			fprintf(stderr, "ctrcap: longest write() %.1f ms, in the ring reader (no "
				"writer thread)\n", ws.longest_write_ns / 1e6);
	}
	release(c);
}

/*
 * tcpdump's "listening on" line (stderr): what -i named, and how many
 * interfaces that became across namespaces.
 */
static void print_listening(const struct ctrcap_opts *o, size_t n_attached)
{
	char names[512] = "any";
	size_t len = 0;

	if (o->any && o->any_netns)
		snprintf(names, sizeof(names), "any@%s", o->any_netns);

	for (unsigned i = 0; !o->any && i < o->n_ifaces && len < sizeof(names); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s%s%s",
					i ? ", " : "", o->ifaces[i].name,
					o->ifaces[i].netns[0] ? "@" : "", o->ifaces[i].netns);
	fprintf(stderr,
		"ctrcap: listening on %s, capturing on %zu interface%s%s, snapshot length %u "
		"bytes\n",
		names, n_attached, n_attached == 1 ? "" : "s",
		!o->any ? "" : o->any_netns ? " (following new ones in that namespace)"
						 : " (every namespace, following new ones)",
		o->snaplen);
}

int ctrcap_run_capture(const struct ctrcap_opts *o)
{
	struct capture *c = calloc(1, sizeof(*c));
	struct ctrcap_attach_cfg acfg = { 0 };
	struct ctrcap_startup_scan sscan = { 0 };
	struct timespec rt, mt;
	char root[512] = "";
	int go_fd = -1, code;
	size_t n_ifaces = 0;

	if (!c) {
		fprintf(stderr, "ctrcap: out of memory\n");
		return 1;
	}
	c->o = o;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	c->mono_to_epoch_ns = (rt.tv_sec - mt.tv_sec) * 1000000000ull + rt.tv_nsec - mt.tv_nsec;

	/* A bad node name or filter is reported before anything is loaded or attached. */
	if (ctrcap_node_name_resolve(o->node_name, c->node, c->err, sizeof(c->err))) {
		fprintf(stderr, "ctrcap: %s\n", c->err);
		free(c);
		return 1;
	}
	c->filters = ctrcap_filters_compile(o->filter, o->snaplen, c->err, sizeof(c->err));
	if (!c->filters) {
		fprintf(stderr, "ctrcap: %s\n", c->err);
		free(c);
		return 1;
	}
	/*
	 * The expression runs on drops in user space: after the kernel's copy
	 * of it, on the drops that one let through or could not judge.
	 */
	if (o->drops && o->filter) {
		c->drop_filter = ctrcap_read_filter_new(o->filter, c->err, sizeof(c->err));
		if (!c->drop_filter) {
			fprintf(stderr, "ctrcap: --drops: %s\n", c->err);
			ctrcap_filters_free(c->filters);
			free(c);
			return 1;
		}
	}
	c->procs = ctrcap_proc_table_new();
	if (!c->procs || load(c) || attach_hooks(c))
		goto out_fail;
	if (ctrcap_netns_init()) {
		fprintf(stderr, "ctrcap: cannot open /proc/self/ns/net: %s\n", strerror(errno));
		goto out_fail;
	}
	/* The hooks see new sockets from here on; the scan finds the older ones. */
	sscan.procs = c->procs;
	sscan.sock_owner_fd = bpf_map__fd(c->skel->maps.sock_owner);
	sscan.flow_owner_fd = bpf_map__fd(c->skel->maps.flow_owner);
	sscan.listen_owner_fd = bpf_map__fd(c->skel->maps.listen_owner);
	sscan.bound_key_fd = bpf_map__fd(c->skel->maps.bound_key);
	ctrcap_startup_scan_start(&sscan);

	acfg.filters = c->filters;
	acfg.target = c->target;
	acfg.dir_mask = o->dir_mask;
	acfg.any = o->any;
	acfg.any_netns = o->any_netns;
	acfg.no_tcx = !c->kf.tcx;
	acfg.where_in_cb = !c->kf.kern_ctx;
	if (ctrcap_iface_specs_resolve(o, c->specs, c->err, sizeof(c->err))) {
		fprintf(stderr, "ctrcap: %s\n", c->err);
		goto out_fail;
	}
	acfg.specs = c->specs;
	acfg.n_specs = o->n_ifaces;
	acfg.verbose = o->verbose > 1;
	if (o->drops) {
		c->drop_sel = ctrcap_drop_select_new(bpf_map__fd(c->skel->maps.drop_where));
		if (!c->drop_sel) {
			fprintf(stderr, "ctrcap: out of memory\n");
			goto out_fail;
		}
		acfg.drops = c->drop_sel;
	}
	c->att = ctrcap_attach_new(&acfg, c->err, sizeof(c->err));
	if (!c->att || ctrcap_attach_scan(c->att, true, c->err, sizeof(c->err)) < 0) {
		fprintf(stderr, "ctrcap: %s\n", c->err);
		goto out_fail;
	}
	/* Before the drop: the thread has the capabilities the scan needs until it ends. */
	ctrcap_startup_scan_join(&sscan);
	/*
	 * Fixed interfaces: no namespace is entered and nothing attached later,
	 * so the drop may take cap_sys_admin too (and the rescan stays off).
	 * Not when root runs a command: it can have at most what ctrcap keeps
	 * (no_new_privs), and root's `ip netns exec ...` needs cap_sys_admin.
	 */
	if (!o->any && !(o->cmd && ctrcap_priv_uid() == 0))
		ctrcap_priv_no_new_netns();
	if (ctrcap_priv_drop(c->err, sizeof(c->err))) {
		fprintf(stderr, "ctrcap: %s\n", c->err);
		goto out_fail;
	}
	ctrcap_cgroup2_root(root, sizeof(root));
	c->res = resolver_start(o, root);
	c->ident = ctrcap_ident_new(c->procs, c->res, root, c->node);
	if (!c->ident) {
		fprintf(stderr, "ctrcap: out of memory\n");
		goto out_fail;
	}
	{
		struct ctrcap_rescan_cfg rc = { .att = c->att, .ident = c->ident, .follow = o->any,
						.period_ms = RESCAN_MS,
						.addresses = o->out.path != NULL };

		/* Counted before the scanner thread may change the table. */
		n_ifaces = ctrcap_attach_count(c->att);
		c->park = ctrcap_park_new(PARK_BYTES);
		c->names = o->out.path ? ctrcap_addr_names_new() : NULL;
		/* After the drop: the thread starts with the capabilities kept, no more. */
		c->scan = c->park ? ctrcap_rescan_start(&rc, c->err, sizeof(c->err)) : NULL;
		if (!c->scan) {
			fprintf(stderr, "ctrcap: %s\n", c->park ? c->err : "out of memory");
			goto out_fail;
		}
	}
	if (o->out.path) {
		c->w = ctrcap_writer_open(&o->out, c->node[0] ? c->node : NULL, c->err,
					  sizeof(c->err));
		if (!c->w) {
			fprintf(stderr, "ctrcap: %s\n", c->err);
			goto out_fail;
		}
	}
	c->rings = ctrcap_rings_open(c->ring_fds, c->n_rings, on_event, c, c->err, sizeof(c->err));
	if (!c->rings) {
		fprintf(stderr, "ctrcap: %s\n", c->err);
		goto out_fail;
	}
	if (o->cmd) {
		go_fd = spawn_cmd(c, o->cmd);
		if (go_fd < 0)
			goto out_fail;
		if (write(go_fd, "g", 1) != 1)
			fprintf(stderr, "ctrcap: cannot start %s\n", o->cmd[0]);
		close(go_fd);
	}
	/* With -w - too, as tcpdump: ctrcap-rpcapd waits for it before it reports a capture started. */
	print_listening(o, n_ifaces);
	run_loop(c);
	if (c->cmd_pid)
		waitpid(c->cmd_pid, NULL, WNOHANG);
	finish(c);
	code = c->exit_code;
	free(c);
	return code;

out_fail:
	c->exit_code = 1;
	if (c->cmd_pid) {
		kill(c->cmd_pid, SIGKILL);
		waitpid(c->cmd_pid, NULL, 0);
	}
	/* The scanners use the table freed below. */
	ctrcap_startup_scan_join(&sscan);
	ctrcap_rescan_stop(c->scan);
	ctrcap_attach_free(c->att);
	c->att = NULL;
	for (unsigned i = 0; i < c->n_links; i++)
		bpf_link__destroy(c->links[i]);
	c->n_links = 0;
	if (c->w)
		ctrcap_pcapng_writer_close(c->w, c->err, sizeof(c->err));
	c->w = NULL;
	release(c);
	free(c);
	return 1;
}
