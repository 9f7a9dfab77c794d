/* Guest memory as the monitor sees it, and the one checked translation from guest-physical
   addresses to host pointers. */
#ifndef MONITOR_GMEM_H
#define MONITOR_GMEM_H
#include <stdint.h>
#include <stddef.h>
#include "unik/abi.h"

struct gmem {
	uint8_t *base;          /* host mapping of guest-physical 0 .. size */
	uint64_t size;
	const uint8_t *img;     /* the read-only image slot: img_gpa .. img_gpa + img_len */
	uint64_t img_gpa, img_len;
};

/* Host pointer for [gpa, gpa+len) if the whole range lies inside guest memory (overflow-safe),
   else NULL. len 0 is valid for any gpa <= size. */
void *gmem_ptr(const struct gmem *g, unik_gpa_t gpa, uint64_t len);
/* Host pointer for data the host only reads (what the guest writes out): guest memory as
   gmem_ptr, or a range inside the read-only image. NULL otherwise. */
const void *gmem_src(const struct gmem *g, unik_gpa_t gpa, uint64_t len);
/* Copies a struct out of guest memory once (no double fetch). 0 or -1 if out of range. */
int gmem_read(const struct gmem *g, unik_gpa_t gpa, void *dst, uint64_t len);
int gmem_write(const struct gmem *g, unik_gpa_t gpa, const void *src, uint64_t len);
#endif
