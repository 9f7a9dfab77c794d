/* ELF64 checks for the loader, in the order and with the errno values of Linux's load_elf_binary. */
#include "loader/elf.h"
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"

/* Every errno below was compared with native Linux 6.18 by tests/unit/elf-native/probe.c. Linux
   answers in two phases: header, program header table and PT_INTERP errors come back from execve;
   everything about the segments is found after the point of no return and kills the process with
   SIGSEGV (img->late). */

#define ELF_PAGE_MASK (ELF_PAGE_SIZE - 1)
#define ELF_PHDRS_MAX_BYTES 65536U /* load_elf_phdrs: at most 1170 entries */
#define ELF_INT64_MAX 0x7fffffffffffffffULL

static uint64_t elf_page_down(uint64_t v) { return v & ~ELF_PAGE_MASK; }

static int elf_fail(const char **why, const char *reason, int err)
{
    *why = reason;
    return err;
}

/* Linux reads the header from a zero-filled 256-byte buffer, so a short file reads as zeros. */
static void elf_read_ehdr(const uint8_t *file, uint64_t len, struct elf_ehdr *eh)
{
    memset(eh, 0, sizeof *eh);
    memcpy(eh, file, len < sizeof *eh ? (size_t)len : sizeof *eh);
}

static void elf_read_phdr(const uint8_t *file, const struct elf_ehdr *eh, unsigned i, struct elf_phdr *ph)
{
    memcpy(ph, file + eh->e_phoff + (uint64_t)i * sizeof *ph, sizeof *ph);
}

/* Linux checks neither EI_CLASS nor EI_DATA (a crafted ELFCLASS32 or big-endian header with 64-bit
   little-endian fields runs natively), but a genuine 32-bit or big-endian file then fails the
   machine, type or e_phentsize check; name the real cause in that case. */
static const char *elf_ident_why(const struct elf_ehdr *eh, const char *fallback)
{
    if (eh->e_ident[ELF_EI_CLASS] == ELF_CLASS32)
        return "32-bit ELF (ELFCLASS32)";
    if (eh->e_ident[ELF_EI_DATA] == ELF_DATA2MSB)
        return "big-endian ELF";
    return fallback;
}

static const char *elf_machine_why(uint16_t machine)
{
    switch (machine) {
    case 3: return "not an x86-64 ELF (e_machine 3, i386)";
    case 8: return "not an x86-64 ELF (e_machine 8, MIPS)";
    case 20: return "not an x86-64 ELF (e_machine 20, PowerPC)";
    case 21: return "not an x86-64 ELF (e_machine 21, PowerPC64)";
    case 22: return "not an x86-64 ELF (e_machine 22, s390)";
    case 40: return "not an x86-64 ELF (e_machine 40, ARM)";
    case 183: return "not an x86-64 ELF (e_machine 183, AArch64)";
    case 243: return "not an x86-64 ELF (e_machine 243, RISC-V)";
    case 258: return "not an x86-64 ELF (e_machine 258, LoongArch)";
    default: return "not an x86-64 ELF (e_machine is not 62)";
    }
}

static const char *elf_type_why(uint16_t type)
{
    if (type == ELF_ET_REL)
        return "relocatable object (ET_REL), not an executable";
    if (type == ELF_ET_CORE)
        return "core dump (ET_CORE), not an executable";
    return "e_type is neither ET_EXEC nor ET_DYN";
}

/* Magic, type and machine: load_elf_binary's first checks (-ENOEXEC), load_elf_interp's for an
   interpreter (-ELIBBAD for magic and machine; its e_type is checked late, after the commit). */
static int elf_check_ehdr(const struct elf_ehdr *eh, bool interp, const char **why)
{
    int err = interp ? -ELIBBAD : -ENOEXEC;
    if (memcmp(eh->e_ident, "\177ELF", 4) != 0)
        return elf_fail(why, "not an ELF file", err);
    if (!interp && eh->e_type != ELF_ET_EXEC && eh->e_type != ELF_ET_DYN)
        return elf_fail(why, elf_ident_why(eh, elf_type_why(eh->e_type)), -ENOEXEC);
    if (eh->e_machine != ELF_EM_X86_64)
        return elf_fail(why, elf_ident_why(eh, elf_machine_why(eh->e_machine)), err);
    return 0;
}

/* load_elf_phdrs: exact entry size, 1..65536 bytes of table, and a complete read of it. Any failure
   is -ENOEXEC (-ELIBBAD for an interpreter), the read error itself is not passed on. */
static int elf_check_phdr_table(const struct elf_ehdr *eh, uint64_t len, bool interp, const char **why)
{
    int err = interp ? -ELIBBAD : -ENOEXEC;
    uint64_t size = (uint64_t)eh->e_phnum * sizeof(struct elf_phdr);
    if (eh->e_phentsize != sizeof(struct elf_phdr))
        return elf_fail(why, elf_ident_why(eh, "e_phentsize is not 56"), err);
    if (size == 0)
        return elf_fail(why, "no program headers (e_phnum 0)", err);
    if (size > ELF_PHDRS_MAX_BYTES) /* also catches PN_XNUM (0xffff): Linux has no extended numbering */
        return elf_fail(why, "too many program headers (more than 1170)", err);
    if (eh->e_phoff > len || size > len - eh->e_phoff)
        return elf_fail(why, "program headers past the end of the file", err);
    return 0;
}

/* What kernel_read answers for [off, off + n) of the file: rw_verify_area refuses offsets that are
   negative or overflow as loff_t (-EINVAL); a short read becomes -EIO in elf_read. */
static int elf_read_range(uint64_t off, uint64_t n, uint64_t len)
{
    if (off > ELF_INT64_MAX || n > ELF_INT64_MAX - off)
        return -EINVAL;
    if (off > len || n > len - off)
        return -EIO;
    return 0;
}

/* The first PT_INTERP only: Linux stops at it, a second one is never looked at (native: runs). */
static int elf_check_interp(const uint8_t *file, uint64_t len, const struct elf_phdr *ph,
                            struct elf_image *img, const char **why)
{
    int err;
    if (ph->p_filesz > ELF_PATH_MAX || ph->p_filesz < 2)
        return elf_fail(why, "PT_INTERP size is not 2..4096 bytes", -ENOEXEC);
    err = elf_read_range(ph->p_offset, ph->p_filesz, len);
    if (err)
        return elf_fail(why, "PT_INTERP past the end of the file", err);
    if (file[ph->p_offset + ph->p_filesz - 1] != '\0')
        return elf_fail(why, "PT_INTERP path is not NUL-terminated", -ENOEXEC);
    img->kind = ELF_KIND_DYNAMIC;
    img->interp_off = ph->p_offset;
    img->interp_len = strnlen((const char *)file + ph->p_offset, ph->p_filesz);
    /* open_exec("") resolves to the working directory, which is not a regular file (native:
       EACCES). Relative paths are allowed and resolved from the working directory, as in Linux. */
    if (img->interp_len == 0)
        return elf_fail(why, "PT_INTERP path is empty", -EACCES);
    return 0;
}

static int elf_scan_interp(const uint8_t *file, uint64_t len, const struct elf_ehdr *eh,
                           struct elf_image *img, const char **why)
{
    struct elf_phdr ph;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        elf_read_phdr(file, eh, i, &ph);
        if (ph.p_type == ELF_PT_INTERP)
            return elf_check_interp(file, len, &ph, img, why);
    }
    return 0;
}

/* One PT_LOAD, as elf_load/elf_map/vm_mmap and the TASK_SIZE check after them see it (all late). */
static int elf_check_load(const struct elf_phdr *ph, uint64_t len, const char **why)
{
    if (ph->p_filesz > ph->p_memsz)
        return elf_fail(why, "PT_LOAD with p_filesz > p_memsz", -EINVAL);
    if (ph->p_memsz > ELF_USER_TOP)
        return elf_fail(why, "PT_LOAD larger than the user address space", -EINVAL);
    if (ph->p_vaddr > UINT64_MAX - ELF_PAGE_SIZE - ph->p_memsz)
        return elf_fail(why, "PT_LOAD p_vaddr + p_memsz wraps around", -EINVAL);
    if (ph->p_filesz == 0) /* nothing is mapped from the file: offset and alignment do not matter */
        return 0;
    /* mmap needs offset and address to agree modulo the page size; p_align itself is not checked
       by Linux (0 or not a power of two is ignored, native: runs). */
    if ((ph->p_vaddr - ph->p_offset) & ELF_PAGE_MASK)
        return elf_fail(why, "PT_LOAD p_vaddr and p_offset differ modulo the page size", -EINVAL);
    if (ph->p_offset > ELF_INT64_MAX || ph->p_filesz > ELF_INT64_MAX - ph->p_offset)
        return elf_fail(why, "PT_LOAD file offset overflows", -EINVAL);
    /* Divergence: Linux maps pages past the end of the file and the program takes SIGBUS when it
       touches them (or SIGSEGV at exec when the bss starts in such a page of a writable segment).
       unik copies segment bytes out of the file, so it refuses (SIGSEGV at exec). */
    if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
        return elf_fail(why, "PT_LOAD file bytes past the end of the file", -EIO);
    return 0;
}

static uint32_t elf_prot(uint32_t flags)
{
    return ((flags & ELF_PF_R) ? ELF_PROT_READ : 0) | ((flags & ELF_PF_W) ? ELF_PROT_WRITE : 0) |
           ((flags & ELF_PF_X) ? ELF_PROT_EXEC : 0);
}

/* Divergence: Linux maps overlapping segments one over the other (the later one wins page by page;
   native, this usually kills the program at its first instruction). Real linkers never produce it
   (none of 2,673 Debian binaries), so unik refuses it to keep every page owned by one segment.
   Unsorted but disjoint PT_LOADs are accepted, as Linux runs them. */
static int elf_check_overlap(const struct elf_image *img, const struct elf_phdr *ph, const char **why)
{
    uint64_t lo = elf_page_down(ph->p_vaddr), hi = elf_page_down(ph->p_vaddr + ph->p_memsz + ELF_PAGE_MASK);
    for (unsigned i = 0; i < img->nsegs; i++) {
        const struct elf_seg *s = &img->segs[i];
        uint64_t slo = elf_page_down(s->vaddr), shi = elf_page_down(s->vaddr + s->memsz + ELF_PAGE_MASK);
        if (lo < shi && slo < hi)
            return elf_fail(why, "PT_LOAD segments overlap (share a page)", -EINVAL);
    }
    return 0;
}

static int elf_add_load(struct elf_image *img, const struct elf_phdr *ph, uint64_t len, const char **why)
{
    int err = elf_check_load(ph, len, why);
    if (err || ph->p_memsz == 0) /* Linux maps nothing for an empty PT_LOAD */
        return err;
    err = elf_check_overlap(img, ph, why);
    if (err)
        return err;
    if (img->nsegs == ELF_MAX_SEGS) /* elf_count_loads already refused this; kept for safety */
        return elf_fail(why, "more than 16 PT_LOAD segments (unik limit)", -ENOEXEC);
    struct elf_seg *s = &img->segs[img->nsegs++];
    *s = (struct elf_seg){ph->p_vaddr, ph->p_memsz, ph->p_filesz, ph->p_offset, elf_prot(ph->p_flags)};
    uint64_t lo = elf_page_down(s->vaddr), hi = elf_page_down(s->vaddr + s->memsz + ELF_PAGE_MASK);
    if (img->nsegs == 1 || lo < img->lo)
        img->lo = lo;
    if (hi > img->hi)
        img->hi = hi;
    /* maximum_alignment(): only power-of-two p_align values count */
    if (ph->p_align && !(ph->p_align & (ph->p_align - 1)) && ph->p_align > img->max_align)
        img->max_align = ph->p_align;
    return 0;
}

/* AT_PHDR as Linux >= 5.18 computes it: the last PT_LOAD whose file bytes contain e_phoff. */
static void elf_note_phdr(struct elf_image *img, const struct elf_ehdr *eh, const struct elf_phdr *ph)
{
    if (ph->p_offset <= eh->e_phoff && eh->e_phoff - ph->p_offset < ph->p_filesz)
        img->phdr_vaddr = eh->e_phoff - ph->p_offset + ph->p_vaddr;
}

/* Our own limit, checked before the commit so execve can still say no: Linux has none (native: a
   file with 17 PT_LOADs runs). Empty PT_LOADs do not count. */
static int elf_count_loads(const uint8_t *file, const struct elf_ehdr *eh, const char **why)
{
    struct elf_phdr ph;
    unsigned n = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        elf_read_phdr(file, eh, i, &ph);
        n += ph.p_type == ELF_PT_LOAD && ph.p_memsz != 0;
    }
    if (n > ELF_MAX_SEGS)
        return elf_fail(why, "more than 16 PT_LOAD segments (unik limit)", -ENOEXEC);
    return 0;
}

/* The late pass over all program headers. PT_TLS, W+X segments and p_align are not checked by
   Linux at execve (native: all run); the libc reads PT_TLS through AT_PHDR. */
static int elf_scan_segments(const uint8_t *file, uint64_t len, const struct elf_ehdr *eh,
                             struct elf_image *img, const char **why)
{
    struct elf_phdr ph;
    bool have_tls = false;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        elf_read_phdr(file, eh, i, &ph);
        if (ph.p_type == ELF_PT_LOAD) {
            int err = elf_add_load(img, &ph, len, why);
            if (err)
                return err;
            elf_note_phdr(img, eh, &ph);
        } else if (ph.p_type == ELF_PT_GNU_STACK) {
            img->exec_stack = (ph.p_flags & ELF_PF_X) != 0; /* the last one wins, as in Linux */
        } else if (ph.p_type == ELF_PT_TLS && !have_tls) {
            have_tls = true;
            img->tls_memsz = ph.p_memsz;
            img->tls_align = ph.p_align;
        }
    }
    /* Linux maps nothing and the program faults at its entry (native: SIGSEGV). */
    if (img->nsegs == 0)
        return elf_fail(why, "no PT_LOAD segment", -ENOEXEC);
    return 0;
}

/* The late checks of a whole image; for ET_DYN only the span is known before the bias. */
static int elf_check_late(const uint8_t *file, uint64_t len, const struct elf_ehdr *eh,
                          struct elf_image *img, const char **why)
{
    int err = elf_scan_segments(file, len, eh, img, why);
    if (err)
        return err;
    if (!img->is_dyn)
        return elf_check_bias(img, 0, why);
    if (img->hi - img->lo > ELF_USER_TOP - ELF_USER_MIN) /* the first mmap of the whole span fails */
        return elf_fail(why, "ET_DYN image larger than the user address space", -ENOMEM);
    return 0;
}

static int elf_parse_common(const uint8_t *file, uint64_t len, struct elf_image *img, const char **why,
                            bool interp)
{
    struct elf_ehdr eh;
    int err;
    memset(img, 0, sizeof *img);
    *why = "ok";
    if (interp && len < sizeof eh) /* elf_read of the interpreter's header comes up short */
        return elf_fail(why, "interpreter shorter than an ELF header", -EIO);
    elf_read_ehdr(file, len, &eh);
    err = elf_check_ehdr(&eh, interp, why);
    if (!err)
        err = elf_check_phdr_table(&eh, len, interp, why);
    if (err)
        return err;
    img->is_dyn = eh.e_type == ELF_ET_DYN;
    img->kind = img->is_dyn ? ELF_KIND_STATIC_PIE : ELF_KIND_STATIC;
    img->entry = eh.e_entry;
    img->phnum = eh.e_phnum;
    img->phentsize = eh.e_phentsize;
    img->max_align = ELF_PAGE_SIZE;
    err = interp ? 0 : elf_scan_interp(file, len, &eh, img, why);
    if (!err)
        err = elf_count_loads(file, &eh, why);
    if (err)
        return err;
    img->late = true; /* from here on Linux has already committed to the new image */
    if (interp && eh.e_type != ELF_ET_EXEC && eh.e_type != ELF_ET_DYN)
        return elf_fail(why, elf_type_why(eh.e_type), -EINVAL);
    err = elf_check_late(file, len, &eh, img, why);
    if (!err)
        img->late = false;
    return err;
}

int elf_parse(const uint8_t *file, uint64_t len, struct elf_image *img, const char **why)
{
    return elf_parse_common(file, len, img, why, false);
}

int elf_parse_interp(const uint8_t *file, uint64_t len, struct elf_image *img, const char **why)
{
    return elf_parse_common(file, len, img, why, true);
}

uint64_t elf_load_bias(const struct elf_image *img, uint64_t preferred_base)
{
    if (!img->is_dyn || img->nsegs == 0)
        return 0;
    uint64_t base = preferred_base & ~(img->max_align - 1);
    return elf_page_down(base - img->segs[0].vaddr);
}

int elf_check_bias(const struct elf_image *img, uint64_t bias, const char **why)
{
    uint64_t lo = img->lo + bias, hi = img->hi + bias;
    if (hi < lo || hi > ELF_USER_TOP || lo > ELF_USER_TOP) /* mmap: -ENOMEM past TASK_SIZE */
        return elf_fail(why, "segment above the user address range", -ENOMEM);
    /* mmap_min_addr: -EPERM. Linux's own floor is the vm.mmap_min_addr sysctl (4096 on the 6.18
       host measured, 65536 on stock Debian); unik uses 65536. */
    if (lo < ELF_USER_MIN)
        return elf_fail(why, "segment below the lowest user address (0x10000)", -EPERM);
    /* BAD_ADDR(e_entry) in load_elf_binary; with an interpreter only the interpreter's entry is
       checked. An entry outside every executable segment is accepted (native: SIGSEGV at it). */
    if (img->kind != ELF_KIND_DYNAMIC && img->entry + bias >= ELF_USER_TOP)
        return elf_fail(why, "entry point outside the user address range", -EINVAL);
    return 0;
}
