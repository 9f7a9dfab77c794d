/* Hypercall handling: one module per device family registers its handlers in a table; the vCPU
   loop only decodes the port write. Handlers touch guest memory only through struct gmem, so a
   test can hand them a byte array. */
#ifndef MONITOR_HC_H
#define MONITOR_HC_H
#include <stdint.h>
#include "monitor/gmem.h"

struct hc_ctx {
	struct gmem mem;
	int fd_in, fd_out, fd_err;      /* host fds behind guest fds 0, 1, 2 */
	int exited;                     /* set by UNIK_HC_EXIT */
	int exit_status;
	uint64_t calls[UNIK_HC_MAX];    /* per-number counts for --stats */
};

enum hc_result {
	HC_OK = 0,              /* continue running the guest */
	HC_STOP = 1,            /* the guest asked to stop (ctx->exited) */
	HC_BAD = -1,            /* malformed request: stop the VM as a guest error */
};

typedef enum hc_result (*hc_handler)(struct hc_ctx *ctx, unik_gpa_t arg);

/* Runs hypercall nr with its argument address; unknown numbers are HC_BAD. */
enum hc_result hc_dispatch(struct hc_ctx *ctx, uint32_t nr, unik_gpa_t arg);

enum hc_result hc_console_write(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_console_read(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_clock_get(struct hc_ctx *ctx, unik_gpa_t arg);
enum hc_result hc_exit_call(struct hc_ctx *ctx, unik_gpa_t arg);
#endif
