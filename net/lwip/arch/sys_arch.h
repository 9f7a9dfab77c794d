/* The contract between lwIP's port and the rest of unik: the hooks lwIP calls and who implements
   each. lwIP runs with NO_SYS=1: the kernel serializes every lwIP call (and so every call of
   these hooks) with one lock and never enters lwIP from interrupt context. */
#ifndef UNIK_LWIP_ARCH_SYS_ARCH_H
#define UNIK_LWIP_ARCH_SYS_ARCH_H
#include <stddef.h>
#include <stdint.h>

/* Largest block unik_lwip_malloc serves: kmalloc's one-page limit less the size header. So no
   PBUF_RAM pbuf may be larger: callers build big payloads as PBUF_POOL chains. One place in lwIP
   cannot: a packet to a local address (127.0.0.1, ::1, the NIC's own) is copied whole into one
   PBUF_RAM before any fragmentation, so such IP packets above UNIK_LWIP_MAX_LOOP_PACKET bytes
   fail with ERR_MEM (Linux delivers up to 64 KiB). */
#define UNIK_LWIP_MAX_ALLOC (4096 - 16)
#define UNIK_LWIP_MAX_LOOP_PACKET (UNIK_LWIP_MAX_ALLOC - 40)   /* less struct pbuf and link room */

/* ---- Implemented in net/lwip/sys_arch.c ---- */

/* lwIP's heap (mem_clib_malloc and friends), over kmalloc/kfree with a 16-byte size header:
   blocks are 16-byte aligned; NULL when size is 0 or above UNIK_LWIP_MAX_ALLOC or the heap is
   exhausted. unik_lwip_calloc memory is zeroed; unik_lwip_free(NULL) does nothing. */
void *unik_lwip_malloc(size_t size);
void unik_lwip_free(void *p);
void *unik_lwip_calloc(size_t n, size_t size);
/* atoi for lwIP's netif_find: decimal digits after optional blanks and sign; no overflow check. */
int unik_lwip_atoi(const char *s);

/* ---- Implemented by the kernel (or by a unit test) ---- */

/* Monotonic milliseconds since any fixed point; lwIP's timers expect wrap-around at 2^32. */
uint32_t unik_lwip_now_ms(void);
/* Random 32 bits: ephemeral ports, TCP initial sequence numbers, MLD delays. */
uint32_t unik_lwip_rand(void);
/* A diagnostic line (printf-like, formats of kvsnprintf); used only in LWIP_DEBUG builds. */
void unik_lwip_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A failed LWIP_ASSERT: lwIP's state is corrupt, stop. */
__attribute__((noreturn)) void unik_lwip_panic(const char *msg, const char *file, int line);
#endif
