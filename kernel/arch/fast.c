/* Fast-mode setup: descriptor tables filled in at CPL3 before any trap can happen, the syscall
   sled at address 0, and the privileged operations the core needs (through the CPL0 stubs). */
#include "k/kernel.h"
#include "k/arch.h"
#include "k/cpu.h"
#include "k/pt.h"
#include "k/pmm.h"
#include "k/mm.h"
#include "k/proc.h"
#include "k/stats.h"

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

/* Bitmap bytes of the hypercall ports; a 4-byte outl to port p needs ports p..p+3 open. */
#define HC_IOMAP_BYTES ((UNIK_HC_MAX + 3 + 7) / 8)

struct tss {
	uint32_t _r0;
	uint64_t rsp[3];
	uint64_t _r1;
	uint64_t ist[7];
	uint64_t _r2;
	uint16_t _r3, iomap_base;
	/* ports up to the hypercall range, the range, then 0xff */
	uint8_t iomap[UNIK_HC_PORT_BASE / 8 + HC_IOMAP_BYTES + 1 + 1];
} __attribute__((packed));

struct idt_gate unik_idt[256] __attribute__((aligned(4096)));
struct tss unik_tss __attribute__((aligned(128)));
uint64_t unik_gdt[10] __attribute__((aligned(64))) = {
	0,
	0x00cf9b000000ffffull,  /* 0x08 kernel code 32 (unused) */
	0x00af9b000000ffffull,  /* 0x10 kernel code 64 */
	0x00cf93000000ffffull,  /* 0x18 kernel data */
	0x00cffb000000ffffull,  /* 0x23 user code 32 */
	0x00cff3000000ffffull,  /* 0x2b user data */
	0x00affb000000ffffull,  /* 0x33 user code 64 */
	0,
	0, 0,                   /* 0x40 TSS, filled in by arch_init */
};

extern char fast_syscall_stub[], core_sys_direct[], cpu0_ist_top[];
extern char fast_exc_0[], fast_exc_1[], fast_exc_2[], fast_exc_3[], fast_exc_4[], fast_exc_5[],
	fast_exc_6[], fast_exc_7[], fast_exc_8[], fast_exc_9[], fast_exc_10[], fast_exc_11[],
	fast_exc_12[], fast_exc_13[], fast_exc_14[], fast_exc_16[], fast_exc_17[], fast_exc_18[],
	fast_exc_19[], fast_exc_20[], fast_exc_21[], fast_exc_32[];
extern char fast_start[], core_sys_stack_top[];
void fast_start_isolated(void);

/* The CPL0 services of fast mode (entry_fast.S); isolated mode is at CPL0 already. */
void arch_load_cr3(uint64_t pml4);
void arch_invlpg(uint64_t va);

int arch_rewrite_enabled = 1;
uint8_t arch_isolated;
extern uint64_t iret_to_sys_trap[5], iret_to_exc[5], iret_to_pf[5];
int arch_has_pku;
static uint64_t sled_pa;

static void arch_fpu_init(void);

#define SLED_JMP_AT 0x200       /* past the highest syscall number Linux has */

static void idt_set(int vec, void *handler, int dpl)
{
	uint64_t a = (uint64_t)handler;
	struct idt_gate *g = &unik_idt[vec];
	g->off_lo = (uint16_t)a;
	g->sel = UNIK_SEL_KCODE;
	g->ist = 1;
	g->type = (uint8_t)(0x8e | (dpl << 5));       /* present 64-bit interrupt gate */
	g->off_mid = (uint16_t)(a >> 16);
	g->off_hi = (uint32_t)(a >> 32);
	g->zero = 0;
}

static void tss_init(void)
{
	uint64_t base = (uint64_t)&unik_tss, limit = sizeof(unik_tss) - 1;
	unik_tss.rsp[0] = (uint64_t)cpu0_ist_top;
	unik_tss.ist[0] = (uint64_t)cpu0_ist_top;
	unik_tss.iomap_base = __builtin_offsetof(struct tss, iomap);
	memset(unik_tss.iomap, 0xff, sizeof(unik_tss.iomap));
	for (int i = 0; i < HC_IOMAP_BYTES; i++)          /* ports 0x500...: hypercalls */
		unik_tss.iomap[UNIK_HC_PORT_BASE / 8 + i] = 0;
	unik_gdt[8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		      ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	unik_gdt[9] = base >> 32;
}

/* The sled: `call *%rax` from a rewritten site lands at address rax; nops slide to a jump into
   the core. A second jump at the end of the page catches numbers past the first. */
static void sled_build(void)
{
	sled_pa = pmm_alloc();
	if (!sled_pa)
		panic("no memory for the syscall sled");
	uint8_t *p = phys_to_virt(sled_pa);
	memset(p, 0x90, PAGE_SIZE);
	uint64_t at[2] = { SLED_JMP_AT, PAGE_SIZE - 5 };
	for (int i = 0; i < 2; i++) {
		int64_t rel = (int64_t)(uint64_t)core_sys_direct - (int64_t)(at[i] + 5);
		p[at[i]] = 0xe9;
		int32_t r32 = (int32_t)rel;
		memcpy(p + at[i] + 1, &r32, 4);
	}
}

void arch_init(void)
{
	void *exc[22] = { fast_exc_0, fast_exc_1, fast_exc_2, fast_exc_3, fast_exc_4, fast_exc_5,
			  fast_exc_6, fast_exc_7, fast_exc_8, fast_exc_9, fast_exc_10, fast_exc_11,
			  fast_exc_12, fast_exc_13, fast_exc_14, 0, fast_exc_16, fast_exc_17,
			  fast_exc_18, fast_exc_19, fast_exc_20, fast_exc_21 };
	arch_cpuid_init();      /* the table arch_fpu_init reads */
	for (int v = 0; v < 22; v++)
		if (exc[v])
			idt_set(v, exc[v], (v == 3 || v == 4) ? 3 : 0);
	tss_init();
	arch_fpu_init();
	arch_set_kstack((uint64_t)core_sys_stack_top);
	uint32_t r[4];
	arch_cpuid(7, 0, r);
	arch_has_pku = (r[2] & (1u << 4)) != 0;       /* OSPKE: the monitor enabled CR4.PKE */
	if (boot_info->flags & UNIK_BOOT_NOREWRITE)
		arch_rewrite_enabled = 0;
	if (boot_info->mode == UNIK_MODE_ISOLATED) {
		/* The core runs at CPL0: the stubs' frames enter it there; no sled, no rewriting,
		   and no I/O port open to the program. */
		arch_isolated = 1;
		for (int i = 0; i < HC_IOMAP_BYTES; i++)
			unik_tss.iomap[UNIK_HC_PORT_BASE / 8 + i] = 0xff;
		arch_rewrite_enabled = 0;
		iret_to_sys_trap[1] = iret_to_exc[1] = iret_to_pf[1] = UNIK_SEL_KCODE;
		iret_to_sys_trap[4] = iret_to_exc[4] = iret_to_pf[4] = UNIK_SEL_KDATA;
		/* Preemption: the monitor stops the program with an external interrupt, which
		   enters the core through the IDT like an exception. */
		idt_set(UPCALL_VECTOR, fast_exc_32, 0);
		boot_info->upcall.user_top = USER_TOP;
		boot_info->upcall.irq_vector = UPCALL_VECTOR;
		return;
	}
	sled_build();
	/* Upcalls redirect the program to the core at CPL3: fast mode only (in isolated mode the
	   core would need a privilege change the monitor does not make). */
	extern char core_upcall_entry[];
	boot_info->upcall.user_top = USER_TOP;
	boot_info->upcall.entry = (uint64_t)core_upcall_entry;
}

int arch_map_sled(uint64_t pml4)
{
	if (arch_isolated)
		return 0;
	uint64_t flags = PTE_U | (arch_has_pku ? PTE_PKEY(1) : 0);
	return pt_map(pml4, 0, sled_pa, flags);
}

void arch_set_kstack(uint64_t top)
{
	this_cpu()->kstack_top = top;
	iret_to_sys_trap[3] = top;
	iret_to_exc[3] = top;
	iret_to_pf[3] = top;
	boot_info->upcall.regs_gva = top - sizeof(struct regs);
	boot_info->upcall.regs_gpa = virt_to_phys((void *)(top - sizeof(struct regs)));
}

static uint32_t xsave_size;
static uint64_t xsave_features;

static void arch_fpu_init(void)
{
	uint32_t r[4];
	arch_cpuid(0xd, 0, r);
	xsave_size = r[1];      /* the area for the features enabled in XCR0 */
	xsave_features = ((uint64_t)r[3] << 32) | r[0];         /* the supported ones */
	/* XCR0 itself; the CPL0 emulator of kvm_pvm cannot run xgetbv (isolated mode), where the
	   supported set stands in: XSAVE masks it with XCR0 anyway. */
	if (boot_info->mode != UNIK_MODE_ISOLATED) {
		uint32_t lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		xsave_features = ((uint64_t)hi << 32) | lo;
	}
}

uint32_t arch_xsave_size(void)
{
	return xsave_size;
}

uint64_t arch_xsave_features(void)
{
	return xsave_features;
}

void arch_fpu_save(void *area)
{
	if (arch_isolated) {
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
		return;
	}
	/* XSAVE leaves bytes 16-63 of the header alone and XRSTOR refuses them nonzero. */
	memset((uint8_t *)area + 512, 0, 64);
	__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"((uint32_t)xsave_features),
			 "d"((uint32_t)(xsave_features >> 32)) : "memory");
}

void arch_fpu_restore(const void *area)
{
	if (arch_isolated) {
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
		return;
	}
	__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"((uint32_t)xsave_features),
			 "d"((uint32_t)(xsave_features >> 32)) : "memory");
}

void arch_switch_mm(uint64_t pml4)
{
	this_cpu()->cr3 = pml4;
	arch_sites_gen++;               /* checked call sites are another space's now */
	stats.cpl0_services++;
	if (arch_isolated)
		__asm__ volatile("movq %0, %%cr3" : : "r"(pml4) : "memory");
	else
		arch_load_cr3(pml4);
}

void arch_flush_tlb(void)
{
	arch_switch_mm(current->mm->pml4);
}

void arch_flush_page(uint64_t va)
{
	stats.cpl0_services++;
	arch_sites_gen++;               /* an entry changed: a checked call site may be gone */
	if (arch_isolated)
		__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
	else
		arch_invlpg(va);
}

void arch_set_fs_base(uint64_t base)
{
	__asm__ volatile("wrfsbase %0" : : "r"(base));
}

uint64_t arch_get_fs_base(void)
{
	uint64_t v;
	__asm__ volatile("rdfsbase %0" : "=r"(v));
	return v;
}

void arch_set_gs_base(uint64_t base)
{
	__asm__ volatile("wrgsbase %0" : : "r"(base));
}

uint64_t arch_get_gs_base(void)
{
	uint64_t v;
	__asm__ volatile("rdgsbase %0" : "=r"(v));
	return v;
}

void arch_init_user_fpu(void)
{
	/* Linux's default: key 0 open, keys 1-15 access-disabled. The CPL0 emulator of kvm_pvm
	   cannot execute wrpkru, so isolated mode keeps PKRU at 0 (all keys open). */
	if (arch_has_pku && !arch_isolated)
		__asm__ volatile("wrpkru" : : "a"(0x55555554u), "c"(0), "d"(0));
}

/* Call sites that trapped once in a page the rewriter would have to replace (below), by
   guest-physical address: direct-mapped, a collision costs one more trap. */
#define REWRITE_SEEN 1024
static uint64_t rewrite_seen[REWRITE_SEEN];

/* Whether the site at pa (in a page of the file) has trapped before; records it if not. */
static bool rewrite_seen_before(uint64_t pa)
{
	uint64_t *slot = &rewrite_seen[(pa ^ (pa >> 12)) % REWRITE_SEEN];
	if (*slot == pa)
		return true;
	*slot = pa;
	return false;
}

void arch_rewrite_syscall(uint64_t site)
{
	if (!arch_rewrite_enabled || site >= USER_TOP - 2)
		return;
	struct vma *v = vma_find(&current->mm->vmas, site);
	if (!v || !(v->prot & VMA_PROT_EXEC) || (site & (PAGE_SIZE - 1)) == PAGE_SIZE - 1)
		return;
	uint64_t *e = pt_walk(current->mm->pml4, site, false);
	if (!e || !(*e & PTE_P))
		return;
	uint8_t *p = (uint8_t *)phys_to_virt(*e & PTE_ADDR) + (site & (PAGE_SIZE - 1));
	if (p[0] != 0x0f || p[1] != 0x05)
		return;
	if (!(*e & PTE_PRIVATE) && !mm_is_shared_text(v, site, *e & PTE_ADDR)) {
		/* A page of the file (shared, perhaps read-only image memory). The file's shared
		   text page takes its place when the file has one: patched in place there, the
		   site stays rewritten for every later process (and fork child) mapping the page.
		   Otherwise a private copy, as a write to a private mapping would make. Either
		   changes the entry, and its invalidation (a CPL0 entry, ~30 us) costs more than
		   the trap (~9 us) a call from a site saves: so only a site that traps a second
		   time (in this process or another mapping the same file page) is rewritten, and
		   a program's many sites called once (the dynamic linker's) are left alone. */
		if (!rewrite_seen_before((*e & PTE_ADDR) + (site & (PAGE_SIZE - 1))))
			return;
		uint64_t np = mm_shared_text(v, site);
		bool own = !np;
		if (own && !(np = pmm_alloc()))
			return;
		if (own)
			memcpy(phys_to_virt(np), phys_to_virt(*e & PTE_ADDR), PAGE_SIZE);
		*e = np | (*e & ~PTE_ADDR) | (own ? PTE_PRIVATE : 0);
		arch_flush_page(site & PAGE_MASK);
		p = (uint8_t *)phys_to_virt(np) + (site & (PAGE_SIZE - 1));
	}
	/* Recorded first: only recorded sites are taken as system calls (kernel/arch/sites.c). */
	if (!arch_site_add(virt_to_phys(p)))
		return;
	p[0] = 0xff;            /* call *%rax */
	p[1] = 0xd0;
	stats.sites_rewritten++;
}

__attribute__((section(".unik_header"), used))
const struct unik_kernel_header unik_kernel_header = {
	.magic = UNIK_KERNEL_MAGIC,
	.abi_version = UNIK_ABI_VERSION,
	.entry_fast = (uint64_t)fast_start,
	.entry_isolated = (uint64_t)fast_start,
	.gdt = (uint64_t)unik_gdt,
	.gdt_limit = sizeof(unik_gdt) - 1,
	.idt = (uint64_t)unik_idt,
	.idt_limit = sizeof(unik_idt) - 1,
	.tss = (uint64_t)&unik_tss,
	.tss_limit = sizeof(unik_tss) - 1,
	.syscall_entry = (uint64_t)fast_syscall_stub,
	.stack_top = (uint64_t)core_sys_stack_top,
};
