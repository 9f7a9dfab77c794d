/* String and memory helpers for guest code; on the host (unit tests, shared parsers) the C library's. */
#ifndef UNIK_KERNEL_STRING_H
#define UNIK_KERNEL_STRING_H
#include <stddef.h>
#if __STDC_HOSTED__
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif
#endif
