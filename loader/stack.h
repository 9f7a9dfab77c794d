/* The initial process stack (argc, argv, envp, auxv and the strings) laid out as Linux's execve does. */
#ifndef UNIK_LOADER_STACK_H
#define UNIK_LOADER_STACK_H
#include <stdint.h>

/* Auxiliary vector types (Linux include/uapi/linux/auxvec.h and asm/auxvec.h, x86-64). */
#define AT_NULL 0
#define AT_IGNORE 1
#define AT_EXECFD 2
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_NOTELF 10
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_BASE_PLATFORM 24
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_RSEQ_FEATURE_SIZE 27
#define AT_RSEQ_ALIGN 28
#define AT_HWCAP3 29
#define AT_HWCAP4 30
#define AT_EXECFN 31
#define AT_SYSINFO_EHDR 33
#define AT_MINSIGSTKSZ 51

#define STACK_MAX_ARG_STRLEN 131072U    /* Linux MAX_ARG_STRLEN: one string with its NUL */
#define STACK_DEFAULT_RLIMIT (8ULL << 20) /* RLIMIT_STACK default (_STK_LIM) */
#define STACK_MAX_AUXV 64               /* caller entries accepted; Linux emits about 24 */

/* Where stack_build put things, for /proc/<pid>/cmdline and environ (mm->arg_start etc.). */
struct stack_result {
    uint64_t sp;                   /* the initial %rsp, pointing at argc */
    uint64_t arg_start, arg_end;   /* the argv strings, NULs included */
    uint64_t env_start, env_end;   /* the envp strings */
    uint64_t execfn, platform, random; /* what AT_EXECFN, AT_PLATFORM (0 if none), AT_RANDOM point to */
};

struct stack_spec {
    int argc;
    const char *const *argv;       /* argc == 0 gets argv {""} and argc 1, as Linux >= 5.18 does */
    int envc;
    const char *const *envp;
    const char *execfn;            /* AT_EXECFN string: the path given to execve */
    const char *platform;          /* AT_PLATFORM string, "x86_64"; NULL omits it */
    const uint8_t *random16;       /* the 16 bytes AT_RANDOM points to */
    const uint64_t (*auxv)[2];     /* caller's entries (type, value) in Linux's order: AT_SYSINFO_EHDR,
                                      AT_MINSIGSTKSZ, AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT,
                                      AT_PHNUM, AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID, AT_GID,
                                      AT_EGID, AT_SECURE, AT_HWCAP2, AT_RSEQ_FEATURE_SIZE, AT_RSEQ_ALIGN;
                                      never AT_NULL, AT_RANDOM, AT_EXECFN or AT_PLATFORM */
    int nauxv;
    uint64_t stack_rlimit;         /* RLIMIT_STACK soft limit, bounds argv+envp; 0 means 8 MiB */
    struct stack_result *result;   /* optional output */
};

/* Lays out the initial process stack exactly as Linux's execve (copy_strings, create_elf_tables)
   does, without its random shift (callers randomise top if they want): 8 zero bytes at top, below
   them the argv strings, envp strings and execfn, contiguous in that order upwards; then, 16-byte
   aligned down, the platform string and the 16 AT_RANDOM bytes; then argc, argv pointers, NULL, envp
   pointers, NULL and the auxv pairs ending with AT_NULL, with %rsp 16-byte aligned pointing at
   argc. AT_RANDOM is inserted before the caller's AT_HWCAP2 (or later entries), AT_EXECFN and
   AT_PLATFORM before AT_BASE_PLATFORM/AT_EXECFD/AT_RSEQ_*, as Linux orders them. The memory window
   is [top - size, top), whose bytes are buf[0 .. size); the used part [sp, top) is zeroed first.
   Returns 0 and sets *sp_out; -E2BIG when a string is over MAX_ARG_STRLEN, when the strings and
   pointers exceed Linux's limit (max(min(6 MiB, rlimit / 4), 128 KiB)) or when the stack does not
   fit the window; -EINVAL for a malformed spec (NULL strings, negative counts, reserved auxv types,
   more than STACK_MAX_AUXV entries, size > top). */
int stack_build(uint8_t *buf, uint64_t top, uint64_t size, const struct stack_spec *s, uint64_t *sp_out);

#endif
