/* One virtual machine: KVM handles, guest memory, the vCPU, and what a run was asked to do. */
#ifndef MONITOR_VM_H
#define MONITOR_VM_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "unik/abi.h"
#include "monitor/gmem.h"
#include "monitor/hc.h"
#include "monitor/net.h"

/* A host directory shared with the guest (-v HOSTDIR:GUESTDIR[:ro]). */
struct vm_volume {
	const char *host;               /* existing host directory */
	const char *guest;              /* absolute, clean guest path */
	bool ro;                        /* the monitor refuses every change */
	bool file;                      /* host is a regular file, bound onto a guest file */
	bool tmpfs;                     /* no host side: an empty tmpfs at guest */
	uint32_t tmpfs_mode;            /* its root's permission bits (0: 01777) */
};

struct vm_config {
	const char *prog_path;          /* host file to run */
	char *const *argv;              /* argv[0] as the program sees it, ... */
	int argc;
	char *const *envp;
	int envc;
	uint64_t mem_size;
	uint32_t mode;                  /* enum unik_mode */
	bool trace, stats, no_rewrite;
	bool tty;                       /* -t: the console is the host's terminal */
	bool stdin_detached;            /* -t without -i: as docker's pty nobody writes to, the
					   terminal's input never reaches the program (its reads
					   wait for a signal) and its modes stay the host's */
	const void *kernel;             /* the guest kernel ELF */
	size_t kernel_len;
	const void *rootfs;             /* an imgfs image (page aligned, length a multiple of 4 KiB):
					   the program is then argv[0], found in it; NULL: prog_path */
	size_t rootfs_len;
	const char *workdir;            /* with rootfs: the working directory */
	uint32_t uid, gid;              /* identity of the program */
	const uint32_t *groups;         /* supplementary groups */
	size_t ngroups;
	const char *hostname;
	const struct vm_volume *volumes; /* mounted in the guest, in this order */
	size_t nvolumes;
	const char *rootdir;            /* --rootfs: a host directory as the root filesystem (the
					   program is then argv[0], found in it, as with rootfs) */
	bool rootdir_ro;                /* the monitor refuses every change to rootdir */
	bool container;                 /* the OCI runtime's VM (UNIK_BOOT_CONTAINER) */
	/* The first process's capability sets (bounding, effective, permitted, inheritable,
	   ambient: include/unik/abi.h); caps_set false: the guest's default (root: all) */
	bool caps_set;
	uint64_t caps[5];
	uint32_t rlimit_set;            /* bit R: rlimits[R] is given (RLIMIT_* numbers < 16) */
	struct { uint64_t cur, max; } rlimits[16];
	int stop_signal;                /* what a host SIGTERM becomes (SIGTERM by default) */
	int stop_timeout;               /* seconds after SIGTERM before a forced stop; < 0: never */
	const struct net_config *net;   /* the NIC (monitor/net.h); NULL: slirp, no -p */
};

struct vm_exits {
	uint64_t io, hlt, mmio, intr, other;
};

struct vm {
	int kvm, fd, vcpu;
	struct kvm_run *run;
	size_t run_size;
	struct gmem mem;
	struct hc_ctx hc;
	struct unik_kernel_header khdr;
	uint64_t pml4;
	struct vm_exits exits;
	uint64_t tsc_khz;
	int stdin_hold;                 /* stdin_detached: the write end of fd_in's pipe; else -1 */
};

/* Creates the VM, loads the kernel and the program, prepares boot state. Returns 0, or an exit
   status (125, 126, 127) after printing why. */
int vm_create(struct vm *vm, const struct vm_config *cfg);
/* Runs the guest until it exits; returns `unik run`'s exit status. */
int vm_run(struct vm *vm, const struct vm_config *cfg);
void vm_destroy(struct vm *vm);
/* A host signal for the program is waiting (a blocking host read gives up for it). */
bool vm_host_signal_pending(void);

/* boot.c: guest-physical layout, page tables and boot info. */
int boot_load_kernel(struct vm *vm, const void *elf, size_t len, uint64_t *kernel_end);
int boot_build_page_tables(struct vm *vm, uint32_t mode, uint64_t rootfs_gpa, uint64_t rootfs_len);
#endif
