/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ring events held back, in order, while the scanner looks for the
 * interface of a packet not known yet: bounded in bytes, copied out of the
 * ring so that the ring itself keeps being read.
 */
#ifndef CTRCAP_EVENT_PARK_H
#define CTRCAP_EVENT_PARK_H

#include <stdbool.h>
#include <stddef.h>

struct ctrcap_park;

/* A park of at most cap bytes (events and their headers); NULL if out of memory. */
struct ctrcap_park *ctrcap_park_new(size_t cap);

/* Copy one event in. False (nothing copied) when it does not fit. */
bool ctrcap_park_add(struct ctrcap_park *p, const void *data, size_t size);

/* Number of events held. */
size_t ctrcap_park_count(const struct ctrcap_park *p);

/* Hand every event to fn in the order they came, then empty the park. */
void ctrcap_park_replay(struct ctrcap_park *p, int (*fn)(void *ctx, void *data, size_t size),
			void *ctx);

/* Free the park and what it holds. */
void ctrcap_park_free(struct ctrcap_park *p);

#endif /* CTRCAP_EVENT_PARK_H */
