/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The disk model of the hostile-backend fuzzer, shared by both ends of it:
 * blkif-fuzzback (the backend in dom0, which serves the disk from memory)
 * and blkif-fuzzcheck (in the guest, which checks what it reads).  Both
 * know the seed, so both know what every sector holds before anything is
 * written to it: sector <s> at version <v> (0 = never written) is a
 * 512-byte block made of a text line naming the three numbers and bytes
 * drawn from them.  A write of the guest stores version v > 0, which the
 * guest remembers and the backend keeps as bytes.
 *
 * Userspace, header only.
 */
#ifndef BLKIF_FUZZDISK_H
#define BLKIF_FUZZDISK_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FZD_SECTOR		512U
/* sectors of the model disk: 8 MiB */
#define FZD_MODEL_SECTORS	16384ULL

/* splitmix64: one step of the generator, and a mixer of three numbers */
static inline uint64_t fzd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t fzd_mix(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t s = a * 0x2545f4914f6cdd1dULL ^ b;

	fzd_next(&s);
	s ^= c * 0x9e3779b97f4a7c15ULL;
	return fzd_next(&s);
}

/*
 * Fill @buf (512 bytes) with sector @sector at version @version of the
 * disk of @seed.  The last two bytes are zero, so that no sector ever
 * carries the MBR signature.
 */
static inline void fzd_sector_fill(uint8_t *buf, uint64_t seed,
				  uint64_t sector, uint32_t version)
{
	uint64_t s = fzd_mix(seed, sector, version), v;
	unsigned int i, n;

	n = (unsigned int)snprintf((char *)buf, FZD_SECTOR,
				   "blkif-fuzz seed %llu sector %llu version %u\n",
				   (unsigned long long)seed,
				   (unsigned long long)sector, version);
	for (i = n; i + 8 <= FZD_SECTOR; i += 8) {
		v = fzd_next(&s);
		memcpy(buf + i, &v, 8);
	}
	for (; i < FZD_SECTOR; i++)
		buf[i] = (uint8_t)fzd_next(&s);
	buf[FZD_SECTOR - 2] = 0;
	buf[FZD_SECTOR - 1] = 0;
}

#endif /* BLKIF_FUZZDISK_H */
