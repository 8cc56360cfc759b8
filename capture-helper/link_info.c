// SPDX-License-Identifier: GPL-2.0-or-later
/* Links of a network namespace from rtnetlink, and veth peers across namespaces. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "link_info.h"

/* A dump answers in messages of at most a page or so; 32 KiB holds any batch. */
#define DUMP_BUF 32768

static void copy_str(char *dst, size_t cap, const struct rtattr *a)
{
	size_t n = RTA_PAYLOAD(a);
	const char *s = RTA_DATA(a);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static uint32_t attr_u32(const struct rtattr *a)
{
	uint32_t v = 0;

	if (RTA_PAYLOAD(a) >= sizeof(v))
		memcpy(&v, RTA_DATA(a), sizeof(v));
	return v;
}

static void parse_linkinfo(const struct rtattr *nest, struct ctrcap_link *l)
{
	int len = (int)RTA_PAYLOAD(nest);
	const struct rtattr *a;

	for (a = RTA_DATA(nest); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_INFO_KIND)
			copy_str(l->kind, sizeof(l->kind), a);
}

int ctrcap_link_parse(const void *msg, size_t len, struct ctrcap_link *l)
{
	const struct nlmsghdr *h = msg;
	const struct ifinfomsg *ifi;
	const struct rtattr *a;
	int alen;

	if (len < sizeof(*h) || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) || h->nlmsg_len > len ||
	    h->nlmsg_type != RTM_NEWLINK)
		return -1;
	ifi = NLMSG_DATA(h);
	memset(l, 0, sizeof(*l));
	l->ifindex = (uint32_t)ifi->ifi_index;
	l->link_netnsid = -1;
	alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
	for (a = IFLA_RTA(ifi); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		switch (a->rta_type) {
		case IFLA_IFNAME:
			copy_str(l->name, sizeof(l->name), a);
			break;
		case IFLA_LINK:
			l->iflink = attr_u32(a);
			break;
		case IFLA_MASTER:
			l->master = attr_u32(a);
			break;
		case IFLA_LINK_NETNSID:
			l->link_netnsid = (int32_t)attr_u32(a);
			break;
		case IFLA_LINKINFO:
			parse_linkinfo(a, l);
			break;
		}
	}
	return 0;
}

static int send_dump(int fd)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
	} req = {
	    .h.nlmsg_len = sizeof(req),
	    .h.nlmsg_type = RTM_GETLINK,
	    .h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
	    .h.nlmsg_seq = 1,
	    .ifi.ifi_family = AF_UNSPEC,
	};

	return send(fd, &req, sizeof(req), 0) == (ssize_t)sizeof(req) ? 0 : -1;
}

/* Append one link to *v (grown as needed). Returns 0 or -1 (ENOMEM). */
static int append(struct ctrcap_link **v, int *n, int *cap, const struct ctrcap_link *l)
{
	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 32;
		struct ctrcap_link *nv = realloc(*v, (size_t)ncap * sizeof(**v));

		if (!nv)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = *l;
	return 0;
}

int ctrcap_link_dump_here(struct ctrcap_link **out)
{
	/* A kernel that never answers must not hang -D. */
	struct timeval tv = {.tv_sec = 2};
	struct ctrcap_link *v = NULL, l;
	int n = 0, cap = 0, err = 0;
	bool done = false;
	char *buf = malloc(DUMP_BUF);
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (!buf || fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    send_dump(fd)) {
		err = buf ? errno : ENOMEM;
		goto fail;
	}
	while (!done) {
		ssize_t got = recv(fd, buf, DUMP_BUF, 0);
		size_t off = 0;

		if (got <= 0) {
			err = got < 0 ? errno : EPROTO;
			goto fail;
		}
		while (!done && off + sizeof(struct nlmsghdr) <= (size_t)got) {
			const struct nlmsghdr *h = (const void *)(buf + off);

			if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > (size_t)got - off) {
				err = EPROTO;
				goto fail;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
			} else if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				err = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error
					  ? -e->error
					  : EPROTO;
				goto fail;
			} else if (!ctrcap_link_parse(h, h->nlmsg_len, &l) &&
				   append(&v, &n, &cap, &l)) {
				err = ENOMEM;
				goto fail;
			}
			off += NLMSG_ALIGN(h->nlmsg_len);
		}
	}
	close(fd);
	free(buf);
	*out = v;
	return n;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(v);
	errno = err;
	return -1;
}

int ctrcap_nsid_of(int ns_fd)
{
	struct {
		struct nlmsghdr h;
		struct rtgenmsg g;
		/* Attributes start at the aligned end of rtgenmsg (byte 20). */
		uint32_t attrs[4];
	} req = {
	    .h.nlmsg_type = RTM_GETNSID,
	    .h.nlmsg_flags = NLM_F_REQUEST,
	    .h.nlmsg_seq = 1,
	    .g.rtgen_family = AF_UNSPEC,
	};
	struct timeval tv = {.tv_sec = 2};
	struct rtattr *a = (void *)((char *)&req + NLMSG_SPACE(sizeof(req.g)));
	uint32_t v = (uint32_t)ns_fd;
	uint32_t buf[128]; /* 4-byte aligned, as netlink messages are */
	int fd, id = -1, err = ENOENT;
	ssize_t got;

	a->rta_type = NETNSA_FD;
	a->rta_len = RTA_LENGTH(sizeof(v));
	memcpy(RTA_DATA(a), &v, sizeof(v));
	req.h.nlmsg_len = NLMSG_SPACE(sizeof(req.g)) + RTA_ALIGN(a->rta_len);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    send(fd, &req, req.h.nlmsg_len, 0) != (ssize_t)req.h.nlmsg_len) {
		err = errno;
		goto out;
	}
	got = recv(fd, buf, sizeof(buf), 0);
	if (got >= (ssize_t)NLMSG_SPACE(sizeof(struct rtgenmsg))) {
		const struct nlmsghdr *h = (const void *)buf;
		const struct rtattr *r;
		int len;

		if (h->nlmsg_type != RTM_NEWNSID || h->nlmsg_len > (size_t)got)
			goto out;
		len = (int)(h->nlmsg_len - NLMSG_SPACE(sizeof(struct rtgenmsg)));
		r = (const void *)((const char *)h + NLMSG_SPACE(sizeof(struct rtgenmsg)));
		for (; RTA_OK(r, len); r = RTA_NEXT(r, len))
			if (r->rta_type == NETNSA_NSID)
				id = (int)attr_u32(r);
	}
out:
	close(fd);
	errno = err;
	return id;
}

/* Whether p can be l's veth peer by their ids and namespaces. */
static bool could_be_peer(const struct ctrcap_link *l, const struct ctrcap_link *p)
{
	if (p == l || strcmp(p->kind, "veth") || p->ifindex != l->iflink || p->iflink != l->ifindex)
		return false;
	/* No IFLA_LINK_NETNSID means the peer shares the namespace. */
	return (p->netns == l->netns) == (l->link_netnsid < 0);
}

int ctrcap_link_peer(const struct ctrcap_link *links, size_t n, size_t i,
		     ctrcap_peer_ns_check check, void *ctx)
{
	const struct ctrcap_link *l = &links[i];
	int found = -1, matches = 0;

	/* Across namespaces both ends may have the same ifindex (2, after lo). */
	if (strcmp(l->kind, "veth") || !l->iflink ||
	    (l->link_netnsid < 0 && l->iflink == l->ifindex))
		return -1;
	for (size_t j = 0; j < n; j++)
		if (could_be_peer(l, &links[j]) && matches++ == 0)
			found = (int)j;
	if (matches <= 1)
		return found;
	if (!check)
		return -2;
	found = -1;
	for (size_t j = 0; j < n; j++) {
		if (!could_be_peer(l, &links[j]) || check(ctx, l, &links[j]) != 1)
			continue;
		if (found >= 0)
			return -2;
		found = (int)j;
	}
	return found < 0 ? -2 : found;
}
