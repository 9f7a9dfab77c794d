/* malloc: the allocator on top of brk/mmap/mremap: a block grown by realloc to 64 MiB (both libcs
 * move it with mremap), many small blocks, calloc, alignment and failure cases. */
#include "compat.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BIG_MAX (64UL << 20)
#define NSMALL 100000

static unsigned char pattern(unsigned long i)
{
	return (unsigned char)(i * 7 + (i >> 12) + 3);
}

/* grow_block: grows one block from 1 KiB to 64 MiB and back, checking every byte survives. */
static void grow_block(void)
{
	unsigned long size = 1024, bad = 0;
	unsigned char *p = malloc(size), *q;

	for (unsigned long i = 0; p && i < size; i++)
		p[i] = pattern(i);
	while (p && size < BIG_MAX) {
		unsigned long old = size;
		size *= 2;
		q = realloc(p, size);
		if (!q)
			break;
		p = q;
		for (unsigned long i = 0; i < old; i++)
			bad += p[i] != pattern(i);
		for (unsigned long i = old; i < size; i++)
			p[i] = pattern(i);
	}
	printf("grown to %lu MiB, bad bytes %lu\n", p ? size >> 20 : 0, bad);
	if (p)
		printf("checksum %016llx\n", fnv1a(FNV_INIT, p, size));
	q = p ? realloc(p, 1000) : NULL;
	if (q) {
		p = q;
		bad = 0;
		for (unsigned long i = 0; i < 1000; i++)
			bad += p[i] != pattern(i);
		fact("shrunk to 1000 bytes, contents kept", bad == 0);
	}
	free(p);
}

/* small_blocks: many small allocations, half freed and reallocated, all verified. */
static void small_blocks(void)
{
	static unsigned char *blk[NSMALL];
	unsigned long bad = 0, misaligned = 0;
	unsigned long long h = FNV_INIT;

	for (int i = 0; i < NSMALL; i++) {
		size_t n = (size_t)(i * 37 % 500) + 1;
		blk[i] = malloc(n);
		if (!blk[i]) {
			puts("small malloc failed");
			return;
		}
		misaligned += ((uintptr_t)blk[i] & 15) != 0;
		memset(blk[i], i & 0xff, n);
	}
	for (int i = 0; i < NSMALL; i += 2) {
		free(blk[i]);
		blk[i] = NULL;
	}
	for (int i = 0; i < NSMALL; i += 2) {
		size_t n = (size_t)(i * 37 % 500) + 1;
		blk[i] = malloc(n);
		if (!blk[i]) {
			puts("small malloc failed");
			return;
		}
		memset(blk[i], i & 0xff, n);
	}
	for (int i = 0; i < NSMALL; i++) {
		size_t n = (size_t)(i * 37 % 500) + 1;
		for (size_t k = 0; k < n; k++)
			bad += blk[i][k] != (unsigned char)(i & 0xff);
		h = fnv1a(h, blk[i], n);
		free(blk[i]);
	}
	printf("%d small blocks: bad bytes %lu, misaligned %lu, checksum %016llx\n",
	       NSMALL, bad, misaligned, h);
}

int main(void)
{
	unsigned char *z;
	void *p = NULL;
	volatile size_t huge = SIZE_MAX;	/* volatile: hides the deliberate overflow from -Walloc-size */
	int ok;

	grow_block();
	small_blocks();

	z = calloc(1 << 20, 1);
	ok = z != NULL;
	for (unsigned long i = 0; z && i < (1UL << 20); i++)
		ok &= z[i] == 0;
	fact("calloc 1 MiB zeroed", ok);
	free(z);

	z = malloc(100UL << 20);	/* 100 MiB, only a few pages touched */
	ok = z != NULL;
	for (unsigned long i = 0; z && i < (100UL << 20); i += 1UL << 20)
		z[i] = (unsigned char)i;
	fact("malloc 100 MiB usable", ok);
	free(z);

	ok = posix_memalign(&p, 4096, 12345) == 0 && ((uintptr_t)p & 4095) == 0;
	fact("posix_memalign 4096", ok);
	free(p);

	errno = 0;
	p = malloc(huge);
	printf("malloc(SIZE_MAX): %s %s\n", p ? "ptr" : "NULL", errname(errno));
	errno = 0;
	p = calloc(huge / 2, 4);
	printf("calloc overflow: %s %s\n", p ? "ptr" : "NULL", errname(errno));
	return 0;
}
