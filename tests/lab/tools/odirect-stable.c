// SPDX-License-Identifier: GPL-2.0
/*
 * odirect-stable: in the guest, one O_DIRECT read of a page into a buffer
 * of this process, then the buffer is watched: once read() has returned,
 * the page belongs to this process alone, so nothing may change it any
 * more (front-no-page-returned-while-granted.sh).
 *
 *	odirect-stable <device> <byte offset> <watch ms>
 *
 * Prints, one line each:
 *
 *	READ rc=<bytes or -1> errno=<n> ms=<time read() took>
 *	STABLE				(nothing changed in <watch ms>)
 *	CHANGED after=<ms> off=<byte> now=<text>	(the first change seen)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE	4096

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int main(int argc, char **argv)
{
	static char copy[BUF_SIZE];
	long t0, watch, start;
	unsigned char *buf;
	char text[33];
	ssize_t rc;
	int fd, err;
	off_t off;
	size_t i;

	if (argc != 4) {
		fprintf(stderr, "usage: odirect-stable <device> <byte offset> <watch ms>\n");
		return 2;
	}
	off = strtoll(argv[2], NULL, 0);
	watch = strtol(argv[3], NULL, 0);
	if (posix_memalign((void **)&buf, BUF_SIZE, BUF_SIZE))
		return 2;
	memset(buf, 0, BUF_SIZE);
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	t0 = now_ms();
	rc = pread(fd, buf, BUF_SIZE, off);
	err = rc < 0 ? errno : 0;
	start = now_ms();
	memcpy(copy, buf, BUF_SIZE);
	printf("READ rc=%zd errno=%d ms=%ld\n", rc, err, start - t0);
	fflush(stdout);
	while (now_ms() - start < watch) {
		if (memcmp(copy, buf, BUF_SIZE)) {
			for (i = 0; i < BUF_SIZE && copy[i] == (char)buf[i]; i++)
				;
			snprintf(text, sizeof(text), "%.32s", (char *)buf + i);
			text[strcspn(text, "\n")] = '\0';
			printf("CHANGED after=%ld off=%zu now=%s\n",
			       now_ms() - start, i, text);
			return 0;
		}
		usleep(1000);
	}
	printf("STABLE\n");
	close(fd);
	return 0;
}
