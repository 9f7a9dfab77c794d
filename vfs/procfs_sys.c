/* procfs: the system-wide files (cpuinfo, meminfo, uptime, loadavg, stat, version, filesystems)
   and the /proc/sys values that are computed (hostname, boot_id, uuid, file-max, nr_open). */
#include "k/kernel.h"
#include "k/loadavg.h"
#include "k/uts.h"
#include "k/sched.h"
#include "k/pmm.h"
#include "k/proc.h"
#include "k/random.h"
#include "k/stats.h"
#include "k/time.h"
#include "vfs/file.h"
#include "vfs/procfs.h"
#include "vfs/inotify.h"

#define USER_HZ 100

uint64_t procfs_start_ticks(void)
{
	uint64_t hz = boot_info->tsc_hz;
	if (!hz || stats.tsc_user < boot_info->boot_tsc)
		return 0;
	uint64_t d = stats.tsc_user - boot_info->boot_tsc;
	return d / hz * USER_HZ + d % hz * USER_HZ / hz;
}

static uint64_t procfs_now_ticks(void)
{
	return time_monotonic_ns() / (1000000000 / USER_HZ);
}

/* ---- cpuinfo ---- */

static void procfs_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

/* The CPUID registers flags come from, in the order of Linux's capability words. */
enum { W_1D, W_81D, W_1C, W_81C, W_7B, W_D1A, W_71A, W_7C, W_7D, W_COUNT };

struct procfs_cpu_flag {
	uint8_t word, bit;
	const char *name;
};

/* Linux's names (arch/x86/include/asm/cpufeatures.h) for the bits it shows, in its order. */
static const struct procfs_cpu_flag procfs_cpu_flags[] = {
	{ W_1D, 0, "fpu" }, { W_1D, 1, "vme" }, { W_1D, 2, "de" }, { W_1D, 3, "pse" },
	{ W_1D, 4, "tsc" }, { W_1D, 5, "msr" }, { W_1D, 6, "pae" }, { W_1D, 7, "mce" },
	{ W_1D, 8, "cx8" }, { W_1D, 9, "apic" }, { W_1D, 11, "sep" }, { W_1D, 12, "mtrr" },
	{ W_1D, 13, "pge" }, { W_1D, 14, "mca" }, { W_1D, 15, "cmov" }, { W_1D, 16, "pat" },
	{ W_1D, 17, "pse36" }, { W_1D, 18, "pn" }, { W_1D, 19, "clflush" }, { W_1D, 21, "dts" },
	{ W_1D, 22, "acpi" }, { W_1D, 23, "mmx" }, { W_1D, 24, "fxsr" }, { W_1D, 25, "sse" },
	{ W_1D, 26, "sse2" }, { W_1D, 27, "ss" }, { W_1D, 28, "ht" }, { W_1D, 29, "tm" },
	{ W_1D, 30, "ia64" }, { W_1D, 31, "pbe" },
	{ W_81D, 11, "syscall" }, { W_81D, 19, "mp" }, { W_81D, 20, "nx" },
	{ W_81D, 22, "mmxext" }, { W_81D, 25, "fxsr_opt" }, { W_81D, 26, "pdpe1gb" },
	{ W_81D, 27, "rdtscp" }, { W_81D, 29, "lm" }, { W_81D, 30, "3dnowext" },
	{ W_81D, 31, "3dnow" },
	{ W_1C, 0, "pni" }, { W_1C, 1, "pclmulqdq" }, { W_1C, 2, "dtes64" }, { W_1C, 3, "monitor" },
	{ W_1C, 4, "ds_cpl" }, { W_1C, 5, "vmx" }, { W_1C, 6, "smx" }, { W_1C, 7, "est" },
	{ W_1C, 8, "tm2" }, { W_1C, 9, "ssse3" }, { W_1C, 10, "cid" }, { W_1C, 11, "sdbg" },
	{ W_1C, 12, "fma" }, { W_1C, 13, "cx16" }, { W_1C, 14, "xtpr" }, { W_1C, 15, "pdcm" },
	{ W_1C, 17, "pcid" }, { W_1C, 18, "dca" }, { W_1C, 19, "sse4_1" }, { W_1C, 20, "sse4_2" },
	{ W_1C, 21, "x2apic" }, { W_1C, 22, "movbe" }, { W_1C, 23, "popcnt" },
	{ W_1C, 24, "tsc_deadline_timer" }, { W_1C, 25, "aes" }, { W_1C, 26, "xsave" },
	{ W_1C, 28, "avx" }, { W_1C, 29, "f16c" }, { W_1C, 30, "rdrand" },
	{ W_1C, 31, "hypervisor" },
	{ W_81C, 0, "lahf_lm" }, { W_81C, 1, "cmp_legacy" }, { W_81C, 2, "svm" },
	{ W_81C, 3, "extapic" }, { W_81C, 4, "cr8_legacy" }, { W_81C, 5, "abm" },
	{ W_81C, 6, "sse4a" }, { W_81C, 7, "misalignsse" }, { W_81C, 8, "3dnowprefetch" },
	{ W_81C, 9, "osvw" }, { W_81C, 10, "ibs" }, { W_81C, 11, "xop" }, { W_81C, 12, "skinit" },
	{ W_81C, 13, "wdt" }, { W_81C, 15, "lwp" }, { W_81C, 16, "fma4" }, { W_81C, 17, "tce" },
	{ W_81C, 19, "nodeid_msr" }, { W_81C, 21, "tbm" }, { W_81C, 22, "topoext" },
	{ W_81C, 23, "perfctr_core" }, { W_81C, 24, "perfctr_nb" }, { W_81C, 26, "bpext" },
	{ W_81C, 27, "ptsc" }, { W_81C, 28, "perfctr_llc" }, { W_81C, 29, "mwaitx" },
	{ W_7B, 0, "fsgsbase" }, { W_7B, 1, "tsc_adjust" }, { W_7B, 2, "sgx" }, { W_7B, 3, "bmi1" },
	{ W_7B, 4, "hle" }, { W_7B, 5, "avx2" }, { W_7B, 7, "smep" }, { W_7B, 8, "bmi2" },
	{ W_7B, 9, "erms" }, { W_7B, 10, "invpcid" }, { W_7B, 11, "rtm" }, { W_7B, 12, "cqm" },
	{ W_7B, 14, "mpx" }, { W_7B, 15, "rdt_a" }, { W_7B, 16, "avx512f" },
	{ W_7B, 17, "avx512dq" }, { W_7B, 18, "rdseed" }, { W_7B, 19, "adx" }, { W_7B, 20, "smap" },
	{ W_7B, 21, "avx512ifma" }, { W_7B, 23, "clflushopt" }, { W_7B, 24, "clwb" },
	{ W_7B, 25, "intel_pt" }, { W_7B, 26, "avx512pf" }, { W_7B, 27, "avx512er" },
	{ W_7B, 28, "avx512cd" }, { W_7B, 29, "sha_ni" }, { W_7B, 30, "avx512bw" },
	{ W_7B, 31, "avx512vl" },
	{ W_D1A, 0, "xsaveopt" }, { W_D1A, 1, "xsavec" }, { W_D1A, 2, "xgetbv1" },
	{ W_D1A, 3, "xsaves" },
	{ W_71A, 4, "avx_vnni" }, { W_71A, 5, "avx512_bf16" },
	{ W_7C, 1, "avx512vbmi" }, { W_7C, 2, "umip" }, { W_7C, 3, "pku" }, { W_7C, 4, "ospke" },
	{ W_7C, 5, "waitpkg" }, { W_7C, 6, "avx512_vbmi2" }, { W_7C, 8, "gfni" },
	{ W_7C, 9, "vaes" }, { W_7C, 10, "vpclmulqdq" }, { W_7C, 11, "avx512_vnni" },
	{ W_7C, 12, "avx512_bitalg" }, { W_7C, 13, "tme" }, { W_7C, 14, "avx512_vpopcntdq" },
	{ W_7C, 16, "la57" }, { W_7C, 22, "rdpid" }, { W_7C, 24, "bus_lock_detect" },
	{ W_7C, 25, "cldemote" }, { W_7C, 27, "movdiri" }, { W_7C, 28, "movdir64b" },
	{ W_7C, 29, "enqcmd" }, { W_7C, 30, "sgx_lc" },
	{ W_7D, 2, "avx512_4vnniw" }, { W_7D, 3, "avx512_4fmaps" }, { W_7D, 4, "fsrm" },
	{ W_7D, 8, "avx512_vp2intersect" }, { W_7D, 10, "md_clear" }, { W_7D, 14, "serialize" },
	{ W_7D, 16, "tsxldtrk" }, { W_7D, 18, "pconfig" }, { W_7D, 19, "arch_lbr" },
	{ W_7D, 20, "ibt" }, { W_7D, 22, "amx_bf16" }, { W_7D, 23, "avx512_fp16" },
	{ W_7D, 24, "amx_tile" }, { W_7D, 25, "amx_int8" }, { W_7D, 28, "flush_l1d" },
	{ W_7D, 29, "arch_capabilities" },
};

static void procfs_cpu_words(uint32_t max, uint32_t xmax, uint32_t w[W_COUNT])
{
	uint32_t r[4];
	memset(w, 0, W_COUNT * sizeof(w[0]));
	procfs_cpuid(1, 0, r);
	w[W_1C] = r[2];
	w[W_1D] = r[3];
	if (xmax >= 0x80000001) {
		procfs_cpuid(0x80000001, 0, r);
		w[W_81C] = r[2];
		w[W_81D] = r[3];
	}
	if (max >= 7) {
		procfs_cpuid(7, 0, r);
		w[W_7B] = r[1];
		w[W_7C] = r[2];
		w[W_7D] = r[3];
		if (r[0] >= 1) {
			procfs_cpuid(7, 1, r);
			w[W_71A] = r[0];
		}
	}
	if (max >= 0xd) {
		procfs_cpuid(0xd, 1, r);
		w[W_D1A] = r[0];
	}
}

/* The last-level cache in KB: Intel's leaf 4, else AMD's L2 (leaf 0x80000006), as Linux shows. */
static uint32_t procfs_cache_kb(bool intel, uint32_t max, uint32_t xmax)
{
	uint32_t r[4], best = 0, level = 0;
	if (intel && max >= 4) {
		for (uint32_t i = 0; i < 16; i++) {
			procfs_cpuid(4, i, r);
			if (!(r[0] & 0x1f))
				break;
			uint32_t l = (r[0] >> 5) & 7;
			uint64_t size = (uint64_t)((r[1] >> 22) + 1) * (((r[1] >> 12) & 0x3ff) + 1) *
					((r[1] & 0xfff) + 1) * ((uint64_t)r[2] + 1);
			if (l >= level) {
				level = l;
				best = (uint32_t)(size >> 10);
			}
		}
		return best;
	}
	if (xmax >= 0x80000006) {
		procfs_cpuid(0x80000006, 0, r);
		return r[2] >> 16;
	}
	return 0;
}

static void procfs_cpu_ident(struct procfs_buf *b, uint32_t max, uint32_t xmax, char *vendor)
{
	uint32_t r[4];
	procfs_cpuid(1, 0, r);
	uint32_t family = (r[0] >> 8) & 0xf, model = (r[0] >> 4) & 0xf;
	if (family == 0xf)
		family += (r[0] >> 20) & 0xff;
	if (family >= 6)
		model += ((r[0] >> 16) & 0xf) << 4;
	char brand[49] = "unknown";
	if (xmax >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++)
			procfs_cpuid(0x80000002 + i, 0, (uint32_t *)(brand + 16 * i));
		brand[48] = 0;
	}
	const char *name = brand;
	while (*name == ' ')
		name++;
	if (!*name)
		name = "unknown";
	procfs_printf(b, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
		      "model name\t: %s\nstepping\t: %u\n", vendor, family, model, name, r[0] & 0xf);
	uint64_t khz = boot_info->tsc_hz / 1000;
	procfs_printf(b, "cpu MHz\t\t: %lu.%03lu\ncache size\t: %u KB\n", khz / 1000, khz % 1000,
		      procfs_cache_kb(!strcmp(vendor, "GenuineIntel"), max, xmax));
}

int procfs_show_cpuinfo(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	uint32_t r[4], w[W_COUNT];
	char vendor[13];
	procfs_cpuid(0, 0, r);
	uint32_t max = r[0];
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = 0;
	procfs_cpuid(0x80000000, 0, r);
	uint32_t xmax = r[0] >= 0x80000000 && r[0] < 0x8000ffff ? r[0] : 0;
	procfs_cpu_ident(b, max, xmax, vendor);
	procfs_printf(b, "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n"
		      "apicid\t\t: 0\ninitial apicid\t: 0\nfpu\t\t: yes\nfpu_exception\t: yes\n"
		      "cpuid level\t: %u\nwp\t\t: yes\nflags\t\t:", max);
	procfs_cpu_words(max, xmax, w);
	for (size_t i = 0; i < ARRAY_SIZE(procfs_cpu_flags); i++) {
		const struct procfs_cpu_flag *f = &procfs_cpu_flags[i];
		if (w[f->word] & (1u << f->bit))
			procfs_printf(b, " %s", f->name);
	}
	procfs_cpuid(1, 0, r);
	uint32_t clflush = ((r[1] >> 8) & 0xff) * 8;
	uint64_t bogo = boot_info->tsc_hz / 5000;       /* 2 * MHz, in hundredths */
	uint32_t bits = 0;
	if (xmax >= 0x80000008) {
		procfs_cpuid(0x80000008, 0, r);
		bits = r[0];
	}
	procfs_printf(b, "\nbugs\t\t:\nbogomips\t: %lu.%02lu\nclflush size\t: %u\n"
		      "cache_alignment\t: %u\naddress sizes\t: %u bits physical, %u bits virtual\n"
		      "power management:\n\n", bogo / 100, bogo % 100, clflush, clflush, bits & 0xff,
		      (bits >> 8) & 0xff);
	return 0;
}

/* ---- memory, time, counters ---- */

static void procfs_kb(struct procfs_buf *b, const char *key, uint64_t kb)
{
	procfs_printf(b, "%-16s%8lu kB\n", key, kb);
}

int procfs_show_meminfo(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	uint64_t total = boot_info->mem_size >> 10, free = pmm_free_pages() * (PAGE_SIZE >> 10);
	uint64_t anon = 0, file = 0, committed = 0;
	for (struct proc *q = procfs_proc_next(0); q; q = procfs_proc_next(q->pid)) {
		struct procfs_mem m;
		procfs_mem_stats(q, &m);
		anon += m.rss_anon * (PAGE_SIZE >> 10);
		file += m.rss_file * (PAGE_SIZE >> 10);
		committed += (m.data + m.stack) >> 10;
	}
	/* Linux's keys in its order; what unik has no counterpart for is 0. */
	static const char *const zero1[] = { "Buffers:", "Cached:", "SwapCached:" };
	static const char *const zero2[] = {
		"Inactive(file):", "Unevictable:", "Mlocked:", "SwapTotal:", "SwapFree:", "Zswap:",
		"Zswapped:", "Dirty:", "Writeback:" };
	static const char *const zero3[] = {
		"Shmem:", "KReclaimable:", "Slab:", "SReclaimable:", "SUnreclaim:", "KernelStack:",
		"PageTables:", "NFS_Unstable:", "Bounce:", "WritebackTmp:" };
	static const char *const zero4[] = {
		"VmallocUsed:", "VmallocChunk:", "Percpu:", "HardwareCorrupted:", "AnonHugePages:",
		"ShmemHugePages:", "ShmemPmdMapped:", "FileHugePages:", "FilePmdMapped:" };
	procfs_kb(b, "MemTotal:", total);
	procfs_kb(b, "MemFree:", free);
	procfs_kb(b, "MemAvailable:", free);
	for (size_t i = 0; i < ARRAY_SIZE(zero1); i++)
		procfs_kb(b, zero1[i], 0);
	procfs_kb(b, "Active:", anon + file);
	procfs_kb(b, "Inactive:", 0);
	procfs_kb(b, "Active(anon):", anon);
	procfs_kb(b, "Inactive(anon):", 0);
	procfs_kb(b, "Active(file):", file);
	for (size_t i = 0; i < ARRAY_SIZE(zero2); i++)
		procfs_kb(b, zero2[i], 0);
	procfs_kb(b, "AnonPages:", anon);
	procfs_kb(b, "Mapped:", file);
	for (size_t i = 0; i < ARRAY_SIZE(zero3); i++)
		procfs_kb(b, zero3[i], 0);
	procfs_kb(b, "CommitLimit:", total / 2);
	procfs_kb(b, "Committed_AS:", committed);
	procfs_kb(b, "VmallocTotal:", 34359738367ull);
	for (size_t i = 0; i < ARRAY_SIZE(zero4); i++)
		procfs_kb(b, zero4[i], 0);
	procfs_puts(b, "HugePages_Total:       0\nHugePages_Free:        0\n"
		    "HugePages_Rsvd:        0\nHugePages_Surp:        0\n");
	procfs_kb(b, "Hugepagesize:", 2048);
	procfs_kb(b, "Hugetlb:", 0);
	procfs_kb(b, "DirectMap4k:", 0);
	procfs_kb(b, "DirectMap2M:", total);
	procfs_kb(b, "DirectMap1G:", 0);
	return 0;
}

int procfs_show_uptime(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	uint64_t t = procfs_now_ticks();
	procfs_printf(b, "%lu.%02lu %lu.%02lu\n", t / USER_HZ, t % USER_HZ, 0ul, 0ul);
	return 0;
}

static int procfs_nprocs(int *last)
{
	int count = 0;
	*last = 0;
	for (struct proc *q = procfs_proc_next(0); q; q = procfs_proc_next(q->pid)) {
		count++;
		*last = q->pid;
	}
	return count;
}

/* Linux's format: the averages to two places (rounded as its LOAD_INT/LOAD_FRAC), the runnable
   and all tasks, the last pid made. */
int procfs_show_loadavg(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	int last, tasks = 0;
	procfs_nprocs(&last);
	SCHED_FOR_EACH(t)
		tasks++;
	uint64_t avg[3];
	loadavg_get(avg);
	unsigned long v[3][2];
	for (int i = 0; i < 3; i++) {
		uint64_t a = avg[i] + (1u << LOADAVG_FSHIFT) / 200;     /* FIXED_1/200: round */
		v[i][0] = a >> LOADAVG_FSHIFT;
		v[i][1] = ((a & ((1u << LOADAVG_FSHIFT) - 1)) * 100) >> LOADAVG_FSHIFT;
	}
	procfs_printf(b, "%lu.%02lu %lu.%02lu %lu.%02lu %d/%d %d\n", v[0][0], v[0][1], v[1][0],
		      v[1][1], v[2][0], v[2][1], loadavg_runnable(), tasks, last);
	return 0;
}

/* The one vCPU runs the program all the time: its time is user time. */
int procfs_show_stat_sys(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	uint64_t t = procfs_now_ticks();
	int last, count = procfs_nprocs(&last);
	procfs_printf(b, "cpu  %lu 0 0 0 0 0 0 0 0 0\ncpu0 %lu 0 0 0 0 0 0 0 0 0\n", t, t);
	procfs_printf(b, "intr %lu\nctxt 0\nbtime %lu\nprocesses %d\nprocs_running %d\n"
		      "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n", stats.interrupts,
		      (uint64_t)boot_info->boot_realtime_ns / 1000000000, last, count);
	return 0;
}

int procfs_show_version(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_puts(b, "Linux version 6.1.0-unik (unik@unik) (unik) #1 SMP unik\n");
	return 0;
}

int procfs_show_filesystems(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_puts(b, "nodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tpipefs\n");
	return 0;
}

/* ---- /proc/sys ---- */

int procfs_show_hostname(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_puts(b, uts_nodename());
	procfs_puts(b, "\n");
	return 0;
}

int procfs_show_domainname(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_puts(b, uts_domainname());
	procfs_puts(b, "\n");
	return 0;
}

/* A random (version 4) UUID, as Linux formats it. */
static void procfs_uuid(char out[37])
{
	uint8_t u[16];
	random_bytes(u, sizeof(u));
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	int at = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[at++] = '-';
		at += ksnprintf(out + at, 3, "%02x", u[i]);
	}
	out[at] = 0;
}

int procfs_show_boot_id(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	static char id[37];
	if (!id[0])
		procfs_uuid(id);
	procfs_printf(b, "%s\n", id);
	return 0;
}

int procfs_show_uuid(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	char id[37];
	procfs_uuid(id);
	procfs_printf(b, "%s\n", id);
	return 0;
}

/* Linux's default: a tenth of memory in KB, at least NR_FILE (8192). */
int procfs_show_file_max(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_printf(b, "%lu\n", (uint64_t)MAX((boot_info->mem_size >> 10) / 10, 8192u));
	return 0;
}

/* The most RLIMIT_NOFILE may be raised to here (setrlimit refuses more). */
int procfs_show_nr_open(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_printf(b, "%d\n", FD_NR_OPEN);
	return 0;
}

/* /proc/sys/fs/inotify: the limits inotify applies. */
int procfs_show_inotify_queued(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_printf(b, "%u\n", inotify_max_queued_events);
	return 0;
}

int procfs_show_inotify_instances(struct procfs_buf *b, struct proc *p,
				  const struct procfs_node *n)
{
	procfs_printf(b, "%u\n", inotify_max_user_instances);
	return 0;
}

int procfs_show_inotify_watches(struct procfs_buf *b, struct proc *p, const struct procfs_node *n)
{
	procfs_printf(b, "%u\n", inotify_max_user_watches());
	return 0;
}
