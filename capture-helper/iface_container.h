/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -i IFACE@CONTAINER and -i IFACE@pod:NAMESPACE/NAME: the interface inside a
 * running container's (or pod's) network namespace. Docker and containerd
 * make no /run/netns name, so the container's init process names it.
 */
#ifndef CTRCAP_IFACE_CONTAINER_H
#define CTRCAP_IFACE_CONTAINER_H

#include <stddef.h>

#include "containers/resolver.h"
#include "options.h"

/*
 * The running container that spec names among v[0..n): "pod:NS/NAME", else a
 * container name, else a unique id prefix. Its index, or -1 with the reason
 * (none, or which containers an ambiguous prefix matches) in err.
 */
int ctrcap_container_pick(const struct ctr_info *v, size_t n, const char *spec, char *err,
			  size_t errlen);

/*
 * Copy o's -i specs into out, each @NETNS that is no namespace name, path or
 * inode replaced by the path of the named container's namespace
 * (/proc/PID/ns/net). 0, or -1 with a message naming the -i argument in err.
 */
int ctrcap_iface_specs_resolve(const struct ctrcap_opts *o, struct ctrcap_iface_spec *out,
			       char *err, size_t errlen);

#endif /* CTRCAP_IFACE_CONTAINER_H */
