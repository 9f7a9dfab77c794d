/* What the monitor's volume tests share (hc_fixture.c): a byte array standing in for guest
   memory and a scratch directory on the host standing in for what the user shares. */
#ifndef TESTS_HC_FIXTURE_H
#define TESTS_HC_FIXTURE_H
#include <stdint.h>
#include "monitor/hc.h"

/* Zeroes ctx and gives it mem bytes of zeroed guest memory (returned); makes the directory
   tmp from a mkdtemp template ("/tmp/NAME.XXXXXX"). ctx->file is left for the test. */
uint8_t *hc_fixture_start(struct hc_ctx *ctx, uint64_t mem, char *tmp);
/* Frees ctx->file and the guest memory, removes tmp and all below it. */
void hc_fixture_end(struct hc_ctx *ctx, uint8_t *guest, const char *tmp);
#endif
