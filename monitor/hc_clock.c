/* Clock hypercall: the host's wall and monotonic time. */
#include <time.h>
#include "monitor/hc.h"

enum hc_result hc_clock_get(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct timespec rt, mono;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	struct unik_hc_clock c = {
		.realtime_ns = rt.tv_sec * 1000000000ll + rt.tv_nsec,
		.monotonic_ns = mono.tv_sec * 1000000000ll + mono.tv_nsec,
	};
	return gmem_write(&ctx->mem, arg, &c, sizeof(c)) ? HC_BAD : HC_OK;
}
