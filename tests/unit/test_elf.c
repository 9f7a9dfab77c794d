/* Unit tests of loader/elf.c: good and hostile ELF files built in memory; "native:" is what Linux 6.18's
   execve did with the same file (tests/unit/elf-native/run.sh). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/errno.h"
#include "loader/elf.h"

#define BASE 0x400000ULL
#define CODE_OFF 0x600
#define INTERP_OFF 0x800
#define INTERP "/lib/ld-musl-x86_64.so.1"

/* The file under test: a minimal good program, then each test damages one thing. */
static _Alignas(8) uint8_t f[0x11000];
static uint64_t flen;
static struct elf_ehdr *eh;
static struct elf_phdr *ph;
static struct elf_image img;
static const char *why;

/* Static ET_EXEC (or static-pie ET_DYN at 0): R+X text over the first page (headers included), a RW
   segment with bss on the second page, PT_GNU_STACK RW. */
static void build(uint16_t type)
{
    memset(f, 0, sizeof f);
    flen = 0x2000;
    eh = (struct elf_ehdr *)f;
    ph = (struct elf_phdr *)(f + 64);
    memcpy(eh->e_ident, "\177ELF", 4);
    eh->e_ident[ELF_EI_CLASS] = ELF_CLASS64;
    eh->e_ident[ELF_EI_DATA] = ELF_DATA2LSB;
    eh->e_ident[6] = 1;
    eh->e_type = type;
    eh->e_machine = ELF_EM_X86_64;
    eh->e_version = 1;
    uint64_t b = type == ELF_ET_EXEC ? BASE : 0;
    eh->e_entry = b + CODE_OFF;
    eh->e_phoff = 64;
    eh->e_ehsize = 64;
    eh->e_phentsize = sizeof(struct elf_phdr);
    eh->e_phnum = 3;
    ph[0] = (struct elf_phdr){ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0, b, b, 0x1000, 0x1000, 0x1000};
    ph[1] = (struct elf_phdr){ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x1000, b + 0x1000, b + 0x1000, 0x10, 0x2000, 0x1000};
    ph[2] = (struct elf_phdr){ELF_PT_GNU_STACK, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0, 0, 16};
}

static void build_exec(void) { build(ELF_ET_EXEC); }
static void build_dyn(void) { build(ELF_ET_DYN); }

/* Puts a PT_INTERP first (as linkers do) naming path, with the given p_filesz. */
static void add_interp(const char *path, uint64_t filesz)
{
    memmove(&ph[1], &ph[0], eh->e_phnum * sizeof *ph);
    eh->e_phnum++;
    strcpy((char *)f + INTERP_OFF, path);
    ph[0] = (struct elf_phdr){ELF_PT_INTERP, ELF_PF_R, INTERP_OFF, 0, 0, filesz, filesz, 1};
}

static struct elf_phdr *append_phdr(struct elf_phdr p)
{
    ph[eh->e_phnum] = p;
    return &ph[eh->e_phnum++];
}

static int parse(void) { return elf_parse(f, flen, &img, &why); }

/* A failure execve reports (late false) or one that kills the process after the commit (late true). */
#define assert_early(err) do { assert_int_equal(parse(), (err)); assert_false(img.late); } while (0)
#define assert_late(err) do { assert_int_equal(parse(), (err)); assert_true(img.late); } while (0)
#define assert_ok() do { assert_int_equal(parse(), 0); assert_string_equal(why, "ok"); } while (0)

/* ---- good files ---- */

static void test_good_static_exec(void **state)
{
    build_exec(); /* native: runs */
    assert_ok();
    assert_int_equal(img.kind, ELF_KIND_STATIC);
    assert_false(img.is_dyn);
    assert_false(img.late);
    assert_int_equal(img.entry, BASE + CODE_OFF);
    assert_int_equal(img.phdr_vaddr, BASE + 64);
    assert_int_equal(img.phnum, 3);
    assert_int_equal(img.phentsize, 56);
    assert_int_equal(img.lo, BASE);
    assert_int_equal(img.hi, BASE + 0x3000);
    assert_int_equal(img.nsegs, 2);
    assert_int_equal(img.segs[0].vaddr, BASE);
    assert_int_equal(img.segs[0].filesz, 0x1000);
    assert_int_equal(img.segs[0].prot, ELF_PROT_READ | ELF_PROT_EXEC);
    assert_int_equal(img.segs[1].vaddr, BASE + 0x1000);
    assert_int_equal(img.segs[1].memsz, 0x2000);
    assert_int_equal(img.segs[1].filesz, 0x10);
    assert_int_equal(img.segs[1].offset, 0x1000);
    assert_int_equal(img.segs[1].prot, ELF_PROT_READ | ELF_PROT_WRITE);
    assert_int_equal(img.interp_len, 0);
    assert_false(img.exec_stack);
    assert_int_equal(img.max_align, 0x1000);
    assert_int_equal(elf_load_bias(&img, ELF_ET_DYN_BASE), 0);
}

static void test_good_static_pie(void **state)
{
    build_dyn(); /* native: runs */
    assert_ok();
    assert_int_equal(img.kind, ELF_KIND_STATIC_PIE);
    assert_true(img.is_dyn);
    assert_int_equal(img.entry, CODE_OFF);
    assert_int_equal(img.phdr_vaddr, 64);
    assert_int_equal(img.lo, 0);
    assert_int_equal(img.hi, 0x3000);
    uint64_t bias = elf_load_bias(&img, ELF_ET_DYN_BASE);
    assert_int_equal(bias, 0x555555554000ULL);
    assert_int_equal(elf_check_bias(&img, bias, &why), 0);
    /* unbiased it would sit at 0, under mmap_min_addr */
    assert_int_equal(elf_check_bias(&img, 0, &why), -EPERM);
}

static void test_good_dynamic_pie(void **state)
{
    build_dyn(); /* native (interp = a good static program): runs */
    add_interp(INTERP, sizeof INTERP);
    assert_ok();
    assert_int_equal(img.kind, ELF_KIND_DYNAMIC);
    assert_true(img.is_dyn);
    assert_int_equal(img.interp_off, INTERP_OFF);
    assert_int_equal(img.interp_len, strlen(INTERP));
    assert_memory_equal(f + img.interp_off, INTERP, sizeof INTERP);
    assert_int_equal(img.nsegs, 2);
    assert_int_equal(img.phnum, 4);
}

static void test_good_dynamic_exec(void **state)
{
    build_exec(); /* native: runs */
    add_interp(INTERP, sizeof INTERP);
    assert_ok();
    assert_int_equal(img.kind, ELF_KIND_DYNAMIC);
    assert_false(img.is_dyn);
    assert_int_equal(img.interp_len, strlen(INTERP));
}

static void test_exec_stack_flag(void **state)
{
    build_exec();
    ph[2].p_flags |= ELF_PF_X;
    assert_ok();
    assert_true(img.exec_stack);
    /* two PT_GNU_STACK: Linux's loop keeps the last one (native: runs) */
    append_phdr((struct elf_phdr){ELF_PT_GNU_STACK, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0, 0, 16});
    assert_ok();
    assert_false(img.exec_stack);
}

static void test_no_gnu_stack_is_not_executable(void **state)
{
    build_exec(); /* native (musl binary with PT_GNU_STACK removed): stack is rw-p */
    ph[2].p_type = ELF_PT_NULL;
    assert_ok();
    assert_false(img.exec_stack);
}

static void test_phdr_not_in_any_load(void **state)
{
    build_exec();
    eh->e_phoff = 0x1000 + 0x100; /* move the table into the RW segment's file range... */
    memcpy(f + eh->e_phoff, ph, 3 * sizeof *ph);
    ph = (struct elf_phdr *)(f + eh->e_phoff);
    ph[1].p_filesz = 0x200;
    assert_ok();
    assert_int_equal(img.phdr_vaddr, BASE + 0x1100);
    ph[1].p_filesz = 0x10; /* ...then out of every file mapping */
    assert_ok();
    assert_int_equal(img.phdr_vaddr, 0);
}

/* ---- the ELF header ---- */

static void test_not_elf(void **state)
{
    build_exec();
    f[0] = 'X';
    assert_early(-ENOEXEC); /* native: ENOEXEC */
    assert_string_equal(why, "not an ELF file");
}

static void test_truncated(void **state)
{
    build_exec();
    flen = 40; /* the rest of the header reads as zeros: e_machine 0 (native: ENOEXEC) */
    assert_early(-ENOEXEC);
    flen = 0; /* native: ENOEXEC */
    assert_early(-ENOEXEC);
    assert_string_equal(why, "not an ELF file");
    flen = 64; /* complete header, program headers missing (native class: ENOEXEC) */
    assert_early(-ENOEXEC);
    assert_string_equal(why, "program headers past the end of the file");
}

static void test_class32_genuine(void **state)
{
    build_exec(); /* an i386 ELF: e_machine EM_386 at the same offset (native: ENOEXEC) */
    eh->e_ident[ELF_EI_CLASS] = ELF_CLASS32;
    eh->e_machine = 3;
    assert_early(-ENOEXEC);
    assert_string_equal(why, "32-bit ELF (ELFCLASS32)");
    build_exec(); /* x32: EM_X86_64 but 32-byte program headers */
    eh->e_ident[ELF_EI_CLASS] = ELF_CLASS32;
    eh->e_phentsize = 32;
    assert_early(-ENOEXEC);
    assert_string_equal(why, "32-bit ELF (ELFCLASS32)");
}

static void test_class32_byte_only_runs(void **state)
{
    build_exec(); /* Linux never reads EI_CLASS (native: runs) */
    eh->e_ident[ELF_EI_CLASS] = ELF_CLASS32;
    assert_ok();
    eh->e_ident[ELF_EI_CLASS] = 0; /* native: runs */
    assert_ok();
}

static void test_bigendian(void **state)
{
    build_exec(); /* a genuine big-endian header: e_type 2 reads as 0x200 (native: ENOEXEC) */
    eh->e_ident[ELF_EI_DATA] = ELF_DATA2MSB;
    eh->e_type = 0x0200;
    eh->e_machine = 0x3e00;
    assert_early(-ENOEXEC);
    assert_string_equal(why, "big-endian ELF");
    build_exec(); /* only the EI_DATA byte: Linux never reads it (native: runs) */
    eh->e_ident[ELF_EI_DATA] = ELF_DATA2MSB;
    assert_ok();
}

static void test_other_machine(void **state)
{
    build_exec();
    eh->e_machine = 183; /* native: ENOEXEC */
    assert_early(-ENOEXEC);
    assert_string_equal(why, "not an x86-64 ELF (e_machine 183, AArch64)");
    eh->e_machine = 40;
    assert_early(-ENOEXEC);
    assert_string_equal(why, "not an x86-64 ELF (e_machine 40, ARM)");
    eh->e_machine = 1234;
    assert_early(-ENOEXEC);
    assert_string_equal(why, "not an x86-64 ELF (e_machine is not 62)");
}

static void test_et_rel_et_core(void **state)
{
    build_exec();
    eh->e_type = ELF_ET_REL; /* native: ENOEXEC */
    assert_early(-ENOEXEC);
    assert_string_equal(why, "relocatable object (ET_REL), not an executable");
    eh->e_type = ELF_ET_CORE; /* native: ENOEXEC */
    assert_early(-ENOEXEC);
    assert_string_equal(why, "core dump (ET_CORE), not an executable");
    eh->e_type = 0;
    assert_early(-ENOEXEC);
}

/* ---- the program header table ---- */

static void test_phentsize_wrong(void **state)
{
    build_exec();
    eh->e_phentsize = 32; /* native: ENOEXEC */
    assert_early(-ENOEXEC);
    assert_string_equal(why, "e_phentsize is not 56");
    eh->e_phentsize = 64;
    assert_early(-ENOEXEC);
}

static void test_phnum_zero(void **state)
{
    build_exec();
    eh->e_phnum = 0; /* native: ENOEXEC */
    assert_early(-ENOEXEC);
}

static void test_phnum_limits(void **state)
{
    build_exec();
    flen = sizeof f;
    eh->e_phnum = 1170; /* 65520 bytes of table, the extra entries are PT_NULL (native: runs) */
    assert_ok();
    eh->e_phnum = 1171; /* native: ENOEXEC */
    assert_early(-ENOEXEC);
    assert_string_equal(why, "too many program headers (more than 1170)");
    eh->e_phnum = 0xffff; /* PN_XNUM, no extended numbering in execve (native: ENOEXEC) */
    assert_early(-ENOEXEC);
}

static void test_phoff_past_end(void **state)
{
    build_exec();
    eh->e_phoff = flen; /* native: ENOEXEC */
    assert_early(-ENOEXEC);
    assert_string_equal(why, "program headers past the end of the file");
    eh->e_phoff = flen - 64; /* partly inside (native: ENOEXEC) */
    assert_early(-ENOEXEC);
}

static void test_phoff_overflow(void **state)
{
    build_exec();
    eh->e_phoff = ~0ULL - 8; /* phoff + 3 * 56 wraps (native: ENOEXEC) */
    assert_early(-ENOEXEC);
    eh->e_phoff = 1ULL << 63;
    assert_early(-ENOEXEC);
}

/* ---- PT_LOAD ---- */

static void test_filesz_gt_memsz(void **state)
{
    build_exec();
    ph[1].p_filesz = 0x1000;
    ph[1].p_memsz = 0x10; /* native: SIGSEGV after the commit */
    assert_late(-EINVAL);
    assert_string_equal(why, "PT_LOAD with p_filesz > p_memsz");
}

static void test_memsz_huge(void **state)
{
    build_exec();
    ph[1].p_memsz = ~0ULL - 0x100; /* native: SIGSEGV */
    assert_late(-EINVAL);
}

static void test_vaddr_memsz_wraps(void **state)
{
    build_exec();
    ph[1].p_vaddr = ~0ULL - 0xfff; /* native: SIGSEGV */
    ph[1].p_filesz = 0;
    ph[1].p_memsz = 0x2000;
    assert_late(-EINVAL);
    assert_string_equal(why, "PT_LOAD p_vaddr + p_memsz wraps around");
    build_dyn(); /* also refused for ET_DYN, whatever the bias */
    ph[1].p_vaddr = ~0ULL - 0xfff;
    ph[1].p_filesz = 0;
    assert_late(-EINVAL);
}

static void test_load_past_eof(void **state)
{
    build_exec();
    ph[1].p_filesz = 0x1800; /* writable with bss in a page past EOF (native: SIGSEGV) */
    assert_late(-EIO);
    assert_string_equal(why, "PT_LOAD file bytes past the end of the file");
    build_exec(); /* read-only: native runs until it touches the missing page (SIGBUS); unik refuses */
    ph[1].p_filesz = ph[1].p_memsz = 0x1800;
    ph[1].p_flags = ELF_PF_R;
    assert_late(-EIO);
    build_exec(); /* one byte too many */
    ph[1].p_filesz = 0x1001;
    assert_late(-EIO);
    ph[1].p_filesz = 0x1000;
    assert_ok();
}

static void test_load_offset_huge(void **state)
{
    build_exec();
    ph[1].p_offset = 1ULL << 62; /* far past the end of the file (native: SIGSEGV) */
    assert_late(-EIO);
    ph[1].p_offset = ~0ULL - 0xfff; /* offset + filesz wraps */
    assert_late(-EINVAL);
    ph[1].p_filesz = 0; /* nothing mapped from the file: offset unused (native: runs) */
    ph[1].p_offset = 1ULL << 62;
    assert_ok();
}

static void test_vaddr_offset_incongruent(void **state)
{
    build_exec();
    ph[1].p_offset = 0x1010; /* native: SIGSEGV (mmap -EINVAL) */
    assert_late(-EINVAL);
    assert_string_equal(why, "PT_LOAD p_vaddr and p_offset differ modulo the page size");
    ph[1].p_filesz = 0; /* native: runs */
    assert_ok();
}

static void test_align_ignored(void **state)
{
    build_exec();
    ph[0].p_align = ph[1].p_align = 0; /* native: runs */
    assert_ok();
    ph[0].p_align = ph[1].p_align = 3; /* native: runs */
    assert_ok();
    assert_int_equal(img.max_align, 0x1000);
    build_exec(); /* vaddr and offset differ modulo p_align, agree modulo the page (native: runs) */
    ph[1].p_align = 0x200000;
    ph[1].p_vaddr = BASE + 0x2000;
    assert_ok();
    assert_int_equal(img.max_align, 0x200000);
}

static void test_dyn_align_bias(void **state)
{
    build_dyn(); /* native: runs */
    ph[0].p_align = ph[1].p_align = 0x200000;
    assert_ok();
    assert_int_equal(elf_load_bias(&img, ELF_ET_DYN_BASE), 0x555555400000ULL);
    build_dyn();
    ph[0].p_align = 1ULL << 47; /* base rounds down to 0 (native as non-root: SIGSEGV) */
    assert_ok();
    uint64_t bias = elf_load_bias(&img, ELF_ET_DYN_BASE);
    assert_int_equal(bias, 0);
    assert_int_equal(elf_check_bias(&img, bias, &why), -EPERM);
}

static void test_unsorted_loads(void **state)
{
    build_exec(); /* native: runs */
    struct elf_phdr t = ph[0];
    ph[0] = ph[1];
    ph[1] = t;
    assert_ok();
    assert_int_equal(img.lo, BASE);
    assert_int_equal(img.hi, BASE + 0x3000);
    assert_int_equal(img.segs[0].vaddr, BASE + 0x1000);
    build_dyn(); /* native: runs; Linux's bias puts the first header's segment at the base */
    t = ph[0];
    ph[0] = ph[1];
    ph[1] = t;
    assert_ok();
    assert_int_equal(elf_load_bias(&img, ELF_ET_DYN_BASE), 0x555555553000ULL);
}

static void test_overlapping_loads(void **state)
{
    build_exec();
    ph[1].p_vaddr = BASE + 0x800; /* the RW segment replaces the text page (native: SIGSEGV) */
    ph[1].p_offset = 0x800;
    assert_late(-EINVAL);
    assert_string_equal(why, "PT_LOAD segments overlap (share a page)");
    build_exec(); /* bss over the text (native: SIGSEGV) */
    ph[1].p_vaddr = BASE;
    ph[1].p_offset = 0;
    ph[1].p_filesz = 0;
    assert_late(-EINVAL);
    build_exec(); /* two R+X segments sharing a page: native runs, unik refuses (divergence) */
    ph[1] = (struct elf_phdr){ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x800, BASE + 0x800, 0, 0x800, 0x800, 0x1000};
    ph[0].p_filesz = ph[0].p_memsz = 0x800;
    assert_late(-EINVAL);
}

static void test_no_pt_load(void **state)
{
    build_exec();
    ph[0].p_type = ph[1].p_type = ELF_PT_NULL; /* native: SIGSEGV at the entry */
    assert_late(-ENOEXEC);
    assert_string_equal(why, "no PT_LOAD segment");
    build_dyn(); /* native: SIGSEGV */
    ph[0].p_type = ph[1].p_type = ELF_PT_NULL;
    assert_late(-ENOEXEC);
}

static void test_empty_load_ignored(void **state)
{
    build_exec(); /* native: runs */
    ph[1].p_filesz = ph[1].p_memsz = 0;
    assert_ok();
    assert_int_equal(img.nsegs, 1);
    assert_int_equal(img.hi, BASE + 0x1000);
}

static void test_below_user_min(void **state)
{
    build_exec(); /* native: runs, the host's vm.mmap_min_addr is 4096; unik's floor is 0x10000 */
    ph[0].p_vaddr = 0x8000;
    ph[1].p_vaddr = 0x9000;
    eh->e_entry = 0x8000 + CODE_OFF;
    assert_late(-EPERM);
    assert_string_equal(why, "segment below the lowest user address (0x10000)");
    ph[0].p_vaddr = 0; /* native as non-root: SIGSEGV */
    ph[1].p_vaddr = 0x1000;
    assert_late(-EPERM);
    ph[0].p_vaddr = 0x10000; /* exactly the floor */
    ph[1].p_vaddr = 0x11000;
    assert_ok();
}

static void test_above_user_top(void **state)
{
    build_exec();
    ph[1].p_vaddr = ELF_USER_TOP; /* native: SIGSEGV */
    assert_late(-ENOMEM);
    assert_string_equal(why, "segment above the user address range");
    ph[1].p_vaddr = ELF_USER_TOP - 0x2000; /* ends exactly at TASK_SIZE (native: runs) */
    assert_ok();
    assert_int_equal(img.hi, ELF_USER_TOP);
    ph[1].p_vaddr = ELF_USER_TOP - 0x1000; /* bss crosses TASK_SIZE */
    assert_late(-ENOMEM);
    ph[1].p_vaddr = 0xffffffff80000000ULL; /* over the kernel (native: SIGSEGV) */
    assert_late(-ENOMEM);
}

static void test_dyn_span_too_large(void **state)
{
    build_dyn();
    ph[1].p_vaddr = ELF_USER_TOP; /* no bias can place it */
    assert_late(-ENOMEM);
    assert_string_equal(why, "ET_DYN image larger than the user address space");
    ph[1].p_vaddr = 0x7ffffff00000ULL; /* fits only low down: not at Linux's base (native: SIGSEGV) */
    assert_ok();
    assert_int_equal(elf_check_bias(&img, elf_load_bias(&img, ELF_ET_DYN_BASE), &why), -ENOMEM);
    assert_int_equal(elf_check_bias(&img, ELF_USER_MIN, &why), 0);
}

static void test_dyn_bias_out_of_range(void **state)
{
    build_dyn();
    assert_ok();
    assert_int_equal(elf_check_bias(&img, ELF_USER_TOP - 0x2000, &why), -ENOMEM);
    assert_int_equal(elf_check_bias(&img, ELF_USER_TOP - 0x3000, &why), 0);
    assert_int_equal(elf_check_bias(&img, ~0ULL - 0xfff, &why), -ENOMEM); /* wraps */
}

static void test_entry(void **state)
{
    build_exec();
    eh->e_entry = 0x900000; /* outside every segment: Linux accepts, the program faults (native: SIGSEGV) */
    assert_ok();
    eh->e_entry = BASE + 0x1000; /* in the non-executable data (native: SIGSEGV at it) */
    assert_ok();
    eh->e_entry = 0xffffffff80000000ULL; /* BAD_ADDR (native: SIGSEGV) */
    assert_late(-EINVAL);
    assert_string_equal(why, "entry point outside the user address range");
    add_interp(INTERP, sizeof INTERP); /* with an interpreter, only its entry is checked */
    assert_ok();
    build_dyn();
    eh->e_entry = ELF_USER_TOP;
    assert_ok();
    assert_int_equal(elf_check_bias(&img, elf_load_bias(&img, ELF_ET_DYN_BASE), &why), -EINVAL);
}

static void test_wx_segment(void **state)
{
    build_exec();
    ph[0].p_flags = ELF_PF_R | ELF_PF_W | ELF_PF_X; /* native: runs */
    assert_ok();
    assert_int_equal(img.segs[0].prot, ELF_PROT_READ | ELF_PROT_WRITE | ELF_PROT_EXEC);
}

static void test_huge_tls(void **state)
{
    build_exec(); /* Linux ignores PT_TLS at execve (native: runs); recorded as is */
    ph[2] = (struct elf_phdr){ELF_PT_TLS, ELF_PF_R, 0, BASE, BASE, 0, ~0ULL >> 1, 1ULL << 62};
    assert_ok();
    assert_int_equal(img.tls_memsz, ~0ULL >> 1);
    assert_int_equal(img.tls_align, 1ULL << 62);
}

static void test_max_segs(void **state)
{
    build_exec();
    for (unsigned i = 2; i < ELF_MAX_SEGS; i++)
        ph[i] = (struct elf_phdr){ELF_PT_LOAD, ELF_PF_R, 0, BASE + 0x10000 * i, 0, 0, 0x10, 0x1000};
    eh->e_phnum = ELF_MAX_SEGS;
    assert_ok();
    assert_int_equal(img.nsegs, ELF_MAX_SEGS);
    assert_int_equal(img.hi, BASE + 0x10000 * (ELF_MAX_SEGS - 1) + 0x1000);
    /* one more: Linux has no limit (native: runs); ours is refused before the commit */
    append_phdr((struct elf_phdr){ELF_PT_LOAD, ELF_PF_R, 0, BASE + 0x10000 * ELF_MAX_SEGS, 0, 0, 0x10, 0x1000});
    assert_early(-ENOEXEC);
    assert_string_equal(why, "more than 16 PT_LOAD segments (unik limit)");
}

/* ---- PT_INTERP ---- */

static void test_interp_not_nul_terminated(void **state)
{
    build_exec();
    add_interp(INTERP "X", sizeof INTERP); /* native: ENOEXEC */
    assert_early(-ENOEXEC);
    assert_string_equal(why, "PT_INTERP path is not NUL-terminated");
}

static void test_interp_empty(void **state)
{
    build_exec();
    add_interp("", 1); /* p_filesz < 2 (native: ENOEXEC) */
    assert_early(-ENOEXEC);
    build_exec();
    add_interp("", 2); /* "" opens the working directory (native: EACCES) */
    assert_early(-EACCES);
    assert_string_equal(why, "PT_INTERP path is empty");
    assert_int_equal(img.interp_len, 0);
}

static void test_interp_too_long(void **state)
{
    build_exec();
    add_interp(INTERP, 4097); /* > PATH_MAX (native: ENOEXEC) */
    assert_early(-ENOEXEC);
    assert_string_equal(why, "PT_INTERP size is not 2..4096 bytes");
    ph[0].p_filesz = 4096; /* NUL-padded up to PATH_MAX (native: runs) */
    assert_ok();
    assert_int_equal(img.interp_len, strlen(INTERP));
}

static void test_interp_past_eof(void **state)
{
    build_exec();
    add_interp(INTERP, sizeof INTERP);
    ph[0].p_offset = flen - 4; /* short read (native: EIO) */
    assert_early(-EIO);
    ph[0].p_offset = 1ULL << 63; /* negative loff_t (native: EINVAL) */
    assert_early(-EINVAL);
    ph[0].p_offset = (1ULL << 63) - 8; /* offset + size overflows loff_t (native: EINVAL) */
    assert_early(-EINVAL);
}

static void test_interp_relative(void **state)
{
    build_exec();
    add_interp("ld.so", 6); /* looked up from the working directory (native: runs) */
    assert_ok();
    assert_int_equal(img.kind, ELF_KIND_DYNAMIC);
    assert_int_equal(img.interp_len, 5);
}

static void test_interp_two(void **state)
{
    build_exec();
    add_interp(INTERP, sizeof INTERP);
    strcpy((char *)f + 0x900, "x"); /* a second, bad one is never read (native: runs) */
    append_phdr((struct elf_phdr){ELF_PT_INTERP, ELF_PF_R, 0x900, 0, 0, 3, 3, 1});
    f[0x902] = 'y';
    assert_ok();
    assert_int_equal(img.interp_off, INTERP_OFF);
    build_exec(); /* the first one is bad: refused even though a good one follows (native: ENOEXEC) */
    add_interp(INTERP, 1);
    append_phdr((struct elf_phdr){ELF_PT_INTERP, ELF_PF_R, INTERP_OFF, 0, 0, sizeof INTERP, sizeof INTERP, 1});
    assert_early(-ENOEXEC);
}

static void test_interp_kept_on_late_failure(void **state)
{
    build_exec(); /* Linux opens the interpreter before the commit: its errors come first */
    add_interp(INTERP, sizeof INTERP);
    ph[2].p_filesz = 0x3000;
    assert_late(-EINVAL);
    assert_int_equal(img.interp_off, INTERP_OFF);
    assert_int_equal(img.interp_len, strlen(INTERP));
}

/* ---- the interpreter file itself (native: a good program whose PT_INTERP names the damaged file) ---- */

static int parse_interp(void) { return elf_parse_interp(f, flen, &img, &why); }

static void test_interp_file(void **state)
{
    build_exec(); /* native: runs */
    assert_int_equal(parse_interp(), 0);
    flen = 40; /* native: EIO */
    assert_int_equal(parse_interp(), -EIO);
    assert_false(img.late);
    build_exec();
    f[1] = 'X'; /* native: ELIBBAD */
    assert_int_equal(parse_interp(), -ELIBBAD);
    build_exec();
    eh->e_machine = 183; /* native: ELIBBAD */
    assert_int_equal(parse_interp(), -ELIBBAD);
    build_exec();
    eh->e_phentsize = 32; /* native: ELIBBAD */
    assert_int_equal(parse_interp(), -ELIBBAD);
    build_exec();
    eh->e_phoff = flen; /* native: ELIBBAD */
    assert_int_equal(parse_interp(), -ELIBBAD);
    assert_false(img.late);
}

static void test_interp_file_late(void **state)
{
    build_exec();
    eh->e_type = ELF_ET_REL; /* checked after the commit for an interpreter (native: SIGSEGV) */
    assert_int_equal(parse_interp(), -EINVAL);
    assert_true(img.late);
    build_exec();
    ph[0].p_type = ph[1].p_type = ELF_PT_NULL; /* native: SIGSEGV */
    assert_int_equal(parse_interp(), -ENOEXEC);
    assert_true(img.late);
    build_dyn(); /* an interpreter's own PT_INTERP is ignored (native: runs) */
    add_interp("/nonexistent", 13);
    assert_int_equal(parse_interp(), 0);
    assert_int_equal(img.kind, ELF_KIND_STATIC_PIE);
    assert_int_equal(img.interp_len, 0);
}

/* ---- random damage: never a read outside the file, and an accepted image keeps its promises ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void check_accepted(const uint8_t *file, uint64_t len)
{
    assert_true(img.nsegs >= 1 && img.nsegs <= ELF_MAX_SEGS);
    assert_true(img.lo < img.hi);
    assert_int_equal(img.lo % ELF_PAGE_SIZE, 0);
    assert_int_equal(img.hi % ELF_PAGE_SIZE, 0);
    for (unsigned i = 0; i < img.nsegs; i++) {
        const struct elf_seg *s = &img.segs[i];
        assert_true(s->filesz <= s->memsz && s->memsz > 0);
        assert_true(s->vaddr >= img.lo && s->vaddr + s->memsz <= img.hi);
        if (s->filesz) {
            assert_true(s->offset <= len && s->filesz <= len - s->offset);
            assert_int_equal((s->vaddr - s->offset) % ELF_PAGE_SIZE, 0);
        }
        for (unsigned j = 0; j < i; j++) /* page ranges disjoint */
            assert_true((s->vaddr + s->memsz - 1) / ELF_PAGE_SIZE < img.segs[j].vaddr / ELF_PAGE_SIZE ||
                        (img.segs[j].vaddr + img.segs[j].memsz - 1) / ELF_PAGE_SIZE < s->vaddr / ELF_PAGE_SIZE);
    }
    if (!img.is_dyn)
        assert_true(img.lo >= ELF_USER_MIN && img.hi <= ELF_USER_TOP);
    if (img.kind == ELF_KIND_DYNAMIC) {
        assert_true(img.interp_len > 0 && img.interp_off + img.interp_len < len);
        assert_int_equal(file[img.interp_off + img.interp_len], 0);
    }
}

static void test_random_damage(void **state)
{
    static const uint64_t values[] = {0, 1, 0xfff, 0x1000, 0x1001, 0x400000, 0x7ffffffff000ULL, 1ULL << 63, ~0ULL};
    for (int iter = 0; iter < 20000; iter++) {
        if (rng() & 1)
            build_exec();
        else
            build_dyn();
        if (rng() % 3 == 0)
            add_interp(INTERP, sizeof INTERP);
        uint64_t span = 64 + eh->e_phnum * sizeof *ph; /* the headers, before damage changes e_phnum */
        for (int n = 1 + rng() % 3; n > 0; n--) {
            uint64_t off = rng() % span;
            if (rng() & 1)
                f[off] = (uint8_t)rng();
            else /* a boundary value over an 8-byte field */
                memcpy(f + (off & ~7ULL), &values[rng() % 9], 8);
        }
        if (rng() % 8 == 0)
            flen = rng() % flen;
        uint8_t *copy = malloc(flen ? flen : 1); /* exact size, so ASan sees any read past the end */
        memcpy(copy, f, flen);
        int err = elf_parse(copy, flen, &img, &why);
        assert_true(err <= 0 && err > -4096);
        assert_non_null(why);
        if (!err)
            check_accepted(copy, flen);
        if (!err && img.is_dyn && elf_check_bias(&img, elf_load_bias(&img, ELF_ET_DYN_BASE), &why) == 0) {
            uint64_t bias = elf_load_bias(&img, ELF_ET_DYN_BASE);
            assert_true(img.lo + bias >= ELF_USER_MIN && img.hi + bias <= ELF_USER_TOP);
        }
        err = elf_parse_interp(copy, flen, &img, &why);
        assert_true(err <= 0 && err > -4096);
        free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_static_exec),
        cmocka_unit_test(test_good_static_pie),
        cmocka_unit_test(test_good_dynamic_pie),
        cmocka_unit_test(test_good_dynamic_exec),
        cmocka_unit_test(test_exec_stack_flag),
        cmocka_unit_test(test_no_gnu_stack_is_not_executable),
        cmocka_unit_test(test_phdr_not_in_any_load),
        cmocka_unit_test(test_not_elf),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_class32_genuine),
        cmocka_unit_test(test_class32_byte_only_runs),
        cmocka_unit_test(test_bigendian),
        cmocka_unit_test(test_other_machine),
        cmocka_unit_test(test_et_rel_et_core),
        cmocka_unit_test(test_phentsize_wrong),
        cmocka_unit_test(test_phnum_zero),
        cmocka_unit_test(test_phnum_limits),
        cmocka_unit_test(test_phoff_past_end),
        cmocka_unit_test(test_phoff_overflow),
        cmocka_unit_test(test_filesz_gt_memsz),
        cmocka_unit_test(test_memsz_huge),
        cmocka_unit_test(test_vaddr_memsz_wraps),
        cmocka_unit_test(test_load_past_eof),
        cmocka_unit_test(test_load_offset_huge),
        cmocka_unit_test(test_vaddr_offset_incongruent),
        cmocka_unit_test(test_align_ignored),
        cmocka_unit_test(test_dyn_align_bias),
        cmocka_unit_test(test_unsorted_loads),
        cmocka_unit_test(test_overlapping_loads),
        cmocka_unit_test(test_no_pt_load),
        cmocka_unit_test(test_empty_load_ignored),
        cmocka_unit_test(test_below_user_min),
        cmocka_unit_test(test_above_user_top),
        cmocka_unit_test(test_dyn_span_too_large),
        cmocka_unit_test(test_dyn_bias_out_of_range),
        cmocka_unit_test(test_entry),
        cmocka_unit_test(test_wx_segment),
        cmocka_unit_test(test_huge_tls),
        cmocka_unit_test(test_max_segs),
        cmocka_unit_test(test_interp_not_nul_terminated),
        cmocka_unit_test(test_interp_empty),
        cmocka_unit_test(test_interp_too_long),
        cmocka_unit_test(test_interp_past_eof),
        cmocka_unit_test(test_interp_relative),
        cmocka_unit_test(test_interp_two),
        cmocka_unit_test(test_interp_kept_on_late_failure),
        cmocka_unit_test(test_interp_file),
        cmocka_unit_test(test_interp_file_late),
        cmocka_unit_test(test_random_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
