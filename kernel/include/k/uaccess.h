/* The only way kernel code touches program memory. User addresses are plain integers. */
#ifndef K_UACCESS_H
#define K_UACCESS_H
#include <stdint.h>
#include <stddef.h>

/* Copies n bytes; returns 0 or -EFAULT (nothing is copied past the first bad page). */
int copy_from_user(void *dst, uint64_t src, size_t n);
int copy_to_user(uint64_t dst, const void *src, size_t n);
/* Copies a NUL-terminated string of at most max bytes including the NUL. Returns its length,
   -EFAULT, or -ENAMETOOLONG when no NUL is found within max. */
int64_t strncpy_from_user(char *dst, uint64_t src, size_t max);
struct mm;
/* copy_from_user from another address space (/proc/PID/cmdline and environ). */
int copy_from_user_mm(struct mm *mm, void *dst, uint64_t src, size_t n);
/* copy_to_user into another address space (a forked child's). */
int copy_to_user_mm(struct mm *mm, uint64_t dst, const void *src, size_t n);
#endif
