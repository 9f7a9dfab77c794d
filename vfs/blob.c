/* Byte strings in kernel memory: the heap up to a page, a table of pages beyond (vfs/blob.h). */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/pmm.h"
#include "k/mm.h"
#include "vfs/blob.h"

#define BLOB_PAGES(len) (((len) + PAGE_SIZE - 1) / PAGE_SIZE)

static uint32_t blob_chunk(uint32_t len, uint32_t i)
{
	return (uint32_t)MIN((uint64_t)PAGE_SIZE, (uint64_t)len - (uint64_t)i * PAGE_SIZE);
}

void blob_free(void *b, uint32_t len)
{
	if (!b)
		return;
	if (len <= PAGE_SIZE) {
		kfree(b, len);
		return;
	}
	void **pages = b;
	for (uint32_t i = 0; i < BLOB_PAGES(len); i++)
		if (pages[i])
			pmm_free(virt_to_phys(pages[i]));
	kfree(pages, BLOB_PAGES(len) * sizeof(void *));
}

/* An empty blob of len bytes (zeroed), or NULL. */
static void *blob_alloc(uint32_t len)
{
	if (len <= PAGE_SIZE)
		return kmalloc(len);
	void **pages = kmalloc(BLOB_PAGES(len) * sizeof(void *));
	if (!pages)
		return NULL;
	for (uint32_t i = 0; i < BLOB_PAGES(len); i++) {
		uint64_t pa = pmm_alloc();
		if (!pa) {
			blob_free(pages, len);
			return NULL;
		}
		pages[i] = phys_to_virt(pa);
	}
	return pages;
}

void *blob_at(const void *b, uint32_t len, uint32_t off)
{
	if (len <= PAGE_SIZE)
		return (uint8_t *)b + off;
	return (uint8_t *)((void *const *)b)[off / PAGE_SIZE] + off % PAGE_SIZE;
}

void *blob_copy(const void *src, uint32_t len)
{
	void *b = blob_alloc(len);
	for (uint32_t i = 0; b && i < BLOB_PAGES(len); i++)
		memcpy(blob_at(b, len, i * PAGE_SIZE), (const uint8_t *)src + i * PAGE_SIZE,
		       blob_chunk(len, i));
	return b;
}

void *blob_dup(const void *b, uint32_t len)
{
	void *d = blob_alloc(len);
	for (uint32_t i = 0; d && i < BLOB_PAGES(len); i++)
		memcpy(blob_at(d, len, i * PAGE_SIZE), blob_at(b, len, i * PAGE_SIZE),
		       blob_chunk(len, i));
	return d;
}

void blob_read(const void *b, uint32_t len, void *buf)
{
	for (uint32_t i = 0; i < BLOB_PAGES(len); i++)
		memcpy((uint8_t *)buf + i * PAGE_SIZE, blob_at(b, len, i * PAGE_SIZE),
		       blob_chunk(len, i));
}
