// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A reader that stalls like a disk's writeback: copies stdin to a file and
 * sleeps after every so many MiB, so the writer's write() into the pipe
 * blocks meanwhile (bench/capture/write_stall).
 *   stall_reader EVERY_MIB STALL_MS OUT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	unsigned long long got = 0, every, mark;
	struct timespec pause;
	long ms;
	int out;

	if (argc != 4 || (every = strtoull(argv[1], NULL, 10) << 20) == 0 ||
	    (ms = strtol(argv[2], NULL, 10)) < 0) {
		fprintf(stderr, "usage: stall_reader EVERY_MIB STALL_MS OUT\n");
		return 2;
	}
	out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out < 0) {
		fprintf(stderr, "stall_reader: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	pause = (struct timespec){.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000};
	mark = every;
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));

		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "stall_reader: stdin: %s\n", strerror(errno));
			return 1;
		}
		if (write(out, buf, (size_t)n) != n) {
			fprintf(stderr, "stall_reader: %s: %s\n", argv[3], strerror(errno));
			return 1;
		}
		got += (unsigned long long)n;
		if (got >= mark) {
			nanosleep(&pause, NULL);
			mark += every;
		}
	}
	printf("read %llu bytes\n", got);
	return close(out) ? 1 : 0;
}
