// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CRI-O metadata from containers/storage: overlay-containers/<id>/userdata/
 * config.json carries CRI-O's annotations (container name, image, the CRI
 * labels as a JSON string, the sandbox id). The pod's own labels are those
 * of the sandbox container. state is a ':'-separated list of storage roots.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctr_internal.h"

#define CRIO "io.kubernetes.cri-o."

/* config.json of id under the first root of the list that has it. */
static char *crio_config(const char *state, const char *id, size_t *len, int *ferr, char *file,
			 size_t flen)
{
	char roots[2048], *save = NULL, *root;
	int first_err = ENOENT;
	char *doc;

	ctr_strlcpy(roots, state, sizeof(roots));
	for (root = strtok_r(roots, ":", &save); root; root = strtok_r(NULL, ":", &save)) {
		if (!ctr_path(file, flen, "%s/overlay-containers/%s/userdata/config.json", root,
			      id))
			continue;
		doc = ctr_read_file(file, CTR_STATE_FILE_MAX, len, ferr);
		if (doc)
			return doc;
		if (*ferr != ENOENT && first_err == ENOENT)
			first_err = *ferr;
	}
	*ferr = first_err;
	return NULL;
}

/* Add the entries of a JSON object held in a string annotation. */
static void add_json_map(struct ctr_info *info, const char *s, bool pod, bool skip_k8s)
{
	char err[128];
	json_object *o;

	if (!s)
		return;
	o = ctr_json_parse(s, strlen(s), err, sizeof(err));
	if (!o)
		return;
	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, key, val)
		{
			if (!json_object_is_type(val, json_type_string))
				continue;
			if (skip_k8s && !strncmp(key, "io.kubernetes.", 14))
				continue;
			if (pod)
				ctr_info_add_pod_label(info, key, json_object_get_string(val));
			else
				ctr_info_add_label(info, key, json_object_get_string(val));
		}
	}
	json_object_put(o);
}

static json_object *crio_annotations(const char *doc, size_t len, json_object **root, char *err,
				     size_t errlen)
{
	json_object *ann;

	*root = ctr_json_parse(doc, len, err, errlen);
	if (!*root)
		return NULL;
	ann = ctr_json_obj(*root, "annotations");
	if (!ann)
		snprintf(err, errlen, "no \"annotations\" object");
	return ann;
}

int ctr_crio_read(const char *state, const char *id, struct ctr_info *info, char *err,
		  size_t errlen, char *where, size_t wlen)
{
	static const char *const k8s_keys[] = { "io.kubernetes.pod.name",
						"io.kubernetes.pod.namespace",
						"io.kubernetes.pod.uid",
						"io.kubernetes.container.name" };
	char file[1024], sfile[1024];
	json_object *root = NULL, *ann, *sroot = NULL, *sann;
	const char *v, *sandbox;
	size_t len, i;
	char *doc;
	int ferr, rc = CTR_OK;

	doc = crio_config(state, id, &len, &ferr, file, sizeof(file));
	if (!doc) {
		snprintf(where, wlen, "%s", state);
		snprintf(err, errlen, "%s", strerror(ferr));
		return ferr == ENOENT ? CTR_ENOTFOUND : ferr == EACCES ? CTR_EUNREACH : CTR_EBAD;
	}
	ann = crio_annotations(doc, len, &root, err, errlen);
	free(doc);
	if (!ann) {
		snprintf(where, wlen, "%s", file);
		json_object_put(root);
		return CTR_EBAD;
	}
	if (!info->id[0])
		ctr_strlcpy(info->id, id, sizeof(info->id));
	v = ctr_json_str(ann, CRIO "ContainerName");
	ctr_strlcpy(info->name, v ? v : id, sizeof(info->name));
	v = ctr_json_str(ann, CRIO "ImageName");
	if (!v || !*v)
		v = ctr_json_str(ann, CRIO "Image");
	if (v)
		ctr_strlcpy(info->image, v, sizeof(info->image));
	info->n_labels = 0;
	add_json_map(info, ctr_json_str(ann, CRIO "Labels"), false, false);
	for (i = 0; i < sizeof(k8s_keys) / sizeof(k8s_keys[0]); i++) {
		v = ctr_json_str(ann, k8s_keys[i]);
		if (v && !ctr_info_label(info, k8s_keys[i]))
			ctr_info_add_label(info, k8s_keys[i], v);
	}
	ctr_info_apply_k8s(info);
	info->running = true;

	sandbox = ctr_json_str(ann, CRIO "SandboxID");
	if (sandbox && strcmp(sandbox, id)) {
		/* The pod's labels; a missing sandbox is not an error for the container. */
		doc = crio_config(state, sandbox, &len, &ferr, sfile, sizeof(sfile));
		if (doc) {
			char serr[128];

			sann = crio_annotations(doc, len, &sroot, serr, sizeof(serr));
			if (sann) {
				info->n_pod_labels = 0;
				add_json_map(info, ctr_json_str(sann, CRIO "Labels"), true, true);
			}
			json_object_put(sroot);
			free(doc);
		}
	}
	json_object_put(root);
	return rc;
}
