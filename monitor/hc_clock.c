/* Clock hypercall: the host's wall and monotonic time. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <time.h>
#include "monitor/hc.h"
#include "monitor/net.h"

/* Sleeping blocks the VM (one vCPU, nothing else can run): no host CPU is burnt. A host signal
   cuts it short so the monitor can stop the guest promptly, and so do received frames the guest
   asked to be woken for (UNIK_HC_WAKE_NET) and host changes of files it watches
   (UNIK_HC_WAKE_FS). The length is capped at a day per call; the guest repeats for longer
   sleeps. */
enum hc_result hc_sleep_call(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_hc_sleep s;
	if (gmem_read(&ctx->mem, arg, &s, sizeof(s)))
		return HC_BAD;
	int64_t ns = s.ns < 0 ? 0 : s.ns > 86400ll * 1000000000ll ? 86400ll * 1000000000ll : s.ns;
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };
	struct pollfd pfd[2] = { { .fd = ctx->wake_fd > 0 ? ctx->wake_fd : -1, .events = POLLIN },
				 { .fd = hc_file_notify_fd(ctx->file), .events = POLLIN } };
	if (ctx->wake_fd > 0 && hc_net_wake_pending(ctx)) {
		s.ret = UNIK_HC_WAKE_NET;
		hc_net_wake_clear(ctx);
	} else if (hc_file_notify_pump(ctx)) {
		s.ret = UNIK_HC_WAKE_FS;
	} else if (pfd[0].fd < 0 && pfd[1].fd < 0) {
		s.ret = nanosleep(&ts, &ts) ? -EINTR : 0;
	} else {
		int n = ppoll(pfd, 2, &ts, NULL);
		s.ret = n < 0 ? -EINTR : 0;
		if (n > 0 && pfd[0].revents) {
			s.ret |= UNIK_HC_WAKE_NET;
			hc_net_wake_clear(ctx);
		}
		if (n > 0 && pfd[1].revents && hc_file_notify_pump(ctx))
			s.ret |= UNIK_HC_WAKE_FS;
	}
	return gmem_write(&ctx->mem, arg + __builtin_offsetof(struct unik_hc_sleep, ret), &s.ret,
			  sizeof(s.ret)) ? HC_BAD : HC_OK;
}

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
