/* eth0's DHCP lease (net/lease_opts.c): the checks on what a server sends, alone; then lwIP's
   DHCP client with unik's hooks on a fake Ethernet link, a scripted server answering it:
   the options asked for and recorded, a lease bound and renewed, and replies that are
   malformed, truncated, overloaded, split across buffers or random, which must neither crash
   nor leak (ASan/UBSan) nor give the kernel a value that fails its checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/prot/dhcp.h"
#include "netif/ethernet.h"
#include "net/lease_opts.h"
#include "tests/unit/lwip_host.h"

static uint32_t ip(const char *s)
{
	ip4_addr_t a;
	assert_int_equal(ip4addr_aton(s, &a), 1);
	return a.addr;
}

/* ---- the checks alone ---- */

static void test_prl_extend(void **state)
{
	static const uint8_t want[] = { 6, 15, 26 };
	/* as lwIP's DHCPDISCOVER: message type, maximum size, the list (mask, router, broadcast) */
	uint8_t o[68] = { 53, 1, 1, 57, 2, 5, 220, 55, 3, 1, 3, 28 };
	uint16_t len = 12;
	lease_prl_extend(o, &len, sizeof(o) - 1, want, 3);
	assert_int_equal(len, 15);
	static const uint8_t done[] = { 53, 1, 1, 57, 2, 5, 220, 55, 6, 1, 3, 28, 6, 15, 26 };
	assert_memory_equal(o, done, 15);
	lease_prl_extend(o, &len, sizeof(o) - 1, want, 3);   /* all there: nothing */
	assert_int_equal(len, 15);

	/* options after the list move; codes there already and repeated are added once */
	uint8_t p[68] = { 0, 55, 2, 1, 6, 50, 4, 10, 0, 0, 5, 54, 4, 10, 0, 0, 1 };
	len = 17;
	static const uint8_t twice[] = { 26, 6, 26 };
	lease_prl_extend(p, &len, sizeof(p) - 1, twice, 3);
	assert_int_equal(len, 18);
	static const uint8_t moved[] = { 0, 55, 3, 1, 6, 26, 50, 4, 10, 0, 0, 5, 54, 4, 10, 0, 0, 1 };
	assert_memory_equal(p, moved, 18);

	/* no list, a malformed option before it, an END before it, no room, a full list */
	uint8_t q[8] = { 53, 1, 1, 57, 2, 5, 220, 0 };
	len = 7;
	lease_prl_extend(q, &len, sizeof(q) - 1, want, 3);
	assert_int_equal(len, 7);
	uint8_t r[16] = { 53, 9, 1, 55, 1, 1 };
	len = 6;
	lease_prl_extend(r, &len, sizeof(r) - 1, want, 3);
	assert_int_equal(len, 6);
	uint8_t e[16] = { 255, 55, 1, 1 };
	len = 4;
	lease_prl_extend(e, &len, sizeof(e) - 1, want, 3);
	assert_int_equal(len, 4);
	uint8_t t[8] = { 55, 3, 1, 3, 28 };
	len = 5;
	lease_prl_extend(t, &len, 7, want, 3);
	assert_int_equal(len, 5);
	assert_int_equal(t[1], 3);
	static uint8_t big[300];
	big[0] = 55;
	big[1] = 254;
	for (int i = 0; i < 254; i++)
		big[2 + i] = (uint8_t)(100 + i % 100);
	len = 256;
	lease_prl_extend(big, &len, sizeof(big) - 1, want, 3);
	assert_int_equal(len, 256);
	assert_int_equal(big[1], 254);
}

static void test_opts_record(void **state)
{
	struct lease_opts o = { 0 };
	/* DNS: unicast only, no repeats, the first three; a bad length is the whole option */
	static const uint8_t dns[] = { 0, 1, 2, 3, 127, 0, 0, 1, 10, 0, 0, 53, 224, 0, 0, 1,
				       10, 0, 0, 53, 255, 255, 255, 255, 192, 0, 2, 1 };
	lease_opts_record(&o, 6, dns, sizeof(dns));
	assert_int_equal(o.ndns, 2);
	assert_memory_equal(o.dns[0], ((uint8_t[]){ 10, 0, 0, 53 }), 4);
	assert_memory_equal(o.dns[1], ((uint8_t[]){ 192, 0, 2, 1 }), 4);
	lease_opts_record(&o, 6, (const uint8_t[]){ 8, 8, 8 }, 3);
	lease_opts_record(&o, 6, dns, 0);
	assert_int_equal(o.ndns, 2);
	lease_opts_record(&o, 6, (const uint8_t[]){ 8, 8, 8, 8, 9, 9, 9, 9 }, 8);
	assert_int_equal(o.ndns, 3);            /* a second option 6 appends, up to three */
	assert_memory_equal(o.dns[2], ((uint8_t[]){ 8, 8, 8, 8 }), 4);

	/* the domain: a DNS name, a final dot and trailing NULs dropped */
	lease_opts_record(&o, 15, (const uint8_t *)"lan.example.\0\0", 14);
	assert_string_equal(o.domain, "lan.example");
	static const char *bad[] = { "evil\nnameserver 6.6.6.6", "a..b", ".a", "a b", "x;rm",
				     "", "\0", "caf\xc3\xa9", "a/b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lease_opts_record(&o, 15, (const uint8_t *)bad[i], strlen(bad[i]) + (i == 6));
		assert_string_equal(o.domain, "lan.example");
	}
	char label[70];
	memset(label, 'a', 64);
	label[64] = 0;
	lease_opts_record(&o, 15, (const uint8_t *)label, 64);   /* a label of 64 */
	assert_string_equal(o.domain, "lan.example");
	lease_opts_record(&o, 15, (const uint8_t *)label, 63);
	assert_int_equal(strlen(o.domain), 63);
	char name[260];
	for (int i = 0; i < 255; i++)
		name[i] = i % 2 ? '.' : 'a';
	lease_opts_record(&o, 15, (const uint8_t *)name, 253);   /* "a.a....a": 253 */
	assert_int_equal(strlen(o.domain), 253);
	lease_opts_record(&o, 15, (const uint8_t *)name, 251);
	assert_int_equal(strlen(o.domain), 251);
	lease_opts_record(&o, 15, (const uint8_t *)name, 255);   /* too long */
	assert_int_equal(strlen(o.domain), 251);

	/* the MTU: two bytes, at least 68 */
	lease_opts_record(&o, 26, (const uint8_t[]){ 5, 120 }, 2);
	assert_int_equal(o.mtu, 1400);
	lease_opts_record(&o, 26, (const uint8_t[]){ 0, 67 }, 2);
	lease_opts_record(&o, 26, (const uint8_t[]){ 5 }, 1);
	lease_opts_record(&o, 26, (const uint8_t[]){ 0, 5, 120 }, 3);
	assert_int_equal(o.mtu, 1400);
	lease_opts_record(&o, 26, (const uint8_t[]){ 255, 255 }, 2);
	assert_int_equal(o.mtu, 65535);         /* the kernel refuses what the NIC cannot do */
	lease_opts_record(&o, 3, (const uint8_t[]){ 1, 2, 3, 4 }, 4);   /* not ours */
	assert_int_equal(o.ndns, 3);
}

static void test_addr_checks(void **state)
{
	assert_int_equal(lease_prefix(ip("255.255.255.0")), 24);
	assert_int_equal(lease_prefix(ip("255.255.255.255")), 32);
	assert_int_equal(lease_prefix(0), 0);
	assert_int_equal(lease_prefix(ip("255.0.255.0")), 8);
	assert_int_equal(lease_prefix(ip("0.255.255.255")), 0);
	assert_int_equal(lease_prefix(ip("255.255.254.0")), 23);

	assert_true(lease_addr_ok(ip("10.9.0.50"), 24));
	assert_true(lease_addr_ok(ip("10.9.0.50"), 0));
	assert_true(lease_addr_ok(ip("10.9.0.0"), 31));
	assert_true(lease_addr_ok(ip("10.9.0.255"), 32));
	assert_true(lease_addr_ok(ip("10.9.0.255"), 23));
	static const char *no[] = { "10.9.0.0", "10.9.0.255", "0.0.0.0", "0.1.2.3", "127.0.0.1",
				    "224.0.0.1", "240.0.0.1", "255.255.255.255" };
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(lease_addr_ok(ip(no[i]), 24));
	assert_false(lease_addr_ok(ip("10.9.0.50"), 33));
	assert_false(lease_addr_ok(ip("10.9.0.50"), -1));

	bool onlink = true;
	assert_true(lease_gw_ok(ip("10.9.0.50"), 24, ip("10.9.0.1"), &onlink));
	assert_false(onlink);
	assert_true(lease_gw_ok(ip("10.9.0.50"), 24, ip("10.8.0.1"), &onlink));
	assert_true(onlink);                    /* outside the subnet: reached on the link */
	assert_true(lease_gw_ok(ip("10.9.0.50"), 0, ip("192.0.2.1"), &onlink));
	assert_false(onlink);
	assert_true(lease_gw_ok(ip("10.9.0.50"), 24, ip("10.8.0.255"), &onlink));
	static const char *nogw[] = { "10.9.0.50", "10.9.0.255", "10.9.0.0", "0.0.0.0",
				      "127.0.0.1", "224.0.0.1", "255.255.255.255" };
	for (size_t i = 0; i < sizeof(nogw) / sizeof(nogw[0]); i++)
		assert_false(lease_gw_ok(ip("10.9.0.50"), 24, ip(nogw[i]), &onlink));
}

static void test_resolv_conf(void **state)
{
	struct lease_opts o = { .ndns = 2, .dns = { { 10, 0, 0, 53 }, { 192, 168, 100, 254 } },
				.domain = "lan" };
	char buf[LEASE_RESOLV_MAX];
	size_t n = lease_resolv_conf(&o, buf, sizeof(buf));
	assert_string_equal(buf, "nameserver 10.0.0.53\nnameserver 192.168.100.254\nsearch lan\n");
	assert_int_equal(n, strlen(buf));
	struct lease_opts none = { 0 };
	assert_int_equal(lease_resolv_conf(&none, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* the worst case fits; a short buffer ends cleanly */
	struct lease_opts most = { .ndns = 3, .dns = { { 255, 255, 255, 255 },
						       { 255, 255, 255, 255 },
						       { 255, 255, 255, 255 } } };
	memset(most.domain, 'a', LEASE_DOMAIN_MAX);
	for (int i = 63; i < LEASE_DOMAIN_MAX; i += 64)
		most.domain[i] = '.';
	n = lease_resolv_conf(&most, buf, sizeof(buf));
	assert_int_equal(n, 3 * 27 + 7 + LEASE_DOMAIN_MAX + 1);
	for (size_t cap = 1; cap < 40; cap++) {
		char small[40];
		memset(small, 'x', sizeof(small));
		n = lease_resolv_conf(&o, small, cap);
		assert_true(n < cap);
		assert_int_equal(small[n], 0);
	}
}

/* ---- lwIP's client on a fake link, a scripted server ---- */

#define SERVER "10.9.0.1"
static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t server_mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
static struct netif nic;
static uint8_t sent[16][1600];          /* frames the client sent, oldest first */
static size_t sent_len[16];
static int nsent;

static err_t link_out(struct netif *n, struct pbuf *p)
{
	if (nsent < 16 && p->tot_len <= sizeof(sent[0])) {
		sent_len[nsent] = pbuf_copy_partial(p, sent[nsent], p->tot_len, 0);
		nsent++;
	}
	return ERR_OK;
}

static err_t nic_setup(struct netif *n)
{
	n->name[0] = 'e';
	n->name[1] = 'n';
	n->mtu = 1500;
	n->hwaddr_len = 6;
	memcpy(n->hwaddr, mac, 6);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	n->linkoutput = link_out;
	n->output = etharp_output;
	return ERR_OK;
}

#define DHCP_AT (14 + 20 + 8)           /* the DHCP message in a frame */

/* The DHCP message type of sent frame i (0: not DHCP), its xid, and option code's value. */
static int sent_type(int i)
{
	const uint8_t *f = sent[i];
	if (sent_len[i] < DHCP_AT + 240 || f[12] != 8 || f[13] != 0 || f[14 + 9] != 17 ||
	    f[14 + 22] != 0 || f[14 + 23] != 67)
		return 0;
	for (size_t at = DHCP_AT + 240; at + 2 < sent_len[i] && f[at] != 255;
	     at += f[at] ? 2 + f[at + 1] : 1)
		if (f[at] == 53)
			return f[at + 2];
	return 0;
}

static uint32_t sent_xid(int i)
{
	uint32_t x;
	memcpy(&x, sent[i] + DHCP_AT + 4, 4);
	return x;
}

static const uint8_t *sent_option(int i, uint8_t code, uint8_t *len)
{
	const uint8_t *f = sent[i];
	for (size_t at = DHCP_AT + 240; at + 2 < sent_len[i] && f[at] != 255;
	     at += f[at] ? 2 + f[at + 1] : 1)
		if (f[at] == code) {
			*len = f[at + 1];
			return f + at + 2;
		}
	return NULL;
}

/* The last DHCP message sent of type want; fails when there is none. */
static int last_sent(int want)
{
	for (int i = nsent - 1; i >= 0; i--)
		if (sent_type(i) == want)
			return i;
	fail_msg("no DHCP message of type %d was sent (%d frames)", want, nsent);
	return -1;
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A reply from the server: DHCP fields, then options opt[0..olen) (the END is the caller's).
   Delivered to the client as a chain split at split bytes into the frame (0: one buffer). */
static void reply(uint32_t xid, uint32_t yiaddr, const uint8_t *opt, size_t olen,
		  const uint8_t *sname, const uint8_t *file, size_t split)
{
	static uint8_t f[1600];
	memset(f, 0, sizeof(f));
	size_t dlen = 240 + olen, len = DHCP_AT + dlen;
	assert_true(len <= sizeof(f));
	memcpy(f, mac, 6);
	memcpy(f + 6, server_mac, 6);
	f[12] = 8;
	uint8_t *iph = f + 14, *udp = iph + 20, *d = udp + 8;
	iph[0] = 0x45;
	iph[2] = (uint8_t)((20 + 8 + dlen) >> 8);
	iph[3] = (uint8_t)(20 + 8 + dlen);
	iph[8] = 64;
	iph[9] = 17;
	uint32_t src = ip(SERVER), dst = 0xffffffffu;
	memcpy(iph + 12, &src, 4);
	memcpy(iph + 16, &dst, 4);
	uint16_t c = csum(iph, 20);
	iph[10] = (uint8_t)(c >> 8);
	iph[11] = (uint8_t)c;
	udp[1] = 67;
	udp[3] = 68;
	udp[4] = (uint8_t)((8 + dlen) >> 8);
	udp[5] = (uint8_t)(8 + dlen);           /* checksum 0: none, as IPv4 allows */
	d[0] = 2;
	d[1] = 1;
	d[2] = 6;
	memcpy(d + 4, &xid, 4);
	memcpy(d + 16, &yiaddr, 4);
	memcpy(d + 28, mac, 6);
	if (sname)
		memcpy(d + 44, sname, 64);
	if (file)
		memcpy(d + 108, file, 128);
	d[236] = 0x63;
	d[237] = 0x82;
	d[238] = 0x53;
	d[239] = 0x63;
	memcpy(d + 240, opt, olen);
	struct pbuf *p;
	if (split && split < len) {
		p = pbuf_alloc(PBUF_RAW, (u16_t)split, PBUF_RAM);
		struct pbuf *q = pbuf_alloc(PBUF_RAW, (u16_t)(len - split), PBUF_RAM);
		assert_non_null(p);
		assert_non_null(q);
		memcpy(p->payload, f, split);
		memcpy(q->payload, f + split, len - split);
		pbuf_cat(p, q);
	} else {
		p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
		assert_non_null(p);
		memcpy(p->payload, f, len);
	}
	if (nic.input(p, &nic) != ERR_OK)
		pbuf_free(p);
}

/* The options of an OFFER (type 2) or ACK (type 5) of a good lease: mask /24, router .1, DNS
   10.9.0.53 and 192.0.2.53, domain "lan", MTU 1400, lease_s seconds. Returns the length. */
static size_t good_options(uint8_t *o, uint8_t type, uint32_t lease_s)
{
	uint32_t sid = ip(SERVER), lt = lwip_htonl(lease_s);
	uint8_t *p = o;
	*p++ = 53, *p++ = 1, *p++ = type;
	*p++ = 54, *p++ = 4, memcpy(p, &sid, 4), p += 4;
	*p++ = 51, *p++ = 4, memcpy(p, &lt, 4), p += 4;
	*p++ = 1, *p++ = 4, *p++ = 255, *p++ = 255, *p++ = 255, *p++ = 0;
	*p++ = 3, *p++ = 4, *p++ = 10, *p++ = 9, *p++ = 0, *p++ = 1;
	*p++ = 6, *p++ = 8, *p++ = 10, *p++ = 9, *p++ = 0, *p++ = 53;
	*p++ = 192, *p++ = 0, *p++ = 2, *p++ = 53;
	*p++ = 15, *p++ = 3, *p++ = 'l', *p++ = 'a', *p++ = 'n';
	*p++ = 26, *p++ = 2, *p++ = 5, *p++ = 120;
	*p++ = 255;
	return (size_t)(p - o);
}

static void client_up(void)
{
	ip4_addr_t any = { 0 };
	nsent = 0;
	memset(&lease_rx, 0, sizeof(lease_rx));
	lease_requested = false;
	assert_non_null(netif_add(&nic, &any, &any, &any, NULL, nic_setup, ethernet_input));
	netif_set_link_up(&nic);
	netif_set_up(&nic);
	assert_int_equal(dhcp_start(&nic), ERR_OK);
}

static void client_down(void)
{
	dhcp_release_and_stop(&nic);
	dhcp_cleanup(&nic);
	netif_remove(&nic);
}

/* DISCOVER, OFFER, REQUEST, ACK: the client is bound to 10.9.0.50 with lease_s. */
static void client_bind(uint32_t lease_s)
{
	uint8_t o[128];
	int i = last_sent(DHCP_DISCOVER);
	reply(sent_xid(i), ip("10.9.0.50"), o, good_options(o, DHCP_OFFER, lease_s), NULL, NULL, 0);
	i = last_sent(DHCP_REQUEST);
	reply(sent_xid(i), ip("10.9.0.50"), o, good_options(o, DHCP_ACK, lease_s), NULL, NULL, 0);
	assert_int_equal(netif_dhcp_data(&nic)->state, DHCP_STATE_BOUND);
	assert_int_equal(netif_ip4_addr(&nic)->addr, ip("10.9.0.50"));
}

static void test_client_binds(void **state)
{
	long live = heap_live;
	client_up();
	int i = last_sent(DHCP_DISCOVER);
	uint8_t len;
	const uint8_t *prl = sent_option(i, 55, &len);
	assert_non_null(prl);
	static const uint8_t want[] = { 1, 3, 28, 6, 15, 26 };
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(prl, want, sizeof(want));
	assert_false(lease_requested);
	uint8_t o[128];
	reply(sent_xid(i), ip("10.9.0.50"), o, good_options(o, DHCP_OFFER, 3600), NULL, NULL, 0);
	i = last_sent(DHCP_REQUEST);
	prl = sent_option(i, 55, &len);
	assert_non_null(prl);
	assert_memory_equal(prl, want, sizeof(want));
	assert_true(lease_requested);
	assert_int_equal(lease_rx.ndns, 0);     /* the request started afresh */
	/* the ACK, split inside the DNS option's value: two buffers */
	size_t olen = good_options(o, DHCP_ACK, 3600);
	reply(sent_xid(i), ip("10.9.0.50"), o, olen, NULL, NULL, DHCP_AT + 240 + 30);
	assert_int_equal(netif_dhcp_data(&nic)->state, DHCP_STATE_BOUND);
	assert_int_equal(netif_ip4_addr(&nic)->addr, ip("10.9.0.50"));
	assert_int_equal(netif_ip4_gw(&nic)->addr, ip("10.9.0.1"));
	assert_int_equal(lease_rx.ndns, 2);
	assert_memory_equal(lease_rx.dns[1], ((uint8_t[]){ 192, 0, 2, 53 }), 4);
	assert_string_equal(lease_rx.domain, "lan");
	assert_int_equal(lease_rx.mtu, 1400);
	assert_int_equal(netif_dhcp_data(&nic)->offered_t0_lease, 3600);
	client_down();
	assert_int_equal(heap_live, live);
	assert_int_equal(heap_bad_frees, 0);
}

/* At half the lease the client renews (ARP for the server first, then a unicast REQUEST
   asking for the options again); the ACK binds it again. */
static void test_client_renews(void **state)
{
	client_up();
	client_bind(240);
	lease_requested = false;
	nsent = 0;
	for (int t = 0; t < 130 && !nsent; t++)
		pump(1000);
	assert_true(nsent > 0);
	/* the ARP request for the server: answer it */
	assert_int_equal(sent[0][12], 8);
	assert_int_equal(sent[0][13], 6);
	uint8_t arp[42] = { 0 };
	memcpy(arp, mac, 6);
	memcpy(arp + 6, server_mac, 6);
	arp[12] = 8, arp[13] = 6, arp[15] = 1, arp[16] = 8, arp[18] = 6, arp[19] = 4, arp[21] = 2;
	memcpy(arp + 22, server_mac, 6);
	uint32_t sid = ip(SERVER), me = ip("10.9.0.50");
	memcpy(arp + 28, &sid, 4);
	memcpy(arp + 32, mac, 6);
	memcpy(arp + 38, &me, 4);
	struct pbuf *p = pbuf_alloc(PBUF_RAW, sizeof(arp), PBUF_RAM);
	memcpy(p->payload, arp, sizeof(arp));
	if (nic.input(p, &nic) != ERR_OK)
		pbuf_free(p);
	int i = last_sent(DHCP_REQUEST);
	assert_true(lease_requested);
	assert_int_equal(netif_dhcp_data(&nic)->state, DHCP_STATE_RENEWING);
	uint8_t len, o[128];
	assert_non_null(sent_option(i, 55, &len));
	assert_int_equal(len, 6);
	reply(sent_xid(i), ip("10.9.0.50"), o, good_options(o, DHCP_ACK, 240), NULL, NULL, 0);
	assert_int_equal(netif_dhcp_data(&nic)->state, DHCP_STATE_BOUND);
	assert_int_equal(lease_rx.mtu, 1400);
	client_down();
}

/* Replies a server may not send: each is survived, and what the hooks record passed its
   checks. They are ACKs while the client discovers: read, then left by its state machine. */
static void test_client_hostile(void **state)
{
	long live = heap_live;
	client_up();
	int i = last_sent(DHCP_DISCOVER);
	uint32_t xid = sent_xid(i), yi = ip("10.9.0.50");
	/* an option whose length runs past the packet, one truncated message, no END */
	static const uint8_t past[] = { 53, 1, 5, 54, 4, 10, 9, 0, 1, 6, 200, 10, 9, 0, 53 };
	reply(xid, yi, past, sizeof(past), NULL, NULL, 0);
	assert_int_equal(lease_rx.ndns, 0);
	static const uint8_t cut[] = { 53, 1, 5, 15, 40, 'a', 'b' };
	reply(xid, yi, cut, sizeof(cut), NULL, NULL, 0);
	assert_string_equal(lease_rx.domain, "");
	/* a domain that would write a line of its own into resolv.conf, a bad MTU, DNS of 3 bytes */
	static const uint8_t evil[] = { 53, 1, 5, 54, 4, 10, 9, 0, 1,
					15, 20, 'x', '\n', 'n', 'a', 'm', 'e', 's', 'e', 'r', 'v',
					'e', 'r', ' ', '6', '.', '6', '.', '6', '.', '6',
					26, 2, 0, 10, 6, 3, 1, 2, 3, 255 };
	reply(xid, yi, evil, sizeof(evil), NULL, NULL, 0);
	assert_string_equal(lease_rx.domain, "");
	assert_int_equal(lease_rx.mtu, 0);
	assert_int_equal(lease_rx.ndns, 0);
	/* options overloaded into sname and file: read there as well */
	uint8_t sname[64] = { 6, 4, 10, 9, 0, 53, 255 }, file[128] = { 26, 2, 5, 220, 255 };
	static const uint8_t over[] = { 53, 1, 5, 54, 4, 10, 9, 0, 1, 52, 1, 3, 255 };
	reply(xid, yi, over, sizeof(over), sname, file, 0);
	assert_int_equal(lease_rx.ndns, 1);
	assert_int_equal(lease_rx.mtu, 1500);
	assert_int_equal(netif_dhcp_data(&nic)->state, DHCP_STATE_SELECTING);
	/* another transaction's reply is not read */
	memset(&lease_rx, 0, sizeof(lease_rx));
	uint8_t o[128];
	reply(xid + 1, yi, o, good_options(o, DHCP_ACK, 60), NULL, NULL, 0);
	assert_int_equal(lease_rx.ndns, 0);
	/* an offer, then a NAK to the request: back to discovering */
	reply(xid, yi, o, good_options(o, DHCP_OFFER, 60), NULL, NULL, 0);
	i = last_sent(DHCP_REQUEST);
	static const uint8_t nak[] = { 53, 1, 6, 54, 4, 10, 9, 0, 1, 255 };
	reply(sent_xid(i), 0, nak, sizeof(nak), NULL, NULL, 0);
	assert_int_equal(netif_ip4_addr(&nic)->addr, 0);
	assert_int_equal(netif_dhcp_data(&nic)->state, DHCP_STATE_SELECTING);
	/* a lease with a netmask of 0 and a router outside any sensible subnet binds in lwIP; the
	   kernel's checks decide what of it is used */
	i = last_sent(DHCP_DISCOVER);
	size_t n = good_options(o, DHCP_OFFER, 60);
	reply(sent_xid(i), yi, o, n, NULL, NULL, 0);
	i = last_sent(DHCP_REQUEST);
	n = good_options(o, DHCP_ACK, 60);
	o[17] = o[18] = o[19] = o[20] = 0;      /* mask 0.0.0.0 */
	o[23] = 192, o[24] = 0, o[25] = 2, o[26] = 1;
	reply(sent_xid(i), yi, o, n, NULL, NULL, 0);
	assert_int_equal(netif_dhcp_data(&nic)->state, DHCP_STATE_BOUND);
	assert_int_equal(lease_prefix(netif_ip4_netmask(&nic)->addr), 0);
	bool onlink;
	assert_true(lease_gw_ok(yi, 0, netif_ip4_gw(&nic)->addr, &onlink));
	assert_false(onlink);
	client_down();
	assert_int_equal(heap_live, live);
	assert_int_equal(heap_bad_frees, 0);
}

/* Lease times of 0 and of "forever": lwIP's timers neither spin nor stop; a lease of 0 runs out
   at the client's first minute tick and it discovers again. */
static void test_client_lease_times(void **state)
{
	client_up();
	client_bind(0);
	nsent = 0;
	for (int t = 0; t < 200; t++)
		pump(1000);
	assert_true(nsent > 0 && nsent < 16);
	assert_int_not_equal(netif_dhcp_data(&nic)->state, DHCP_STATE_BOUND);
	client_down();
	client_up();
	client_bind(0xffffffffu);
	nsent = 0;
	for (int t = 0; t < 4 * 3600; t += 10)
		pump(10000);
	assert_int_equal(nsent, 0);
	assert_int_equal(netif_dhcp_data(&nic)->state, DHCP_STATE_BOUND);
	client_down();
}

/* Random damage to good replies, their options and their lengths, in every state. */
static void test_client_fuzz(void **state)
{
	long live = heap_live;
	srand(7);
	for (int round = 0; round < 3000; round++) {
		if (round % 100 == 0) {
			if (round)
				client_down();
			client_up();
		}
		uint8_t o[300];
		int type = rand() % 3 == 0 ? DHCP_ACK : rand() % 2 ? DHCP_OFFER : DHCP_NAK;
		size_t n = good_options(o, (uint8_t)type, (uint32_t)rand());
		for (int k = rand() % 8; k >= 0; k--)
			o[rand() % n] = (uint8_t)rand();
		if (rand() % 4 == 0) {
			size_t more = (size_t)(rand() % 200);
			for (size_t j = 0; j < more; j++)
				o[n + j] = (uint8_t)rand();
			n += more;
		}
		if (rand() % 4 == 0)
			n = (size_t)rand() % n;
		uint32_t xid = nsent ? sent_xid(nsent - 1) : 0;
		reply(xid, (uint32_t)rand(), o, n, NULL, NULL, rand() % 3 ? 0 : DHCP_AT + 40 + rand() % 300);
		if (nsent >= 12)
			nsent = 0;
		if (rand() % 10 == 0)
			pump((uint32_t)(rand() % 70000));
		struct lease_opts *x = &lease_rx;
		assert_true(x->ndns <= LEASE_DNS_MAX);
		assert_true(strlen(x->domain) <= LEASE_DOMAIN_MAX);
		assert_true(x->mtu == 0 || x->mtu >= LEASE_MTU_MIN);
		for (unsigned k = 0; k < x->ndns; k++)
			assert_true(x->dns[k][0] && x->dns[k][0] != 127 && x->dns[k][0] < 224);
	}
	client_down();
	assert_int_equal(heap_live, live);
	assert_int_equal(heap_bad_frees, 0);
}

static int group_setup(void **state)
{
	lwip_init();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prl_extend),
		cmocka_unit_test(test_opts_record),
		cmocka_unit_test(test_addr_checks),
		cmocka_unit_test(test_resolv_conf),
		cmocka_unit_test(test_client_binds),
		cmocka_unit_test(test_client_renews),
		cmocka_unit_test(test_client_hostile),
		cmocka_unit_test(test_client_lease_times),
		cmocka_unit_test(test_client_fuzz),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
