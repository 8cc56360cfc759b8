// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * containerd metadata from its state directory: the shim's bundle
 * <state>/io.containerd.runtime.v2.task/<namespace>/<id>/ holds the OCI
 * config.json (annotations written by the CRI plugin and nerdctl) and init.pid.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctr_internal.h"

#define TASK_DIR "io.containerd.runtime.v2.task"
#define NS_SCAN_MAX 256

/* Find the namespace holding bundle id when the cgroup path did not say. */
static int find_ns(const char *tasks, const char *id, char *ns, size_t nslen)
{
	char path[1024];
	struct dirent *de;
	struct stat st;
	unsigned n = 0;
	DIR *d;

	d = opendir(tasks);
	if (!d)
		return -1;
	while ((de = readdir(d)) && n++ < NS_SCAN_MAX) {
		if (de->d_name[0] == '.')
			continue;
		if (!ctr_path(path, sizeof(path), "%s/%s/%s", tasks, de->d_name, id))
			continue;
		if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
			ctr_strlcpy(ns, de->d_name, nslen);
			closedir(d);
			return 0;
		}
	}
	closedir(d);
	return -1;
}

static uint32_t read_pid(const char *file)
{
	unsigned long v = 0;
	FILE *f = fopen(file, "re");

	if (!f)
		return 0;
	if (fscanf(f, "%lu", &v) != 1)
		v = 0;
	fclose(f);
	return (uint32_t)v;
}

int ctr_containerd_read(const char *state, const char *ns, const char *id, struct ctr_info *info,
			char *err, size_t errlen, char *where, size_t wlen)
{
	char tasks[1024], bundle[1400], file[1500], found_ns[CTR_STR_MAX];
	const char *v;
	size_t len;
	char *doc;
	int rc, ferr;

	if (!ctr_path(tasks, sizeof(tasks), "%s/" TASK_DIR, state)) {
		snprintf(where, wlen, "%s", state);
		snprintf(err, errlen, "path too long");
		return CTR_EUNREACH;
	}
	snprintf(where, wlen, "%s", tasks);
	if (access(tasks, R_OK | X_OK)) {
		snprintf(err, errlen, "%s", strerror(errno));
		return CTR_EUNREACH;
	}
	if (!ns || !ns[0]) {
		if (find_ns(tasks, id, found_ns, sizeof(found_ns)))
			return CTR_ENOTFOUND;
		ns = found_ns;
	}
	if (!ctr_path(bundle, sizeof(bundle), "%s/%s/%s", tasks, ns, id) ||
	    !ctr_path(file, sizeof(file), "%s/config.json", bundle))
		return CTR_ENOTFOUND;
	doc = ctr_read_file(file, CTR_STATE_FILE_MAX, &len, &ferr);
	if (!doc) {
		if (ferr == ENOENT)
			return CTR_ENOTFOUND;
		snprintf(where, wlen, "%s", file);
		snprintf(err, errlen, "%s", strerror(ferr));
		return ferr == EACCES ? CTR_EUNREACH : CTR_EBAD;
	}
	info->n_labels = 0;
	rc = ctr_oci_annotations(doc, len, info, err, errlen);
	free(doc);
	if (rc != CTR_OK) {
		snprintf(where, wlen, "%s", file);
		return rc;
	}
	if (!info->id[0])
		ctr_strlcpy(info->id, id, sizeof(info->id));
	/* nerdctl names its containers; the CRI plugin records kubelet's names. */
	v = ctr_info_label(info, "nerdctl/name");
	if (!v)
		v = ctr_info_label(info, "io.kubernetes.cri.container-name");
	ctr_strlcpy(info->name, v ? v : id, sizeof(info->name));
	v = ctr_info_label(info, "io.kubernetes.cri.image-name");
	if (!v)
		v = ctr_info_label(info, "nerdctl/image");
	if (v)
		ctr_strlcpy(info->image, v, sizeof(info->image));
	info->pid = ctr_path(file, sizeof(file), "%s/init.pid", bundle) ? read_pid(file) : 0;
	info->running = info->pid && (!kill((pid_t)info->pid, 0) || errno == EPERM);
	ctr_info_apply_k8s(info);
	return CTR_OK;
}
