# The capture programs: one BPF object (ctrcap.bpf.c and the headers it
# includes) whose skeleton the capture helper links as ctrcap_bpf_skel.
file(GLOB CTRCAP_BPF_HDRS ${CMAKE_CURRENT_SOURCE_DIR}/*.bpf.h ${CMAKE_CURRENT_SOURCE_DIR}/ctrcap.h)
ctrcap_bpf_skeleton(ctrcap_bpf ${CMAKE_CURRENT_SOURCE_DIR}/ctrcap.bpf.c
	DEPENDS ${CTRCAP_BPF_HDRS})
