// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Docker metadata: the Engine API on its unix socket (libcurl), or, when the
 * daemon cannot be reached, the container's config.v2.json in the data root
 * (the same document shape as the API's inspect answer).
 */
#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctr_internal.h"

#define DOCKER_BODY_MAX (8u << 20)

int ctr_docker_parse(const char *json, size_t len, struct ctr_info *info, char *sandbox_id,
		     size_t sblen, char *err, size_t errlen)
{
	json_object *root, *config, *state, *labels, *v;
	const char *s;

	if (sandbox_id && sblen)
		sandbox_id[0] = '\0';
	root = ctr_json_parse(json, len, err, errlen);
	if (!root)
		return CTR_EBAD;
	config = ctr_json_obj(root, "Config");
	if (!json_object_is_type(root, json_type_object) || !config) {
		snprintf(err, errlen, "no \"Config\" object");
		json_object_put(root);
		return CTR_EBAD;
	}
	s = ctr_json_str(root, "Id") ? ctr_json_str(root, "Id") : ctr_json_str(root, "ID");
	if (s && !info->id[0])
		ctr_strlcpy(info->id, s, sizeof(info->id));
	s = ctr_json_str(root, "Name");
	if (s)
		ctr_strlcpy(info->name, s[0] == '/' ? s + 1 : s, sizeof(info->name));
	s = ctr_json_str(config, "Image");
	if (s)
		ctr_strlcpy(info->image, s, sizeof(info->image));
	info->n_labels = 0;
	labels = ctr_json_obj(config, "Labels");
	if (labels) {
		json_object_object_foreach(labels, key, val)
		{
			if (json_object_is_type(val, json_type_string))
				ctr_info_add_label(info, key, json_object_get_string(val));
		}
	}
	state = ctr_json_obj(root, "State");
	if (state) {
		if (json_object_object_get_ex(state, "Pid", &v) &&
		    json_object_is_type(v, json_type_int))
			info->pid = (uint32_t)json_object_get_int64(v);
		if (json_object_object_get_ex(state, "Running", &v))
			info->running = json_object_get_boolean(v);
	}
	s = ctr_info_label(info, "io.kubernetes.sandbox.id");
	if (s && sandbox_id)
		ctr_strlcpy(sandbox_id, s, sblen);
	ctr_info_apply_k8s(info);
	json_object_put(root);
	return CTR_OK;
}

int ctr_docker_parse_sandbox(const char *json, size_t len, struct ctr_info *info, char *err,
			     size_t errlen)
{
	json_object *root, *labels;

	root = ctr_json_parse(json, len, err, errlen);
	if (!root)
		return CTR_EBAD;
	labels = ctr_json_obj(ctr_json_obj(root, "Config"), "Labels");
	info->n_pod_labels = 0;
	if (labels) {
		json_object_object_foreach(labels, key, val)
		{
			/* kubelet's own bookkeeping, not the pod's labels. */
			if (!strncmp(key, "io.kubernetes.", 14) ||
			    !strncmp(key, "annotation.", 11) ||
			    !json_object_is_type(val, json_type_string))
				continue;
			ctr_info_add_pod_label(info, key, json_object_get_string(val));
		}
	}
	json_object_put(root);
	return CTR_OK;
}

struct body {
	char *buf;
	size_t len;
	bool too_big;
};

static size_t body_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb;
	char *nb;

	if (b->len + n > DOCKER_BODY_MAX) {
		b->too_big = true;
		return 0;
	}
	nb = realloc(b->buf, b->len + n + 1);
	if (!nb)
		return 0;
	b->buf = nb;
	memcpy(b->buf + b->len, ptr, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

int ctr_docker_get(const char *sock, const char *path, char **body, size_t *len, char *err,
		   size_t errlen)
{
	struct body b = { 0 };
	char url[512];
	long code = 0;
	CURLcode rc;
	CURL *c;

	*body = NULL;
	c = curl_easy_init();
	if (!c) {
		snprintf(err, errlen, "curl_easy_init failed");
		return CTR_EUNREACH;
	}
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", b.too_big ? "answer larger than 8 MiB"
						      : curl_easy_strerror(rc));
		free(b.buf);
		return b.too_big ? CTR_EBAD : CTR_EUNREACH;
	}
	if (code == 404) {
		free(b.buf);
		return CTR_ENOTFOUND;
	}
	if (code != 200) {
		snprintf(err, errlen, "HTTP %ld for %s", code, path);
		free(b.buf);
		return CTR_EBAD;
	}
	if (!b.buf) {
		snprintf(err, errlen, "empty answer for %s", path);
		return CTR_EBAD;
	}
	*body = b.buf;
	*len = b.len;
	return CTR_OK;
}

/* One container's inspect document: API first, then config.v2.json. */
static int docker_doc(const char *sock, const char *root, const char *id, char **doc,
		      size_t *len, char *err, size_t errlen, char *where, size_t wlen)
{
	char path[1024];
	int rc = CTR_EUNREACH, ferr;

	if (sock && sock[0]) {
		if (!ctr_path(path, sizeof(path), "/containers/%s/json", id))
			return CTR_ENOTFOUND;
		rc = ctr_docker_get(sock, path, doc, len, err, errlen);
		snprintf(where, wlen, "%s", sock);
		if (rc != CTR_EUNREACH)
			return rc;
	}
	if (!root || !root[0])
		return rc;
	if (!ctr_path(path, sizeof(path), "%s/containers/%s/config.v2.json", root, id))
		return CTR_ENOTFOUND;
	*doc = ctr_read_file(path, CTR_STATE_FILE_MAX, len, &ferr);
	if (*doc)
		return CTR_OK;
	if (ferr == ENOENT)
		return rc == CTR_EUNREACH && sock && sock[0] ? CTR_EUNREACH : CTR_ENOTFOUND;
	snprintf(where, wlen, "%s", path);
	snprintf(err, errlen, "%s", strerror(ferr));
	return ferr == EACCES || ferr == EPERM ? CTR_EUNREACH : CTR_EBAD;
}

int ctr_docker_fetch(const char *sock, const char *root, const char *id, struct ctr_info *info,
		     char *err, size_t errlen, char *where, size_t wlen)
{
	char sandbox[CTR_ID_MAX], serr[256], swhere[512];
	char *doc = NULL;
	size_t len = 0;
	int rc;

	rc = docker_doc(sock, root, id, &doc, &len, err, errlen, where, wlen);
	if (rc != CTR_OK)
		return rc;
	rc = ctr_docker_parse(doc, len, info, sandbox, sizeof(sandbox), err, errlen);
	free(doc);
	if (rc != CTR_OK || !sandbox[0] || !strcmp(sandbox, id))
		return rc;
	/* Pod labels live on the pod's sandbox container; missing ones are not an error. */
	if (docker_doc(sock, root, sandbox, &doc, &len, serr, sizeof(serr), swhere,
		       sizeof(swhere)) == CTR_OK) {
		ctr_docker_parse_sandbox(doc, len, info, serr, sizeof(serr));
		free(doc);
	}
	return CTR_OK;
}
