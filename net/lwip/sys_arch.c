/* lwIP's system layer for unik (NO_SYS): its heap over the kernel heap, its clock, the libc bits
   its sources call. */
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "arch/sys_arch.h"
#include "k/kheap.h"

/* kfree needs the size back: a header in front of each block keeps it. 16 bytes so the payload
   stays 16-byte aligned (kmalloc's blocks are naturally aligned power-of-two classes of at
   least 32 bytes); the magic catches frees of foreign or already freed pointers. */
struct sys_arch_hdr {
	size_t size;            /* what was passed to kmalloc */
	size_t magic;
};
#define SYS_ARCH_HDR_MAGIC ((size_t)0x6c7769706d656d21ull)
_Static_assert(sizeof(struct sys_arch_hdr) == 16, "lwIP heap header must keep 16-byte alignment");
_Static_assert(UNIK_LWIP_MAX_ALLOC + sizeof(struct sys_arch_hdr) == 4096, "kmalloc serves a page");

void *unik_lwip_malloc(size_t size)
{
	if (size == 0 || size > UNIK_LWIP_MAX_ALLOC)
		return NULL;
	struct sys_arch_hdr *h = kmalloc(size + sizeof(*h));
	if (!h)
		return NULL;
	h->size = size + sizeof(*h);
	h->magic = SYS_ARCH_HDR_MAGIC;
	return h + 1;
}

void unik_lwip_free(void *p)
{
	if (!p)
		return;
	struct sys_arch_hdr *h = (struct sys_arch_hdr *)p - 1;
	LWIP_ASSERT("unik_lwip_free: not a live unik_lwip_malloc block", h->magic == SYS_ARCH_HDR_MAGIC);
	h->magic = 0;
	kfree(h, h->size);
}

void *unik_lwip_calloc(size_t n, size_t size)
{
	if (size && n > UNIK_LWIP_MAX_ALLOC / size)
		return NULL;
	/* kmalloc returns zeroed memory. */
	return unik_lwip_malloc(n * size);
}

u32_t sys_now(void)
{
	return unik_lwip_now_ms();
}

int unik_lwip_atoi(const char *s)
{
	int v = 0, sign = 1;
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return sign * v;
}

