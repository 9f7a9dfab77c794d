/* Checked guest-memory access. Every guest-supplied address goes through gmem_ptr. */
#include <string.h>
#include "monitor/gmem.h"

void *gmem_ptr(const struct gmem *g, unik_gpa_t gpa, uint64_t len)
{
	if (gpa > g->size || len > g->size - gpa)
		return NULL;
	return g->base + gpa;
}

const void *gmem_src(const struct gmem *g, unik_gpa_t gpa, uint64_t len)
{
	const void *p = gmem_ptr(g, gpa, len);
	if (p || !g->img || gpa < g->img_gpa)
		return p;
	uint64_t at = gpa - g->img_gpa;
	if (at > g->img_len || len > g->img_len - at)
		return NULL;
	return g->img + at;
}

int gmem_read(const struct gmem *g, unik_gpa_t gpa, void *dst, uint64_t len)
{
	const void *p = gmem_ptr(g, gpa, len);
	if (!p)
		return -1;
	memcpy(dst, p, len);
	return 0;
}

int gmem_write(const struct gmem *g, unik_gpa_t gpa, const void *src, uint64_t len)
{
	void *p = gmem_ptr(g, gpa, len);
	if (!p)
		return -1;
	memcpy(p, src, len);
	return 0;
}
