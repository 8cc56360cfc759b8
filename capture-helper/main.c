// SPDX-License-Identifier: GPL-2.0-or-later
/* ctrcap: container-aware packet capture. Entry point: options -> mode. */
#include <stdio.h>
#include <stdlib.h>

#include "capture.h"
#include "drop_reason.h"
#include "filter_file.h"
#include "kernel_features.h"
#include "options.h"
#include "post_rotate.h"
#include "node_k8s.h"
#include "privilege.h"
#include "rpcap_source.h"

/*
 * What options name that is read from the file system: -F's expression
 * and -z's program. Called once ctrcap acts as its user. 0, or 1 after
 * printing the error.
 */
static int load_named_files(struct ctrcap_opts *o, char *prog, size_t cap)
{
	char err[512];

	if (o->filter_file && ctrcap_filter_file_read(o->filter_file, &o->filter, err, sizeof(err)))
		goto fail;
	if (o->out.post_rotate) {
		if (ctrcap_post_rotate_resolve(o->out.post_rotate, prog, cap, err, sizeof(err)))
			goto fail;
		o->out.post_rotate = prog;
	}
	return 0;
fail:
	fprintf(stderr, "ctrcap: %s\n", err);
	return 1;
}

int main(int argc, char **argv)
{
	static char prog[4096];
	struct ctrcap_opts o;
	char err[512];
	int code;

	if (ctrcap_opts_parse(argc, argv, &o)) {
		ctrcap_opts_free(&o);
		return 1;
	}
	/* -l: before anything is written, as setvbuf requires. */
	if (o.text.line_buffered)
		setvbuf(stdout, NULL, _IOLBF, 0);
	if (o.help) {
		ctrcap_usage(stdout);
		code = 0;
		goto out;
	}
	if (o.version) {
		struct ctrcap_kernel_features kf;

		printf("ctrcap %s\n", CTRCAP_VERSION);
		ctrcap_kernel_probe(&kf, NULL);
		ctrcap_kernel_summary(stdout, &kf);
		ctrcap_kernel_report(stdout, "", &kf);
		code = 0;
		goto out;
	}
	if (o.run_as && ctrcap_priv_set_user(o.run_as, err, sizeof(err))) {
		fprintf(stderr, "ctrcap: %s\n", err);
		code = 1;
		goto out;
	}
	/*
	 * Reading a file needs no privileges: drop every capability first, so
	 * -r opens only what the invoking user (or -Z USER) could open anyway.
	 * --node captures elsewhere: here it runs ssh as the invoking user.
	 */
	if (o.read_path || ctrcap_opts_nodes(&o) || o.rpcap_source) {
		if (ctrcap_priv_drop_all(err, sizeof(err))) {
			fprintf(stderr, "ctrcap: %s\n", err);
			code = 1;
			goto out;
		}
		/* kubectl runs as the invoking user, like ssh. */
		if (o.nodes_from && ctrcap_nodes_from_k8s(&o, err, sizeof(err))) {
			fprintf(stderr, "ctrcap: %s\n", err);
			code = 1;
			goto out;
		}
		code = load_named_files(&o, prog, sizeof(prog));
		if (!code)
			code = o.rpcap_source ? ctrcap_run_rpcap_source(&o) :
			       o.n_nodes      ? ctrcap_run_nodes(&o) :
						ctrcap_run_read(&o);
		goto out;
	}
	if (o.drops)
		o.ksyms = ctrcap_ksyms_new("/proc/kallsyms");
	if (ctrcap_priv_init(err, sizeof(err)) ||
	    ctrcap_opts_check_engine_paths(&o, ctrcap_priv_invoker_uid(), err, sizeof(err))) {
		fprintf(stderr, "ctrcap: %s\n", err);
		code = 1;
		goto out;
	}
	if (load_named_files(&o, prog, sizeof(prog)))
		code = 1;
	else if (o.cleanup)
		code = ctrcap_run_cleanup();
	else if (o.list_containers)
		code = ctrcap_run_list_containers(&o);
	else if (o.list_ifaces)
		code = ctrcap_run_list_ifaces(&o);
	else
		code = ctrcap_run_capture(&o);
out:
	ctrcap_ksyms_free(o.ksyms);
	ctrcap_opts_free(&o);
	return code;
}
