# Compat test programs: every compat-tests/src/NAME.c is built three ways, as Linux builds them, into
# $(BUILD)/compat/{musl,glibc,glibc-pie}/NAME. compat-tests/run.sh runs each natively and under unik.
COMPAT_SRCS     := $(wildcard compat-tests/src/*.c)
COMPAT_PROGS    := $(patsubst compat-tests/src/%.c,%,$(COMPAT_SRCS))
COMPAT_FLAVOURS := musl glibc glibc-pie
COMPAT_BINS     := $(foreach f,$(COMPAT_FLAVOURS),$(addprefix $(BUILD)/compat/$(f)/,$(COMPAT_PROGS)))
COMPAT_CFLAGS   := -std=gnu11 -O2 -Wall -Wextra -Wno-unused-parameter
COMPAT_LDLIBS   := -lm
COMPAT_HDRS     := $(wildcard compat-tests/src/*.h)

.PHONY: compat-build
compat-build: $(COMPAT_BINS)

$(BUILD)/compat/musl/%: compat-tests/src/%.c $(COMPAT_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	musl-gcc -static $(COMPAT_CFLAGS) -o $@ $< $(COMPAT_LDLIBS)

$(BUILD)/compat/glibc/%: compat-tests/src/%.c $(COMPAT_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	gcc -static $(COMPAT_CFLAGS) -o $@ $< $(COMPAT_LDLIBS)

$(BUILD)/compat/glibc-pie/%: compat-tests/src/%.c $(COMPAT_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	gcc -static-pie -fPIE $(COMPAT_CFLAGS) -o $@ $< $(COMPAT_LDLIBS)
