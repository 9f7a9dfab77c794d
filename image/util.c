/* Converter utilities: error context, byte buffers, sha256 and digest strings. */
#define OPENSSL_API_COMPAT 0x10100000L  /* SHA256_Init & co: no provider loading */
#include "image/imgint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/sha.h>

void img_ctx_init(struct img_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->lim.max_entries = 1u << 20;
	c->lim.max_bytes = 16ull << 30;
	c->lim.max_depth = 256;
	c->lim.max_ratio = 1000;
	c->lim.ratio_floor = 64ull << 20;
	c->lim.max_layers = 256;
	c->lim.max_json = 16u << 20;
	c->log = stderr;
}

static int img_vfail(struct img_ctx *c, int code, const char *member, const char *fmt, va_list ap)
{
	if (!c->failed) {
		size_t n = 0;
		if (member && *member)
			n = (size_t)snprintf(c->err, sizeof(c->err), "%s: ", member);
		if (n < sizeof(c->err))
			vsnprintf(c->err + n, sizeof(c->err) - n, fmt, ap);
		c->failed = 1;
	}
	return code;
}

int img_fail(struct img_ctx *c, const char *member, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = img_vfail(c, -EINVAL, member, fmt, ap);
	va_end(ap);
	return r;
}

int img_failc(struct img_ctx *c, int code, const char *member, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = img_vfail(c, code, member, fmt, ap);
	va_end(ap);
	return r;
}

void img_note(struct img_ctx *c, const char *fmt, ...)
{
	va_list ap;
	if (!c->log)
		return;
	va_start(ap, fmt);
	vfprintf(c->log, fmt, ap);
	va_end(ap);
	fputc('\n', c->log);
}

int buf_reserve(struct buf *b, size_t extra)
{
	if (b->cap - b->len >= extra)
		return 0;
	if (extra > SIZE_MAX / 2 - b->len)
		return -ENOMEM;
	size_t ncap = b->cap ? b->cap : 4096;
	while (ncap - b->len < extra)
		ncap *= 2;
	uint8_t *np = realloc(b->p, ncap);
	if (!np)
		return -ENOMEM;
	b->p = np;
	b->cap = ncap;
	return 0;
}

int buf_put(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n))
		return -ENOMEM;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

int buf_zero(struct buf *b, size_t n)
{
	if (buf_reserve(b, n))
		return -ENOMEM;
	memset(b->p + b->len, 0, n);
	b->len += n;
	return 0;
}

void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void sha256(const void *p, size_t n, uint8_t out[32])
{
	/* The low-level interface: EVP's first use loads OpenSSL 3's provider tables, which cost
	   ~3 ms of every `unik run`. */
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, p, n);
	SHA256_Final(out, &c);
}

void sha256_hex(const uint8_t d[32], char out[65])
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[64] = 0;
}

int digest_parse(const char *s, char hex[65])
{
	if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + 64)
		return -EINVAL;
	for (int i = 0; i < 64; i++) {
		char ch = s[7 + i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return -EINVAL;
		hex[i] = ch;
	}
	hex[64] = 0;
	return 0;
}

void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);
	if (!p) {
		fprintf(stderr, "unik: out of memory\n");
		abort();
	}
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xcalloc(n + 1, 1);
	memcpy(p, s, n);
	return p;
}

char *xstrjoin(const char *a, const char *sep, const char *b)
{
	size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
	char *s = xcalloc(la + ls + lb + 1, 1);
	memcpy(s, a, la);
	memcpy(s + la, sep, ls);
	memcpy(s + la + ls, b, lb);
	return s;
}
