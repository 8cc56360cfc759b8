// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the parsers of untrusted runtime state (Docker inspect
 * documents and event lines, OCI config.json annotations) and cgroup paths.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctr_internal.h"

static void on_event(void *ctx, const char *id, const char *action)
{
	(void)ctx;
	(void)id;
	(void)action;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctr_info info;
	struct ctr_path_info pi;
	char err[256], sandbox[CTR_ID_MAX];
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&info, 0, offsetof(struct ctr_info, labels));
	info.n_labels = info.n_pod_labels = 0;
	ctr_docker_parse(s, size, &info, sandbox, sizeof(sandbox), err, sizeof(err));
	ctr_docker_parse_sandbox(s, size, &info, err, sizeof(err));
	info.n_labels = 0;
	ctr_oci_annotations(s, size, &info, err, sizeof(err));
	ctr_info_apply_k8s(&info);
	ctr_docker_event_line(s, size, on_event, NULL);
	ctr_parse_cgroup_path_ex(s, &pi);
	free(s);
	return 0;
}
