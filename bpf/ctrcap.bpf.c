// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctrcap's kernel side, one object so all programs share the maps:
 * tc capture (ctrcap_tc.bpf.h), cgroup socket hooks (ctrcap_sock.bpf.h),
 * process tracepoints (ctrcap_proc.bpf.h), kernel drops
 * (ctrcap_drop.bpf.h). User space: capture-helper/.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>

#include "ctrcap_maps.bpf.h"
#include "ctrcap_sock.bpf.h"
#include "ctrcap_proc.bpf.h"
#include "ctrcap_tc.bpf.h"
#include "ctrcap_drop.bpf.h"

char LICENSE[] SEC("license") = "GPL";
