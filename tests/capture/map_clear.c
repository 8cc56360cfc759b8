// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper: empty every BPF map named NAME (all live ctrcap instances'),
 * as an LRU map under pressure would evict its entries, and print how many
 * entries went.
 *   map_clear NAME   -> prints the count, exit 0; exit 1 on error
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

/* Delete every key of the map behind fd; the count deleted. */
static long clear_map(int fd, __u32 key_size)
{
	unsigned char *key = calloc(1, key_size), *next = calloc(1, key_size);
	long n = 0;

	if (!key || !next) {
		free(key);
		free(next);
		return -1;
	}
	/* Deleting while walking restarts the walk: always ask for the first key. */
	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(key, next, key_size);
		if (bpf_map_delete_elem(fd, key))
			break;
		n++;
	}
	free(key);
	free(next);
	return n;
}

int main(int argc, char **argv)
{
	__u32 id = 0;
	long total = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: map_clear NAME\n");
		return 1;
	}
	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(id);
		long n;

		if (fd < 0)
			continue;	/* gone meanwhile */
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || strcmp(info.name, argv[1])) {
			close(fd);
			continue;
		}
		n = clear_map(fd, info.key_size);
		close(fd);
		if (n < 0) {
			fprintf(stderr, "map_clear: out of memory\n");
			return 1;
		}
		total += n;
	}
	if (errno != ENOENT) {
		fprintf(stderr, "map_clear: listing maps: %s\n", strerror(errno));
		return 1;
	}
	printf("%ld\n", total);
	return 0;
}
