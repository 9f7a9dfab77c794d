/* The contract between lwIP's port and the rest of unik: the hooks lwIP calls and who implements
   each. lwIP runs with NO_SYS=1: the kernel serializes every lwIP call (and so every call of
   these hooks) with one lock and never enters lwIP from interrupt context. */
#ifndef UNIK_LWIP_ARCH_SYS_ARCH_H
#define UNIK_LWIP_ARCH_SYS_ARCH_H
#include <stddef.h>
#include <stdint.h>

/* Blocks up to a page (less the size header) come from kmalloc; larger ones, up to
   UNIK_LWIP_MAX_ALLOC, from runs of 2 to 32 whole pages the kernel hands out once
   (unik_lwip_pages) and lwIP's heap keeps for reuse when they are freed. One place in lwIP needs
   them: a packet to a local address (127.0.0.1, ::1, the NIC's own) is copied whole into one
   PBUF_RAM before any fragmentation, and an IP packet may have 64 KiB. */
#define UNIK_LWIP_SMALL_MAX (4096 - 16)
#define UNIK_LWIP_BIG_CLASSES 5         /* 2, 4, 8, 16, 32 pages */
#define UNIK_LWIP_MAX_ALLOC ((4096u << UNIK_LWIP_BIG_CLASSES) - 16)
#define UNIK_LWIP_MAX_LOOP_PACKET (40 + 65535)  /* an IPv6 header and the largest payload */

/* ---- Implemented in net/lwip/sys_arch.c ---- */

/* lwIP's heap (mem_clib_malloc and friends), over kmalloc/kfree and page runs with a 16-byte
   size header: blocks are 16-byte aligned; NULL when size is 0 or above UNIK_LWIP_MAX_ALLOC or
   memory is exhausted. unik_lwip_calloc memory is zeroed; unik_lwip_free(NULL) does nothing. */
void *unik_lwip_malloc(size_t size);
void unik_lwip_free(void *p);
void *unik_lwip_calloc(size_t n, size_t size);
/* atoi for lwIP's netif_find: decimal digits after optional blanks and sign; no overflow check. */
int unik_lwip_atoi(const char *s);

/* ---- Implemented by the kernel (or by a unit test) ---- */

/* npages (2 to 32, a power of two) contiguous page-aligned pages for lwIP's big blocks, or NULL.
   They are never given back: lwIP's heap keeps them for its next big blocks. */
void *unik_lwip_pages(size_t npages);
/* Monotonic milliseconds since any fixed point; lwIP's timers expect wrap-around at 2^32. */
uint32_t unik_lwip_now_ms(void);
/* Random 32 bits: ephemeral ports, TCP initial sequence numbers, MLD delays. */
uint32_t unik_lwip_rand(void);
struct pbuf;
struct netif;
/* LWIP_HOOK_IP4_INPUT / IP6_INPUT (net/inet_icmp.c), for a packet from inp: 0, lwIP goes on
   with the packet; 1, the hook has freed it (one Linux's input would drop). */
int unik_ip_input_hook(struct pbuf *p, struct netif *inp, int v6);
/* LWIP_HOOK_DHCP_APPEND_OPTIONS (net/lease_opts.c): a DHCP message of msg_type (DHCP_DISCOVER,
   DHCP_REQUEST, ...) is being built with options[0..*len) so far (DHCP_OPTIONS_LEN bytes of
   room, the END option to follow); the hook may add to them and to *len. */
void unik_dhcp_append_options(uint8_t *options, uint16_t *len, uint8_t msg_type);
/* LWIP_HOOK_DHCP_PARSE_OPTION (net/lease_opts.c): a reply to the client's current transaction
   has option code, of len bytes, that lwIP does not take itself; its value starts at offset in
   p (lwIP has not checked that len bytes follow). */
void unik_dhcp_parse_option(uint8_t code, uint8_t len, struct pbuf *p, uint16_t offset);
/* A diagnostic line (printf-like, formats of kvsnprintf); used only in LWIP_DEBUG builds. */
void unik_lwip_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A failed LWIP_ASSERT: lwIP's state is corrupt, stop. */
__attribute__((noreturn)) void unik_lwip_panic(const char *msg, const char *file, int line);
#endif
