/* seccomp.h: what the seccomp compat tests share: seccomp(2)'s operations, flags and actions,
 * classic BPF as <linux/filter.h>, and installing a filter. */
#ifndef COMPAT_SECCOMP_H
#define COMPAT_SECCOMP_H
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SECCOMP_SET_MODE_STRICT 0
#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_GET_ACTION_AVAIL 2
#define SECCOMP_GET_NOTIF_SIZES 3
#define FLAG_TSYNC 1u
#define FLAG_NEW_LISTENER 8u
#define FLAG_TSYNC_ESRCH 16u
#define FLAG_WAIT_KILLABLE_RECV 32u
#define RET_KILL_PROCESS 0x80000000u
#define RET_KILL_THREAD 0u
#define RET_TRAP 0x00030000u
#define RET_ERRNO 0x00050000u
#define RET_USER_NOTIF 0x7fc00000u
#define RET_TRACE 0x7ff00000u
#define RET_LOG 0x7ffc0000u
#define RET_ALLOW 0x7fff0000u
#define AUDIT_ARCH_X86_64 0xc000003eu

/* Classic BPF, as <linux/filter.h>. */
struct insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};
struct prog {
	unsigned short len;
	struct insn *filter;
};
#define LD_ABS 0x20             /* BPF_LD|BPF_W|BPF_ABS */
#define LD_LEN 0x80             /* BPF_LD|BPF_W|BPF_LEN */
#define LD_B_ABS 0x30           /* BPF_LD|BPF_B|BPF_ABS */
#define LD_MEM 0x60
#define ST 0x02
#define JEQ_K 0x15
#define JA 0x05
#define RET_K 0x06
#define RET_A 0x16
#define ALU_DIV_K 0x34
#define ALU_DIV_X 0x3c
#define ALU_AND_K 0x54
#define ALU_OR_K 0x44
#define LDX_IMM 0x01
#define I(c, t, f, kk) ((struct insn){ (c), (t), (f), (kk) })

/* seccomp_data offsets. */
#define OFF_NR 0
#define OFF_ARCH 4
#define OFF_IP 8
#define OFF_ARG(n) (16 + 8 * (n))

static inline long seccomp_(unsigned op, unsigned flags, void *args)
{
	return syscall(SYS_seccomp, op, flags, args);
}

/* Installs the n instructions at f with seccomp(2)'s flags: its result. */
static inline long install(struct insn *f, unsigned n, unsigned flags)
{
	struct prog p = { (unsigned short)n, f };
	return seccomp_(SECCOMP_SET_MODE_FILTER, flags, &p);
}
#endif
