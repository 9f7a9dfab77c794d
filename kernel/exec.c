/* Loading a program into a fresh address space: ELF executables (static, static-pie, and dynamic
   through their PT_INTERP interpreter found in the file tree), `#!` scripts with Linux's argument
   rules, and the initial stack with argv, envp and auxv. Segments are mapped from the file's pages
   (private, copy-on-write), so read-only text is never copied. */
#include "k/kernel.h"
#include "k/cap.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/mm.h"
#include "k/arch.h"
#include "k/random.h"
#include "k/uaccess.h"
#include "k/exec.h"
#include "k/rseq.h"
#include "loader/elf.h"
#include "loader/stack.h"
#include "vfs/vfs.h"

#define EXEC_STACK_BUF (256u << 10)

/* Would the ELF checks read past the first n bytes (program headers, PT_INTERP string)? */
static bool exec_head_spill(const uint8_t *b, size_t n)
{
	struct elf_ehdr eh;
	if (n < sizeof(eh) || memcmp(b, "\177ELF", 4))
		return false;           /* not ELF: the checks stop at the header */
	memcpy(&eh, b, sizeof(eh));
	uint64_t end = eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(struct elf_phdr);
	if (eh.e_phoff > n || end > n || end < eh.e_phoff)
		return true;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf_phdr ph;
		memcpy(&ph, b + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == ELF_PT_INTERP &&
		    (ph.p_offset > n || ph.p_filesz > n - ph.p_offset))
			return true;
	}
	return false;
}
#define EXEC_MAX_ARGS 4096
#define BINPRM_BUF_SIZE 256
#define EXEC_MAX_SCRIPT_DEPTH 5         /* Linux: more nested interpreters give ELOOP */

static uint8_t exec_stack_buf[EXEC_STACK_BUF] __attribute__((aligned(4096)));

#define EXEC_HEAD (64u << 10)
static uint8_t exec_head[2][EXEC_HEAD];

/* The file's bytes: in place when they are contiguous guest memory (image files, the boot
   program); otherwise its first 64 KiB read into a buffer (slot 0: the program, 1: its
   interpreter), which holds everything the ELF checks read as long as the headers are there. */
static const uint8_t *exec_bytes(struct inode *ino, int slot, const char **why)
{
	if ((ino->mode & S_IFMT) != S_IFREG) {
		*why = "not a regular file";
		return NULL;
	}
	if (!ino->size)
		return (const uint8_t *)"";
	if (ino->contig_pa)
		return phys_to_virt(ino->contig_pa);
	size_t n = (size_t)MIN(ino->size, EXEC_HEAD);
	if (!ino->ops->read || ino->ops->read(ino, exec_head[slot], n, 0) != (int64_t)n) {
		*why = "cannot read the file";
		return NULL;
	}
	if (n < ino->size && exec_head_spill(exec_head[slot], n)) {
		*why = "program headers or interpreter name beyond the first 64 KiB";
		return NULL;
	}
	return exec_head[slot];
}

/* Maps one PT_LOAD from ino: the file-backed part, then the zero-filled rest (bss). */
static int exec_map_segment(struct mm *mm, struct inode *ino, const struct elf_seg *s,
			    uint64_t bias)
{
	uint64_t start = (s->vaddr + bias) & PAGE_MASK;
	uint64_t file_end = s->vaddr + bias + s->filesz;
	uint64_t mem_end = PAGE_ALIGN_UP(s->vaddr + bias + s->memsz);
	uint64_t file_page_end = s->filesz ? PAGE_ALIGN_UP(file_end) : start;
	uint32_t prot = s->prot & (VMA_PROT_READ | VMA_PROT_WRITE | VMA_PROT_EXEC);
	int err;
	if (s->filesz) {
		err = mm_map_fixed(mm, start, file_page_end, prot, VMA_FILE, ino,
				   (s->offset & PAGE_MASK) / PAGE_SIZE);
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
	}
	if (mem_end > file_page_end)
		return mm_map_fixed(mm, file_page_end, mem_end, prot, VMA_ANON, NULL, 0);
	return 0;
}

static int exec_map_image(struct mm *mm, struct inode *ino, const struct elf_image *img,
			  uint64_t bias, const char **why)
{
	int err = elf_check_bias(img, bias, why);
	if (err)
		return err;
	*why = "cannot map the program's segments";
	for (unsigned i = 0; i < img->nsegs; i++)
		if ((err = exec_map_segment(mm, ino, &img->segs[i], bias)))
			return err;
	/* What every program touches first: its entry, its program headers (the C library's
	   start reads them through AT_PHDR, as the dynamic linker does), its data and bss. */
	mm_map_ahead(mm, img->entry + bias, false);
	if (img->phdr_vaddr)
		mm_map_ahead(mm, img->phdr_vaddr + bias, false);
	for (unsigned i = 0; i < img->nsegs; i++) {
		const struct elf_seg *s = &img->segs[i];
		if (!(s->prot & VMA_PROT_WRITE))
			continue;
		mm_map_ahead(mm, s->vaddr + bias, true);
		if (s->memsz > s->filesz)
			mm_map_ahead(mm, PAGE_ALIGN_UP(s->vaddr + bias + s->filesz), true);
	}
	return 0;
}

/* The interpreter named by PT_INTERP, parsed and placed below the mmap area. */
static int exec_interp(struct proc *p, const uint8_t *file, const struct elf_image *img,
		       uint64_t *entry, uint64_t *base, const char **why)
{
	char path[ELF_PATH_MAX + 1];
	memcpy(path, file + img->interp_off, img->interp_len);
	path[img->interp_len] = 0;
	struct path ip;
	int err = vfs_lookup(current_task->fs, &current_task->fs->root, path, LOOKUP_FOLLOW, &ip);
	if (err) {
		*why = "the program's interpreter (PT_INTERP) was not found";
		return err;
	}
	struct inode *ino = ip.d->inode;
	struct elf_image ii;
	const uint8_t *ib = (ino->mode & S_IFMT) == S_IFDIR ? NULL : exec_bytes(ino, 1, why);
	if ((ino->mode & S_IFMT) == S_IFDIR) {
		*why = "the program's interpreter is a directory";
		err = -EACCES;
	} else if (!ib) {
		err = -ENOEXEC;
	} else if (!(err = elf_parse_interp(ib, ino->size, &ii, why))) {
		if (ii.kind == ELF_KIND_DYNAMIC) {
			*why = "the interpreter itself names an interpreter";
			err = -ELIBBAD;
		} else {
			uint64_t span = ii.hi - ii.lo;
			uint64_t at = vma_find_free(&p->mm->vmas, span, USER_MIN, p->mm->mmap_top);
			uint64_t bias = ii.is_dyn ? at - ii.lo : 0;
			if (!at && ii.is_dyn)
				err = -ENOMEM;
			else if (!(err = exec_map_image(p->mm, ino, &ii, bias, why))) {
				*entry = ii.entry + bias;
				*base = bias;
			}
		}
	}
	path_put(&ip);
	return err;
}

static uint64_t exec_cpuid(uint32_t leaf, int reg)
{
	uint32_t r[4];
	arch_cpuid(leaf, 0, r);
	return r[reg];
}

/* AT_MINSIGSTKSZ and AT_HWCAP, from the vCPU's CPUID table (no exit). */
static void exec_cpu_facts(uint64_t *minsig, uint64_t *hwcap)
{
	/* Linux's signal frame: the XSAVE area of the enabled features plus the rest. */
	*minsig = exec_cpuid(0xd, 1) + 64 + 440 + 8 + 128;
	*hwcap = exec_cpuid(1, 3);
}

static int exec_build_stack(struct proc *p, const struct exec_args *a, const struct elf_image *img,
			    uint64_t bias, uint64_t entry, uint64_t interp_base, uint64_t *sp)
{
	uint8_t rnd[16];
	random_bytes(rnd, sizeof(rnd));
	uint64_t minsig, hwcap;
	exec_cpu_facts(&minsig, &hwcap);
	const uint64_t aux[][2] = {
		{ AT_MINSIGSTKSZ, minsig }, { AT_HWCAP, hwcap }, { AT_PAGESZ, PAGE_SIZE },
		{ AT_CLKTCK, 100 },
		{ AT_PHDR, img->phdr_vaddr ? img->phdr_vaddr + bias : 0 },
		{ AT_PHENT, img->phentsize }, { AT_PHNUM, img->phnum },
		{ AT_BASE, interp_base }, { AT_FLAGS, 0 }, { AT_ENTRY, img->entry + bias },
		{ AT_UID, p->uid }, { AT_EUID, a->euid }, { AT_GID, p->gid }, { AT_EGID, a->egid },
		{ AT_SECURE, a->secure }, { AT_HWCAP2, 2 /* FSGSBASE */ },
		{ AT_RSEQ_FEATURE_SIZE, RSEQ_FEATURE_SIZE }, { AT_RSEQ_ALIGN, RSEQ_ALIGN },
	};
	struct stack_result res;
	struct stack_spec spec = {
		.argc = a->argc, .argv = a->argv, .envc = a->envc, .envp = a->envp,
		.execfn = a->execfn, .platform = "x86_64", .random16 = rnd,
		.auxv = aux, .nauxv = (int)ARRAY_SIZE(aux), .stack_rlimit = p->rlim[3].cur,
		.result = &res,
	};
	int err = stack_build(exec_stack_buf, STACK_TOP, EXEC_STACK_BUF, &spec, sp);
	if (err)
		return err;
	p->arg_start = res.arg_start;
	p->arg_end = res.arg_end;
	p->env_start = res.env_start;
	p->env_end = res.env_end;
	(void)entry;
	uint64_t used = STACK_TOP - (*sp & PAGE_MASK);
	return copy_to_user(STACK_TOP - used, exec_stack_buf + EXEC_STACK_BUF - used, used);
}

/* Parses "#!interp [arg]" from the first line (Linux: at most BINPRM_BUF_SIZE bytes read;
   whitespace separated; the optional argument is the rest of the line, trimmed). */
static int exec_script_line(const uint8_t *b, uint64_t len, char *interp, char *arg)
{
	size_t n = (size_t)MIN(len, BINPRM_BUF_SIZE);
	char line[BINPRM_BUF_SIZE + 1];
	memcpy(line, b, n);
	line[n] = 0;
	char *nl = strchr(line, '\n');
	if (!nl && n == BINPRM_BUF_SIZE)
		return -ENOEXEC;        /* Linux 5.x: an interpreter line that does not fit */
	if (nl)
		*nl = 0;
	char *s = line + 2;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return -ENOEXEC;
	char *e = s;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	memcpy(interp, s, (size_t)(e - s));
	interp[e - s] = 0;
	while (*e == ' ' || *e == '\t')
		e++;
	size_t al = strlen(e);
	while (al && (e[al - 1] == ' ' || e[al - 1] == '\t'))
		al--;
	memcpy(arg, e, al);
	arg[al] = 0;
	return 0;
}

/* The ids the program file gives (a script's own set-id bits count for nothing: this is the
   final ELF file), unless the process asked for no new privileges, and the capability sets
   its file capabilities give. -EPERM or -EINVAL (its capabilities), else 0. */
static int exec_setid(const struct proc *p, struct inode *ino, struct exec_args *a)
{
	a->euid = p->euid;
	a->egid = p->egid;
	if (!p->no_new_privs) {
		if (ino->mode & S_ISUID)
			a->euid = ino->uid;
		if ((ino->mode & (S_ISGID | 010)) == (S_ISGID | 010))
			a->egid = ino->gid;
	}
	struct file_caps fc;
	int err = cap_from_file(ino, &fc);
	if (!err)
		err = cap_exec_sets(p, a->euid, a->egid, &fc, &a->caps);
	a->secure = a->euid != p->uid || a->egid != p->gid || a->caps.secure;
	return err;
}

void exec_commit_creds(struct proc *p, const struct exec_args *a)
{
	if (a->euid != p->euid || a->egid != p->egid || (a->caps.prm & ~p->cap_prm)) {
		p->not_dumpable = true;
		p->pdeathsig = 0;
		p->personality &= ~PER_CLEAR_ON_SETID;
	}
	p->euid = p->suid = p->fsuid = a->euid;
	p->egid = p->sgid = p->fsgid = a->egid;
	p->cap_prm = a->caps.prm;
	p->cap_eff = a->caps.eff;
	p->cap_amb = a->caps.amb;
}

int exec_load(struct proc *p, struct inode *ino, struct exec_args *a, struct regs *r,
	      const char **why)
{
	const uint8_t *file = exec_bytes(ino, 0, why);
	if (!file)
		return (ino->mode & S_IFMT) != S_IFREG ? -EACCES : -ENOEXEC;
	if (ino->size >= 2 && file[0] == '#' && file[1] == '!') {
		if (++a->depth > EXEC_MAX_SCRIPT_DEPTH) {
			*why = "too many levels of #! interpreters";
			return -ELOOP;
		}
		return exec_script(p, ino, file, a, r, why);
	}
	struct elf_image img = { 0 };
	int err = elf_parse(file, ino->size, &img, why);
	if (err)
		return err;
	if ((err = exec_setid(p, ino, a))) {
		*why = err == -EPERM ? "the file's capabilities exceed the bounding set"
				     : "malformed file capabilities (security.capability)";
		return err;
	}
	struct mm *mm = p->mm;
	uint64_t bias = elf_load_bias(&img, ELF_ET_DYN_BASE);
	if ((err = exec_map_image(mm, ino, &img, bias, why)))
		return err;
	uint64_t entry = img.entry + bias, interp_base = 0;
	if (img.kind == ELF_KIND_DYNAMIC &&
	    (err = exec_interp(p, file, &img, &entry, &interp_base, why)))
		return err;
	mm->start_brk = mm->brk = PAGE_ALIGN_UP(img.hi + bias);
	err = mm_map_fixed(mm, STACK_TOP - STACK_SIZE, STACK_TOP,
			   VMA_PROT_READ | VMA_PROT_WRITE | (img.exec_stack ? VMA_PROT_EXEC : 0),
			   VMA_ANON | VMA_STACK, NULL, 0);
	if (err)
		return err;
	*why = "argument list too long";
	uint64_t sp;
	if ((err = exec_build_stack(p, a, &img, bias, entry, interp_base, &sp)))
		return err;
	memset(r, 0, sizeof(*r));
	r->rip = entry;
	r->rsp = sp;
	r->rflags = 0x202;
	*why = NULL;
	return 0;
}

/* `#!`: runs the interpreter with argv = interp [arg] script argv[1..]. */
int exec_script(struct proc *p, struct inode *ino, const uint8_t *file, struct exec_args *a,
		struct regs *r, const char **why)
{
	static char interp[BINPRM_BUF_SIZE + 1], arg[BINPRM_BUF_SIZE + 1];
	static const char *argv[EXEC_MAX_ARGS + 3];
	if (exec_script_line(file, ino->size, interp, arg)) {
		*why = "malformed #! line";
		return -ENOEXEC;
	}
	int n = 0;
	argv[n++] = interp;
	if (arg[0])
		argv[n++] = arg;
	argv[n++] = a->execfn;
	for (int i = 1; i < a->argc && n < EXEC_MAX_ARGS + 2; i++)
		argv[n++] = a->argv[i];
	struct path ip;
	int err = vfs_lookup(current_task->fs, &current_task->fs->cwd, interp, LOOKUP_FOLLOW, &ip);
	if (err) {
		*why = "the script's interpreter was not found";
		return err;
	}
	struct exec_args na = *a;
	na.argv = argv;
	na.argc = n;
	err = vfs_permission(ip.d->inode, 1);
	if (err)
		*why = "the script's interpreter is not executable";
	else
		err = exec_load(p, ip.d->inode, &na, r, why);
	path_put(&ip);
	/* The credentials the interpreter runs with are the ones the caller commits: left behind,
	   a script ran with effective ids 0 (a zeroed exec_args) whoever started it. */
	a->euid = na.euid;
	a->egid = na.egid;
	a->caps = na.caps;
	a->secure = na.secure;
	return err;
}

static uint8_t exec_fpu_image[3 * PAGE_SIZE] __attribute__((aligned(64)));

void exec_fpu_capture(void)
{
	arch_fpu_save(exec_fpu_image);
}

const void *exec_fpu_initial(void)
{
	return exec_fpu_image;
}
