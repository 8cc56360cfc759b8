// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Follow Docker's event stream (GET /events, newline-delimited JSON) so that
 * containers started, stopped or renamed during a capture are refreshed.
 * Reconnects with a bounded back-off while the daemon is away.
 */
#include <curl/curl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctr_internal.h"

#define EVENT_LINE_MAX (256u << 10)
/* GET /events?filters={"type":["container"]} */
#define EVENTS_URL "http://localhost/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D"

struct ctr_docker_events {
	char *sock;
	ctr_event_fn fn;
	void *ctx;
	pthread_t thread;
	atomic_bool stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *line;
	size_t len;
	bool overflow;
};

int ctr_docker_event_line(const char *line, size_t len, ctr_event_fn fn, void *ctx)
{
	json_object *root, *v, *actor;
	const char *type = NULL, *action = NULL, *id = NULL;

	if (len > INT32_MAX)
		return -1;
	root = json_tokener_parse_verbose(line, &(enum json_tokener_error){ 0 });
	if (!root)
		return -1;
	if (json_object_object_get_ex(root, "Type", &v))
		type = json_object_get_string(v);
	if (json_object_object_get_ex(root, "Action", &v))
		action = json_object_get_string(v);
	if (json_object_object_get_ex(root, "Actor", &actor) &&
	    json_object_object_get_ex(actor, "ID", &v))
		id = json_object_get_string(v);
	if (!id && json_object_object_get_ex(root, "id", &v))
		id = json_object_get_string(v);
	if (type && !strcmp(type, "container") && action && id)
		fn(ctx, id, action);
	json_object_put(root);
	return type && action && id ? 0 : -1;
}

static size_t events_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct ctr_docker_events *ev = userdata;
	size_t n = size * nmemb, i;

	for (i = 0; i < n; i++) {
		if (ptr[i] == '\n') {
			if (!ev->overflow && ev->len) {
				ev->line[ev->len] = '\0';
				ctr_docker_event_line(ev->line, ev->len, ev->fn, ev->ctx);
			}
			ev->len = 0;
			ev->overflow = false;
			continue;
		}
		if (ev->len + 1 >= EVENT_LINE_MAX) {
			ev->overflow = true;	/* skip the rest of an absurd line */
			continue;
		}
		ev->line[ev->len++] = ptr[i];
	}
	return n;
}

static int events_progress(void *p, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct ctr_docker_events *ev = p;

	(void)a, (void)b, (void)c, (void)d;
	return atomic_load(&ev->stop) ? 1 : 0;
}

/* Sleep up to ms, returning early when asked to stop. */
static void events_sleep(struct ctr_docker_events *ev, unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&ev->lock);
	if (!atomic_load(&ev->stop))
		pthread_cond_timedwait(&ev->cond, &ev->lock, &ts);
	pthread_mutex_unlock(&ev->lock);
}

static void *events_thread(void *arg)
{
	struct ctr_docker_events *ev = arg;
	unsigned backoff = 200;

	while (!atomic_load(&ev->stop)) {
		CURL *c = curl_easy_init();
		CURLcode rc;

		if (!c)
			break;
		ev->len = 0;
		ev->overflow = false;
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, ev->sock);
		curl_easy_setopt(c, CURLOPT_URL, EVENTS_URL);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, events_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, ev);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, events_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, ev);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		rc = curl_easy_perform(c);
		curl_easy_cleanup(c);
		if (atomic_load(&ev->stop))
			break;
		/* Daemon away or restarted: the resolver falls back to on-demand fetches. */
		if (rc == CURLE_OK)
			backoff = 200;
		events_sleep(ev, backoff);
		backoff = backoff < 5000 ? backoff * 2 : 5000;
	}
	return NULL;
}

struct ctr_docker_events *ctr_docker_events_start(const char *sock, ctr_event_fn fn, void *ctx)
{
	struct ctr_docker_events *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->sock = strdup(sock);
	ev->line = malloc(EVENT_LINE_MAX);
	ev->fn = fn;
	ev->ctx = ctx;
	atomic_init(&ev->stop, false);
	pthread_mutex_init(&ev->lock, NULL);
	pthread_cond_init(&ev->cond, NULL);
	if (!ev->sock || !ev->line || pthread_create(&ev->thread, NULL, events_thread, ev)) {
		free(ev->sock);
		free(ev->line);
		pthread_mutex_destroy(&ev->lock);
		pthread_cond_destroy(&ev->cond);
		free(ev);
		return NULL;
	}
	return ev;
}

void ctr_docker_events_stop(struct ctr_docker_events *ev)
{
	if (!ev)
		return;
	pthread_mutex_lock(&ev->lock);
	atomic_store(&ev->stop, true);
	pthread_cond_broadcast(&ev->cond);
	pthread_mutex_unlock(&ev->lock);
	pthread_join(ev->thread, NULL);
	free(ev->sock);
	free(ev->line);
	pthread_mutex_destroy(&ev->lock);
	pthread_cond_destroy(&ev->cond);
	free(ev);
}
