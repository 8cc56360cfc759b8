// SPDX-License-Identifier: GPL-2.0-or-later
/* struct ctr_info helpers: labels and the Kubernetes fields derived from them. */
#include <stdio.h>
#include <string.h>

#include "ctr_internal.h"

/* "key=value", cut to CTR_LABEL_MAX at a UTF-8 character boundary. */
static void add_kv(char (*arr)[CTR_LABEL_MAX], unsigned *n, const char *key, const char *value)
{
	char *d = arr[*n];
	size_t room = CTR_LABEL_MAX - 1, k;

	if (*n >= CTR_LABELS_MAX)
		return;
	if (!value)
		value = "";
	k = ctr_utf8_cut(key, strlen(key), room);
	memcpy(d, key, k);
	if (k < room) {
		size_t v;

		d[k++] = '=';
		v = ctr_utf8_cut(value, strlen(value), room - k);
		memcpy(d + k, value, v);
		k += v;
	}
	d[k] = '\0';
	(*n)++;
}

void ctr_info_add_label(struct ctr_info *info, const char *key, const char *value)
{
	add_kv(info->labels, &info->n_labels, key, value);
}

void ctr_info_add_pod_label(struct ctr_info *info, const char *key, const char *value)
{
	add_kv(info->pod_labels, &info->n_pod_labels, key, value);
}

const char *ctr_info_label(const struct ctr_info *info, const char *key)
{
	size_t klen = strlen(key);
	unsigned i;

	for (i = 0; i < info->n_labels; i++) {
		if (!strncmp(info->labels[i], key, klen) && info->labels[i][klen] == '=')
			return info->labels[i] + klen + 1;
	}
	return NULL;
}

/* Set dst from the first of the keys that has a non-empty value. */
static void from_labels(const struct ctr_info *info, char *dst, size_t len, const char *k1,
			const char *k2)
{
	const char *v = ctr_info_label(info, k1);

	if ((!v || !*v) && k2)
		v = ctr_info_label(info, k2);
	if (v && *v)
		ctr_strlcpy(dst, v, len);
}

void ctr_info_apply_k8s(struct ctr_info *info)
{
	/* Docker (dockershim, cri-dockerd), CRI-O, podman play kube; then containerd's CRI. */
	from_labels(info, info->pod_name, sizeof(info->pod_name), "io.kubernetes.pod.name",
		    "io.kubernetes.cri.sandbox-name");
	from_labels(info, info->pod_namespace, sizeof(info->pod_namespace),
		    "io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace");
	from_labels(info, info->pod_uid, sizeof(info->pod_uid), "io.kubernetes.pod.uid",
		    "io.kubernetes.cri.sandbox-uid");
	from_labels(info, info->k8s_ctr_name, sizeof(info->k8s_ctr_name),
		    "io.kubernetes.container.name", "io.kubernetes.cri.container-name");
}

void ctr_info_copy(struct ctr_info *dst, const struct ctr_info *src)
{
	unsigned i;

	memcpy(dst, src, offsetof(struct ctr_info, labels));
	dst->n_labels = src->n_labels;
	for (i = 0; i < src->n_labels && i < CTR_LABELS_MAX; i++)
		ctr_strlcpy(dst->labels[i], src->labels[i], CTR_LABEL_MAX);
	dst->pid = src->pid;
	ctr_strlcpy(dst->pod_name, src->pod_name, sizeof(dst->pod_name));
	ctr_strlcpy(dst->pod_namespace, src->pod_namespace, sizeof(dst->pod_namespace));
	ctr_strlcpy(dst->pod_uid, src->pod_uid, sizeof(dst->pod_uid));
	ctr_strlcpy(dst->k8s_ctr_name, src->k8s_ctr_name, sizeof(dst->k8s_ctr_name));
	dst->n_pod_labels = src->n_pod_labels;
	for (i = 0; i < src->n_pod_labels && i < CTR_LABELS_MAX; i++)
		ctr_strlcpy(dst->pod_labels[i], src->pod_labels[i], CTR_LABEL_MAX);
}
