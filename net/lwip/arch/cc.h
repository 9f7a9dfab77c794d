/* lwIP's compiler and platform port for unik: integer formats, byte order, diagnostics and the
   few C library pieces lwIP expects, for the freestanding guest build and the hosted unit test. */
#ifndef UNIK_LWIP_ARCH_CC_H
#define UNIK_LWIP_ARCH_CC_H
#include <stddef.h>
#include <stdint.h>
#include "arch/sys_arch.h"

/* Formats for lwIP's debug messages, in what the kernel's kvsnprintf understands (no 'h'). */
#define LWIP_NO_INTTYPES_H 1
#define X8_F  "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

/* lwIP's own character class macros instead of <ctype.h>. */
#define LWIP_NO_CTYPE_H 1

#if !__STDC_HOSTED__
/* The guest has neither <limits.h>'s POSIX part nor <unistd.h>: ssize_t as the Linux ABI has it. */
#define LWIP_NO_LIMITS_H 1
#define LWIP_NO_UNISTD_H 1
#define INT_MAX __INT_MAX__
#define SSIZE_MAX __LONG_MAX__
typedef long ssize_t;
#endif

/* Network byte order with the compiler's byte swaps rather than lwIP's out-of-line C. */
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

#define LWIP_RAND() unik_lwip_rand()

/* Diagnostics (only with LWIP_DEBUG) and failed LWIP_ASSERTs go to the kernel's hooks. */
#ifdef __FILE_NAME__
#define UNIK_LWIP_FILE __FILE_NAME__
#else
#define UNIK_LWIP_FILE __FILE__
#endif
#define LWIP_PLATFORM_DIAG(x) do { unik_lwip_log x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) unik_lwip_panic((x), UNIK_LWIP_FILE, __LINE__)
#endif
