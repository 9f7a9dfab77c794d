# lwIP, the guest's TCP/IP stack: Debian's lwip source package (2.1.3), fetched at build time into
# a cache outside the tree by scripts/lwip-fetch.sh with our fixes (net/lwip/patches) applied,
# compiled freestanding with our port layer (net/lwip) into build/liblwip.a; and test_lwip, the
# port's host unit test.
UNIK_LWIP_DIR ?= /var/cache/unik-build/lwip-2.1.3
LWIP_DIR := $(UNIK_LWIP_DIR)
LWIP_STAMP := $(LWIP_DIR)/.unik-lwip-source
LWIP_PATCHES := $(sort $(wildcard net/lwip/patches/*.patch))
# Only what the configuration in net/lwip/lwipopts.h uses: no apps, DNS, IGMP, PPP, 6LoWPAN.
LWIP_C := core/def.c core/inet_chksum.c core/init.c core/ip.c core/mem.c core/memp.c \
	core/netif.c core/pbuf.c core/raw.c core/tcp.c core/tcp_in.c core/tcp_out.c \
	core/timeouts.c core/udp.c \
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c core/ipv4/ip4_addr.c \
	core/ipv4/ip4_frag.c \
	core/ipv6/ethip6.c core/ipv6/icmp6.c core/ipv6/ip6.c core/ipv6/ip6_addr.c \
	core/ipv6/ip6_frag.c core/ipv6/mld6.c core/ipv6/nd6.c \
	netif/ethernet.c
LWIP_SRCS := $(addprefix $(LWIP_DIR)/src/,$(LWIP_C))
LWIP_INC := -Inet/lwip -I$(LWIP_DIR)/src/include
# The guest build sees no C library headers: the compiler's freestanding ones plus the two that
# lwIP's sources include, from net/lwip/libc.
LWIP_GUEST_CFLAGS := $(GUEST_CFLAGS) -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-Inet/lwip/libc $(LWIP_INC)
LWIP_OBJS := $(patsubst %.c,$(BUILD)/lwip/%.o,$(LWIP_C)) $(BUILD)/lwip/sys_arch.o

all: $(BUILD)/liblwip.a

# A new or changed patch has the script check the cache (it fetches it again when the patches
# it records differ). The objects depend on the stamp, not only on the sources: a tree fetched
# again has the package's old file times (and a header may change under the kernel's users).
# File times are not enough when the cache is shared: another checkout (an older commit) may
# have fetched it again with its own patches after ours, leaving a newer stamp. So the patches
# the stamp records are compared with ours here, and a difference makes the script run.
LWIP_PATCH_LIST := $(foreach p,$(LWIP_PATCHES),patch $(notdir $(p)) $(firstword $(shell sha256sum $(p))))
LWIP_HAVE := $(shell sed 1d $(LWIP_STAMP) 2>/dev/null)
LWIP_REFETCH := $(if $(filter-out $(strip $(LWIP_PATCH_LIST)),$(strip $(LWIP_HAVE)))$(filter-out $(strip $(LWIP_HAVE)),$(strip $(LWIP_PATCH_LIST))),lwip-refetch)
.PHONY: lwip-refetch
$(LWIP_STAMP): scripts/lwip-fetch.sh $(LWIP_PATCHES) $(LWIP_REFETCH) | $(DEPS_STAMP)
	UNIK_LWIP_DIR=$(LWIP_DIR) sh scripts/lwip-fetch.sh
# The sources appear with the fetch.
$(LWIP_SRCS): | $(LWIP_STAMP) ;

$(BUILD)/lwip/%.o: $(LWIP_DIR)/src/%.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(LWIP_GUEST_CFLAGS) -c $< -o $@

$(BUILD)/lwip/sys_arch.o: net/lwip/sys_arch.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(LWIP_GUEST_CFLAGS) -c $< -o $@

$(BUILD)/liblwip.a: $(LWIP_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# The host unit test: the same lwipopts.h and sys_arch.c on the C library, with ASan/UBSan. lwIP
# goes into its own archive so that editing the test does not recompile the stack.
LWIP_HOST_OBJS := $(patsubst %.c,$(BUILD)/lwip-host/%.o,$(LWIP_C))
$(BUILD)/lwip-host/%.o: $(LWIP_DIR)/src/%.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) $(LWIP_INC) -c $< -o $@

$(BUILD)/lwip-host/liblwip.a: $(LWIP_HOST_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

UNIT_TESTS += test_lwip test_lease
LWIP_HOST_PORT := tests/unit/lwip_host.c net/lwip/sys_arch.c net/lease_opts.c
test_lwip_SRCS := tests/unit/test_lwip.c $(LWIP_HOST_PORT)
test_lwip_CFLAGS := $(LWIP_INC)
test_lwip_LDLIBS := $(BUILD)/lwip-host/liblwip.a
# eth0's DHCP lease (net/lease_opts.c): the checks alone, and lwIP's client with the hooks
# against a scripted server on a fake Ethernet link.
test_lease_SRCS := tests/unit/test_lease.c $(LWIP_HOST_PORT)
test_lease_CFLAGS := $(LWIP_INC)
test_lease_LDLIBS := $(BUILD)/lwip-host/liblwip.a
$(BUILD)/tests/test_lwip $(BUILD)/tests/test_lease: $(BUILD)/lwip-host/liblwip.a \
	$(wildcard net/lwip/*.h net/lwip/arch/*.h net/lease_opts.h)

# The kernel's network code that calls lwIP (net/net.c, net/inet*.c, net/nic_netif.c) sees
# lwIP's headers and its libc shims; the kernel links the stack.
LWIP_USERS := $(addprefix $(BUILD)/guest/net/,net.o inet.o inet_tcp.o inet_urg.o inet_udp.o inet_raw.o \
	inet_cmsg.o inet_icmp.o nic_netif.o ifinfo.o ifconfig.o ifioctl.o rtnetlink.o rtnl_change.o \
	procnet.o lease.o lease_opts.o)
$(LWIP_USERS): GUEST_CFLAGS += -Inet/lwip/libc $(LWIP_INC)
$(LWIP_USERS): $(LWIP_STAMP)
KERNEL_OBJS += $(BUILD)/liblwip.a
$(BUILD)/kernel.elf: $(BUILD)/liblwip.a
