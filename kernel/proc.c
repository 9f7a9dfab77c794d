/* The end of a process through exit and fatal signals (kernel/process.c does the rest), and the
   core's messages to the host. */
#include "k/kernel.h"
#include "k/proc.h"
#include "k/hc.h"
#include "k/stats.h"
#include "k/signal.h"
#include "vfs/file.h"
#include "vfs/vfs.h"

struct unik_stats stats;

static void proc_report_stats(void)
{
	boot_info->stats = stats;
}

void proc_report_exit(int exit_code)
{
	vfs_writeback_all();            /* what shared mappings wrote reaches the volumes */
	console_flush();
	proc_report_stats();
	hc_exit(exit_code & 0xff);
}

void proc_exit(int status)
{
	proc_exit_status((status & 0xff) << 8, status & 0xff);
}

void proc_kill(int signo, const char *why)
{
	console_flush();
	bool trace = boot_info->flags & UNIK_BOOT_TRACE;
	if (trace) {
		/* With --trace, the memory map at the kill helps to read the report. */
		for (struct vma *v = current->mm->vmas.head; v; v = v->next)
			kprintf("unik:   %lx-%lx %c%c%c %s%s pgoff %lx\n", v->start, v->end,
				(v->prot & 1) ? 'r' : '-', (v->prot & 2) ? 'w' : '-',
				(v->prot & 4) ? 'x' : '-', (v->flags & VMA_FILE) ? "file" : "anon",
				(v->flags & VMA_SHARED) ? " shared" : "", v->pgoff);
	}
	/* The container's command is reported; other processes as a shell would see them. */
	if (why && ((current->pid == 1 && !(boot_info->flags & UNIK_BOOT_CONTAINER)) || trace))
		kprintf("unik: %s killed by %s: %s\n", current->pid == 1 ? "program" : current->comm,
			signal_name(signo), why);
	proc_exit_status(signo, 128 + signo);
}

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_flush();        /* the program's own output first */
	hc_write(2, buf, (size_t)MIN(n, (int)sizeof(buf) - 1));
}

void panic(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = ksnprintf(buf, sizeof(buf), "unik: guest kernel panic: ");
	n += kvsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	console_flush();
	hc_write(2, buf, (size_t)n);
	hc_exit(125);
}
