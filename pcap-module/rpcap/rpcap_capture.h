/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One capture session: the helper `ctrcap -i any -w - -U ...` as a child,
 * and a thread that reads its pcapng stream, wraps each packet into a PKTAP
 * frame, runs the client's filter and sends rpcap packet messages on the
 * data connection.
 */
#ifndef CTRCAP_RPCAP_CAPTURE_H
#define CTRCAP_RPCAP_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpcap_conn.h"
#include "rpcap_filter.h"
#include "rpcap_proto.h"

/* Largest snap length honoured; bigger requests get this. */
#define RPCAP_CAPTURE_MAX_SNAPLEN 262144u
/* How long the helper may take to start its stream, and then to say it is capturing. */
#define RPCAP_CAPTURE_START_MS 30000u

struct rpcap_capture;

struct rpcap_capture_opts {
	const char *helper;	/* path of ctrcap */
	const char *ctr_id;	/* --container-id, NULL for container-any */
	uint32_t snaplen;	/* frame size limit (PKTAP header included) */
	uint16_t flags;		/* RPCAP_STARTCAP_FLAG_INBOUND / _OUTBOUND */
	bool drops;		/* --drops: the kernel's drops too */
	int ctrl_fd;		/* the client's control connection, left out of the capture */
};

/*
 * Start the helper and wait until its stream begins (or it fails).
 * Returns NULL with a message in err, including what the helper said.
 */
struct rpcap_capture *rpcap_capture_start(const struct rpcap_capture_opts *o, char *err,
					  size_t errlen);

/*
 * Start sending on the data connection (moved in, *data reset, on success)
 * with filter (moved in; *filter is reset). 0, or -1 with err.
 */
int rpcap_capture_run(struct rpcap_capture *c, struct rpcap_conn *data, struct rpcap_bpf *filter,
		      char *err, size_t errlen);

/* Replace the filter (moved in; *filter is reset). */
void rpcap_capture_set_filter(struct rpcap_capture *c, struct rpcap_bpf *filter);

/* Counters so far: ifrecv = packets from the helper, krnldrop = its drops, svrcapt = sent. */
void rpcap_capture_stats(struct rpcap_capture *c, struct rpcap_stats_msg *s);

/* Stop the helper, the thread and the data connection; free c. */
void rpcap_capture_stop(struct rpcap_capture *c);

#endif /* CTRCAP_RPCAP_CAPTURE_H */
