/* lwIP's configuration for the unik guest kernel: NO_SYS callback API, IPv4+IPv6, TCP tuned for
   throughput with a few hundred connections, loopback, memory from the kernel heap. The same file
   builds the hosted unit test (tests/unit/test_lwip.c). */
#ifndef UNIK_LWIPOPTS_H
#define UNIK_LWIPOPTS_H

/* ---- Threading: none inside lwIP. The kernel serializes every lwIP call with one lock and never
   calls lwIP from interrupt context, so lwIP needs no SYS_ARCH_PROTECT critical sections. */
#define NO_SYS                          1
#define SYS_LIGHTWEIGHT_PROT            0
#define LWIP_TIMERS                     1   /* sys_check_timeouts() from the kernel's poll loop */
#define LWIP_NETCONN                    0
#define LWIP_SOCKET                     0   /* the kernel's own socket layer sits on the raw API */
#define LWIP_NETIF_API                  0
#define LWIP_CALLBACK_API               1

/* ---- Memory: everything from the kernel heap through the hooks in arch/sys_arch.h. Pools would
   need static arrays sized for the worst case (512 connections x 512 KiB windows), so memp
   objects come from the heap too and their MEMP_NUM_* limits do not apply: memory is bounded by
   the windows and the heap. No single allocation may exceed UNIK_LWIP_MAX_ALLOC (about a page;
   see arch/sys_arch.h for what that means for loopback). */
#define MEM_LIBC_MALLOC                 1
#define MEMP_MEM_MALLOC                 1
#define mem_clib_malloc                 unik_lwip_malloc
#define mem_clib_free                   unik_lwip_free
#define mem_clib_calloc                 unik_lwip_calloc
#define MEM_ALIGNMENT                   8
/* Ignored while MEMP_MEM_MALLOC=1; the floor should pools ever come back. */
#define MEMP_NUM_TCP_PCB                512
#define MEMP_NUM_TCP_PCB_LISTEN         64
#define MEMP_NUM_UDP_PCB                64
#define MEMP_NUM_RAW_PCB                16

/* ---- Protocols. DNS is off (the libc in the guest resolves names over UDP itself). */
#define LWIP_IPV4                       1
#define LWIP_IPV6                       1
#define LWIP_ICMP                       1
#define LWIP_RAW                        1   /* ICMP echo sockets (ping) */
#define LWIP_UDP                        1
#define LWIP_UDPLITE                    1   /* IPPROTO_UDPLITE sockets (RFC 3828) */
#define LWIP_TCP                        1
#define LWIP_ARP                        1
#define LWIP_ETHERNET                   1
#define ARP_QUEUEING                    1   /* keep every packet sent while a neighbour resolves */
#define LWIP_DHCP                       1   /* eth0 on a tap without ip= (net/lease.c) */
#define LWIP_AUTOIP                     0
#define LWIP_DNS                        0
#define LWIP_IGMP                       0
#define LWIP_IPV6_DHCP6                 0
#define IP_FORWARD                      0
/* DHCP: no ARP probe of the address offered (it costs half a second or more before the lease
   binds; the server checked it). The options lwIP does not take itself (DNS servers, domain
   name, interface MTU) are added to the requests' parameter list and read from the replies by
   two hooks (net/lease_opts.c). */
#define DHCP_DOES_ARP_CHECK             0
#define LWIP_HOOK_DHCP_APPEND_OPTIONS(netif, dhcp, state, msg, msg_type, options_len_ptr) \
	unik_dhcp_append_options((msg)->options, (options_len_ptr), (msg_type))
#define LWIP_HOOK_DHCP_PARSE_OPTION(netif, dhcp, state, msg, msg_type, option, len, pbuf, offset) \
	do { LWIP_UNUSED_ARG(msg); unik_dhcp_parse_option((option), (len), (pbuf), (offset)); } while (0)
#define IP_REASSEMBLY                   1
#define IP_FRAG                         1
#define IP_REASS_MAX_PBUFS              128 /* a 64 KiB datagram in 1500-byte fragments is 45 */
#define IP_DEFAULT_TTL                  64  /* as Linux */
#define LWIP_ICMP6_HL                   64  /* echo replies and errors: Linux uses the default too */
/* lwIP keeps a reassembly helper holding a pointer in the fragment header, which fits only on
   32-bit machines: on x86-64 the header is copied aside. */
#define IPV6_FRAG_COPYHEADER            1

/* ---- Interfaces: the loopback interface (127.0.0.1, ::1) plus the NIC added later. With NO_SYS
   the loopback queue is drained only by netif_poll()/netif_poll_all(), which the kernel calls
   from its poll loop (LWIP_NETIF_LOOPBACK_MULTITHREADING stays 0). The queue is capped like
   Linux's backlog so a sender that outruns polling gets ERR_MEM rather than unbounded memory. */
#define LWIP_NETIF_LOOPBACK             1
#define LWIP_HAVE_LOOPIF                1
#define LWIP_LOOPBACK_MAX_PBUFS         2048
#define LWIP_SINGLE_NETIF               0
#define LWIP_CHECKSUM_CTRL_PER_NETIF    1   /* the loopif skips checksums */
/* Room for a few IPv6 addresses per interface beyond the link-local and the monitor's one
   (`ip -6 addr add`), and a callback for the changes the stack makes itself (duplicate address
   detection), which netlink reports as Linux does. */
#define LWIP_IPV6_NUM_ADDRESSES         5
#define LWIP_NETIF_EXT_STATUS_CALLBACK  1

/* ---- TCP, tuned for throughput: 512 KiB windows need window scaling (512 KiB >> 4 fits the
   16-bit field), a send queue long enough for a full send buffer of small writes, SACK sent to
   peers so they recover losses without go-back-N. These are the most a connection gets, and
   what it gets unless the program sets SO_SNDBUF/SO_RCVBUF (net/inet_tcp.c; the window per
   connection is patch 0004's). */
#define TCP_MSS                         1460
#define LWIP_WND_SCALE                  1
#define TCP_RCV_SCALE                   4
#define TCP_WND                         (512 * 1024)
#define TCP_SND_BUF                     (512 * 1024)
#define TCP_SND_QUEUELEN                (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_SNDLOWAT                    (16 * TCP_MSS) /* lwIP's default overflows u16 here */
#define LWIP_TCP_SACK_OUT               1
#define TCP_QUEUE_OOSEQ                 1
#define TCP_MSL                         30000UL /* TIME_WAIT of 60 s, as Linux */
#define TCP_LISTEN_BACKLOG              1
#define TCP_DEFAULT_LISTEN_BACKLOG      0xff
#define LWIP_TCP_KEEPALIVE              1
#define SO_REUSE                        1
/* Initial sequence numbers from the kernel's random source, not lwIP's guessable counter. */
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) unik_lwip_rand()
/* Every IP packet in: ICMP errors reach connected UDP sockets (ECONNREFUSED, EHOSTUNREACH...),
   which lwIP's icmp_input would drop; a packet a raw socket built with its own header that
   comes back gets its checksums checked on the loopback. The packet then goes on as usual. */
#define LWIP_HOOK_IP4_INPUT(p, inp) unik_ip_input_hook((p), (inp), 0)
#define LWIP_HOOK_IP6_INPUT(p, inp) unik_ip_input_hook((p), (inp), 1)

/* ---- Speed: constant-size copies (addresses, headers) are inlined; everything else calls the
   kernel's memcpy. lwIP's own 32-bit checksum loop (algorithm 3) is kept. */
#define SMEMCPY(dst, src, len)          __builtin_memcpy(dst, src, len)

/* ---- No statistics, SNMP or debug output; LWIP_ASSERT stays on (cheap checks that reach
   unik_lwip_panic). */
#define LWIP_STATS                      0
#define MIB2_STATS                      0
#define LWIP_NETIF_HOSTNAME             0

#endif
