# The host monitor (KVM, guest memory, hypercall handlers).
MONITOR_SRCS := $(wildcard monitor/*.c) loader/elf.c
MONITOR_LDLIBS := -lelf

UNIT_TESTS += test_monitor
test_monitor_SRCS := tests/unit/test_monitor.c monitor/gmem.c monitor/hc.c monitor/hc_console.c \
	monitor/hc_clock.c monitor/hc_file.c monitor/hc_file_io.c

UNIT_TESTS += test_hc_file
test_hc_file_SRCS := tests/unit/test_hc_file.c monitor/gmem.c monitor/hc.c monitor/hc_console.c \
	monitor/hc_clock.c monitor/hc_file.c monitor/hc_file_io.c
