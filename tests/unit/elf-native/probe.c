/* Native reference: builds each malformed ELF of tests/unit/test_elf.c and reports what Linux's execve does with it. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DIR "/tmp/elfprobe"
#define CODE_OFF 0x600
#define BASE 0x400000ULL

static uint8_t f[0x11000];
static size_t flen;
static Elf64_Ehdr *eh;
static Elf64_Phdr *ph;

/* exit(42): mov $60,%eax; mov $42,%edi; syscall */
static const uint8_t code42[] = {0xb8, 60, 0, 0, 0, 0xbf, 42, 0, 0, 0, 0x0f, 0x05};

/* A minimal good static ET_EXEC: one R+X PT_LOAD over the whole file, one RW bss PT_LOAD, PT_GNU_STACK. */
static void base(int type)
{
    memset(f, 0, sizeof f);
    flen = 0x2000;
    eh = (Elf64_Ehdr *)f;
    ph = (Elf64_Phdr *)(f + 64);
    memcpy(eh->e_ident, ELFMAG, 4);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = type;
    eh->e_machine = EM_X86_64;
    eh->e_version = EV_CURRENT;
    uint64_t b = type == ET_EXEC ? BASE : 0;
    eh->e_entry = b + CODE_OFF;
    eh->e_phoff = 64;
    eh->e_ehsize = 64;
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = 3;
    ph[0] = (Elf64_Phdr){PT_LOAD, PF_R | PF_X, 0, b, b, 0x1000, 0x1000, 0x1000};
    ph[1] = (Elf64_Phdr){PT_LOAD, PF_R | PF_W, 0x1000, b + 0x1000, b + 0x1000, 0x10, 0x2000, 0x1000};
    ph[2] = (Elf64_Phdr){PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16};
    memcpy(f + CODE_OFF, code42, sizeof code42);
}

static void add_interp(const char *path, size_t filesz)
{
    int n = eh->e_phnum++;
    memmove(&ph[1], &ph[0], n * sizeof *ph); /* PT_INTERP first, as linkers put it */
    strcpy((char *)f + 0x800, path);
    ph[0] = (Elf64_Phdr){PT_INTERP, PF_R, 0x800, 0, 0, filesz, filesz, 1};
    if (eh->e_type == ET_EXEC) ph[0].p_vaddr = ph[0].p_paddr = BASE + 0x800;
}

static void save(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd < 0 || write(fd, f, flen) != (ssize_t)flen) { perror(path); exit(1); }
    close(fd);
}

static const char *run(const char *name, int as_nobody)
{
    static char res[128];
    char path[256];
    snprintf(path, sizeof path, DIR "/%s", name);
    save(path);
    int p[2];
    if (pipe2(p, O_CLOEXEC)) exit(1);
    pid_t pid = fork();
    if (pid == 0) {
        if (as_nobody && setuid(65534)) _exit(99);
        char *argv[] = {path, NULL}, *envp[] = {NULL};
        execve(path, argv, envp);
        int e = errno;
        (void)!write(p[1], &e, sizeof e);
        _exit(100);
    }
    close(p[1]);
    int e = 0, st;
    ssize_t r = read(p[0], &e, sizeof e);
    close(p[0]);
    waitpid(pid, &st, 0);
    if (r == sizeof e) snprintf(res, sizeof res, "execve -> %s (%d)", strerrorname_np(e), e);
    else if (WIFSIGNALED(st)) snprintf(res, sizeof res, "exec committed, killed by %s", sigabbrev_np(WTERMSIG(st)));
    else snprintf(res, sizeof res, "exec committed, exit %d", WEXITSTATUS(st));
    return res;
}

#define CASE(nm, ...) do { base(ET_EXEC); __VA_ARGS__; printf("%-28s %s\n", nm, run(nm, 0)); } while (0)
#define CASE_DYN(nm, ...) do { base(ET_DYN); __VA_ARGS__; printf("%-28s %s\n", nm, run(nm, 0)); } while (0)
/* The interpreter is a mutated good ET_EXEC; the program naming it is a good ET_EXEC. */
#define CASE_INTERP(nm, ...) do { base(ET_EXEC); __VA_ARGS__; save(DIR "/" nm ".interp"); base(ET_EXEC); \
        add_interp(DIR "/" nm ".interp", sizeof DIR "/" nm ".interp"); printf("%-28s %s\n", nm, run(nm, 0)); } while (0)
#define CASE_NOBODY(nm, ...) do { base(ET_EXEC); __VA_ARGS__; printf("%-28s %s\n", nm, run(nm, 1)); } while (0)

int main(void)
{
    mkdir(DIR, 0755);
    chmod(DIR, 0755);
    CASE("good_exec", );
    CASE("interp", ); /* the interpreter used below: a good ET_EXEC */
    CASE_DYN("good_dyn", );
    CASE("with_interp", add_interp(DIR "/interp", sizeof DIR "/interp"));
    CASE_DYN("dyn_with_interp", add_interp(DIR "/interp", sizeof DIR "/interp"));
    CASE("interp_relative", add_interp("interp", 7));
    CASE("interp_no_nul", add_interp(DIR "/interpX", sizeof DIR "/interp"));
    CASE("interp_filesz_1", add_interp("", 1));
    CASE("interp_empty_string", add_interp("", 2));
    CASE("interp_filesz_4097", add_interp(DIR "/interp", 4097); f[0x800 + 4096] = 0);
    CASE("interp_filesz_4096", add_interp(DIR "/interp", 4096));
    CASE("interp_past_eof", add_interp(DIR "/interp", sizeof DIR "/interp"); ph[0].p_offset = flen - 4);
    CASE("interp_off_huge", add_interp(DIR "/interp", sizeof DIR "/interp"); ph[0].p_offset = 1ULL << 63);
    CASE("interp_off_wrap", add_interp(DIR "/interp", sizeof DIR "/interp"); ph[0].p_offset = (1ULL << 63) - 8);
    CASE("interp_missing", add_interp(DIR "/nonexistent", sizeof DIR "/nonexistent"));
    CASE("interp_is_dir", add_interp(DIR, sizeof DIR));
    CASE("interp_two_second_bad", add_interp(DIR "/interp", sizeof DIR "/interp");
         ph[eh->e_phnum] = (Elf64_Phdr){PT_INTERP, PF_R, 0x900, 0, 0, 3, 3, 1}; f[0x900] = 'x'; eh->e_phnum++);
    CASE("interp_two_first_bad", add_interp(DIR "/interp", sizeof DIR "/interp"); ph[0].p_filesz = 1;
         ph[eh->e_phnum] = (Elf64_Phdr){PT_INTERP, PF_R, 0x800, 0, 0, sizeof DIR "/interp", 0, 1}; eh->e_phnum++);
    CASE("not_elf", f[0] = 'X');
    CASE("truncated_40", flen = 40);
    CASE("truncated_0", flen = 0);
    CASE("class32", eh->e_ident[EI_CLASS] = ELFCLASS32);
    CASE("class_none", eh->e_ident[EI_CLASS] = 0);
    CASE("bigendian", eh->e_ident[EI_DATA] = ELFDATA2MSB);
    CASE("ei_version_0", eh->e_ident[EI_VERSION] = 0; eh->e_version = 0);
    CASE("machine_aarch64", eh->e_machine = EM_AARCH64);
    CASE("machine_386", eh->e_machine = EM_386);
    CASE("et_rel", eh->e_type = ET_REL);
    CASE("et_core", eh->e_type = ET_CORE);
    CASE("phentsize_32", eh->e_phentsize = 32);
    CASE("phnum_0", eh->e_phnum = 0);
    CASE("phnum_73", eh->e_phnum = 73; flen = 0x3000);
    CASE("phnum_74", eh->e_phnum = 74; flen = 0x3000);
    CASE("phnum_1170", eh->e_phnum = 1170; flen = sizeof f);
    CASE("phnum_1171", eh->e_phnum = 1171; flen = sizeof f);
    CASE("phnum_ffff", eh->e_phnum = 0xffff);
    CASE("phoff_past_end", eh->e_phoff = flen);
    CASE("phoff_partly_past", eh->e_phoff = flen - 64);
    CASE("phoff_overflow", eh->e_phoff = ~0ULL - 8);
    CASE("no_pt_load", ph[0].p_type = PT_NULL; ph[1].p_type = PT_NULL);
    CASE_DYN("dyn_no_pt_load", ph[0].p_type = PT_NULL; ph[1].p_type = PT_NULL);
    CASE("filesz_gt_memsz", ph[1].p_filesz = 0x3000; ph[1].p_memsz = 0x10);
    CASE("filesz_gt_memsz_text", ph[0].p_memsz = 0x800);
    CASE("memsz_huge", ph[1].p_memsz = ~0ULL - 0x100);
    CASE("vaddr_memsz_wrap", ph[1].p_vaddr = ~0ULL - 0xfff; ph[1].p_filesz = 0; ph[1].p_memsz = 0x2000);
    CASE("load_past_eof", ph[1].p_filesz = 0x1800);
    CASE("load_past_eof_ro", ph[1].p_filesz = 0x1800; ph[1].p_memsz = 0x1800; ph[1].p_flags = PF_R);
    CASE("load_off_huge", ph[1].p_offset = 1ULL << 62);
    CASE("load_off_huge_filesz0", ph[1].p_offset = 1ULL << 62; ph[1].p_filesz = 0);
    CASE("vaddr_off_incongruent", ph[1].p_offset = 0x1010);
    CASE("vaddr_off_incongruent_fs0", ph[1].p_offset = 0x1010; ph[1].p_filesz = 0);
    CASE("align_0", ph[0].p_align = 0; ph[1].p_align = 0);
    CASE("align_3", ph[0].p_align = 3; ph[1].p_align = 3);
    CASE("align_mismatch_2M", ph[1].p_align = 0x200000; ph[1].p_vaddr = BASE + 0x2000);
    CASE_DYN("dyn_align_2M", ph[0].p_align = 0x200000; ph[1].p_align = 0x200000);
    CASE_DYN("dyn_align_2p46", ph[0].p_align = 1ULL << 46);
    CASE_DYN("dyn_align_2p47", ph[0].p_align = 1ULL << 47);
    base(ET_DYN); ph[0].p_align = 1ULL << 47; printf("%-28s %s\n", "dyn_align_2p47_nobody", run("dyn_align_2p47_nobody", 1));
    CASE("share_page_rx_rx", ph[1].p_vaddr = BASE + 0x800; ph[1].p_offset = 0x800; ph[1].p_filesz = 0x800; ph[1].p_memsz = 0x800; ph[1].p_flags = PF_R | PF_X);
    CASE("share_page_rx_r_entry_late", ph[1].p_vaddr = BASE + 0x800; ph[1].p_offset = 0x800; ph[1].p_filesz = 0x800; ph[1].p_memsz = 0x800; ph[1].p_flags = PF_R);
    CASE("unsorted", Elf64_Phdr t = ph[0]; ph[0] = ph[1]; ph[1] = t);
    CASE_DYN("dyn_unsorted", Elf64_Phdr t = ph[0]; ph[0] = ph[1]; ph[1] = t);
    CASE("overlap", ph[1].p_vaddr = BASE + 0x800; ph[1].p_offset = 0x800);
    CASE("overlap_bss_over_text", ph[1].p_vaddr = BASE; ph[1].p_offset = 0; ph[1].p_filesz = 0; ph[1].p_memsz = 0x2000);
    CASE_NOBODY("below_min_nobody", ph[0].p_vaddr = 0x1000; ph[1].p_vaddr = 0x2000; eh->e_entry = 0x1000 + CODE_OFF);
    CASE("below_min_root", ph[0].p_vaddr = 0x1000; ph[1].p_vaddr = 0x2000; eh->e_entry = 0x1000 + CODE_OFF);
    CASE_NOBODY("below_min_0x8000_nobody", ph[0].p_vaddr = 0x8000; ph[1].p_vaddr = 0x9000; eh->e_entry = 0x8000 + CODE_OFF);
    CASE_NOBODY("vaddr_zero_nobody", ph[0].p_vaddr = 0; ph[1].p_vaddr = 0x1000; eh->e_entry = CODE_OFF);
    CASE("vaddr_zero_root", ph[0].p_vaddr = 0; ph[1].p_vaddr = 0x1000; eh->e_entry = CODE_OFF);
    CASE("above_task_size", ph[1].p_vaddr = 0x7ffffffff000ULL);
    CASE("end_at_task_size", ph[1].p_vaddr = 0x7fffffffd000ULL);
    CASE("kernel_half", ph[1].p_vaddr = 0xffffffff80000000ULL);
    CASE_DYN("dyn_span_huge", ph[1].p_vaddr = 0x7ffffff00000ULL);
    CASE("entry_outside", eh->e_entry = 0x900000);
    CASE("entry_kernel", eh->e_entry = 0xffffffff80000000ULL);
    CASE("entry_in_data", eh->e_entry = BASE + 0x1000);
    CASE("wx_segment", ph[0].p_flags = PF_R | PF_W | PF_X);
    CASE("tls_huge", ph[2] = (Elf64_Phdr){PT_TLS, PF_R, 0, BASE, BASE, 0, ~0ULL >> 1, 1ULL << 62});
    CASE("17_loads", eh->e_phnum = 19;
         for (int i = 2; i < 17; i++) ph[i] = (Elf64_Phdr){PT_LOAD, PF_R, 0, BASE + 0x10000 * i, 0, 0, 0x10, 0x1000};
         ph[17] = (Elf64_Phdr){PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16});
    CASE("memsz0_load", ph[1].p_filesz = 0; ph[1].p_memsz = 0);
    CASE_INTERP("interp_good", );
    CASE_INTERP("interp_short", flen = 40);
    CASE_INTERP("interp_not_elf", f[1] = 'X');
    CASE_INTERP("interp_aarch64", eh->e_machine = EM_AARCH64);
    CASE_INTERP("interp_phentsize", eh->e_phentsize = 32);
    CASE_INTERP("interp_phoff_past", eh->e_phoff = flen);
    CASE_INTERP("interp_et_rel", eh->e_type = ET_REL);
    CASE_INTERP("interp_no_load", ph[0].p_type = PT_NULL; ph[1].p_type = PT_NULL);
    CASE_INTERP("interp_has_interp", add_interp(DIR "/nonexistent", sizeof DIR "/nonexistent"));
    CASE("gnu_stack_x_twice_last_rw", ph[2].p_flags = PF_R | PF_W | PF_X; eh->e_phnum = 4;
         ph[3] = (Elf64_Phdr){PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16});
    return 0;
}
