/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live capture: start the helper, copy its pcapng stream byte for byte
 * into Wireshark's fifo, stop it on SIGTERM/SIGINT/SIGHUP or when the
 * reader goes away (EPIPE), and leave nothing running behind.
 */
#ifndef CTRCAP_EXTCAP_CAPTURE_H
#define CTRCAP_EXTCAP_CAPTURE_H

#include <stddef.h>

/* How long a stopping helper gets by default to detach and finish before SIGKILL. */
#define CAPTURE_STOP_TIMEOUT_MS 10000

/* Install the stop handlers (SIGTERM, SIGINT, SIGHUP) and ignore SIGPIPE. */
void capture_signals_init(void);

/*
 * Run argv (the helper's command line) and copy its stdout into the fifo
 * (or file) at fifo_path until the helper ends or a stop is asked for; a
 * stopping helper gets stop_ms before it is killed. Returns 0 for a normal
 * end or stop, -1 with one line for the user in err.
 */
int capture_run(const char *const *argv, const char *fifo_path, unsigned stop_ms, char *err,
		size_t errlen);

/*
 * After a failure before any data: open and close the fifo so that a
 * dumpcap blocked opening its end sees EOF and reports our stderr instead
 * of waiting forever. Waits at most wait_ms for the reader.
 */
void capture_release_fifo(const char *fifo_path, unsigned wait_ms);

#endif /* CTRCAP_EXTCAP_CAPTURE_H */
