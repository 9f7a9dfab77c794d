/* Starting the program the monitor handed over: map its segments from the file image in guest
   memory (read-only pages zero-copy, writable pages copied on first touch), set up brk and the
   stack with argv, envp and auxv, and build the first register frame. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/mm.h"
#include "k/arch.h"
#include "k/random.h"
#include "k/uaccess.h"
#include "k/exec.h"
#include "loader/elf.h"
#include "loader/stack.h"

#define EXEC_STACK_BUF (256u << 10)
#define EXEC_MAX_ARGS 4096

static uint8_t exec_stack_buf[EXEC_STACK_BUF] __attribute__((aligned(4096)));
static const char *exec_argv[EXEC_MAX_ARGS + 1];

static uint32_t exec_prot(uint32_t p)
{
	return p & (VMA_PROT_READ | VMA_PROT_WRITE | VMA_PROT_EXEC);
}

/* Maps one PT_LOAD: file-backed part, then the zero-filled rest (bss). */
static int exec_map_segment(struct mm *mm, const struct elf_seg *s, uint64_t bias, uint64_t file_gpa)
{
	uint64_t start = (s->vaddr + bias) & PAGE_MASK;
	uint64_t file_end = s->vaddr + bias + s->filesz;
	uint64_t mem_end = PAGE_ALIGN_UP(s->vaddr + bias + s->memsz);
	uint64_t file_page_end = PAGE_ALIGN_UP(file_end);
	uint32_t prot = exec_prot(s->prot);
	int err;
	if (s->filesz) {
		uint64_t fpa = file_gpa + (s->offset & PAGE_MASK);
		err = mm_map_fixed(mm, start, file_page_end, prot, VMA_IMAGE, fpa);
		if (err)
			return err;
		/* Linux zeroes the rest of the last file page of a writable segment (padzero). */
		if ((prot & VMA_PROT_WRITE) && (file_end & (PAGE_SIZE - 1))) {
			uint64_t pa = mm_user_page(mm, file_end, true);
			if (!pa)
				return -ENOMEM;
			size_t off = file_end & (PAGE_SIZE - 1);
			memset((char *)phys_to_virt(pa) + off, 0, PAGE_SIZE - off);
		}
	} else {
		file_page_end = start;
	}
	if (mem_end > file_page_end) {
		err = mm_map_fixed(mm, file_page_end, mem_end, prot, VMA_ANON, 0);
		if (err)
			return err;
	}
	return 0;
}

static uint64_t exec_hwcap(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	return d;
}

static uint64_t exec_minsigstksz(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(0));
	/* Linux: the XSAVE area of the enabled features plus the rest of the signal frame. */
	return b + 64 + 440 + 8 + 128;
}

static int exec_build_stack(struct proc *p, const struct elf_image *img, uint64_t bias,
			    uint64_t *sp)
{
	const char *a = phys_to_virt(boot_info->args);
	uint32_t n = boot_info->argc + boot_info->envc;
	if (n > EXEC_MAX_ARGS)
		return -E2BIG;
	for (uint32_t i = 0; i < n; i++) {
		exec_argv[i] = a;
		a += strlen(a) + 1;
	}
	exec_argv[n] = NULL;
	uint8_t rnd[16];
	random_bytes(rnd, sizeof(rnd));
	const uint64_t aux[][2] = {
		{ AT_PHDR, img->phdr_vaddr ? img->phdr_vaddr + bias : 0 },
		{ AT_PHENT, img->phentsize }, { AT_PHNUM, img->phnum },
		{ AT_PAGESZ, PAGE_SIZE }, { AT_BASE, 0 }, { AT_FLAGS, 0 },
		{ AT_ENTRY, img->entry + bias },
		{ AT_UID, p->uid }, { AT_EUID, p->euid }, { AT_GID, p->gid }, { AT_EGID, p->egid },
		{ AT_SECURE, 0 }, { AT_HWCAP, exec_hwcap() }, { AT_HWCAP2, 2 /* FSGSBASE */ },
		{ AT_CLKTCK, 100 }, { AT_MINSIGSTKSZ, exec_minsigstksz() },
	};
	struct stack_spec spec = {
		.argc = (int)boot_info->argc, .argv = exec_argv,
		.envc = (int)boot_info->envc, .envp = exec_argv + boot_info->argc,
		.execfn = boot_info->execfn, .platform = "x86_64", .random16 = rnd,
		.auxv = aux, .nauxv = (int)ARRAY_SIZE(aux),
	};
	int err = stack_build(exec_stack_buf, STACK_TOP, EXEC_STACK_BUF, &spec, sp);
	if (err)
		return err;
	uint64_t used = STACK_TOP - (*sp & PAGE_MASK);
	return copy_to_user(STACK_TOP - used, exec_stack_buf + EXEC_STACK_BUF - used, used);
}

int exec_boot_program(struct proc *p, struct regs *r, const char **why)
{
	const uint8_t *file = phys_to_virt(boot_info->prog);
	struct elf_image img;
	int err = elf_parse(file, boot_info->prog_len, &img, why);
	if (err)
		return err;
	if (img.kind == ELF_KIND_DYNAMIC) {
		*why = "dynamically linked (needs an interpreter; comes with root filesystems)";
		return -ENOEXEC;
	}
	uint64_t bias = elf_load_bias(&img, ELF_ET_DYN_BASE);
	if ((err = elf_check_bias(&img, bias, why)))
		return err;
	struct mm *mm = &p->mm;
	*why = "cannot map the program's segments";
	for (unsigned i = 0; i < img.nsegs; i++)
		if ((err = exec_map_segment(mm, &img.segs[i], bias, boot_info->prog)))
			return err;
	mm->start_brk = mm->brk = PAGE_ALIGN_UP(img.hi + bias);
	err = mm_map_fixed(mm, STACK_TOP - STACK_SIZE, STACK_TOP,
			   VMA_PROT_READ | VMA_PROT_WRITE | (img.exec_stack ? VMA_PROT_EXEC : 0),
			   VMA_ANON | VMA_STACK, 0);
	if (err)
		return err;
	*why = "argument list too long";
	uint64_t sp;
	if ((err = exec_build_stack(p, &img, bias, &sp)))
		return err;
	memset(r, 0, sizeof(*r));
	r->rip = img.entry + bias;
	r->rsp = sp;
	r->rflags = 0x202;
	*why = NULL;
	return 0;
}
