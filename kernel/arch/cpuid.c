/* CPUID from the monitor's table. Each `cpuid` exits to the hypervisor (20-45 µs here); the
   monitor hands over the table the vCPU answers from (KVM_GET_CPUID2 once the guest's CR4 and
   XCR0 are set, boot info cpuid_table) and the core reads it with KVM's own lookup rules
   (kvm_cpuid(): an index only where the entry says it matters, Intel's out-of-range leaves
   answered by the highest basic leaf, leaves 0xb and 0x1f passing the subleaf through).

   The program's own `cpuid` still exits. Answering it in the guest was tried: with CPUID
   faulting (MSR_MISC_FEATURES_ENABLES) the instruction raises #GP, and a site rewritten into
   `ud2` raises #UD, but either exception through the CPL0 stubs cost 70-80 µs on the same
   machine where the exit cost 44, so a glibc start (about 90 of them) got slower. The direct
   call the system-call sites become is not open to it: `call` writes below the stack pointer,
   and glibc's dynamic linker keeps locals in that red zone right across `cpuid`. */
#include "k/kernel.h"
#include "k/arch.h"

static const struct unik_cpuid *cpuid_table;
static uint32_t cpuid_count;

void arch_cpuid_init(void)
{
	cpuid_count = boot_info->cpuid_count <= UNIK_CPUID_MAX ? boot_info->cpuid_count : 0;
	cpuid_table = cpuid_count ? phys_to_virt(boot_info->cpuid_table) : NULL;
}

/* KVM's cpuid_entry2_find: the first entry of the function whose index matches or does not
   matter. */
static const struct unik_cpuid *cpuid_find(uint32_t fn, uint32_t index)
{
	for (uint32_t i = 0; i < cpuid_count; i++) {
		const struct unik_cpuid *e = &cpuid_table[i];
		if (e->function == fn && (!(e->flags & UNIK_CPUID_INDEXED) || e->index == index))
			return e;
	}
	return NULL;
}

static bool cpuid_vendor_amd(const struct unik_cpuid *basic)
{
	/* "AuthenticAMD", "AMDisbetter!", "HygonGenuine": zeros past the end, as AMD's CPUs. */
	return (basic->ebx == 0x68747541 && basic->ecx == 0x444d4163 && basic->edx == 0x69746e65) ||
	       (basic->ebx == 0x69444d41 && basic->ecx == 0x21726574 && basic->edx == 0x74656273) ||
	       (basic->ebx == 0x6f677948 && basic->ecx == 0x656e6975 && basic->edx == 0x6e65476e);
}

/* KVM's get_out_of_range_cpuid_entry: on Intel, a leaf past the top of its class (basic,
   hypervisor, extended, Centaur) reads the highest basic leaf; one inside reads zeros. */
static const struct unik_cpuid *cpuid_out_of_range(uint32_t fn, uint32_t index)
{
	const struct unik_cpuid *basic = cpuid_find(0, 0), *class;
	if (!basic || cpuid_vendor_amd(basic))
		return NULL;
	if (fn >= 0x40000000 && fn <= 0x4fffffff)
		class = cpuid_find(fn & 0xffffff00, 0);
	else if (fn >= 0xc0000000)
		class = cpuid_find(0xc0000000, 0);
	else
		class = cpuid_find(fn & 0x80000000, 0);
	if (class && fn <= class->eax)
		return NULL;
	return cpuid_find(basic->eax, index);
}

void arch_cpuid(uint32_t fn, uint32_t index, uint32_t r[4])
{
	const struct unik_cpuid *e = cpuid_find(fn, index);
	if (!e)
		e = cpuid_out_of_range(fn, index);
	if (e) {
		r[0] = e->eax;
		r[1] = e->ebx;
		r[2] = e->ecx;
		r[3] = e->edx;
		return;
	}
	r[0] = r[1] = r[2] = r[3] = 0;
	/* An undefined subleaf of leaf 0xb or 0x1f still passes CL through and gives the x2APIC
	   id in EDX, where the leaf exists (its subleaf 1 does). */
	if ((fn == 0xb || fn == 0x1f) && (e = cpuid_find(fn, 1))) {
		r[2] = index & 0xff;
		r[3] = e->edx;
	}
}
