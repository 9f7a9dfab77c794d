# unik: one non-recursive build. Each folder contributes a fragment (*.mk) that appends to the
# variables below; host and guest code are compiled with separate flags into build/.
BUILD      := build
CC         ?= gcc
HOST_CC    := gcc
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -Iinclude -I. -MMD -MP
HOST_LDLIBS :=
# Guest (libOS) code: freestanding, kernel code model, no SSE so program FPU state is never touched.
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -ffreestanding -fno-pic \
	-fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-builtin -nostdlib -Iinclude -I. -Ikernel/include -MMD -MP
# Unit tests: guest and host logic compiled for the host with sanitizers.
TEST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -Iinclude -I. -Ikernel/include \
	-fsanitize=address,undefined -fno-omit-frame-pointer -DUNIK_HOST_TEST -MMD -MP
TEST_LDLIBS := -lcmocka -fsanitize=address,undefined

UNIT_TESTS :=
HOST_OBJS  :=
DEPS_STAMP := $(BUILD)/.deps

.PHONY: all test unit-test demo clean deps
all: $(BUILD)/unik

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh
	@mkdir -p $(BUILD)
	sh scripts/deps.sh
	@touch $@

include kernel/kernel.mk
include loader/loader.mk
include vfs/vfs.mk
include monitor/monitor.mk
include image/image.mk
include cli/cli.mk
include net/lwip.mk
include tests/tests.mk
include compat-tests/compat.mk
include bench/bench.mk

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# The demo: a busybox-static container image built here with umoci and skopeo (as an OCI
# archive), converted with `unik convert`, run with `unik run`; and a bare static program.
DEMO := $(BUILD)/demo
$(DEMO)/bb.unik: $(BUILD)/unik tests/e2e/convert/build-image.sh
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	@bash tests/e2e/convert/build-image.sh $(DEMO) >$(DEMO)/build.log 2>&1 || { cat $(DEMO)/build.log; exit 1; }
	$(BUILD)/unik convert $(DEMO)/oa.tar -o $@

demo: $(DEMO)/bb.unik $(BUILD)/compat/musl/hello
	@echo "== unik inspect $(DEMO)/bb.unik"
	@$(BUILD)/unik inspect $(DEMO)/bb.unik | sed -n '1,2p;9,99p'
	@echo "== unik run $(DEMO)/bb.unik   (Entrypoint /bin/sh, Cmd -c 'echo hi', user app, /data)"
	@$(BUILD)/unik run $(DEMO)/bb.unik
	@echo "== unik run --stats --entrypoint /bin/busybox $(DEMO)/bb.unik ls -l   (in WorkingDir /data)"
	@$(BUILD)/unik run --stats --entrypoint /bin/busybox $(DEMO)/bb.unik ls -l
	@echo "== unik run $(BUILD)/compat/musl/hello   (a bare static program)"
	@$(BUILD)/unik run $(BUILD)/compat/musl/hello
