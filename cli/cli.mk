# build/unik: the CLI, the monitor, the image converter, and the guest kernel embedded.
UNIK_SRCS := $(wildcard cli/*.c) $(MONITOR_SRCS) $(IMAGE_SRCS)
UNIK_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(UNIK_SRCS)) $(BUILD)/host/kernel_blob.o

$(BUILD)/host/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

# What is embedded (and so stored in every artifact, decompressed and checksummed at every run)
# is the kernel without its debug sections, a quarter of the size; build/kernel.elf keeps them
# for gdb. The symbol table stays: the monitor finds unik_kernel_header through it.
$(BUILD)/kernel-run.elf: $(BUILD)/kernel.elf
	objcopy --strip-debug $< $@

$(BUILD)/host/kernel_blob.o: cli/kernel_blob.S $(BUILD)/kernel-run.elf
	@mkdir -p $(dir $@)
	$(HOST_CC) -c -DKERNEL_ELF='"$(BUILD)/kernel-run.elf"' $< -o $@

# The heavy libraries are linked statically: loading and relocating them (libcrypto, libxml2 and
# libicu behind libarchive) cost ~8 ms of every `unik run`, more than booting the VM.
UNIK_STATIC_LIBS := -larchive -lxml2 -ljansson -lzstd -lcrypto -lelf -lnettle -llz4 -lz -llzma -lbz2
$(BUILD)/unik: $(UNIK_OBJS)
	$(HOST_CC) -o $@ $(UNIK_OBJS) -Wl,-Bstatic $(UNIK_STATIC_LIBS) -Wl,-Bdynamic -lpthread -ldl

# The OCI runtime is the same binary under the name docker and containerd are given.
all test: $(BUILD)/unik-runtime
$(BUILD)/unik-runtime: $(BUILD)/unik
	ln -sf unik $@

UNIT_TESTS += test_oci_spec
test_oci_spec_SRCS := tests/unit/test_oci_spec.c cli/oci_spec.c cli/caps.c
test_oci_spec_LDLIBS := -ljansson
UNIT_TESTS += test_oci_state
test_oci_state_SRCS := tests/unit/test_oci_state.c cli/runtime_state.c
test_oci_state_LDLIBS := -ljansson
