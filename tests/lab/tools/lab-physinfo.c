// SPDX-License-Identifier: GPL-2.0
/*
 * lab-physinfo: Xen's page counts, as XEN_SYSCTL_physinfo gives them to
 * dom0, on one line:
 *
 *	total_mb <n> free_mb <n> scrub_mb <n>
 *
 * scrub_mb is the memory Xen has freed but not yet scrubbed (zeroed): after
 * a guest dies, its pages wait there until Xen's idle loop, or the next
 * allocation that takes them, clears them.  xl info prints the first two,
 * not the third.  Exits 1 with a message when the hypercall fails.
 *
 * Xen 4.17's public/sysctl.h is the reference for the layout (interface
 * version 0x15); the hypercall goes through Linux's privcmd device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define HYPERCALL_SYSCTL	35	/* __HYPERVISOR_sysctl */
#define SYSCTL_PHYSINFO		3	/* XEN_SYSCTL_physinfo */
#define SYSCTL_VERSION		0x15	/* Xen 4.17 */

/* linux/include/uapi/xen/privcmd.h */
struct privcmd_hypercall {
	uint64_t op;
	uint64_t arg[5];
};
#define IOCTL_PRIVCMD_HYPERCALL \
	_IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))

/*
 * The part of struct xen_sysctl_physinfo read here: in 4.17 ten 32-bit
 * words come first (threads_per_core ... arch_capabilities, pad)
 */
struct physinfo {
	uint32_t words[10];
	uint64_t total_pages;
	uint64_t free_pages;
	uint64_t scrub_pages;
};

struct sysctl {
	uint32_t cmd;
	uint32_t interface_version;
	union {
		struct physinfo physinfo;
		uint8_t pad[128];
	} u;
};

int main(void)
{
	struct privcmd_hypercall call;
	struct sysctl *op;
	long page = sysconf(_SC_PAGESIZE);
	int fd;

	/* a whole locked page: Xen reads and writes it through dom0's tables */
	op = mmap(NULL, page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	if (op == MAP_FAILED) {
		perror("lab-physinfo: mmap");
		return 1;
	}
	memset(op, 0, sizeof(*op));
	op->cmd = SYSCTL_PHYSINFO;
	op->interface_version = SYSCTL_VERSION;
	fd = open("/dev/xen/privcmd", O_RDWR);
	if (fd < 0) {
		perror("lab-physinfo: /dev/xen/privcmd");
		return 1;
	}
	memset(&call, 0, sizeof(call));
	call.op = HYPERCALL_SYSCTL;
	call.arg[0] = (uint64_t)(uintptr_t)op;
	if (ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &call) < 0) {
		fprintf(stderr, "lab-physinfo: sysctl physinfo: %s\n",
			strerror(errno));
		return 1;
	}
	close(fd);
	printf("total_mb %llu free_mb %llu scrub_mb %llu\n",
	       (unsigned long long)(op->u.physinfo.total_pages >> 8),
	       (unsigned long long)(op->u.physinfo.free_pages >> 8),
	       (unsigned long long)(op->u.physinfo.scrub_pages >> 8));
	return 0;
}
