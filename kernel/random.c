/* ChaCha20 keystream as a generator (RFC 8439 block function), rekeyed after every request so
   earlier output cannot be recomputed from the state (fast key erasure). */
#include "k/kernel.h"
#include "k/random.h"

static uint32_t random_key[8];
static uint64_t random_counter;

static inline uint32_t rotl(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

#define QR(a, b, c, d) \
	(a += b, d ^= a, d = rotl(d, 16), c += d, b ^= c, b = rotl(b, 12), \
	 a += b, d ^= a, d = rotl(d, 8), c += d, b ^= c, b = rotl(b, 7))

static void chacha_block(uint32_t out[16])
{
	uint32_t s[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	memcpy(&s[4], random_key, 32);
	s[12] = (uint32_t)random_counter;
	s[13] = (uint32_t)(random_counter >> 32);
	s[14] = s[15] = 0;
	random_counter++;
	uint32_t x[16];
	memcpy(x, s, sizeof(x));
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]); QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]); QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]); QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]); QR(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++)
		out[i] = x[i] + s[i];
}

void random_init(void)
{
	memcpy(random_key, boot_info->random, sizeof(random_key));
	uint64_t tsc_lo, tsc_hi;
	__asm__ volatile("rdtsc" : "=a"(tsc_lo), "=d"(tsc_hi));
	random_key[0] ^= (uint32_t)tsc_lo;
	random_counter = 0;
}

void random_bytes(void *buf, size_t len)
{
	uint32_t block[16];
	unsigned char *p = buf;
	while (len) {
		chacha_block(block);
		size_t n = MIN(len, sizeof(block));
		memcpy(p, block, n);
		p += n;
		len -= n;
	}
	chacha_block(block);
	memcpy(random_key, block, sizeof(random_key));
	memset(block, 0, sizeof(block));
}
