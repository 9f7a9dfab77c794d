/* Guest memory and a scratch host directory for the monitor's volume tests (hc_fixture.h). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/hc_fixture.h"

uint8_t *hc_fixture_start(struct hc_ctx *ctx, uint64_t mem, char *tmp)
{
	uint8_t *guest = calloc(1, mem);
	assert_non_null(guest);
	memset(ctx, 0, sizeof(*ctx));
	ctx->mem.base = guest;
	ctx->mem.size = mem;
	assert_non_null(mkdtemp(tmp));
	return guest;
}

void hc_fixture_end(struct hc_ctx *ctx, uint8_t *guest, const char *tmp)
{
	hc_file_free(ctx->file);
	ctx->file = NULL;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
	free(guest);
}
