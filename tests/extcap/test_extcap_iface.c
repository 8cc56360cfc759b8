// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of ctrcapdump's interface list, names, options and helper command lines. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extcap_iface.h"
#include "filter_check.h"
#include "helper.h"

static struct extcap_container ctrs[16];

/* Run fn into a memory stream and return the text (caller frees). */
static char *capture_output(void (*fn)(FILE *, void *), void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	return buf;
}

static void test_parse_rows(void **state)
{
	const char *text = "id\tname\timage\truntime\tpod_namespace\tpod_name\n"
			   "0123abcd\tweb\tbusybox:1\tdocker\t\t\n"
			   "\n"
			   "# comment\n"
			   "4567ef\tcart\tdocker.io/library/nginx:1\tcontainerd\tshop\tcart-7d9\r\n"
			   "89ab\n";
	char err[256] = "";
	size_t n = 99;

	(void)state;
	assert_int_equal(extcap_parse_containers(text, ctrs, 16, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ctrs[0].id, "0123abcd");
	assert_string_equal(ctrs[0].name, "web");
	assert_string_equal(ctrs[0].runtime, "docker");
	assert_string_equal(ctrs[0].pod_name, "");
	assert_string_equal(ctrs[1].image, "docker.io/library/nginx:1");
	assert_string_equal(ctrs[1].pod_namespace, "shop");
	assert_string_equal(ctrs[1].pod_name, "cart-7d9"); /* the \r is gone */
	assert_string_equal(ctrs[2].id, "89ab");
	assert_string_equal(ctrs[2].name, "");
}

static void test_parse_limits_and_errors(void **state)
{
	char err[256] = "", line[600];
	size_t n = 0;

	(void)state;
	/* max rows: the rest is ignored, not an error */
	assert_int_equal(extcap_parse_containers("a\tx\nb\ty\nc\tz\n", ctrs, 2, &n, err,
						 sizeof(err)),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(extcap_parse_containers("", ctrs, 2, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);

	assert_int_equal(extcap_parse_containers("a\tx\n\tnoid\n", ctrs, 16, &n, err,
						 sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "line 2"));
	assert_non_null(strstr(err, "empty container id"));

	memset(line, 'n', sizeof(line));
	memcpy(line, "id1\t", 4);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(extcap_parse_containers(line, ctrs, 16, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "name field longer than 255"));
}

static void set_ctr(size_t i, const char *id, const char *name)
{
	memset(&ctrs[i], 0, sizeof(ctrs[i]));
	snprintf(ctrs[i].id, sizeof(ctrs[i].id), "%s", id);
	snprintf(ctrs[i].name, sizeof(ctrs[i].name), "%s", name);
}

static void test_iface_names(void **state)
{
	char buf[300];

	(void)state;
	set_ctr(0, "aaa1", "web");
	set_ctr(1, "bbb2", "dup");
	set_ctr(2, "ccc3", "dup");
	set_ctr(3, "ddd4", "any");
	set_ctr(4, "eee5", "shop/cart");
	set_ctr(5, "fff6", "id-trick");
	set_ctr(6, "bad/id", "");
	set_ctr(7, "ggg7", "");

	assert_true(extcap_iface_name(ctrs, 8, 0, buf, sizeof(buf)));
	assert_string_equal(buf, "container-web");
	assert_true(extcap_iface_name(ctrs, 8, 1, buf, sizeof(buf)));
	assert_string_equal(buf, "container-id-bbb2"); /* duplicate names use the id */
	assert_true(extcap_iface_name(ctrs, 8, 2, buf, sizeof(buf)));
	assert_string_equal(buf, "container-id-ccc3");
	assert_true(extcap_iface_name(ctrs, 8, 3, buf, sizeof(buf)));
	assert_string_equal(buf, "container-id-ddd4"); /* never shadows container-any */
	assert_true(extcap_iface_name(ctrs, 8, 4, buf, sizeof(buf)));
	assert_string_equal(buf, "container-id-eee5");
	assert_true(extcap_iface_name(ctrs, 8, 5, buf, sizeof(buf)));
	assert_string_equal(buf, "container-id-fff6");
	assert_false(extcap_iface_name(ctrs, 8, 6, buf, sizeof(buf)));
	assert_true(extcap_iface_name(ctrs, 8, 7, buf, sizeof(buf)));
	assert_string_equal(buf, "container-id-ggg7");
}

static void test_targets_round_trip(void **state)
{
	struct extcap_target t;
	char err[256], buf[300];

	(void)state;
	assert_int_equal(extcap_parse_target("container-any", &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, EXTCAP_TARGET_ANY);

	set_ctr(0, "0123456789ab", "web");
	set_ctr(1, "0123456789ab", "web"); /* same name twice: id form */
	assert_true(extcap_iface_name(ctrs, 1, 0, buf, sizeof(buf)));
	assert_int_equal(extcap_parse_target(buf, &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, EXTCAP_TARGET_NAME);
	assert_string_equal(t.value, "web");
	assert_true(extcap_iface_name(ctrs, 2, 0, buf, sizeof(buf)));
	assert_int_equal(extcap_parse_target(buf, &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, EXTCAP_TARGET_ID);
	assert_string_equal(t.value, "0123456789ab");

	assert_int_equal(extcap_parse_target("eth0", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown interface 'eth0'"));
	assert_int_equal(extcap_parse_target("container-", &t, err, sizeof(err)), -1);
	assert_int_equal(extcap_parse_target("container-id-", &t, err, sizeof(err)), -1);
	assert_int_equal(extcap_parse_target("container-a/b", &t, err, sizeof(err)), -1);
	assert_int_equal(extcap_parse_target(NULL, &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--extcap-interface"));
}

static void test_sanitize(void **state)
{
	char buf[64];

	(void)state;
	extcap_sanitize("docker.io/lib{x}[y]\n\tz", buf, sizeof(buf));
	assert_string_equal(buf, "docker.io_lib_x__y___z");
	extcap_sanitize("abcdef", buf, 4);
	assert_string_equal(buf, "abc");
	extcap_sanitize(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void print_ifaces(FILE *f, void *arg)
{
	extcap_print_interfaces(f, "9.9.9", ctrs, *(size_t *)arg, NULL);
}

static void print_ifaces_unlisted(FILE *f, void *arg)
{
	extcap_print_interfaces(f, "9.9.9", ctrs, *(size_t *)arg,
				"you are not in group ctrcap (usermod -aG ctrcap USER/x)");
}

static void test_print_interfaces(void **state)
{
	size_t n = 3;
	char *out, *line;
	unsigned lines = 0;

	(void)state;
	set_ctr(0, "aaa1", "web");
	snprintf(ctrs[0].runtime, sizeof(ctrs[0].runtime), "docker");
	set_ctr(1, "bbb2", "cart");
	snprintf(ctrs[1].runtime, sizeof(ctrs[1].runtime), "containerd");
	snprintf(ctrs[1].pod_namespace, sizeof(ctrs[1].pod_namespace), "shop");
	snprintf(ctrs[1].pod_name, sizeof(ctrs[1].pod_name), "cart/7d9");
	set_ctr(2, "x/y", ""); /* unusable: left out */
	out = capture_output(print_ifaces, &n);

	assert_true(strncmp(out, "extcap {version=9.9.9}", 22) == 0);
	assert_non_null(strstr(out, "interface {value=container-any}{display=All containers"));
	assert_non_null(strstr(out, "interface {value=container-web}{display=Container web "
				    "(docker)}\n"));
	assert_non_null(strstr(out, "interface {value=container-cart}{display=Container cart "
				    "(containerd, pod cart_7d9 in shop)}\n"));
	assert_null(strstr(out, "x/y"));
	assert_non_null(strstr(out, "interface {value=cluster}{display=Containers on several hosts "
				    "(ctrcap --node)}\n"));
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		const char *disp = strstr(line, "{display=");

		lines++;
		assert_non_null(disp);
		assert_null(strchr(disp, '/')); /* Wireshark's list cannot show it */
	}
	assert_int_equal(lines, 5);
	free(out);

	/* No list: container-any alone, saying why, in characters the list can carry. */
	n = 0;
	out = capture_output(print_ifaces_unlisted, &n);
	assert_non_null(strstr(out, "interface {value=container-any}{display=All containers and "
				    "the host (ctrcap, every interface and netns; containers not "
				    "listed: you are not in group ctrcap (usermod -aG ctrcap USER_x)"
				    ")}\n"));
	assert_null(strstr(out, "container-web"));
	/* The cluster runs elsewhere: offered without the local list too. */
	assert_non_null(strstr(out, "interface {value=cluster}"));
	free(out);
}

static void print_cfg(FILE *f, void *arg)
{
	char err[256];

	assert_int_equal(extcap_print_config(f, arg, err, sizeof(err)), 0);
}

static void print_dlt(FILE *f, void *arg)
{
	char err[256];

	assert_int_equal(extcap_print_dlts(f, arg, err, sizeof(err)), 0);
}

static void test_config_and_dlts(void **state)
{
	char *any = capture_output(print_cfg, "container-any");
	char *one = capture_output(print_cfg, "container-web");
	char *dlt = capture_output(print_dlt, "container-web");
	char err[256], expect[64];
	unsigned n = 0;

	(void)state;
	for (const char *p = any; (p = strstr(p, "arg {number=")); p++) {
		snprintf(expect, sizeof(expect), "arg {number=%u}", n);
		assert_true(strncmp(p, expect, strlen(expect)) == 0); /* 0, 1, 2 ... in order */
		n++;
	}
	assert_int_equal(n, 11);
	assert_non_null(strstr(any, "{call=--container-name}"));
	assert_non_null(strstr(any, "{call=--container-id}"));
	assert_non_null(strstr(any, "{call=--snaplen}{display=Snapshot length}{type=unsigned}"
				    "{default=262144}"));
	assert_non_null(strstr(any, "{call=--pid}"));
	assert_non_null(strstr(any, "{call=--interfaces}"));
	/* one row per packet unless the user asks for every hop */
	assert_non_null(strstr(any, "{call=--all-hops}{display=Every hop of a packet}{type=boolflag}"
				    "{default=false}"));
	assert_non_null(strstr(any, "{call=--drops}{display=Kernel drops}{type=boolflag}"
				    "{default=false}"));
	assert_non_null(strstr(any, "{call=--comments}{display=Identity as packet comments}"
				    "{type=boolflag}{default=false}"));
	/* off by default: exported packet subsets lose the identities' definitions */
	assert_non_null(strstr(any, "{call=--compact-identity}{display=Compact identity}"
				    "{type=boolflag}{default=false}"));
	/* a container's interface already names the container */
	assert_null(strstr(one, "--container-name"));
	assert_non_null(strstr(one, "arg {number=0}{call=--pod-name}"));
	assert_string_equal(dlt, "dlt {number=1}{name=EN10MB}{display=Ethernet (per-interface "
				 "link types in the pcapng stream)}\n");
	assert_int_equal(extcap_print_config(stdout, "wlan0", err, sizeof(err)), -1);
	assert_int_equal(extcap_print_dlts(stdout, NULL, err, sizeof(err)), -1);
	free(any);
	free(one);
	free(dlt);
}

static void test_capture_argv(void **state)
{
	struct capture_opts o;
	const char *argv[HELPER_ARGV_MAX];
	char num[32], err[256], joined[1024];
	int argc;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.target.kind = EXTCAP_TARGET_ANY;
	argc = helper_capture_argv("/sbin/ctrcap", &o, argv, num, err, sizeof(err));
	assert_int_equal(argc, 8);
	assert_string_equal(argv[0], "/sbin/ctrcap");
	assert_string_equal(argv[1], "-i");
	assert_string_equal(argv[2], "any");
	assert_string_equal(argv[3], "-w");
	assert_string_equal(argv[4], "-");
	assert_string_equal(argv[5], "-U");
	assert_string_equal(argv[6], "--hops");
	assert_string_equal(argv[7], "container");
	assert_null(argv[8]);

	o.target.kind = EXTCAP_TARGET_NAME;
	snprintf(o.target.value, sizeof(o.target.value), "web");
	o.pod_name = "cart";
	o.pod_namespace = "shop";
	o.pid = "4242";
	o.snaplen = 128;
	o.interfaces = "eth0@cextns";
	o.filter = "tcp port 80";
	o.all_hops = true;
	o.drops = true;
	o.comments = true;
	o.compact_identity = true;
	argc = helper_capture_argv("h", &o, argv, num, err, sizeof(err));
	joined[0] = '\0';
	for (int i = 0; i < argc; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s|", argv[i]);
	assert_string_equal(joined, "h|-i|eth0@cextns|-w|-|-U|--hops|all|--drops|--comments|--compact-identity|--container-name|web|--pod-name|"
				    "cart|--pod-namespace|shop|--pid|4242|-s|128|tcp port 80|");

	/* conflicting and bad values are refused with a message naming them */
	o.container_name = "db";
	assert_int_equal(helper_capture_argv("h", &o, argv, num, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "conflicts with --container-name db"));
	o.container_name = "web"; /* the same name twice is fine */
	assert_true(helper_capture_argv("h", &o, argv, num, err, sizeof(err)) > 0);
	o.pid = "12x";
	assert_int_equal(helper_capture_argv("h", &o, argv, num, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--pid '12x'"));
	o.pid = "0";
	assert_int_equal(helper_capture_argv("h", &o, argv, num, err, sizeof(err)), -1);
	o.pid = NULL;
	o.pod_name = "-w/etc/x";
	assert_int_equal(helper_capture_argv("h", &o, argv, num, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "must not start with '-'"));
	o.pod_name = "a b";
	assert_int_equal(helper_capture_argv("h", &o, argv, num, err, sizeof(err)), -1);
	o.pod_name = NULL;
	o.pod_namespace = NULL;
	o.snaplen = HELPER_SNAPLEN_MAX + 1;
	assert_int_equal(helper_capture_argv("h", &o, argv, num, err, sizeof(err)), -1);
	o.snaplen = 0;
	o.filter = "  \t";
	argc = helper_capture_argv("h", &o, argv, num, err, sizeof(err));
	assert_string_equal(argv[argc - 1], "web"); /* a blank filter is not passed */

	o.container_name = NULL;
	o.target.kind = EXTCAP_TARGET_ID;
	snprintf(o.target.value, sizeof(o.target.value), "0123abc");
	argc = helper_capture_argv("h", &o, argv, num, err, sizeof(err));
	assert_string_equal(argv[argc - 2], "--container-id");
	assert_string_equal(argv[argc - 1], "0123abc");
	o.container_id = "fff";
	assert_int_equal(helper_capture_argv("h", &o, argv, num, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "conflicts with --container-id fff"));
}

static void test_error_line(void **state)
{
	char buf[256];

	(void)state;
	helper_error_line("attaching...\nctrcap: eth0: Operation not permitted\n\n  \n", buf,
			  sizeof(buf));
	assert_string_equal(buf, "ctrcap: eth0: Operation not permitted");
	helper_error_line("libbpf: map 'x': failed\r\n", buf, sizeof(buf));
	assert_string_equal(buf, "ctrcap: libbpf: map 'x': failed");
	helper_error_line("single", buf, sizeof(buf));
	assert_string_equal(buf, "ctrcap: single");
	helper_error_line("", buf, sizeof(buf));
	assert_string_equal(buf, "ctrcap: failed without a message");
	helper_error_line("\n\n", buf, sizeof(buf));
	assert_string_equal(buf, "ctrcap: failed without a message");
	/* A capture that fails at its end: the reason, not the counts after it. */
	helper_error_line("ctrcap: skipping interface x (netns 1): gone\n"
			  "ctrcap: writing -: No space left on device\n"
			  "12 packets captured\n12 packets received by filter\n"
			  "0 packets dropped by kernel\n",
			  buf, sizeof(buf));
	assert_string_equal(buf, "ctrcap: writing -: No space left on device");
}

static void test_cluster_config(void **state)
{
	char *cfg = capture_output(print_cfg, "cluster");
	char *dlt = capture_output(print_dlt, "cluster");
	struct extcap_target t;
	char err[256], expect[64];
	unsigned n = 0;
	const char *first = "arg {number=0}{call=--nodes}{display=Nodes}{type=string}"
			    "{required=true}";

	(void)state;
	assert_int_equal(extcap_parse_target("cluster", &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, EXTCAP_TARGET_CLUSTER);
	for (const char *p = cfg; (p = strstr(p, "arg {number=")); p++) {
		snprintf(expect, sizeof(expect), "arg {number=%u}", n);
		assert_true(strncmp(p, expect, strlen(expect)) == 0);
		n++;
	}
	/* 5 of its own, container name/id, pod name/namespace, snaplen, interfaces, hops, drops */
	assert_int_equal(n, 13);
	assert_true(strncmp(cfg, first, strlen(first)) == 0);
	assert_non_null(strstr(cfg, "{call=--ssh-options}"));
	assert_non_null(strstr(cfg, "{call=--remote-ctrcap}"));
	assert_non_null(strstr(cfg, "{call=--kube-context}"));
	assert_non_null(strstr(cfg, "{call=--kubeconfig}{display=kubeconfig}{type=fileselect}"));
	assert_non_null(strstr(cfg, "{call=--container-name}"));
	assert_non_null(strstr(cfg, "{call=--drops}"));
	/* host pids mean nothing across hosts; ctrcap --node refuses --comments */
	assert_null(strstr(cfg, "{call=--pid}"));
	assert_null(strstr(cfg, "{call=--comments}"));
	assert_non_null(strstr(dlt, "{name=EN10MB}"));
	free(cfg);
	free(dlt);
}

static void test_cluster_parse(void **state)
{
	static struct cluster_opts c;
	char err[512];

	(void)state;
	assert_int_equal(cluster_opts_parse(&c, " a=ssh://root@10.99.21.2,b=ssh://10.99.22.2:2222\n"
						"c=k8s://node-3 ",
					    "IdentityFile=/k/id; IdentitiesOnly=yes;;", "/opt/ctrcap", "",
					    NULL, err, sizeof(err)),
			 0);
	assert_int_equal(c.n_nodes, 3);
	assert_string_equal(c.nodes[0], "a=ssh://root@10.99.21.2");
	assert_string_equal(c.nodes[1], "b=ssh://10.99.22.2:2222");
	assert_string_equal(c.nodes[2], "c=k8s://node-3");
	assert_int_equal(c.n_ssh_opts, 2);
	assert_string_equal(c.ssh_opts[0], "IdentityFile=/k/id");
	assert_string_equal(c.ssh_opts[1], "IdentitiesOnly=yes");
	assert_string_equal(c.remote_ctrcap, "/opt/ctrcap");
	assert_null(c.kube_context);
	assert_null(c.kubeconfig);

	/* Each refusal names the entry and says why, in node_uri.c's words. */
	assert_int_equal(cluster_opts_parse(&c, NULL, NULL, NULL, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cluster: no nodes given"));
	assert_int_equal(cluster_opts_parse(&c, " , ", NULL, NULL, NULL, NULL, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "cluster: no nodes given"));
	assert_int_equal(cluster_opts_parse(&c, "a=ssh://h b=ssh://root@host/path", NULL, NULL,
					    NULL, NULL, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "cluster: node 'b=ssh://root@host/path': an ssh:// node URI has "
				 "no path or query");
	assert_int_equal(cluster_opts_parse(&c, "web1", NULL, NULL, NULL, NULL, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "cluster: node 'web1': give NAME=URI, e.g. web1=ssh://root@host");
	assert_int_equal(cluster_opts_parse(&c, "a=ftp://h", NULL, NULL, NULL, NULL, err,
					    sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "cluster: node 'a=ftp://h': 'ftp://h' is no ssh://"));
	assert_int_equal(cluster_opts_parse(&c, "a=ssh://h:99999", NULL, NULL, NULL, NULL, err,
					    sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "is not a port"));
	assert_int_equal(cluster_opts_parse(&c, "a=ssh://h a=ssh://g", NULL, NULL, NULL, NULL, err,
					    sizeof(err)),
			 -1);
	assert_string_equal(err, "cluster: node name 'a' given twice");
	assert_int_equal(cluster_opts_parse(&c, "a=ssh://h", "-oProxyCommand=x", NULL, NULL, NULL,
					    err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "must not start with '-'"));
	assert_int_equal(cluster_opts_parse(&c, "a=ssh://h", NULL, "--help", NULL, NULL, err,
					    sizeof(err)),
			 -1);
	/* At most as many nodes as ctrcap takes. */
	{
		char many[2048] = "";

		for (int i = 0; i <= CLUSTER_MAX_NODES; i++)
			snprintf(many + strlen(many), sizeof(many) - strlen(many), "n%d=ssh://h ", i);
		assert_int_equal(cluster_opts_parse(&c, many, NULL, NULL, NULL, NULL, err,
						    sizeof(err)),
				 -1);
		assert_string_equal(err, "cluster: more than 32 nodes");
	}
}

static void test_cluster_argv(void **state)
{
	static struct cluster_opts c;
	struct capture_opts o;
	const char *argv[HELPER_ARGV_MAX];
	char num[32], err[512], joined[1024] = "", buf[512];
	int argc;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.target.kind = EXTCAP_TARGET_CLUSTER;
	assert_int_equal(helper_capture_argv("h", &o, argv, num, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "interface cluster needs its nodes"));
	assert_int_equal(cluster_opts_parse(&c, "a=ssh://root@web1 b=k8s://node-2",
					    "IdentityFile=/k/id;IdentitiesOnly=yes", "/opt/ctrcap",
					    "prod", "/k/cfg", err, sizeof(err)),
			 0);
	o.cluster = &c;
	o.container_name = "web";
	o.filter = "udp";
	argc = helper_capture_argv("h", &o, argv, num, err, sizeof(err));
	for (int i = 0; i < argc; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s|", argv[i]);
	assert_string_equal(joined, "h|--node|a=ssh://root@web1|--node|b=k8s://node-2|"
				    "--ssh-option|IdentityFile=/k/id|--ssh-option|IdentitiesOnly=yes|"
				    "--remote-ctrcap|/opt/ctrcap|--kube-context|prod|--kubeconfig|/k/cfg|"
				    "-i|any|-w|-|-U|--hops|container|--container-name|web|udp|");
	assert_null(argv[argc]);
	o.comments = true;
	assert_int_equal(helper_capture_argv("h", &o, argv, num, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--comments"));

	/* ctrcap --node's end when nodes failed: the first node's reason, not the count. */
	helper_error_line("ctrcap: node a (ssh://root@web1) lost: ssh failed: root@web1: "
			  "Permission denied (publickey).; the other nodes go on\n"
			  "ctrcap: node b (k8s://node-2) lost: no running ctrcap pod\n"
			  "node a: 0 packets merged, no statistics (lost)\n"
			  "0 packets captured\n"
			  "ctrcap: 2 of 2 nodes lost\n",
			  buf, sizeof(buf));
	assert_string_equal(buf, "ctrcap: node a (ssh://root@web1) lost: ssh failed: root@web1: "
				 "Permission denied (publickey).; the other nodes go on");
	helper_error_line("ctrcap: 2 of 2 nodes lost\n", buf, sizeof(buf));
	assert_string_equal(buf, "ctrcap: 2 of 2 nodes lost");
}

static void test_filter_check(void **state)
{
	char err[512] = "";

	(void)state;
	assert_int_equal(extcap_filter_check("tcp port 80 and host 10.99.4.2", 0, err,
					     sizeof(err)),
			 0);
	assert_int_equal(extcap_filter_check(NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(extcap_filter_check("", 0, err, sizeof(err)), 0);
	assert_int_equal(extcap_filter_check("tcp port eighty", 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "tcp port eighty"));
	assert_int_equal(extcap_filter_check("host", 0, err, sizeof(err)), -1);
	assert_true(strlen(err) > 0);
	assert_null(strchr(err, '\n')); /* Wireshark shows the first line */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rows),
		cmocka_unit_test(test_parse_limits_and_errors),
		cmocka_unit_test(test_iface_names),
		cmocka_unit_test(test_targets_round_trip),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_print_interfaces),
		cmocka_unit_test(test_config_and_dlts),
		cmocka_unit_test(test_capture_argv),
		cmocka_unit_test(test_error_line),
		cmocka_unit_test(test_cluster_config),
		cmocka_unit_test(test_cluster_parse),
		cmocka_unit_test(test_cluster_argv),
		cmocka_unit_test(test_filter_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
