/* Basic definitions for guest kernel code: sizes, address conversions, panic and logging. */
#ifndef K_KERNEL_H
#define K_KERNEL_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include "unik/abi.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"

#define PAGE_SIZE 4096ul
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN_UP(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

extern struct unik_boot_info *boot_info;

/* Guest-physical <-> kernel virtual through the direct map. Host unit tests supply their own
   "physical memory" array. */
#ifdef UNIK_HOST_TEST
extern uint8_t *test_phys_base;
static inline void *phys_to_virt(uint64_t pa) { return test_phys_base + pa; }
static inline uint64_t virt_to_phys(const void *va)
{
	return (uint64_t)((const uint8_t *)va - test_phys_base);
}
#else
static inline void *phys_to_virt(uint64_t pa) { return (void *)(UNIK_DIRECT_VBASE + pa); }
static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;
	return v >= UNIK_KERNEL_VBASE ? v - UNIK_KERNEL_VBASE : v - UNIK_DIRECT_VBASE;
}
#endif

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Writes a message to the host's stderr (one hypercall). */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A broken kernel invariant: report and stop the VM with status 125. Never for program input. */
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
