# The guest kernel (libOS core + fast-mode entry layer) -> build/kernel.elf, embedded in build/unik.
KERNEL_C := $(wildcard kernel/*.c kernel/lib/*.c kernel/mm/*.c kernel/arch/*.c) \
	$(wildcard syscalls/*.c) $(wildcard vfs/*.c) $(wildcard net/*.c) loader/elf.c loader/stack.c
KERNEL_S := $(wildcard kernel/arch/*.S)
KERNEL_OBJS := $(patsubst %.c,$(BUILD)/guest/%.o,$(KERNEL_C)) \
	$(patsubst %.S,$(BUILD)/guest/%.o,$(KERNEL_S)) $(BUILD)/guest/gen/syscall_table.o
GEN := $(BUILD)/gen

$(GEN)/syscall_table.c $(GEN)/syscall_decls.h docs/syscalls.md: syscalls/syscall_64.tbl syscalls/gen-table.sh
	@mkdir -p $(GEN) docs
	sh syscalls/gen-table.sh syscalls/syscall_64.tbl $(GEN)/syscall_table.c $(GEN)/syscall_decls.h docs/syscalls.md

$(BUILD)/guest/%.o: %.c $(GEN)/syscall_decls.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guest/%.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guest/gen/syscall_table.o: $(GEN)/syscall_table.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/kernel.elf: $(KERNEL_OBJS) kernel/kernel.ld
	$(CC) -nostdlib -static -no-pie -Wl,-T,kernel/kernel.ld -Wl,--build-id=none \
		-Wl,-z,max-page-size=4096 -o $@ $(KERNEL_OBJS) -lgcc

# Unit tests of guest logic compiled for the host (tests/unit/kstub.c stands in for the rest).
UNIT_TESTS += test_vma test_mm test_pmm test_sigqueue
test_sigqueue_SRCS := tests/unit/test_sigqueue.c tests/unit/kstub.c kernel/sigqueue.c
test_pmm_SRCS := tests/unit/test_pmm.c kernel/mm/pmm.c
UNIT_TESTS += test_spinlock
test_spinlock_SRCS := tests/unit/test_spinlock.c
test_spinlock_LDLIBS := -lpthread
test_vma_SRCS := tests/unit/test_vma.c tests/unit/kstub.c tests/unit/kstub_inode.c kernel/mm/vma.c
test_mm_SRCS := tests/unit/test_mm.c tests/unit/kstub.c tests/unit/kstub_inode.c kernel/mm/vma.c \
	kernel/mm/mm.c kernel/mm/pt.c kernel/arch/sites.c
# The VFS (path walk, tmpfs, the layer over an image built by image/'s writer) and fd tables.
VFS_TEST_SRCS := tests/unit/kstub.c tests/unit/kstub_vfs.c vfs/dcache.c vfs/namei.c vfs/open.c \
	vfs/tmpfs.c vfs/tmpfs_dir.c vfs/tmpfs_xattr.c vfs/textpage.c vfs/pagetab.c vfs/file.c vfs/locks.c \
	vfs/acl.c vfs/blob.c vfs/fsnotify.c
UNIT_TESTS += test_vfs_walk test_vfs_layer test_vfs_acl test_fdtable
test_vfs_walk_SRCS := tests/unit/test_vfs_walk.c $(VFS_TEST_SRCS)
test_vfs_acl_SRCS := tests/unit/test_vfs_acl.c $(VFS_TEST_SRCS)
test_vfs_layer_SRCS := tests/unit/test_vfs_layer.c tests/unit/vfs_image.c $(VFS_TEST_SRCS) \
	image/imgfs_write.c image/tree.c image/util.c
test_vfs_layer_LDLIBS := -lcrypto
test_fdtable_SRCS := tests/unit/test_fdtable.c tests/unit/kstub.c vfs/file.c vfs/locks.c
