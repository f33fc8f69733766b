/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the lab's two backends in dom0 share (blkif-evilback, a hostile
 * backend played by hand, and blkif-fuzzback, the hostile-backend fuzzer):
 * a xenstore command line run, both states read at once, the frontend's
 * grants mapped through the grant device and the event channel's notify
 * and wait.  Include after blkif-lab.h, the uapi headers <xen/evtchn.h>
 * and <xen/gntdev.h>, and a definition of __printf.
 */
#ifndef BLKIF_LABBACK_H
#define BLKIF_LABBACK_H

#include <poll.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* Run a xenstore command line; its status. */
static inline __printf(1, 2) int xs_run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(cmd))
		fatal("xenstore command too long");
	return system(cmd);
}

/*
 * The backend's (@be) and the frontend's (@fe) state in one xenstore-read
 * (two lines); -1 for a state that cannot be read (its directory is gone).
 */
static inline void xs_read_both_states(const char *be, const char *fe,
				       int *be_state, int *fe_state)
{
	char cmd[256], line[64];
	FILE *f;

	*be_state = -1;
	*fe_state = -1;
	snprintf(cmd, sizeof(cmd), "xenstore-read %s/state %s/state 2>/dev/null",
		 be, fe);
	f = popen(cmd, "r");
	if (!f)
		die("popen xenstore-read");
	if (fgets(line, sizeof(line), f))
		*be_state = atoi(line);
	if (fgets(line, sizeof(line), f))
		*fe_state = atoi(line);
	if (pclose(f)) {
		/* one of them is missing: ask for each */
		*be_state = (int)xs_read_num(be, "state", -1);
		*fe_state = (int)xs_read_num(fe, "state", -1);
	}
}

/*
 * Map @n grants of domain @domid with @prot through the grant device @gfd:
 * the address, or NULL (and, when @loud, why on stderr).  *@index is what
 * gnt_unmap() needs.
 */
static inline void *gnt_map(int gfd, unsigned int domid, const uint32_t *grefs,
			    unsigned int n, uint64_t *index, int prot, int loud)
{
	struct ioctl_gntdev_map_grant_ref *op;
	struct ioctl_gntdev_unmap_grant_ref unmap = { 0 };
	size_t size = sizeof(*op) + (n - 1) * sizeof(op->refs[0]);
	unsigned int i;
	void *p;

	op = calloc(1, size);
	if (!op)
		fatal("out of memory");
	op->count = n;
	for (i = 0; i < n; i++) {
		op->refs[i].domid = (domid_t)domid;
		op->refs[i].ref = grefs[i];
	}
	if (ioctl(gfd, IOCTL_GNTDEV_MAP_GRANT_REF, op)) {
		if (loud)
			fprintf(stderr, LAB_PROG ": IOCTL_GNTDEV_MAP_GRANT_REF: %s\n",
				strerror(errno));
		free(op);
		return NULL;
	}
	*index = op->index;
	free(op);
	p = mmap(NULL, (size_t)n * PAGE_SIZE, prot, MAP_SHARED, gfd,
		 (off_t)*index);
	if (p == MAP_FAILED) {
		if (loud)
			fprintf(stderr, LAB_PROG ": mmap of %u grants: %s\n", n,
				strerror(errno));
		unmap.index = *index;
		unmap.count = n;
		ioctl(gfd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap);
		return NULL;
	}
	return p;
}

/* Unmap what gnt_map() mapped: the frontend can revoke the grants again. */
static inline void gnt_unmap(int gfd, void *p, unsigned int n, uint64_t index)
{
	struct ioctl_gntdev_unmap_grant_ref unmap = {
		.index = index,
		.count = n,
	};

	if (munmap(p, (size_t)n * PAGE_SIZE))
		die("munmap of grants");
	if (ioctl(gfd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap))
		die("IOCTL_GNTDEV_UNMAP_GRANT_REF");
}

static inline void evtchn_notify(int efd, unsigned int port)
{
	struct ioctl_evtchn_notify op = { .port = port };

	if (ioctl(efd, IOCTL_EVTCHN_NOTIFY, &op))
		die("IOCTL_EVTCHN_NOTIFY");
}

/* Wait up to @ms for an event on @efd; consume and unmask what came. */
static inline void evtchn_wait_ms(int efd, int ms)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	unsigned int ports[16];
	ssize_t n;
	size_t i;

	if (poll(&pfd, 1, ms) <= 0 || !(pfd.revents & POLLIN))
		return;
	n = read(efd, ports, sizeof(ports));
	if (n <= 0)
		return;
	for (i = 0; i < (size_t)n / sizeof(ports[0]); i++)
		if (write(efd, &ports[i], sizeof(ports[i])) !=
		    sizeof(ports[i]))
			die("unmasking the event channel");
}

#endif /* BLKIF_LABBACK_H */
