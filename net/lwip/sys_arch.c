/* lwIP's system layer for unik (NO_SYS): its heap over the kernel heap, its clock, the libc bits
   its sources call. */
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "arch/sys_arch.h"
#include "k/kheap.h"
#include <string.h>

/* kfree needs the size back: a header in front of each block keeps it. 16 bytes so the payload
   stays 16-byte aligned (kmalloc's blocks are naturally aligned power-of-two classes of at
   least 32 bytes); the magic catches frees of foreign or already freed pointers. */
struct sys_arch_hdr {
	size_t size;            /* what was passed to kmalloc, or the class's bytes for a big block */
	size_t magic;
};
#define SYS_ARCH_HDR_MAGIC ((size_t)0x6c7769706d656d21ull)
#define SYS_ARCH_PAGE 4096u
_Static_assert(sizeof(struct sys_arch_hdr) == 16, "lwIP heap header must keep 16-byte alignment");
_Static_assert(UNIK_LWIP_SMALL_MAX + sizeof(struct sys_arch_hdr) == SYS_ARCH_PAGE,
	       "kmalloc serves a page");

/* Freed big blocks by class (2 << class pages), linked through their first word. */
static void *sys_arch_big_free[UNIK_LWIP_BIG_CLASSES];

static int sys_arch_big_class(size_t total)
{
	int c = 0;
	while ((size_t)(2u << c) * SYS_ARCH_PAGE < total)
		c++;
	return c;
}

static struct sys_arch_hdr *sys_arch_big_alloc(size_t total)
{
	int c = sys_arch_big_class(total);
	void *b = sys_arch_big_free[c];
	if (b)
		sys_arch_big_free[c] = *(void **)b;
	else if (!(b = unik_lwip_pages(2u << c)))
		return NULL;
	memset(b, 0, total);            /* the same promise as kmalloc's */
	struct sys_arch_hdr *h = b;
	h->size = (size_t)(2u << c) * SYS_ARCH_PAGE;
	return h;
}

void *unik_lwip_malloc(size_t size)
{
	if (size == 0 || size > UNIK_LWIP_MAX_ALLOC)
		return NULL;
	struct sys_arch_hdr *h;
	if (size <= UNIK_LWIP_SMALL_MAX) {
		if (!(h = kmalloc(size + sizeof(*h))))
			return NULL;
		h->size = size + sizeof(*h);
	} else if (!(h = sys_arch_big_alloc(size + sizeof(*h)))) {
		return NULL;
	}
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
	if (h->size <= SYS_ARCH_PAGE) {
		kfree(h, h->size);
		return;
	}
	int c = sys_arch_big_class(h->size);
	*(void **)h = sys_arch_big_free[c];
	sys_arch_big_free[c] = h;
}

void *unik_lwip_calloc(size_t n, size_t size)
{
	if (size && n > UNIK_LWIP_MAX_ALLOC / size)
		return NULL;
	/* kmalloc returns zeroed memory, and so do big blocks here. */
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

