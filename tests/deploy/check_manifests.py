#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check deploy/kubernetes/ against the documents and code it must match.

Parses every manifest (PyYAML) and fails, naming the file and field, when:
the DaemonSet's added capabilities differ from the set docs/security.md
gives scripts/install-privileged (read from the doc, so the two cannot
drift), privileged is set or escalation allowed, hostPID is off, a host
path the resolver reads by default (capture-helper/containers/resolver.c's
defaults, read from the source) or cgroup2, bpffs or kernel BTF is not mounted,
CTRCAP_NODE_NAME does not come from spec.nodeName, the namespace or pod
label differ from capture-helper/node_k8s.h's, the RBAC grants more than
get/list pods and create pods/exec in that namespace, or the Containerfile
pulls anything but its base image.

Usage: check_manifests.py SOURCE_DIR
"""
import glob
import os
import re
import sys

import yaml

errors = []


def fail(msg):
    errors.append(msg)


def read(src, path):
    with open(os.path.join(src, path), encoding="utf-8") as f:
        return f.read()


def documented_caps(src):
    """The capability set docs/security.md says install-privileged sets."""
    doc = read(src, "docs/security.md")
    m = re.search(r"sets\s+`(cap_[a-z_,]+)=ep`", doc)
    if not m:
        sys.exit("docs/security.md: no `cap_...=ep` set found to check against")
    return {c[len("cap_"):].upper() for c in m.group(1).split(",")}


def engine_paths(src):
    """The engine paths ctrcap's resolver reads by default (resolver.c's literals)."""
    text = read(src, "capture-helper/containers/resolver.c")
    paths = set()
    for lit in re.findall(r'"(/(?:run|var)/[^"]*)"', text):
        paths.update(p for p in lit.split(":") if p)
    return paths


def header_define(src, name):
    m = re.search(r'#define\s+%s\s+"([^"]+)"' % name, read(src, "capture-helper/node_k8s.h"))
    if not m:
        sys.exit("capture-helper/node_k8s.h: no %s" % name)
    return m.group(1)


def covered(path, mounts):
    """True when path is at or under a mountPath whose host path is the same."""
    for mount_path, host_path in mounts:
        if mount_path != host_path:
            continue
        if path == mount_path or path.startswith(mount_path.rstrip("/") + "/"):
            return True
    return False


def check_daemonset(ds, src, caps, paths, ns, label):
    where = "DaemonSet %s" % ds["metadata"]["name"]
    if ds["metadata"].get("namespace") != ns:
        fail("%s: namespace %r, node_k8s.h looks in %r" % (where, ds["metadata"].get("namespace"), ns))
    key, value = label.split("=", 1)
    if ds["spec"]["selector"]["matchLabels"].get(key) != value:
        fail("%s: selector lacks %s (node_k8s.h's CTRCAP_K8S_LABEL)" % (where, label))
    tmpl = ds["spec"]["template"]
    if tmpl["metadata"]["labels"].get(key) != value:
        fail("%s: pod template lacks label %s" % (where, label))
    spec = tmpl["spec"]
    if spec.get("hostPID") is not True:
        fail("%s: hostPID is not true" % where)
    if spec.get("automountServiceAccountToken") is not False:
        fail("%s: the pod mounts a service account token it does not use" % where)
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    containers = spec["containers"]
    if len(containers) != 1:
        fail("%s: %d containers, expected the one ctrcap" % (where, len(containers)))
    c = containers[0]
    sc = c.get("securityContext", {})
    if sc.get("privileged", False) is not False:
        fail("%s: privileged is set" % where)
    if sc.get("allowPrivilegeEscalation") is not False:
        fail("%s: allowPrivilegeEscalation is not false" % where)
    got = set(sc.get("capabilities", {}).get("add", []))
    if got != caps:
        fail("%s: capabilities add %s, docs/security.md proves %s"
             % (where, sorted(got), sorted(caps)))
    if sc.get("capabilities", {}).get("drop") != ["ALL"]:
        fail("%s: capabilities do not drop ALL" % where)
    env = {e["name"]: e for e in c.get("env", [])}
    node = env.get("CTRCAP_NODE_NAME", {}).get("valueFrom", {}).get("fieldRef", {})
    if node.get("fieldPath") != "spec.nodeName":
        fail("%s: CTRCAP_NODE_NAME is not from the Downward API's spec.nodeName" % where)
    if c.get("command", [None])[0] != "sleep":
        fail("%s: the container does not idle (captures run by kubectl exec)" % where)
    mounts = []
    for m in c.get("volumeMounts", []):
        vol = volumes.get(m["name"])
        if vol is None:
            fail("%s: mount %s names no volume" % (where, m["name"]))
            continue
        host = vol.get("hostPath", {}).get("path")
        mounts.append((m["mountPath"], host))
        if host and not m.get("readOnly"):
            fail("%s: host path %s is mounted writable" % (where, host))
    for p in sorted(paths | {"/sys/fs/cgroup", "/sys/fs/bpf", "/sys/kernel/btf", "/run/netns"}):
        if not covered(p, mounts):
            fail("%s: %s is not mounted from the node at the same path" % (where, p))


def check_rbac(doc, ns):
    kind, name = doc["kind"], doc["metadata"]["name"]
    where = "%s %s" % (kind, name)
    if kind == "ClusterRoleBinding" or kind == "ClusterRole":
        fail("%s: RBAC must stay in namespace %s" % (where, ns))
        return
    if doc["metadata"].get("namespace") != ns:
        fail("%s: not in namespace %s" % (where, ns))
    if kind != "Role":
        return
    allowed = {("pods", "get"), ("pods", "list"), ("pods/exec", "create")}
    granted = set()
    for rule in doc.get("rules", []):
        if rule.get("apiGroups") != [""] or "resourceNames" in rule:
            fail("%s: a rule outside the core API group or by name: %r" % (where, rule))
        for r in rule.get("resources", []):
            for v in rule.get("verbs", []):
                granted.add((r, v))
    if granted != allowed:
        fail("%s: grants %s, allowed exactly %s" % (where, sorted(granted), sorted(allowed)))


def check_containerfile(src):
    text = read(src, "deploy/kubernetes/Containerfile")
    froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
    if froms != ["debian:bookworm-slim"]:
        fail("Containerfile: FROM %s, expected debian:bookworm-slim only" % froms)
    if not re.search(r"^COPY\s+ctrcap_\*\.deb\s", text, re.M):
        fail("Containerfile: does not copy the project's own ctrcap package")
    if re.search(r"\b(curl|wget|git clone|pip install)\b", text):
        fail("Containerfile: fetches something besides Debian's packages")


def main():
    src = sys.argv[1]
    caps = documented_caps(src)
    paths = engine_paths(src)
    ns = header_define(src, "CTRCAP_K8S_NAMESPACE")
    label = header_define(src, "CTRCAP_K8S_LABEL")
    if not {"SYS_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH"} <= caps or len(paths) < 5:
        sys.exit("reading the docs failed: caps %s, paths %s" % (caps, paths))
    kinds = {}
    files = sorted(glob.glob(os.path.join(src, "deploy/kubernetes/*.yaml")))
    if not files:
        sys.exit("no manifests in deploy/kubernetes/")
    for path in files:
        with open(path, encoding="utf-8") as f:
            try:
                docs = [d for d in yaml.safe_load_all(f) if d]
            except yaml.YAMLError as e:
                fail("%s: %s" % (path, e))
                continue
        for doc in docs:
            for field in ("apiVersion", "kind", "metadata"):
                if field not in doc:
                    fail("%s: a document without %s" % (path, field))
            kinds.setdefault(doc.get("kind"), []).append(doc)
            if doc.get("kind") == "DaemonSet":
                check_daemonset(doc, src, caps, paths, ns, label)
            elif doc.get("kind") in ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"):
                check_rbac(doc, ns)
            elif doc.get("kind") == "Namespace" and doc["metadata"]["name"] != ns:
                fail("%s: namespace %s, node_k8s.h uses %s" % (path, doc["metadata"]["name"], ns))
    for kind in ("Namespace", "DaemonSet", "Role", "RoleBinding", "ServiceAccount"):
        if len(kinds.get(kind, [])) != 1:
            fail("deploy/kubernetes: %d %s documents, expected 1" % (len(kinds.get(kind, [])), kind))
    check_containerfile(src)
    for e in errors:
        print("check_manifests: " + e, file=sys.stderr)
    if errors:
        return 1
    print("check_manifests: %d files, capabilities %s, host paths %s: ok"
          % (len(files), ",".join(sorted(caps)), ",".join(sorted(paths))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
