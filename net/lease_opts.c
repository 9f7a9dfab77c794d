/* eth0's DHCP lease as the server sent it: lwIP's DHCP hooks (what lwIP asks for beyond its own
   options, what the replies carry of them) and the checks a lease passes before the kernel
   uses any of it (net/lease_opts.h). Plain C: it builds for the kernel and for host tests. */
#include "net/lease_opts.h"
#include "kernel/lib/string.h"
#include "lwip/pbuf.h"
#include "lwip/prot/dhcp.h"
#include "arch/sys_arch.h"

#define LEASE_OPT_PAD 0
#define LEASE_OPT_PRL 55
#define LEASE_OPT_END 255

struct lease_opts lease_rx;
bool lease_requested;

/* Where the parameter request list starts in options[0..end), or end when there is none or
   the options before it are malformed. */
static size_t lease_prl_find(const uint8_t *o, size_t end)
{
	size_t at = 0;
	while (at < end && o[at] != LEASE_OPT_END) {
		if (o[at] == LEASE_OPT_PAD) {
			at++;
			continue;
		}
		if (at + 2 > end || at + 2 + o[at + 1] > end)
			return end;
		if (o[at] == LEASE_OPT_PRL)
			return at;
		at += 2 + (size_t)o[at + 1];
	}
	return end;
}

/* Is code among list[0..n)? */
static bool lease_has(const uint8_t *list, size_t n, uint8_t code)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == code)
			return true;
	return false;
}

void lease_prl_extend(uint8_t *options, uint16_t *len, size_t cap, const uint8_t *add, size_t n)
{
	size_t end = *len, at = lease_prl_find(options, end);
	if (at >= end)
		return;
	size_t list = at + 2, plen = options[at + 1], after = list + plen, extra = 0;
	for (size_t i = 0; i < n; i++)
		extra += !lease_has(options + list, plen, add[i]) && !lease_has(add, i, add[i]);
	if (!extra || plen + extra > 255 || end + extra > cap || end + extra > UINT16_MAX)
		return;
	memmove(options + after + extra, options + after, end - after);
	size_t w = after;
	for (size_t i = 0; i < n; i++)
		if (!lease_has(options + list, plen, add[i]) && !lease_has(add, i, add[i]))
			options[w++] = add[i];
	options[at + 1] = (uint8_t)(plen + extra);
	*len = (uint16_t)(end + extra);
}

static bool lease_unicast(const uint8_t a[4])
{
	return a[0] != 0 && a[0] != 127 && a[0] < 224;
}

static void lease_record_dns(struct lease_opts *o, const uint8_t *val, size_t len)
{
	if (!len || len % 4)
		return;
	for (size_t i = 0; i < len && o->ndns < LEASE_DNS_MAX; i += 4) {
		bool seen = !lease_unicast(val + i);
		for (unsigned k = 0; k < o->ndns && !seen; k++)
			seen = !memcmp(o->dns[k], val + i, 4);
		if (!seen)
			memcpy(o->dns[o->ndns++], val + i, 4);
	}
}

/* A DNS name: labels of 1 to 63 letters, digits, '-' or '_' joined by single dots. */
static bool lease_name_ok(const uint8_t *s, size_t len)
{
	size_t label = 0;
	if (!len || len > LEASE_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = s[i];
		if (c == '.') {
			if (!label)
				return false;
			label = 0;
			continue;
		}
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_';
		if (!ok || ++label > 63)
			return false;
	}
	return label > 0;
}

void lease_opts_record(struct lease_opts *o, uint8_t code, const uint8_t *val, size_t len)
{
	switch (code) {
	case LEASE_OPT_DNS:
		lease_record_dns(o, val, len);
		break;
	case LEASE_OPT_DOMAIN:
		while (len && !val[len - 1])
			len--;          /* some servers count a C string's NUL */
		if (len && val[len - 1] == '.')
			len--;
		if (lease_name_ok(val, len)) {
			memcpy(o->domain, val, len);
			o->domain[len] = 0;
		}
		break;
	case LEASE_OPT_MTU:
		if (len == 2 && (val[0] << 8 | val[1]) >= LEASE_MTU_MIN)
			o->mtu = (uint16_t)(val[0] << 8 | val[1]);
		break;
	}
}

/* An address in host order, from network order. */
static uint32_t lease_host(uint32_t be)
{
	const uint8_t *b = (const uint8_t *)&be;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint32_t lease_mask(int prefix)
{
	return prefix > 0 ? 0xffffffffu << (32 - prefix) : 0;
}

int lease_prefix(uint32_t mask)
{
	uint32_t m = lease_host(mask);
	int p = 0;
	while (p < 32 && (m & (0x80000000u >> p)))
		p++;
	return p;
}

/* Unicast, outside 0/8 and 127/8, and (in a subnet with such addresses) neither the network
   nor the broadcast address of net/prefix. */
static bool lease_host_ok(uint32_t h, uint32_t net, int prefix)
{
	uint32_t first = h >> 24, m = lease_mask(prefix);
	if (first == 0 || first == 127 || first >= 224)
		return false;
	if ((h & m) != (net & m) || prefix >= 31)
		return true;
	return (h & ~m) != 0 && (h & ~m) != ~m;
}

bool lease_addr_ok(uint32_t ip, int prefix)
{
	if (prefix < 0 || prefix > 32)
		return false;
	uint32_t h = lease_host(ip);
	return lease_host_ok(h, h, prefix);
}

bool lease_gw_ok(uint32_t ip, int prefix, uint32_t gw, bool *onlink)
{
	uint32_t h = lease_host(ip), g = lease_host(gw), m = lease_mask(prefix);
	*onlink = (g & m) != (h & m);
	return prefix >= 0 && prefix <= 32 && g != h && lease_host_ok(g, h, prefix);
}

/* Appends s to buf[*at..cap), keeping room for the NUL; false when it does not fit. */
static bool lease_put(char *buf, size_t cap, size_t *at, const char *s)
{
	size_t n = strlen(s);
	if (*at + n >= cap)
		return false;
	memcpy(buf + *at, s, n + 1);
	*at += n;
	return true;
}

static bool lease_put_byte(char *buf, size_t cap, size_t *at, unsigned v)
{
	char d[4];
	int i = 3;
	d[3] = 0;
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return lease_put(buf, cap, at, d + i);
}

size_t lease_resolv_conf(const struct lease_opts *o, char *buf, size_t cap)
{
	size_t at = 0;
	bool ok = cap > 0;
	if (ok)
		buf[0] = 0;
	for (unsigned k = 0; ok && k < o->ndns && k < LEASE_DNS_MAX; k++) {
		ok = lease_put(buf, cap, &at, "nameserver ");
		for (int b = 0; ok && b < 4; b++)
			ok = lease_put_byte(buf, cap, &at, o->dns[k][b]) &&
			     lease_put(buf, cap, &at, b < 3 ? "." : "\n");
	}
	if (ok && o->domain[0])
		ok = lease_put(buf, cap, &at, "search ") && lease_put(buf, cap, &at, o->domain) &&
		     lease_put(buf, cap, &at, "\n");
	return at;
}

/* ---- lwIP's DHCP hooks ---- */

void unik_dhcp_append_options(uint8_t *options, uint16_t *len, uint8_t msg_type)
{
	static const uint8_t want[] = { LEASE_OPT_DNS, LEASE_OPT_DOMAIN, LEASE_OPT_MTU };
	if (msg_type != DHCP_DISCOVER && msg_type != DHCP_REQUEST)
		return;
	/* the END option follows what is here */
	lease_prl_extend(options, len, DHCP_OPTIONS_LEN - 1, want, sizeof(want));
	memset(&lease_rx, 0, sizeof(lease_rx));
	if (msg_type == DHCP_REQUEST)
		lease_requested = true;
}

void unik_dhcp_parse_option(uint8_t code, uint8_t len, struct pbuf *p, uint16_t offset)
{
	uint8_t val[255];
	if (code != LEASE_OPT_DNS && code != LEASE_OPT_DOMAIN && code != LEASE_OPT_MTU)
		return;
	/* lwIP has not checked that the value lies within the packet: a short copy is the end */
	if (pbuf_copy_partial(p, val, len, offset) == len)
		lease_opts_record(&lease_rx, code, val, len);
}
