/* ELF64 checks for the loader: turns an executable file held in memory into a validated load plan. */
#ifndef UNIK_LOADER_ELF_H
#define UNIK_LOADER_ELF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_USER_MIN 0x10000ULL        /* lowest address a program may map (Linux mmap_min_addr) */
#define ELF_USER_TOP 0x7ffffffff000ULL /* Linux TASK_SIZE on x86-64, 4-level paging */
#define ELF_MAX_SEGS 16
#define ELF_PAGE_SIZE 4096ULL
#define ELF_PATH_MAX 4096              /* Linux PATH_MAX: bound on PT_INTERP's p_filesz */
/* Where Linux puts ET_DYN images (static-pie included, measured on 6.18): 2/3 of TASK_SIZE, before
   randomisation and p_align rounding. A good preferred_base for elf_load_bias. */
#define ELF_ET_DYN_BASE (ELF_USER_TOP / 3 * 2)

/* The on-disk ELF64 structures (little-endian, x86-64). */
struct elf_ehdr {
    uint8_t e_ident[16];
    uint16_t e_type, e_machine;
    uint32_t e_version;
    uint64_t e_entry, e_phoff, e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};
struct elf_phdr {
    uint32_t p_type, p_flags;
    uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};
_Static_assert(sizeof(struct elf_ehdr) == 64, "ELF64 header is 64 bytes");
_Static_assert(sizeof(struct elf_phdr) == 56, "ELF64 program header is 56 bytes");

#define ELF_EI_CLASS 4
#define ELF_EI_DATA 5
#define ELF_CLASS32 1
#define ELF_CLASS64 2
#define ELF_DATA2LSB 1
#define ELF_DATA2MSB 2
#define ELF_ET_REL 1
#define ELF_ET_EXEC 2
#define ELF_ET_DYN 3
#define ELF_ET_CORE 4
#define ELF_EM_X86_64 62
#define ELF_PT_NULL 0
#define ELF_PT_LOAD 1
#define ELF_PT_INTERP 3
#define ELF_PT_PHDR 6
#define ELF_PT_TLS 7
#define ELF_PT_GNU_STACK 0x6474e551U
#define ELF_PF_X 1U
#define ELF_PF_W 2U
#define ELF_PF_R 4U
#define ELF_PROT_READ 1U
#define ELF_PROT_WRITE 2U
#define ELF_PROT_EXEC 4U

enum elf_kind { ELF_KIND_STATIC = 1, ELF_KIND_STATIC_PIE, ELF_KIND_DYNAMIC };

/* One PT_LOAD with p_memsz > 0. The file bytes [offset, offset + filesz) lie inside the file;
   vaddr and offset agree modulo the page size when filesz > 0. */
struct elf_seg {
    uint64_t vaddr, memsz, filesz, offset;
    uint32_t prot; /* ELF_PROT_*: 1 R, 2 W, 4 X like PROT_* */
};

struct elf_image {
    enum elf_kind kind;      /* DYNAMIC when a PT_INTERP exists (ET_EXEC or ET_DYN) */
    bool is_dyn;             /* e_type == ET_DYN: needs a load bias */
    uint64_t entry;          /* e_entry as in the file (add the bias for ET_DYN) */
    uint64_t phdr_vaddr;     /* AT_PHDR before the bias: e_phoff inside the last PT_LOAD whose file bytes
                                hold it (Linux >= 5.18 ignores PT_PHDR); 0 if not mapped */
    uint16_t phnum, phentsize;
    uint64_t lo, hi;         /* page-aligned [lo, hi) span of all PT_LOADs, unbiased */
    struct elf_seg segs[ELF_MAX_SEGS]; /* program header order; page ranges never overlap */
    unsigned nsegs;
    uint64_t interp_off, interp_len; /* PT_INTERP path in the file (len without the NUL), if any */
    bool exec_stack;         /* the last PT_GNU_STACK has PF_X. Absent means NOT executable: since Linux
                                5.8 x86-64 no longer implies READ_IMPLIES_EXEC (native 6.18: rw-p) */
    uint64_t tls_memsz, tls_align;   /* first PT_TLS as in the file, untrusted: Linux ignores PT_TLS */
    uint64_t max_align;      /* largest power-of-two PT_LOAD p_align, at least ELF_PAGE_SIZE */
    bool late;               /* on failure: Linux had already passed execve's point of no return, so the
                                old image is gone and the process is killed by SIGSEGV instead of
                                execve returning the errno (native behaviour for every late case) */
};

/* Checks a whole ELF file held in memory and fills *img. Returns 0, or a negative errno exactly as
   Linux's execve answers for that file and sets *why to a short static reason. img->late tells
   whether Linux would return that errno (false) or kill the process with SIGSEGV (true). Linux
   looks the interpreter up between the two phases, so on a late failure interp_off/interp_len are
   already valid: a loader that wants Linux's exact answer looks the interpreter up (and runs
   elf_parse_interp on it) before killing. For ET_EXEC the placement is checked here; for ET_DYN
   call elf_check_bias with the chosen bias. */
int elf_parse(const uint8_t *file, uint64_t len, struct elf_image *img, const char **why);

/* Same for the file named by PT_INTERP, with Linux's answers for an interpreter: -EIO when shorter
   than an ELF header, -ELIBBAD for a bad magic, machine or program header table (early); its own
   PT_INTERP is ignored, so kind is never DYNAMIC. */
int elf_parse_interp(const uint8_t *file, uint64_t len, struct elf_image *img, const char **why);

/* Picks the load bias for an ET_DYN image (page aligned) given a preferred base, as Linux does:
   the base rounded down to max_align, minus the first PT_LOAD's vaddr. 0 for ET_EXEC. */
uint64_t elf_load_bias(const struct elf_image *img, uint64_t preferred_base);

/* Checks that the image moved by bias lies in [ELF_USER_MIN, ELF_USER_TOP) and, when no interpreter
   takes over, that its entry is a user address. Returns 0, -EPERM (below ELF_USER_MIN), -ENOMEM
   (past ELF_USER_TOP) or -EINVAL (entry); all are late failures (SIGSEGV) in Linux. */
int elf_check_bias(const struct elf_image *img, uint64_t bias, const char **why);

#endif
