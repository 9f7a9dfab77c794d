# The host monitor (KVM, guest memory, hypercall handlers).
MONITOR_SRCS := $(wildcard monitor/*.c) loader/elf.c
MONITOR_LDLIBS := -lelf

# libslirp is dlopen'd at run time (monitor/net_slirp.c says why): only its header is needed to
# build, <slirp/libslirp.h>, from the Debian package libslirp-dev.

# The hypercall handlers a test links (no KVM in them).
MONITOR_HC_SRCS := monitor/gmem.c monitor/hc.c monitor/hc_console.c monitor/hc_clock.c \
	monitor/hc_file.c monitor/hc_file_io.c monitor/hc_file_xattr.c monitor/hc_file_notify.c \
	monitor/hc_mem.c monitor/hc_net.c monitor/net_slirp.c \
	monitor/net_tap.c

UNIT_TESTS += test_monitor
test_monitor_SRCS := tests/unit/test_monitor.c $(MONITOR_HC_SRCS)
test_monitor_LDLIBS := -ldl -lpthread

UNIT_TESTS += test_hc_file
test_hc_file_SRCS := tests/unit/test_hc_file.c tests/unit/hc_fixture.c $(MONITOR_HC_SRCS)
test_hc_file_LDLIBS := -ldl -lpthread

UNIT_TESTS += test_hc_xattr
test_hc_xattr_SRCS := tests/unit/test_hc_xattr.c tests/unit/hc_fixture.c $(MONITOR_HC_SRCS)
test_hc_xattr_LDLIBS := -ldl -lpthread

# The NIC: ring protocol between net/nic_ring.c (the guest's half) and the monitor's, hostile
# rings, and frames through a real libslirp.
UNIT_TESTS += test_net
test_net_SRCS := tests/unit/test_net.c net/nic_ring.c $(MONITOR_HC_SRCS)
test_net_LDLIBS := -ldl -lpthread

# Host changes of watched volume files: what is reported and what is the guest's own, the
# confinement of watches, their bound, floods and hostile events.
UNIT_TESTS += test_hc_notify
test_hc_notify_SRCS := tests/unit/test_hc_notify.c tests/unit/hc_fixture.c $(MONITOR_HC_SRCS)
test_hc_notify_LDLIBS := -ldl -lpthread
