/* Boot preparation on the host: the kernel ELF (checked with libelf) copied to its physical
   addresses, and the kernel half of the page tables (kernel alias and direct map), so the guest
   executes no set-up code at CPL0. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <libelf.h>
#include <gelf.h>
#include "monitor/vm.h"

#define PT_AREA_START 0x2000ull
#define PT_AREA_END   UNIK_KERNEL_GPA
#define PTE_P  0x1ull
#define PTE_W  0x2ull
#define PTE_U  0x4ull
#define PTE_PS 0x80ull
#define PTE_NX (1ull << 63)

/* On kvm_pvm every page the guest touches first costs a shadow-MMU fault (tens of µs); the
   kernel half maps guest memory with 2 MiB pages, which the shadow MMU maps whole where the host
   backs them with huge pages too. So the memory a boot goes through, the kernel image and the
   first 2 MiB past it (the core's first allocations), is asked for as huge pages before the
   kernel is copied in: `unik run` of a static hello took 6.5 ms instead of 8.9 (medians of 50,
   interleaved), for about 5 MiB more of host memory. The program's pages are 4 KiB mappings and
   gain nothing from it. */
static void boot_huge_pages(struct vm *vm, uint64_t kend)
{
	uint64_t end = ((kend + (2ull << 20) - 1) & ~((2ull << 20) - 1)) + (2ull << 20);
	if (end <= vm->mem.size)
		madvise(vm->mem.base, end, MADV_HUGEPAGE);
}

/* Checks the kernel's loadable segments and finds where they end; with copy, copies them in. */
static int boot_segments(struct vm *vm, Elf *e, const uint8_t *img, size_t len, bool copy,
			 uint64_t *end)
{
	size_t n;
	if (elf_getphdrnum(e, &n))
		return -1;
	*end = 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph))
			return -1;
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len || ph.p_filesz > len - ph.p_offset ||
		    ph.p_paddr < UNIK_KERNEL_GPA || ph.p_paddr > UNIK_KERNEL_MAX ||
		    ph.p_memsz > UNIK_KERNEL_MAX - ph.p_paddr ||
		    ph.p_vaddr != ph.p_paddr + UNIK_KERNEL_VBASE)
			return -1;
		void *dst = gmem_ptr(&vm->mem, ph.p_paddr, ph.p_memsz);
		if (!dst)
			return -1;
		/* Guest memory is fresh anonymous memory, already zero: the bss is left untouched
		   so its host pages are only allocated when the guest uses them. */
		if (copy)
			memcpy(dst, img + ph.p_offset, ph.p_filesz);
		if (ph.p_paddr + ph.p_memsz > *end)
			*end = ph.p_paddr + ph.p_memsz;
	}
	return *end ? 0 : -1;
}

static int boot_copy_segments(struct vm *vm, Elf *e, const uint8_t *img, size_t len,
			      uint64_t *end)
{
	if (boot_segments(vm, e, img, len, false, end))
		return -1;
	boot_huge_pages(vm, *end);
	return boot_segments(vm, e, img, len, true, end);
}

static int boot_find_header(struct vm *vm, Elf *e)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)i, &sym))
				break;
			const char *name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!name || strcmp(name, "unik_kernel_header"))
				continue;
			if (sym.st_value < UNIK_KERNEL_VBASE ||
			    gmem_read(&vm->mem, sym.st_value - UNIK_KERNEL_VBASE, &vm->khdr,
				      sizeof(vm->khdr)))
				return -1;
			return 0;
		}
	}
	return -1;
}

int boot_load_kernel(struct vm *vm, const void *img, size_t len, uint64_t *kernel_end)
{
	elf_version(EV_CURRENT);
	Elf *e = elf_memory((char *)img, len);
	int ret = -1;
	GElf_Ehdr eh;
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) ||
	    gelf_getclass(e) != ELFCLASS64 || eh.e_machine != EM_X86_64 || eh.e_type != ET_EXEC) {
		fprintf(stderr, "unik: embedded kernel is not an x86-64 executable ELF\n");
		goto out;
	}
	if (boot_copy_segments(vm, e, img, len, kernel_end)) {
		fprintf(stderr, "unik: embedded kernel has bad or misplaced segments\n");
		goto out;
	}
	if (boot_find_header(vm, e) || vm->khdr.magic != UNIK_KERNEL_MAGIC) {
		fprintf(stderr, "unik: embedded kernel has no unik_kernel_header\n");
		goto out;
	}
	if (vm->khdr.abi_version != UNIK_ABI_VERSION) {
		fprintf(stderr, "unik: kernel ABI version %u, monitor speaks %u\n",
			vm->khdr.abi_version, UNIK_ABI_VERSION);
		goto out;
	}
	ret = 0;
out:
	if (e)
		elf_end(e);
	return ret;
}

static uint64_t pt_next = PT_AREA_START;

static uint64_t *boot_new_table(struct vm *vm, uint64_t *pa)
{
	if (pt_next >= PT_AREA_END)
		return NULL;
	*pa = pt_next;
	pt_next += 0x1000;
	uint64_t *t = gmem_ptr(&vm->mem, *pa, 0x1000);
	if (t)
		memset(t, 0, 0x1000);
	return t;
}

/* Maps [va, va+len) to [pa, ...) with 2 MiB pages under pml4. */
static int boot_map_2m(struct vm *vm, uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t len,
		       uint64_t flags)
{
	for (uint64_t off = 0; off < len; off += 0x200000) {
		uint64_t v = va + off;
		uint64_t *l4 = &pml4[(v >> 39) & 511], tpa;
		if (!(*l4 & PTE_P)) {
			if (!boot_new_table(vm, &tpa))
				return -1;
			*l4 = tpa | PTE_P | PTE_W | (flags & PTE_U);
		}
		uint64_t *pdpt = gmem_ptr(&vm->mem, *l4 & ~0xfffull & ~PTE_NX, 0x1000);
		uint64_t *l3 = &pdpt[(v >> 30) & 511];
		if (!(*l3 & PTE_P)) {
			if (!boot_new_table(vm, &tpa))
				return -1;
			*l3 = tpa | PTE_P | PTE_W | (flags & PTE_U);
		}
		uint64_t *pd = gmem_ptr(&vm->mem, *l3 & 0x000ffffffffff000ull, 0x1000);
		pd[(v >> 21) & 511] = (pa + off) | flags | PTE_PS | PTE_P;
	}
	return 0;
}

int boot_build_page_tables(struct vm *vm, uint32_t mode, uint64_t rootfs_gpa, uint64_t rootfs_len)
{
	pt_next = PT_AREA_START;
	uint64_t *pml4 = boot_new_table(vm, &vm->pml4);
	if (!pml4)
		return -1;
	/* Fast mode: the core runs at CPL3, so its pages are user pages. */
	uint64_t u = mode == UNIK_MODE_FAST ? PTE_U : 0;
	uint64_t dmap = (vm->mem.size + 0x1fffff) & ~0x1fffffull;
	if (boot_map_2m(vm, pml4, UNIK_KERNEL_VBASE, 0, UNIK_KERNEL_MAX, PTE_W | u) ||
	    boot_map_2m(vm, pml4, UNIK_DIRECT_VBASE, 0, dmap, PTE_W | u | PTE_NX))
		return -1;
	/* The image sits in a read-only memory slot: its direct map is read-only too, so a stray
	   write faults in the guest instead of reaching the monitor. */
	if (rootfs_len && boot_map_2m(vm, pml4, UNIK_DIRECT_VBASE + rootfs_gpa, rootfs_gpa,
				      (rootfs_len + 0x1fffff) & ~0x1fffffull, u | PTE_NX))
		return -1;
	return 0;
}
