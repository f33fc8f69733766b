// SPDX-License-Identifier: GPL-2.0
/*
 * blkif-fuzzcheck: the guest's half of the hostile-backend fuzzer.  Runs
 * in the guest on a disk whose backend is blkif-fuzzback (dom0) and drives
 * seeded I/O at it through the frontend under test, checking every read
 * against the disk model both ends derive from the seed
 * (blkif-fuzzdisk.h):
 *
 *	blkif-fuzzcheck -s <seed> -c <conn> -n <ops> [-j <threads>]
 *			[-t <seconds>] <device>
 *
 * <threads> threads (default 4) each own a stripe of the first
 * FZD_MODEL_SECTORS sectors (or of the disk, when smaller) and do O_DIRECT
 * reads and writes of 4 KiB to 128 KiB there, and now and then a
 * discard (BLKDISCARD) or an fdatasync(): several requests in flight, so that the backend can
 * reorder and duplicate answers.  A write that succeeds stores a new
 * version of its sectors in the guest's model; one that fails makes them
 * unknown (the backend may or may not have written them), as does any
 * discard.  A read that
 * succeeds must return exactly the model's bytes for every sector that is
 * not unknown: anything else is a finding, as is an operation that takes
 * longer than <seconds> (default 45).  Errors are not findings: a thread
 * ends after 8 errors in a row (a stopped device).
 *
 * Output:
 *	FINDING data seed=<s> conn=<c> thread=<t> op=<i> sector=<n>
 *		version=<v> got=<text>
 *	FINDING hang seed=<s> conn=<c> thread=<t> op=<i> kind=<k> ms=<n>
 *	CHECK reads=<n> writes=<n> discards=<n> flushes=<n> errors=<n>
 *	      refused=<n>
 *	      checked=<sectors> unknown=<sectors> mismatches=<n>
 *	      dead=<threads> ro=<0|1> sectors=<n> cpu-ms=<n>
 *	(cpu-ms: the CPU time of all threads, user and system: how much of the
 *	 guest's time the checker itself takes)
 * Exit status: 0 no finding, 1 findings, 3 a hang (the stuck thread is
 * left behind), 2 a usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "blkif-fuzzdisk.h"

#define MAX_THREADS	16
#define MAX_PAGES	32
#define PAGE		4096U
#define SPP		(PAGE / FZD_SECTOR)
#define UNKNOWN		0xffffffffU
#define DEAD_AFTER	8
#define FINDING_LINES	20

struct thread {
	pthread_t tid;
	unsigned int t;
	uint64_t first;		/* first sector of the stripe */
	uint64_t pages;		/* 4 KiB pages in the stripe */
	unsigned long ops;
	atomic_long started;	/* ms the current op started, 0 when idle */
	atomic_ulong op;	/* its index */
	atomic_int kind;	/* 'r', 'w', 'f' */
	atomic_int finished;
	unsigned long reads, writes, discards, flushes, errors, refused;
	unsigned long checked, unknown, mismatches;
	int dead;
};

static uint64_t seed;
static unsigned int conn;
static int fd;
static int ro;
static uint32_t *versions;
static atomic_ulong findings;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void report_data(struct thread *th, unsigned long op, uint64_t sector,
			uint32_t version, const uint8_t *got)
{
	char text[49];
	unsigned int i;

	if (atomic_fetch_add(&findings, 1) >= FINDING_LINES)
		return;
	for (i = 0; i < sizeof(text) - 1; i++)
		text[i] = got[i] >= ' ' && got[i] < 127 ? (char)got[i] : '.';
	text[i] = '\0';
	pthread_mutex_lock(&out_lock);
	printf("FINDING data seed=%llu conn=%u thread=%u op=%lu sector=%llu version=%u got=%s\n",
	       (unsigned long long)seed, conn, th->t, op,
	       (unsigned long long)sector, version, text);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void fill(uint8_t *buf, uint64_t sector, unsigned int nsect,
		 uint32_t version)
{
	unsigned int i;

	for (i = 0; i < nsect; i++)
		fzd_sector_fill(buf + (size_t)i * FZD_SECTOR, seed, sector + i,
			       version);
}

static void do_read(struct thread *th, unsigned long op, uint8_t *buf,
		    uint8_t *want, uint64_t sector, unsigned int nsect)
{
	ssize_t rc;
	unsigned int i;

	rc = pread(fd, buf, (size_t)nsect * FZD_SECTOR,
		   (off_t)(sector * FZD_SECTOR));
	th->reads++;
	if (rc != (ssize_t)nsect * FZD_SECTOR) {
		th->errors++;
		return;
	}
	for (i = 0; i < nsect; i++) {
		uint32_t v = versions[sector + i];

		if (v == UNKNOWN) {
			th->unknown++;
			continue;
		}
		fzd_sector_fill(want, seed, sector + i, v);
		th->checked++;
		if (memcmp(want, buf + (size_t)i * FZD_SECTOR, FZD_SECTOR)) {
			th->mismatches++;
			report_data(th, op, sector + i, v,
				    buf + (size_t)i * FZD_SECTOR);
		}
	}
}

static int do_write(struct thread *th, unsigned long op, uint8_t *buf,
		    uint64_t sector, unsigned int nsect)
{
	uint32_t v = ((uint32_t)(th->t + 1) << 24) | (uint32_t)(op + 1);
	unsigned int i;
	ssize_t rc;

	fill(buf, sector, nsect, v);
	rc = pwrite(fd, buf, (size_t)nsect * FZD_SECTOR,
		    (off_t)(sector * FZD_SECTOR));
	th->writes++;
	if (rc == (ssize_t)nsect * FZD_SECTOR) {
		for (i = 0; i < nsect; i++)
			versions[sector + i] = v;
		return 0;
	}
	if (rc < 0 && (errno == EPERM || errno == EROFS || errno == EACCES)) {
		/* refused before it reached the device: nothing changed */
		th->refused++;
		return 0;
	}
	th->errors++;
	for (i = 0; i < nsect; i++)
		versions[sector + i] = UNKNOWN;
	return -1;
}

/* A discard: whatever it answers, the sectors are unknown afterwards. */
static void do_discard(struct thread *th, uint64_t sector, unsigned int nsect)
{
	uint64_t range[2] = { sector * FZD_SECTOR, (uint64_t)nsect * FZD_SECTOR };
	unsigned int i;

	th->discards++;
	for (i = 0; i < nsect; i++)
		versions[sector + i] = UNKNOWN;
	if (!ioctl(fd, BLKDISCARD, range))
		return;
	if (errno == EOPNOTSUPP)
		th->refused++;
	else
		th->errors++;
}

static void *thread_main(void *arg)
{
	struct thread *th = arg;
	uint64_t s = fzd_mix(seed, conn, 0x1000 + th->t), r;
	unsigned int npages, nsect, run = 0;
	uint64_t page, sector;
	unsigned long i;
	unsigned long err0;
	uint8_t *buf, *want;

	if (posix_memalign((void **)&buf, PAGE, MAX_PAGES * PAGE) ||
	    posix_memalign((void **)&want, PAGE, PAGE)) {
		perror("posix_memalign");
		exit(2);
	}
	for (i = 0; i < th->ops && !th->dead; i++) {
		r = fzd_next(&s);
		npages = 1 + (unsigned int)((r >> 8) % MAX_PAGES);
		if (npages > th->pages)
			npages = (unsigned int)th->pages;
		page = (r >> 16) % (th->pages - npages + 1);
		sector = th->first + page * SPP;
		nsect = npages * SPP;
		err0 = th->errors;
		atomic_store(&th->op, i);
		atomic_store(&th->started, now_ms());
		if (r % 100 < 55 || ro) {
			atomic_store(&th->kind, 'r');
			do_read(th, i, buf, want, sector, nsect);
		} else if (r % 100 < 92) {
			atomic_store(&th->kind, 'w');
			do_write(th, i, buf, sector, nsect);
		} else if (r % 100 < 96) {
			atomic_store(&th->kind, 'd');
			do_discard(th, sector, nsect);
		} else {
			atomic_store(&th->kind, 'f');
			th->flushes++;
			if (fdatasync(fd))
				th->errors++;
		}
		atomic_store(&th->started, 0);
		run = th->errors != err0 ? run + 1 : 0;
		if (run >= DEAD_AFTER)
			th->dead = 1;
	}
	free(buf);
	free(want);
	atomic_store(&th->finished, 1);
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: blkif-fuzzcheck -s <seed> -c <conn> -n <ops> [-j <threads>] [-t <seconds>] <device>\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct thread th[MAX_THREADS];
	unsigned long ops = 100, done;
	unsigned int j = 4, t, hang_s = 45;
	uint64_t bytes, sectors, stripe;
	struct thread sum = { 0 };
	struct rusage ru;
	int opt, running;

	while ((opt = getopt(argc, argv, "s:c:n:j:t:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			conn = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'n':
			ops = strtoul(optarg, NULL, 0);
			break;
		case 'j':
			j = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 't':
			hang_s = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || !j || j > MAX_THREADS)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open(argv[optind], O_RDWR | O_DIRECT);
	if (fd < 0 && (errno == EROFS || errno == EACCES || errno == EPERM)) {
		ro = 1;
		fd = open(argv[optind], O_RDONLY | O_DIRECT);
	}
	if (fd < 0) {
		perror(argv[optind]);
		return 2;
	}
	if (ioctl(fd, BLKGETSIZE64, &bytes)) {
		perror("BLKGETSIZE64");
		return 2;
	}
	sectors = bytes / FZD_SECTOR;
	if (sectors > FZD_MODEL_SECTORS)
		sectors = FZD_MODEL_SECTORS;
	stripe = sectors / j / SPP;
	versions = calloc(sectors ? sectors : 1, sizeof(*versions));
	if (!versions)
		return 2;
	if (!stripe)
		ops = 0;
	for (t = 0; t < j; t++) {
		th[t].t = t;
		th[t].first = t * stripe * SPP;
		th[t].pages = stripe;
		th[t].ops = ops / j + (t < ops % j);
		if (!stripe)
			th[t].ops = 0;
		if (pthread_create(&th[t].tid, NULL, thread_main, &th[t])) {
			perror("pthread_create");
			return 2;
		}
	}
	/* the watchdog: an operation that never ends is a finding */
	do {
		long now;

		usleep(200000);
		now = now_ms();
		running = 0;
		for (t = 0; t < j; t++) {
			long st = atomic_load(&th[t].started);

			if (st && now - st > (long)hang_s * 1000) {
				pthread_mutex_lock(&out_lock);
				printf("FINDING hang seed=%llu conn=%u thread=%u op=%lu kind=%c ms=%ld\n",
				       (unsigned long long)seed, conn, t,
				       atomic_load(&th[t].op),
				       atomic_load(&th[t].kind), now - st);
				fflush(stdout);
				_exit(3);
			}
			if (!atomic_load(&th[t].finished))
				running = 1;
		}
	} while (running);
	done = 0;
	for (t = 0; t < j; t++) {
		pthread_join(th[t].tid, NULL);
		sum.reads += th[t].reads;
		sum.writes += th[t].writes;
		sum.flushes += th[t].flushes;
		sum.discards += th[t].discards;
		sum.errors += th[t].errors;
		sum.refused += th[t].refused;
		sum.checked += th[t].checked;
		sum.unknown += th[t].unknown;
		sum.mismatches += th[t].mismatches;
		done += (unsigned long)th[t].dead;
	}
	if (getrusage(RUSAGE_SELF, &ru))
		memset(&ru, 0, sizeof(ru));
	printf("CHECK reads=%lu writes=%lu discards=%lu flushes=%lu errors=%lu refused=%lu checked=%lu unknown=%lu mismatches=%lu dead=%lu ro=%d sectors=%llu cpu-ms=%ld\n",
	       sum.reads, sum.writes, sum.discards, sum.flushes, sum.errors,
	       sum.refused,
	       sum.checked, sum.unknown, sum.mismatches, done, ro,
	       (unsigned long long)sectors,
	       (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000L);
	return sum.mismatches ? 1 : 0;
}
