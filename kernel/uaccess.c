/* User-memory access: every page is made present (or refused) through the address space before
   the core touches it, so the core never takes a fault on a program's bad pointer. */
#include "k/kernel.h"
#include "k/uaccess.h"
#include "k/proc.h"
#include "k/mm.h"

/* Copies between kernel memory and [uaddr, uaddr+n) through the direct map, page by page. */
static int uaccess_copy(struct mm *mm, uint64_t uaddr, void *kbuf, size_t n, bool to_user)
{
	if (uaddr >= USER_TOP || n > USER_TOP - uaddr)
		return -EFAULT;
	char *k = kbuf;
	while (n) {
		size_t chunk = MIN(n, PAGE_SIZE - (uaddr & (PAGE_SIZE - 1)));
		uint64_t pa = mm_user_page(mm, uaddr, to_user);
		if (!pa)
			return -EFAULT;
		char *p = (char *)phys_to_virt(pa) + (uaddr & (PAGE_SIZE - 1));
		if (to_user)
			memcpy(p, k, chunk);
		else
			memcpy(k, p, chunk);
		uaddr += chunk;
		k += chunk;
		n -= chunk;
	}
	return 0;
}

int copy_from_user(void *dst, uint64_t src, size_t n)
{
	return uaccess_copy(current->mm, src, dst, n, false);
}

int copy_to_user(uint64_t dst, const void *src, size_t n)
{
	return uaccess_copy(current->mm, dst, (void *)src, n, true);
}

int copy_from_user_mm(struct mm *mm, void *dst, uint64_t src, size_t n)
{
	return uaccess_copy(mm, src, dst, n, false);
}

int copy_to_user_mm(struct mm *mm, uint64_t dst, const void *src, size_t n)
{
	return uaccess_copy(mm, dst, (void *)src, n, true);
}

int64_t strncpy_from_user(char *dst, uint64_t src, size_t max)
{
	size_t done = 0;
	while (done < max) {
		if (src + done >= USER_TOP)
			return -EFAULT;
		uint64_t pa = mm_user_page(current->mm, src + done, false);
		if (!pa)
			return -EFAULT;
		const char *p = (const char *)phys_to_virt(pa);
		for (uint64_t off = (src + done) & (PAGE_SIZE - 1); off < PAGE_SIZE && done < max;
		     off++) {
			dst[done] = p[off];
			if (!p[off])
				return (int64_t)done;
			done++;
		}
	}
	return -ENAMETOOLONG;
}
