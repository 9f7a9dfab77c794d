/* The hypercall table and the exit call. */
#include "monitor/hc.h"

static const hc_handler hc_table[UNIK_HC_MAX] = {
	[UNIK_HC_WRITE] = hc_console_write,
	[UNIK_HC_READ] = hc_console_read,
	[UNIK_HC_EXIT] = hc_exit_call,
	[UNIK_HC_CLOCK] = hc_clock_get,
};

enum hc_result hc_dispatch(struct hc_ctx *ctx, uint32_t nr, unik_gpa_t arg)
{
	if (nr >= UNIK_HC_MAX || !hc_table[nr] || ctx->exited)
		return HC_BAD;
	ctx->calls[nr]++;
	return hc_table[nr](ctx, arg);
}

enum hc_result hc_exit_call(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_exit e;
	if (gmem_read(&ctx->mem, arg, &e, sizeof(e)))
		return HC_BAD;
	ctx->exited = 1;
	ctx->exit_status = e.status & 0xff;
	return HC_STOP;
}
