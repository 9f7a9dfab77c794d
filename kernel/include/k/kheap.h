/* Small kernel allocations (up to one page) in power-of-two size classes. */
#ifndef K_KHEAP_H
#define K_KHEAP_H
#include <stddef.h>

/* Returns zeroed memory of at least size bytes (size <= 4096), or NULL. */
void *kmalloc(size_t size);
/* Frees memory from kmalloc; size must be the size passed to kmalloc. */
void kfree(void *p, size_t size);
#endif
