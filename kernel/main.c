/* The core's first C code: check the boot info, set up the CPU tables, memory, time and the first
   process, then start the program. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/arch.h"
#include "k/cpu.h"
#include "k/pmm.h"
#include "k/proc.h"
#include "k/cap.h"
#include "k/sched.h"
#include "k/time.h"
#include "k/random.h"
#include "k/exec.h"
#include "k/hc.h"
#include "vfs/file.h"
#include "vfs/pty.h"
#include "k/stats.h"
#include "k/spinlock.h"

struct unik_boot_info *boot_info;
struct cpu cpu0;

/* The core lock, as Linux's big kernel lock was: the core's data (tasks, processes, address
   spaces, files, sockets) is shared by every CPU and touched only with it held. */
static spinlock_t core_lock_ = SPINLOCK_INIT("core");

void core_lock(void)
{
	spin_lock(&core_lock_);
}

void core_unlock(void)
{
	spin_unlock(&core_lock_);
}

int spin_cpu_id(void)
{
	return this_cpu()->id;
}

void spin_recursion(const spinlock_t *l)
{
	panic("lock %s taken again by CPU %d, which holds it", l->name, l->holder);
}
static struct proc init_proc;
static struct fdtable init_files;

static void proc_init(struct proc *p)
{
	p->pid = p->pgid = p->sid = 1;
	p->exit_signal = SIGCHLD;
	p->state = PROC_LIVE;
	proc_list = p;
	p->ppid = 0;
	p->uid = p->euid = p->suid = p->fsuid = boot_info->uid;
	p->gid = p->egid = p->sgid = p->fsgid = boot_info->gid;
	p->ngroups = MIN(boot_info->ngroups, 32u);
	for (uint32_t i = 0; i < p->ngroups; i++)
		p->groups[i] = boot_info->groups[i];
	cap_init(p);
	for (int i = 0; i < RLIM_NLIMITS; i++)
		p->rlim[i].cur = p->rlim[i].max = RLIM_INFINITY;
	p->rlim[3].cur = STACK_SIZE;            /* RLIMIT_STACK */
	p->rlim[4].cur = p->rlim[4].max = 0;    /* RLIMIT_CORE soft 0 */
	p->rlim[4].max = RLIM_INFINITY;
	p->rlim[6].cur = p->rlim[6].max = 63459;  /* RLIMIT_NPROC */
	p->rlim[7].cur = FD_SOFT_LIMIT;         /* RLIMIT_NOFILE */
	p->rlim[7].max = FD_HARD_LIMIT;
	p->rlim[8].cur = p->rlim[8].max = 8u << 20;   /* RLIMIT_MEMLOCK */
	p->rlim[11].cur = p->rlim[11].max = 63459;    /* RLIMIT_SIGPENDING */
	p->rlim[12].cur = p->rlim[12].max = 819200;   /* RLIMIT_MSGQUEUE */
	p->rlim[13].cur = p->rlim[13].max = 0;        /* RLIMIT_NICE */
	p->rlim[14].cur = p->rlim[14].max = 0;        /* RLIMIT_RTPRIO */
	for (int i = 0; i < RLIM_NLIMITS && i < 16; i++) {
		if (!(boot_info->rlimit_set & (1u << i)))
			continue;
		uint64_t cap = i == 7 ? FD_NR_OPEN : RLIM_INFINITY;     /* as fs.nr_open allows */
		p->rlim[i].max = MIN(boot_info->rlimits[i].max, cap);
		p->rlim[i].cur = MIN(boot_info->rlimits[i].cur, p->rlim[i].max);
	}
	init_files.users = 1;
	for (int fd = 0; fd < 3; fd++) {
		struct file *f = console_open(fd);
		if (!f || fd_install(&init_files, f, fd, 0) != fd)
			panic("cannot open the console");
	}
	memcpy(p->comm, "init", 5);
}

int fs_boot(struct proc *p, const char **why);

static inline uint64_t main_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void kmain(void)
{
	uint64_t t0 = main_rdtsc();
	core_lock();            /* until the first program runs */
	boot_info = phys_to_virt(UNIK_BOOT_INFO_GPA);
	if (boot_info->magic != UNIK_BOOT_MAGIC || boot_info->abi_version != UNIK_ABI_VERSION)
		hc_exit(125);
	pmm_init(boot_info->free_start, boot_info->mem_size);
	arch_init();
	time_init();
	random_init();
	current = &init_proc;
	/* From the heap, as every other address space: the last user frees it (pid 1's exec). */
	current->mm = kmalloc(sizeof(struct mm));
	if (!current->mm)
		panic("out of memory at boot");
	proc_init(current);
	sched_init(current);
	current_task->files = &init_files;
	if (mm_init(current->mm, boot_info->pml4) || arch_map_sled(current->mm->pml4) ||
	    mm_refs_init(boot_info->mem_size))
		panic("out of memory at boot");
	current->mm->users = 1;
	const char *fswhy;
	if (fs_boot(current, &fswhy)) {
		kprintf("unik: root filesystem: %s\n", fswhy ? fswhy : "out of memory");
		proc_exit(125);
	}
	/* devpts on /dev/pts, now that /dev exists. Without it (a volume hiding /dev) ptys still
	   open through /dev/ptmx; their slaves just have no names. */
	devpts_mount(current_task->fs);
	arch_switch_mm(current->mm->pml4);
	const char *base = boot_info->execfn;
	for (const char *s = base; *s; s++)
		if (*s == '/')
			base = s + 1;
	size_t n = MIN(strlen(base), sizeof(current->comm) - 1);
	memcpy(current->comm, base, n);
	current->comm[n] = 0;
	static struct regs r;
	const char *why = NULL;
	int status = exec_boot(current, &r, &why);
	if (status) {
		kprintf("unik: exec: \"%s\": %s\n", boot_info->execfn, why ? why : "cannot execute");
		proc_exit(status);
	}
	arch_init_user_fpu();
	exec_fpu_capture();
	stats.tsc_kmain = t0;
	stats.tsc_user = main_rdtsc();
	core_unlock();
	arch_enter_user(&r);
}
