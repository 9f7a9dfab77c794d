/* KVM set-up: VM, lazily backed guest memory, the program file mapped into it, CPUID/XSAVE
   passthrough, and the vCPU state for the kernel's first instruction. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <cpuid.h>
#include <linux/kvm.h>
#include "monitor/vm.h"

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_IA32_TSC 0x10
#define CR0_PG_WP_NE_ET_MP_PE_AM 0x80050033ull
#define CR4_PAE (1u << 5)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_FSGSBASE (1u << 16)
#define CR4_OSXSAVE (1u << 18)
#define CR4_PKE (1u << 22)

static int vm_fail(const char *what)
{
	fprintf(stderr, "unik: %s: %s\n", what, strerror(errno));
	return 125;
}

static struct kvm_cpuid2 *vm_supported_cpuid(int kvm)
{
	for (int n = 128; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return NULL;
		c->nent = (uint32_t)n;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG)
			return NULL;
	}
	return NULL;
}

static struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	return NULL;
}

/* kvm_pvm reports a stripped feature set in KVM_GET_SUPPORTED_CPUID, while guest code at CPL3
   runs natively on the host CPU (and sees its features). Programs must see what their code will
   actually run on, so the feature leaves come from the host's CPUID instruction. */
static void cpuid_from_host(struct kvm_cpuid2 *c)
{
	static const uint32_t leaves[][2] = { { 1, 0 }, { 7, 0 }, { 0xd, 0 }, { 0xd, 1 },
					      { 0x80000001, 0 } };
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		struct kvm_cpuid_entry2 *e = cpuid_find(c, leaves[i][0], leaves[i][1]);
		if (!e)
			continue;
		uint32_t a, b, cc, d;
		__cpuid_count(leaves[i][0], leaves[i][1], a, b, cc, d);
		if (leaves[i][0] == 1) {
			/* Keep KVM's APIC id and topology (ebx); features from the host, plus the
			   hypervisor bit, minus OSXSAVE (KVM derives it from the guest CR4). */
			e->ecx = (cc & ~(1u << 27)) | (1u << 31);
			e->edx = d;
		} else {
			e->eax = a;
			e->ebx = b;
			e->ecx = leaves[i][0] == 7 ? (cc & ~(1u << 4)) : cc;   /* OSPKE: from CR4 */
			e->edx = d;
		}
	}
}

/* Passes the host's features through; returns the XCR0 to enable and whether PKU exists. */
static int vm_setup_cpuid(struct vm *vm, uint64_t *xcr0, bool *pku, bool *fsgsbase)
{
	struct kvm_cpuid2 *c = vm_supported_cpuid(vm->kvm);
	if (!c)
		return vm_fail("KVM_GET_SUPPORTED_CPUID");
	cpuid_from_host(c);
	struct kvm_cpuid_entry2 *l7 = cpuid_find(c, 7, 0), *ld = cpuid_find(c, 0xd, 0);
	*pku = l7 && (l7->ecx & (1u << 3));
	*fsgsbase = l7 && (l7->ebx & 1u);
	/* x87, SSE, AVX, AVX-512 state and PKRU: what Linux enables for programs. */
	*xcr0 = ld ? (((uint64_t)ld->edx << 32 | ld->eax) & 0x2e7ull) : 3;
	int r = ioctl(vm->vcpu, KVM_SET_CPUID2, c);
	free(c);
	return r ? vm_fail("KVM_SET_CPUID2") : 0;
}

/* Hands the guest the CPUID the vCPU answers, as KVM holds it after the guest's CR4 and XCR0
   are set (it updates OSXSAVE, OSPKE and the XSAVE sizes itself), so the core's own queries
   need not exit to the hypervisor (kernel/arch/cpuid.c). */
static int vm_setup_cpuid_table(struct vm *vm)
{
	struct unik_boot_info *bi = gmem_ptr(&vm->mem, UNIK_BOOT_INFO_GPA, sizeof(*bi));
	struct unik_cpuid *t = gmem_ptr(&vm->mem, bi->cpuid_table,
					UNIK_CPUID_MAX * sizeof(struct unik_cpuid));
	size_t size = sizeof(struct kvm_cpuid2) + UNIK_CPUID_MAX * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = calloc(1, size);
	if (!c || !t)
		return free(c), vm_fail("the CPUID table");
	c->nent = UNIK_CPUID_MAX;
	if (ioctl(vm->vcpu, KVM_GET_CPUID2, c)) {
		free(c);
		return vm_fail("KVM_GET_CPUID2");
	}
	for (uint32_t i = 0; i < c->nent && i < UNIK_CPUID_MAX; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];
		t[i] = (struct unik_cpuid){
			.function = e->function, .index = e->index,
			.flags = (e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ? UNIK_CPUID_INDEXED : 0,
			.eax = e->eax, .ebx = e->ebx, .ecx = e->ecx, .edx = e->edx,
		};
	}
	bi->cpuid_count = c->nent < UNIK_CPUID_MAX ? c->nent : UNIK_CPUID_MAX;
	free(c);
	return 0;
}

static void seg(struct kvm_segment *s, uint16_t sel, int code, int dpl)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->present = 1;
	s->dpl = (uint8_t)dpl;
	s->s = 1;
	s->g = 1;
	s->type = code ? 11 : 3;
	s->l = code ? 1 : 0;
	s->db = code ? 0 : 1;
}

static int vm_setup_sregs(struct vm *vm, const struct vm_config *cfg, bool pku, bool fsgsbase)
{
	struct kvm_sregs s;
	if (ioctl(vm->vcpu, KVM_GET_SREGS, &s))
		return vm_fail("KVM_GET_SREGS");
	int dpl = cfg->mode == UNIK_MODE_FAST ? 3 : 0;
	seg(&s.cs, dpl ? UNIK_SEL_UCODE : UNIK_SEL_KCODE, 1, dpl);
	seg(&s.ss, dpl ? UNIK_SEL_UDATA : UNIK_SEL_KDATA, 0, dpl);
	s.ds = s.es = s.fs = s.gs = s.ss;
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.selector = UNIK_SEL_TSS;
	s.tr.base = vm->khdr.tss;
	s.tr.limit = (uint32_t)vm->khdr.tss_limit;
	s.tr.type = 11;
	s.tr.present = 1;
	s.gdt.base = vm->khdr.gdt;
	s.gdt.limit = (uint16_t)vm->khdr.gdt_limit;
	s.idt.base = vm->khdr.idt;
	s.idt.limit = (uint16_t)vm->khdr.idt_limit;
	s.cr0 = CR0_PG_WP_NE_ET_MP_PE_AM;
	s.cr3 = vm->pml4;
	s.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE |
		(fsgsbase ? CR4_FSGSBASE : 0) | (pku ? CR4_PKE : 0);
	s.efer = 0xd01;         /* SCE | LME | LMA | NXE */
	if (ioctl(vm->vcpu, KVM_SET_SREGS, &s))
		return vm_fail("KVM_SET_SREGS");
	return 0;
}

static int vm_setup_msrs(struct vm *vm)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[4];
	} m;
	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 4;
	m.e[0].index = MSR_STAR;
	m.e[0].data = ((uint64_t)0x23 << 48) | ((uint64_t)UNIK_SEL_KCODE << 32);
	m.e[1].index = MSR_LSTAR;
	m.e[1].data = vm->khdr.syscall_entry;
	m.e[2].index = MSR_CSTAR;
	m.e[2].data = 0;
	m.e[3].index = MSR_SFMASK;
	m.e[3].data = 0x47700;  /* TF DF IF IOPL AC NT, as Linux */
	if (ioctl(vm->vcpu, KVM_SET_MSRS, &m) != 4)
		return vm_fail("KVM_SET_MSRS");
	return 0;
}

static int vm_setup_regs(struct vm *vm, const struct vm_config *cfg, uint64_t xcr0)
{
	struct kvm_xcrs x;
	memset(&x, 0, sizeof(x));
	x.nr_xcrs = 1;
	x.xcrs[0].xcr = 0;
	x.xcrs[0].value = xcr0;
	if (ioctl(vm->vcpu, KVM_SET_XCRS, &x))
		return vm_fail("KVM_SET_XCRS");
	struct kvm_regs r;
	memset(&r, 0, sizeof(r));
	r.rip = cfg->mode == UNIK_MODE_FAST ? vm->khdr.entry_fast : vm->khdr.entry_isolated;
	r.rsp = vm->khdr.stack_top;
	r.rflags = 0x2;
	if (ioctl(vm->vcpu, KVM_SET_REGS, &r))
		return vm_fail("KVM_SET_REGS");
	return 0;
}

/* Whether the host's epoll accepts fd: Linux refuses files without a poll method (regular
   files, directories, /dev/null, /dev/zero) with EPERM, and the guest's epoll answers the same
   for a console that is one. */
static bool vm_fd_pollable(int fd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return true;
	struct epoll_event ev = { .events = EPOLLIN };
	bool ok = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0 || errno != EPERM;
	close(ep);
	return ok;
}

/* Host terminal facts for fds 0-2 (TCGETS returns the kernel's 36-byte struct termios). Without
   -t the program sees no terminal, as in a container without one: a terminal fd shows as a
   pipe. */
static void vm_tty_info(struct unik_tty *t, uint64_t *rdev, int fd, bool tty)
{
	struct stat st;
	struct winsize ws;
	memset(t, 0, sizeof(*t));
	*rdev = 0;
	if (fstat(fd, &st) == 0) {
		t->st_mode = st.st_mode;
		if (S_ISCHR(st.st_mode))
			*rdev = st.st_rdev;     /* reported for a character device that is no tty */
	}
	if (!tty) {
		if (isatty(fd))
			t->st_mode = S_IFIFO | 0600;
		return;
	}
	if (ioctl(fd, TCGETS, t->termios) == 0) {
		t->is_tty = 1;
		if (ioctl(fd, TIOCGWINSZ, &ws) == 0) {
			t->ws_row = ws.ws_row;
			t->ws_col = ws.ws_col;
			t->ws_xpixel = ws.ws_xpixel;
			t->ws_ypixel = ws.ws_ypixel;
		}
	}
}

/* Copies argv then envp strings into guest memory at gpa; returns the bytes used or 0. */
static uint64_t vm_put_args(struct vm *vm, uint64_t gpa, const struct vm_config *cfg)
{
	uint64_t off = 0;
	for (int i = 0; i < cfg->argc + cfg->envc; i++) {
		const char *s = i < cfg->argc ? cfg->argv[i] : cfg->envp[i - cfg->argc];
		size_t n = strlen(s) + 1;
		if (gmem_write(&vm->mem, gpa + off, s, n))
			return 0;
		off += n;
	}
	return off ? off : 1;
}

static int vm_fill_boot_info(struct vm *vm, const struct vm_config *cfg, uint64_t args,
			     uint64_t args_len, uint64_t prog, uint64_t prog_len, uint64_t free_start)
{
	struct unik_boot_info *bi = gmem_ptr(&vm->mem, UNIK_BOOT_INFO_GPA, sizeof(*bi));
	memset(bi, 0, sizeof(*bi));
	bi->magic = UNIK_BOOT_MAGIC;
	bi->abi_version = UNIK_ABI_VERSION;
	bi->mode = cfg->mode;
	bi->mem_size = vm->mem.size;
	bi->free_start = free_start;
	bi->pml4 = vm->pml4;
	bi->prog = prog;
	bi->prog_len = prog_len;
	bi->args = args;
	bi->args_len = args_len;
	bi->argc = (uint32_t)cfg->argc;
	bi->envc = (uint32_t)cfg->envc;
	bi->flags = (cfg->trace ? UNIK_BOOT_TRACE : 0) | (cfg->stats ? UNIK_BOOT_STATS : 0) |
		    (cfg->no_rewrite ? UNIK_BOOT_NOREWRITE : 0) | (cfg->tty ? UNIK_BOOT_TTY : 0) |
		    (cfg->container ? UNIK_BOOT_CONTAINER : 0);
	bi->uid = cfg->uid;
	bi->gid = cfg->gid;
	bi->caps_set = cfg->caps_set;
	memcpy(bi->caps, cfg->caps, sizeof(bi->caps));
	bi->rlimit_set = cfg->rlimit_set & 0xffff;
	for (int r = 0; r < 16; r++) {
		bi->rlimits[r].cur = cfg->rlimits[r].cur;
		bi->rlimits[r].max = cfg->rlimits[r].max;
	}
	bi->ngroups = (uint32_t)(cfg->ngroups < 32 ? cfg->ngroups : 32);
	for (uint32_t g = 0; g < bi->ngroups; g++)
		bi->groups[g] = cfg->groups[g];
	if (getrandom(bi->random, sizeof(bi->random), 0) != sizeof(bi->random))
		return vm_fail("getrandom");
	for (int fd = 0; fd < 3; fd++) {    /* a detached input is the terminal all the same */
		int host = fd == 0 && vm->stdin_hold >= 0 && vm->hc.tty_fd >= 0 ? vm->hc.tty_fd : fd;
		vm_tty_info(&bi->tty[fd], &bi->tty_rdev[fd], host, cfg->tty);
		if (!vm_fd_pollable(host))
			bi->tty_nopoll |= 1u << fd;
	}
	snprintf(bi->execfn, sizeof(bi->execfn), "%s", cfg->argv[0]);
	/* A name of HOST_NAME_MAX (64) bytes fills the field without its NUL. */
	char host[HOST_NAME_MAX + 1];
	const char *name = cfg->hostname;
	if (!name)
		name = gethostname(host, sizeof(host)) ? "unik" : host;
	memcpy(bi->hostname, name, strnlen(name, sizeof(bi->hostname)));
	return 0;
}

/* Maps the program file privately over its place in guest memory: lazily read, shared with the
   host page cache, copied only where the guest writes. */
static int vm_map_prog(struct vm *vm, int fd, uint64_t gpa, uint64_t len)
{
	if (!len)
		return 0;
	void *want = vm->mem.base + gpa;
	void *p = mmap(want, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		return vm_fail("mapping the program into guest memory");
	return 0;
}

static int vm_setup_memory(struct vm *vm, const struct vm_config *cfg, int prog_fd,
			   uint64_t prog_len)
{
	vm->mem.size = cfg->mem_size;
	vm->mem.base = mmap(NULL, vm->mem.size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem.base == MAP_FAILED)
		return vm_fail("allocating guest memory");
	madvise(vm->mem.base, vm->mem.size, MADV_DONTFORK);
	uint64_t kend;
	uint64_t rootfs_gpa = cfg->rootfs ? UNIK_ROOTFS_GPA(vm->mem.size) : 0;
	if (boot_load_kernel(vm, cfg->kernel, cfg->kernel_len, &kend) ||
	    boot_build_page_tables(vm, cfg->mode, rootfs_gpa, cfg->rootfs_len))
		return 125;
	/* The CPUID table (filled once the vCPU is set up), then the arguments. */
	uint64_t cpuid_table = (kend + 0xfff) & ~0xfffull;
	uint64_t args = cpuid_table + UNIK_CPUID_MAX * sizeof(struct unik_cpuid);
	uint64_t args_len = vm_put_args(vm, args, cfg);
	uint64_t prog = (args + args_len + 0xfff) & ~0xfffull;
	uint64_t free_start = (prog + prog_len + 0xfff) & ~0xfffull;
	if (!args_len || free_start + (8ull << 20) > vm->mem.size) {
		fprintf(stderr, "unik: -m %lluM is too small for this program\n",
			(unsigned long long)(vm->mem.size >> 20));
		return 125;
	}
	if (prog_fd >= 0 && vm_map_prog(vm, prog_fd, prog, prog_len))
		return 125;
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = vm->mem.size,
		.userspace_addr = (uint64_t)vm->mem.base,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region))
		return vm_fail("KVM_SET_USER_MEMORY_REGION");
	/* The image: shared with the host copy, read-only to the guest (zero-copy). */
	if (cfg->rootfs) {
		struct kvm_userspace_memory_region img = {
			.slot = 1, .flags = KVM_MEM_READONLY, .guest_phys_addr = rootfs_gpa,
			.memory_size = cfg->rootfs_len, .userspace_addr = (uint64_t)cfg->rootfs,
		};
		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &img))
			return vm_fail("mapping the image into the guest");
		vm->mem.img = cfg->rootfs;
		vm->mem.img_gpa = rootfs_gpa;
		vm->mem.img_len = cfg->rootfs_len;
	}
	vm->hc.mem = vm->mem;
	int st = vm_fill_boot_info(vm, cfg, args, args_len, prog, prog_len, free_start);
	vm->hc.mem_ahead = mem_ahead_start(vm->mem.base, free_start, vm->mem.size);
	if (!st) {
		struct unik_boot_info *bi = gmem_ptr(&vm->mem, UNIK_BOOT_INFO_GPA, sizeof(*bi));
		bi->mem_bump = free_start;
		bi->mem_ahead = mem_ahead_target(vm->hc.mem_ahead);
		bi->cpuid_table = cpuid_table;
	}
	if (!st && (cfg->rootfs || cfg->rootdir)) {
		struct unik_boot_info *bi = gmem_ptr(&vm->mem, UNIK_BOOT_INFO_GPA, sizeof(*bi));
		bi->rootfs = cfg->rootfs ? rootfs_gpa : 0;
		bi->rootfs_len = cfg->rootfs ? cfg->rootfs_len : 0;
		bi->prog = bi->prog_len = 0;
		snprintf(bi->workdir, sizeof(bi->workdir), "%s", cfg->workdir ? cfg->workdir : "");
	}
	return st;
}

/* Opens the shared host directories (the --rootfs one first, as "/") before the guest runs
   and lists them in the boot info; the guest reaches them only through their handles. */
static int vm_setup_volumes(struct vm *vm, const struct vm_config *cfg)
{
	size_t n = cfg->nvolumes + (cfg->rootdir ? 1 : 0);
	if (!n)
		return 0;
	if (n > UNIK_MAX_VOLUMES) {
		fprintf(stderr, "unik: too many volumes (at most %d)\n", UNIK_MAX_VOLUMES);
		return 125;
	}
	vm->hc.file = hc_file_new(0);
	if (!vm->hc.file)
		return vm_fail("allocating the volume table");
	struct unik_boot_info *bi = gmem_ptr(&vm->mem, UNIK_BOOT_INFO_GPA, sizeof(*bi));
	for (size_t i = 0; i < n; i++) {
		bool root = cfg->rootdir && i == 0;
		const struct vm_volume *v = root ? NULL : &cfg->volumes[i - (cfg->rootdir ? 1 : 0)];
		const char *host = root ? cfg->rootdir : v->host;
		const char *guest = root ? "/" : v->guest;
		struct unik_volume *bv = &bi->volumes[i];
		if (strlen(guest) >= sizeof(bv->path)) {
			fprintf(stderr, "unik: volume path %s is too long\n", guest);
			return 125;
		}
		bool ro = root ? cfg->rootdir_ro : v->ro;
		snprintf(bv->path, sizeof(bv->path), "%s", guest);
		bv->flags = (ro ? UNIK_VOL_RO : 0) | (root ? UNIK_VOL_ROOT : 0);
		if (v && v->tmpfs) {
			bv->flags |= UNIK_VOL_TMPFS;
			bv->handle = v->tmpfs_mode & 07777;
			continue;
		}
		int fd = open(host, O_PATH | (v && v->file ? 0 : O_DIRECTORY) | O_CLOEXEC);
		if (fd < 0)
			return vm_fail(host);
		int64_t h = hc_file_add_volume(vm->hc.file, fd, ro);
		if (h < 0) {
			errno = (int)-h;
			return vm_fail(host);
		}
		bv->flags |= v && v->file ? UNIK_VOL_FILE : 0;
		bv->handle = (uint32_t)h;
	}
	bi->nvolumes = (uint32_t)n;
	return 0;
}

/* The NIC: a tap device opened and -p ports bound now (their errors are unik's, 125); the rest
   waits for the guest's UNIK_HC_NET_SETUP. */
static int vm_setup_net(struct vm *vm, const struct vm_config *cfg)
{
	static const struct net_config slirp_default;   /* mode NET_SLIRP, no forwards */
	int st;
	vm->hc.net = net_new(cfg->net ? cfg->net : &slirp_default, &st);
	if (st)
		return st;
	struct unik_boot_info *bi = gmem_ptr(&vm->mem, UNIK_BOOT_INFO_GPA, sizeof(*bi));
	net_boot_info(vm->hc.net, &bi->net);
	return 0;
}

int prog_open(const char *path, int *fd, uint64_t *len);

int vm_create(struct vm *vm, const struct vm_config *cfg)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm = vm->fd = vm->vcpu = vm->stdin_hold = -1;
	vm->hc.fd_in = 0;
	vm->hc.interrupted = vm_host_signal_pending;
	vm->hc.tty_fd = !cfg->tty ? -1 : isatty(0) ? 0 : isatty(1) ? 1 : -1;
	if (cfg->tty && cfg->stdin_detached) {
		/* Input that never comes: a pipe nobody writes to (its write end held open). */
		int p[2];
		if (pipe2(p, O_CLOEXEC))
			return vm_fail("pipe for the detached terminal input");
		vm->hc.fd_in = p[0];
		vm->stdin_hold = p[1];
		vm->hc.tty_modes_kept = true;
	}
	vm->hc.fd_out = 1;
	vm->hc.fd_err = 2;
	int prog_fd = -1;
	uint64_t prog_len = 0;
	int st = cfg->rootfs || cfg->rootdir ? 0 : prog_open(cfg->prog_path, &prog_fd, &prog_len);
	if (st)
		return st;
	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0 || (vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0)) < 0) {
		int st2 = vm_fail(vm->kvm < 0 ? "cannot open /dev/kvm" : "KVM_CREATE_VM");
		if (prog_fd >= 0)
			close(prog_fd);
		return st2;
	}
	st = vm_setup_memory(vm, cfg, prog_fd, prog_len);
	if (prog_fd >= 0)
		close(prog_fd);
	if (!st)
		st = vm_setup_volumes(vm, cfg);
	if (!st)
		st = vm_setup_net(vm, cfg);
	if (st)
		return st;
	vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0)
		return vm_fail("KVM_CREATE_VCPU");
	vm->run_size = (size_t)ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
	if (vm->run == MAP_FAILED)
		return vm_fail("mapping kvm_run");
	uint64_t xcr0;
	bool pku, fsgsbase;
	if ((st = vm_setup_cpuid(vm, &xcr0, &pku, &fsgsbase)))
		return st;
	if (!fsgsbase) {
		fprintf(stderr, "unik: this CPU lacks FSGSBASE, which fast mode needs\n");
		return 125;
	}
	if ((st = vm_setup_sregs(vm, cfg, pku, fsgsbase)) || (st = vm_setup_msrs(vm)) ||
	    (st = vm_setup_regs(vm, cfg, xcr0)) || (st = vm_setup_cpuid_table(vm)))
		return st;
	long khz = ioctl(vm->vcpu, KVM_GET_TSC_KHZ, 0);
	vm->tsc_khz = khz > 0 ? (uint64_t)khz : 0;
	return 0;
}

void vm_destroy(struct vm *vm)
{
	net_free(vm->hc.net);   /* its thread reads guest memory: first */
	vm->hc.net = NULL;
	mem_ahead_stop(vm->hc.mem_ahead);       /* so does this one */
	vm->hc.mem_ahead = NULL;
	if (vm->run && vm->run != MAP_FAILED)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu >= 0)
		close(vm->vcpu);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm >= 0)
		close(vm->kvm);
	if (vm->mem.base && vm->mem.base != MAP_FAILED)
		munmap(vm->mem.base, vm->mem.size);
	hc_file_free(vm->hc.file);
	vm->hc.file = NULL;
	hc_console_free(&vm->hc);
	if (vm->stdin_hold >= 0) {
		close(vm->hc.fd_in);
		close(vm->stdin_hold);
		vm->stdin_hold = -1;
		vm->hc.fd_in = 0;
	}
}
