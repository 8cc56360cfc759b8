// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * podman metadata from its state: containers/storage's containers.json
 * (names, image name), the container's OCI config.json (annotations) and
 * libpod's database, where each container's configuration is stored as one
 * JSON document ({"spec":...,"id":...,"labels":...}); podman runs no daemon
 * to ask, and the database is read without taking podman's lock.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctr_internal.h"

#define DB_CANDIDATES_MAX 4096

static const char *const drivers[] = { "overlay", "vfs", "btrfs", "zfs" };

/* Find id in a containers.json document: name and image. */
static int storage_entry(const char *doc, size_t len, const char *id, struct ctr_info *info,
			 char *err, size_t errlen)
{
	json_object *root, *names, *meta;
	size_t i, n;
	int rc = CTR_ENOTFOUND;

	root = ctr_json_parse(doc, len, err, errlen);
	if (!root)
		return CTR_EBAD;
	if (!json_object_is_type(root, json_type_array)) {
		snprintf(err, errlen, "not a JSON array");
		json_object_put(root);
		return CTR_EBAD;
	}
	n = json_object_array_length(root);
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(root, i);
		const char *eid = ctr_json_str(e, "id"), *m;

		if (!eid || strcmp(eid, id))
			continue;
		if (json_object_object_get_ex(e, "names", &names) &&
		    json_object_is_type(names, json_type_array) &&
		    json_object_array_length(names) > 0)
			ctr_strlcpy(info->name,
				    json_object_get_string(json_object_array_get_idx(names, 0)),
				    sizeof(info->name));
		m = ctr_json_str(e, "metadata");
		meta = m ? ctr_json_parse(m, strlen(m), err, errlen) : NULL;
		if (ctr_json_str(meta, "image-name"))
			ctr_strlcpy(info->image, ctr_json_str(meta, "image-name"),
				    sizeof(info->image));
		if (!info->name[0] && ctr_json_str(meta, "name"))
			ctr_strlcpy(info->name, ctr_json_str(meta, "name"), sizeof(info->name));
		json_object_put(meta);
		rc = CTR_OK;
		break;
	}
	json_object_put(root);
	return rc;
}

/* podman's own annotations say nothing the user set. */
static bool internal_annotation(const char *key)
{
	return !strncmp(key, "io.podman.annotations.", 22) ||
	       !strcmp(key, "io.container.manager") || !strncmp(key, "io.kubernetes.cri-o.", 20) ||
	       !strcmp(key, "org.opencontainers.image.stopSignal");
}

static void spec_annotations(const char *file, struct ctr_info *info)
{
	json_object *root, *ann;
	char err[128];
	size_t len;
	char *doc;
	int ferr;

	doc = ctr_read_file(file, CTR_STATE_FILE_MAX, &len, &ferr);
	if (!doc)
		return;
	root = ctr_json_parse(doc, len, err, sizeof(err));
	free(doc);
	ann = ctr_json_obj(root, "annotations");
	if (ann) {
		json_object_object_foreach(ann, key, val)
		{
			if (json_object_is_type(val, json_type_string) &&
			    !internal_annotation(key) && !ctr_info_label(info, key))
				ctr_info_add_label(info, key, json_object_get_string(val));
		}
	}
	json_object_put(root);
}

/* Labels from the container's configuration document in libpod's database. */
static void db_labels(const char *file, const char *id, struct ctr_info *info)
{
	static const char marker[] = "{\"spec\":";
	struct json_tokener *tok;
	const char *p, *end;
	unsigned tries = 0;
	size_t len;
	char *db;
	int ferr;

	db = ctr_read_file(file, CTR_STATE_FILE_MAX, &len, &ferr);
	if (!db)
		return;
	tok = json_tokener_new();
	end = db + len;
	/* The file holds NULs; memmem, not strstr. */
	for (p = db; tok && p < end && tries++ < DB_CANDIDATES_MAX; p++) {
		json_object *o, *labels;
		const char *cid;

		p = memmem(p, (size_t)(end - p), marker, sizeof(marker) - 1);
		if (!p)
			break;
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, p, (int)((size_t)(end - p) > INT32_MAX ? INT32_MAX :
									   (size_t)(end - p)));
		if (!o)
			continue;
		cid = ctr_json_str(o, "id");
		labels = ctr_json_obj(o, "labels");
		if (cid && !strcmp(cid, id) && labels) {
			json_object_object_foreach(labels, key, val)
			{
				if (json_object_is_type(val, json_type_string) &&
				    !ctr_info_label(info, key))
					ctr_info_add_label(info, key, json_object_get_string(val));
			}
			json_object_put(o);
			break;
		}
		json_object_put(o);
	}
	json_tokener_free(tok);
	free(db);
}

int ctr_podman_read(const char *state, const char *id, struct ctr_info *info, char *err,
		    size_t errlen, char *where, size_t wlen)
{
	char file[1024];
	size_t i, len;
	char *doc;
	int ferr, rc = CTR_EUNREACH;

	snprintf(where, wlen, "%s", state);
	snprintf(err, errlen, "no containers.json");
	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		if (!ctr_path(file, sizeof(file), "%s/%s-containers/containers.json", state,
			      drivers[i]))
			continue;
		doc = ctr_read_file(file, CTR_STATE_FILE_MAX, &len, &ferr);
		if (!doc) {
			if (ferr != ENOENT) {
				snprintf(where, wlen, "%s", file);
				snprintf(err, errlen, "%s", strerror(ferr));
				rc = ferr == EACCES ? CTR_EUNREACH : CTR_EBAD;
			}
			continue;
		}
		rc = storage_entry(doc, len, id, info, err, errlen);
		free(doc);
		if (rc == CTR_EBAD)
			snprintf(where, wlen, "%s", file);
		if (rc != CTR_OK)
			continue;
		if (!info->id[0])
			ctr_strlcpy(info->id, id, sizeof(info->id));
		info->n_labels = 0;
		if (ctr_path(file, sizeof(file), "%s/libpod/bolt_state.db", state))
			db_labels(file, id, info);
		if (ctr_path(file, sizeof(file), "%s/%s-containers/%s/userdata/config.json", state,
			     drivers[i], id))
			spec_annotations(file, info);
		ctr_info_apply_k8s(info);
		info->running = true;
		return CTR_OK;
	}
	return rc;
}
