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
include tests/tests.mk
include compat-tests/compat.mk
include bench/bench.mk

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# The demo: a small program built here, run natively and in a VM, with the run's statistics.
demo: $(BUILD)/unik $(BUILD)/compat/musl/hello $(BUILD)/compat/glibc-pie/uname
	@echo "== native:"; $(BUILD)/compat/musl/hello
	@echo "== unik run --stats $(BUILD)/compat/musl/hello:"
	@$(BUILD)/unik run --stats $(BUILD)/compat/musl/hello
	@echo "== unik run $(BUILD)/compat/glibc-pie/uname (glibc, static-pie):"
	@$(BUILD)/unik run $(BUILD)/compat/glibc-pie/uname
	@echo "== unik run /bin/busybox seq 3 (Debian's busybox-static):"
	@$(BUILD)/unik run /bin/busybox seq 3
