/* The host<->guest contract: hypercall numbers and argument structs, boot info, kernel header.
   C99 + stdint only. Guest pointers are guest-physical addresses (unik_gpa_t) so host code cannot
   dereference them by accident. Structs only grow by appending; sizes are pinned below. */
#ifndef UNIK_ABI_H
#define UNIK_ABI_H
#define UNIK_ABI_VERSION 1u

/* Fixed guest-physical layout the monitor and the kernel agree on. */
#define UNIK_BOOT_INFO_GPA   0x1000ull
#define UNIK_KERNEL_GPA      0x200000ull   /* the kernel image is loaded at its link address - KERNEL_VBASE */
#define UNIK_KERNEL_VBASE    0xffffffff80000000ull  /* kernel-half alias of guest-physical 0.. */
#define UNIK_DIRECT_VBASE    0xffff888000000000ull  /* direct map of all guest-physical memory */
#define UNIK_KERNEL_MAX      (64ull << 20)          /* the kernel image must fit below this GPA */
/* The root filesystem image starts at the first 1 GiB boundary above guest RAM. */
#define UNIK_ROOTFS_GPA(mem) (((mem) + (1ull << 30) - 1) & ~((1ull << 30) - 1))

/* Segment selectors: Linux's layout, so selectors agree with the host's where CPL3 runs natively. */
#define UNIK_SEL_KCODE 0x10
#define UNIK_SEL_KDATA 0x18
#define UNIK_SEL_UDATA 0x2b
#define UNIK_SEL_UCODE 0x33
#define UNIK_SEL_TSS   0x40

#ifndef __ASSEMBLER__
#include <stdint.h>

typedef uint64_t unik_gpa_t;            /* guest-physical address */

/* Hypercalls: the guest writes the 32-bit guest-physical address of the argument struct with
   `outl` to port UNIK_HC_PORT_BASE + number. The struct lives below 4 GiB. */
#define UNIK_HC_PORT_BASE 0x500u
enum unik_hc {
	UNIK_HC_WRITE = 1,              /* struct unik_hc_io: write to host stdout/stderr */
	UNIK_HC_READ = 2,               /* struct unik_hc_io: read from host stdin */
	UNIK_HC_EXIT = 3,               /* struct unik_hc_exit: the VM is done */
	UNIK_HC_CLOCK = 4,              /* struct unik_hc_clock: host wall and monotonic time */
	UNIK_HC_MAX = 5,
};

struct unik_hc_io {
	uint32_t fd;                    /* IN: 0 (read), 1 or 2 (write) */
	uint32_t _pad;
	unik_gpa_t buf;                 /* IN: guest buffer */
	uint64_t len;                   /* IN: bytes */
	int64_t ret;                    /* OUT: bytes done, or -errno (Linux values) */
};
_Static_assert(sizeof(struct unik_hc_io) == 32, "unik_hc_io size");

struct unik_hc_exit {
	int32_t status;                 /* IN: exit status of `unik run` (0..255) */
	uint32_t _pad;
};
_Static_assert(sizeof(struct unik_hc_exit) == 8, "unik_hc_exit size");

struct unik_hc_clock {
	int64_t realtime_ns;            /* OUT: CLOCK_REALTIME */
	int64_t monotonic_ns;           /* OUT: CLOCK_MONOTONIC */
};
_Static_assert(sizeof(struct unik_hc_clock) == 16, "unik_hc_clock size");

/* Execution modes of the libOS core (design decision 1). */
enum unik_mode {
	UNIK_MODE_FAST = 1,             /* core at CPL3 beside the program; CPL0 holds trap stubs only */
	UNIK_MODE_ISOLATED = 2,         /* core at CPL0, program at CPL3 (hardware KVM) */
};

/* Terminal facts of the host's fds 0-2, so TCGETS/TIOCGWINSZ need no exit. */
struct unik_tty {
	uint32_t is_tty;                /* 1 if the host fd is a terminal */
	uint32_t st_mode;               /* file type and mode of the host fd (fstat) */
	uint8_t termios[60];            /* Linux struct termios (kernel layout, as TCGETS returns it) */
	uint16_t ws_row, ws_col;        /* struct winsize */
	uint16_t ws_xpixel, ws_ypixel;
};
_Static_assert(sizeof(struct unik_tty) == 76, "unik_tty size");

#define UNIK_BOOT_MAGIC 0x544f4f424b494e55ull /* "UNIKBOOT" */
#define UNIK_BOOT_TRACE 0x1u            /* flags: strace-style output on stderr */
#define UNIK_BOOT_STATS 0x2u            /* flags: report counters at exit */
#define UNIK_BOOT_NOREWRITE 0x4u        /* flags: keep every system call on the CPL0 trap path */

/* Counters the guest keeps for `unik run --stats`; the monitor reads them after the exit. */
struct unik_stats {
	uint64_t syscall_traps;         /* system calls that entered through the CPL0 trap */
	uint64_t syscall_direct;        /* system calls that came through a rewritten call site */
	uint64_t page_faults;           /* #PF entries */
	uint64_t other_faults;          /* other exceptions */
	uint64_t interrupts;            /* external interrupts */
	uint64_t cpl0_services;         /* CPL0 requests from the core (TLB flush, CR3 load) */
	uint64_t sites_rewritten;       /* `syscall` instructions turned into direct calls */
	uint64_t pages_mapped;          /* user pages given to the program */
	uint64_t tsc_kmain;             /* guest TSC at the core's first C code */
	uint64_t tsc_user;              /* guest TSC when the program started */
};
_Static_assert(sizeof(struct unik_stats) == 80, "unik_stats size");

/* Placed by the monitor at UNIK_BOOT_INFO_GPA before the first instruction. */
struct unik_boot_info {
	uint64_t magic;                 /* UNIK_BOOT_MAGIC */
	uint32_t abi_version;           /* UNIK_ABI_VERSION */
	uint32_t mode;                  /* enum unik_mode */
	uint64_t mem_size;              /* bytes of guest-physical memory, from 0 */
	unik_gpa_t free_start;          /* first page the guest may allocate */
	unik_gpa_t pml4;                /* root page table the monitor built */
	unik_gpa_t prog;                /* the program file, page aligned */
	uint64_t prog_len;
	unik_gpa_t args;                /* argv strings, then envp strings, each NUL terminated */
	uint64_t args_len;
	uint32_t argc, envc;
	uint64_t tsc_hz;                /* guest TSC frequency */
	int64_t boot_realtime_ns;       /* host CLOCK_REALTIME when guest TSC read boot_tsc */
	uint64_t boot_tsc;
	uint32_t flags;                 /* UNIK_BOOT_* */
	uint32_t uid, gid;              /* identity the program runs as */
	uint32_t _pad;
	uint64_t random[4];             /* 32 bytes from the host: seeds the guest generator */
	struct unik_tty tty[3];         /* host fds 0, 1, 2 */
	uint32_t _pad2;
	struct unik_stats stats;        /* OUT: written by the guest before UNIK_HC_EXIT */
	char execfn[256];               /* argv[0] as given, for AT_EXECFN */
	char hostname[64];
	unik_gpa_t rootfs;              /* the imgfs root filesystem image, page aligned; 0: none */
	uint64_t rootfs_len;
	char workdir[256];              /* working directory (created if missing); "" is "/" */
	uint32_t ngroups;               /* supplementary groups of the program */
	uint32_t groups[32];
	uint32_t _pad3;
};
_Static_assert(sizeof(struct unik_boot_info) == 1192, "unik_boot_info size");


/* Found in the kernel ELF through the symbol `unik_kernel_header`. */
#define UNIK_KERNEL_MAGIC 0x4c4e524b4b494e55ull /* "UNIKKRNL" */
struct unik_kernel_header {
	uint64_t magic;
	uint32_t abi_version;
	uint32_t _pad;
	uint64_t entry_fast;            /* CPL3 entry (virtual) for UNIK_MODE_FAST */
	uint64_t entry_isolated;        /* CPL0 entry (virtual) for UNIK_MODE_ISOLATED */
	uint64_t gdt, gdt_limit;        /* virtual addresses of the descriptor tables */
	uint64_t idt, idt_limit;
	uint64_t tss, tss_limit;
	uint64_t syscall_entry;         /* LSTAR */
	uint64_t stack_top;             /* initial core stack */
};
_Static_assert(sizeof(struct unik_kernel_header) == 96, "unik_kernel_header size");


#endif /* __ASSEMBLER__ */
#endif
