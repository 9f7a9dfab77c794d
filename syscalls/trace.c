/* --trace: one strace-style line per system call on the host's stderr. */
#include "k/kernel.h"
#include "k/uaccess.h"
#include "k/hc.h"
#include "k/proc.h"
#include "syscalls/syscall.h"
#include "vfs/file.h"

static char trace_line[1024];
static int trace_len;

static const char *const trace_errno_names[] = {
	[1] = "EPERM", [2] = "ENOENT", [3] = "ESRCH", [4] = "EINTR", [5] = "EIO", [6] = "ENXIO",
	[7] = "E2BIG", [8] = "ENOEXEC", [9] = "EBADF", [10] = "ECHILD", [11] = "EAGAIN",
	[12] = "ENOMEM", [13] = "EACCES", [14] = "EFAULT", [16] = "EBUSY", [17] = "EEXIST",
	[18] = "EXDEV", [19] = "ENODEV", [20] = "ENOTDIR", [21] = "EISDIR", [22] = "EINVAL",
	[23] = "ENFILE", [24] = "EMFILE", [25] = "ENOTTY", [26] = "ETXTBSY", [27] = "EFBIG",
	[28] = "ENOSPC", [29] = "ESPIPE", [30] = "EROFS", [31] = "EMLINK", [32] = "EPIPE",
	[33] = "EDOM", [34] = "ERANGE", [36] = "ENAMETOOLONG", [38] = "ENOSYS",
	[39] = "ENOTEMPTY", [40] = "ELOOP", [75] = "EOVERFLOW", [95] = "EOPNOTSUPP",
};

static void trace_put(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (trace_len < (int)sizeof(trace_line))
		trace_len += kvsnprintf(trace_line + trace_len, sizeof(trace_line) - trace_len, fmt, ap);
	va_end(ap);
	if (trace_len > (int)sizeof(trace_line) - 1)
		trace_len = sizeof(trace_line) - 1;
}

/* Prints user bytes as a C string literal, at most 32 of them. */
static void trace_buf(uint64_t addr, uint64_t len, bool stop_at_nul)
{
	char b[33];
	size_t n = MIN(len, 32);
	if (stop_at_nul) {
		int64_t l = strncpy_from_user(b, addr, 33);
		if (l == -EFAULT) {
			trace_put("0x%lx", addr);
			return;
		}
		n = l < 0 ? 32 : (size_t)l;
		len = l < 0 ? 33 : (uint64_t)l;
	} else if (copy_from_user(b, addr, n)) {
		trace_put("0x%lx", addr);
		return;
	}
	trace_put("\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];
		if (c == '\n') trace_put("\\n");
		else if (c == '\t') trace_put("\\t");
		else if (c == '"' || c == '\\') trace_put("\\%c", c);
		else if (c >= 32 && c < 127) trace_put("%c", c);
		else trace_put("\\%o", c);
	}
	trace_put(len > n ? "\"..." : "\"");
}

static void trace_arg(char kind, uint64_t v, uint64_t next)
{
	switch (kind) {
	case 'd': trace_put("%ld", (int64_t)(int)v); break;
	case 'u': trace_put("%lu", v); break;
	case 'o': trace_put("0%lo", v); break;
	case 's': trace_buf(v, 0, true); break;
	case 'b': trace_buf(v, next, false); break;
	case 'p': trace_put(v ? "0x%lx" : "NULL", v); break;
	default: trace_put("0x%lx", v); break;
	}
}

void trace_enter(const struct regs *r)
{
	const uint64_t a[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };
	const char *name = r->rax < SYSCALL_NR ? syscall_table[r->rax].name : NULL;
	const char *fmt = name ? syscall_table[r->rax].args : "";
	trace_len = 0;
	if (name)
		trace_put("[pid %d] %s(", current->pid, name);
	else
		trace_put("[pid %d] syscall_%lu(", current->pid, r->rax);
	for (int i = 0; fmt[i] && i < 6; i++) {
		if (i)
			trace_put(", ");
		if (fmt[i] == 'B')
			trace_put("0x%lx", a[i]);       /* output buffer: shown after the call */
		else
			trace_arg(fmt[i], a[i], i < 5 ? a[i + 1] : 0);
	}
	trace_put(")");
	/* exit and exit_group do not come back: print now. */
	if (r->rax == 60 || r->rax == 231) {
		trace_put(" = ?\n");
		console_flush();
		hc_write(2, trace_line, trace_len);
	}
}

void trace_exit(const struct regs *r, uint64_t nr, int64_t ret)
{
	const char *fmt = nr < SYSCALL_NR && syscall_table[nr].name ? syscall_table[nr].args : "";
	int bidx = -1;
	for (int i = 0; fmt[i]; i++)
		if (fmt[i] == 'B')
			bidx = i;
	if (bidx >= 0 && ret > 0) {
		/* Re-print the call with the buffer's contents in place of its address. */
		const uint64_t a[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };
		trace_len = 0;
		trace_put("[pid %d] %s(", current->pid, syscall_table[nr].name);
		for (int i = 0; fmt[i] && i < 6; i++) {
			if (i)
				trace_put(", ");
			if (i == bidx)
				trace_buf(a[i], (uint64_t)ret, false);
			else
				trace_arg(fmt[i], a[i], i < 5 ? a[i + 1] : 0);
		}
		trace_put(")");
	}
	if (ret < 0 && ret >= -4095) {
		int e = (int)-ret;
		const char *n = e < (int)ARRAY_SIZE(trace_errno_names) ? trace_errno_names[e] : NULL;
		if (n)
			trace_put(" = -1 %s\n", n);
		else
			trace_put(" = -1 E%d\n", e);
	} else if (fmt[0] == 'p' && ret > 4095) {
		trace_put(" = 0x%lx\n", ret);
	} else {
		trace_put(" = %ld\n", ret);
	}
	console_flush();
	hc_write(2, trace_line, trace_len);
}
