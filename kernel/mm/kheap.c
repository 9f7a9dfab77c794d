/* Kernel heap: per-size-class free lists carved from whole pages of the direct map. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"

#define KHEAP_CLASSES 8         /* 32 .. 4096 bytes */

static void *kheap_free[KHEAP_CLASSES];

static int kheap_class(size_t size)
{
	int c = 0;
	size_t s = 32;
	while (s < size) {
		s <<= 1;
		c++;
	}
	return c;
}

void *kmalloc(size_t size)
{
	if (size == 0 || size > PAGE_SIZE)
		return NULL;
	int c = kheap_class(size);
	size_t csize = (size_t)32 << c;
	if (!kheap_free[c]) {
		uint64_t pa = pmm_alloc();
		if (!pa)
			return NULL;
		char *page = phys_to_virt(pa);
		for (size_t off = 0; off < PAGE_SIZE; off += csize) {
			*(void **)(page + off) = kheap_free[c];
			kheap_free[c] = page + off;
		}
	}
	void *p = kheap_free[c];
	kheap_free[c] = *(void **)p;
	memset(p, 0, csize);
	return p;
}

void kfree(void *p, size_t size)
{
	if (!p)
		return;
	int c = kheap_class(size);
	*(void **)p = kheap_free[c];
	kheap_free[c] = p;
}
