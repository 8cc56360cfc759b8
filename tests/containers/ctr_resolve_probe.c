// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctr_resolve_probe: drive one resolver from stdin for the e2e tests and
 * print what it knows as key=value lines.
 *
 *   ctr_resolve_probe [--docker-sock S] [--docker-root D] [--containerd-state D]
 *                     [--crio-state D] [--podman-state D] [--cgroup-root D] [--no-events]
 * Commands on stdin, one per line; each answer ends with a line "end":
 *   lookup CGID            non-blocking lookup (result=-1 when not known yet)
 *   wait CGID MS           lookup_wait
 *   until CGID KEY VALUE MS  poll lookup every 50 ms until KEY=VALUE is printed, at most MS
 *   list MS                ctr_resolver_list
 * Warnings go to stdout as "warning=<message>" lines as they happen.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resolver.h"

static void on_warn(void *ctx, const char *msg)
{
	(void)ctx;
	printf("warning=%s\n", msg);
	fflush(stdout);
}

/* Print info as key=value lines into f. */
static void print_info(FILE *f, int result, const struct ctr_info *i)
{
	unsigned k;

	fprintf(f, "result=%d\n", result);
	if (result < 0)
		return;
	fprintf(f, "runtime=%s\ncomplete=%d\nrunning=%d\ncgroup_id=%llu\ncgroup_path=%s\n",
		ctr_runtime_name(i->runtime), i->complete, i->running,
		(unsigned long long)i->cgroup_id, i->cgroup_path);
	if (result == 0)
		return;
	fprintf(f, "id=%s\nname=%s\nimage=%s\npid=%u\n", i->id, i->name, i->image, i->pid);
	for (k = 0; k < i->n_labels; k++)
		fprintf(f, "label=%s\n", i->labels[k]);
	fprintf(f, "pod_name=%s\npod_namespace=%s\npod_uid=%s\nk8s_ctr_name=%s\n", i->pod_name,
		i->pod_namespace, i->pod_uid, i->k8s_ctr_name);
	for (k = 0; k < i->n_pod_labels; k++)
		fprintf(f, "pod_label=%s\n", i->pod_labels[k]);
}

/* Poll until the printed info holds "key=value", for at most ms. */
static int until(struct ctr_resolver *r, unsigned long long cgid, const char *key,
		 const char *value, unsigned ms, struct ctr_info *info)
{
	char want[1024], *buf = NULL;
	unsigned waited;
	size_t len;
	int res = -1;

	snprintf(want, sizeof(want), "\n%s=%s\n", key, value);
	for (waited = 0; waited <= ms; waited += 50) {
		FILE *m = open_memstream(&buf, &len);

		if (!m)
			return -1;
		fputc('\n', m);
		res = ctr_resolver_lookup(r, cgid, info);
		print_info(m, res, info);
		fclose(m);
		if (strstr(buf, want)) {
			free(buf);
			return res;
		}
		free(buf);
		buf = NULL;
		nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000000L }, NULL);
	}
	printf("timeout=%s=%s\n", key, value);
	return res;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "docker-sock", required_argument, NULL, 's' },
		{ "docker-root", required_argument, NULL, 'd' },
		{ "containerd-state", required_argument, NULL, 'c' },
		{ "crio-state", required_argument, NULL, 'o' },
		{ "podman-state", required_argument, NULL, 'p' },
		{ "cgroup-root", required_argument, NULL, 'g' },
		{ "no-events", no_argument, NULL, 'n' },
		{ 0 },
	};
	struct ctr_resolver_opts o = { .warn = on_warn };
	struct ctr_resolver *r;
	struct ctr_info *info;
	char err[256], line[1024];
	int c, lines = 0;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.docker_sock = optarg;
			break;
		case 'd':
			o.docker_root = optarg;
			break;
		case 'c':
			o.containerd_state = optarg;
			break;
		case 'o':
			o.crio_state = optarg;
			break;
		case 'p':
			o.podman_state = optarg;
			break;
		case 'g':
			o.cgroup_root = optarg;
			break;
		case 'n':
			o.no_events = true;
			break;
		default:
			fprintf(stderr, "usage: see the comment at the top of ctr_resolve_probe.c\n");
			return 2;
		}
	}
	r = ctr_resolver_new(&o, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "ctr_resolve_probe: %s\n", err);
		return 1;
	}
	info = calloc(1, sizeof(*info));
	if (!info) {
		ctr_resolver_free(r);
		return 1;
	}
	while (lines++ < 100000 && fgets(line, sizeof(line), stdin)) {
		char key[256], value[512];
		unsigned long long cgid;
		unsigned ms;

		if (sscanf(line, "lookup %llu", &cgid) == 1) {
			print_info(stdout, ctr_resolver_lookup(r, cgid, info), info);
		} else if (sscanf(line, "wait %llu %u", &cgid, &ms) == 2) {
			print_info(stdout, ctr_resolver_lookup_wait(r, cgid, info, ms), info);
		} else if (sscanf(line, "until %llu %255s %511s %u", &cgid, key, value, &ms) == 4) {
			print_info(stdout, until(r, cgid, key, value, ms, info), info);
		} else if (sscanf(line, "list %u", &ms) == 1) {
			struct ctr_info *all;
			size_t n, i;

			if (ctr_resolver_list(r, &all, &n, ms)) {
				printf("error=list failed\n");
			} else {
				for (i = 0; i < n; i++)
					print_info(stdout, 1, &all[i]);
				free(all);
			}
		} else if (!strncmp(line, "quit", 4)) {
			break;
		} else {
			printf("error=unknown command\n");
		}
		printf("end\n");
		fflush(stdout);
	}
	free(info);
	ctr_resolver_free(r);
	return 0;
}
