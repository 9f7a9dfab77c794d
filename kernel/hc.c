/* Hypercalls: `outl` of the argument struct's guest-physical address to the call's port. Argument
   structs live in the kernel image (below 4 GiB, physically contiguous). So do the bounce buffers
   of the file calls: names and link targets are copied there, and data whose buffer is not
   kernel memory (physically contiguous through the direct map or the image) goes through a page
   of it. Callers hold the core lock, so one at a time uses the shared argument structs; the two
   calls an idle CPU makes without it (hc_sleep, hc_poll) have one argument struct per CPU. */
#include "k/kernel.h"
#include "k/cpu.h"
#include "k/hc.h"

static struct unik_hc_io hc_io;
static struct unik_hc_exit hc_ex;
static struct unik_hc_clock hc_clk;

static inline void hc_call(unsigned nr, void *arg)
{
	uint32_t gpa = (uint32_t)virt_to_phys(arg);
	__asm__ volatile("outl %0, %w1" : : "a"(gpa), "Nd"((uint16_t)(UNIK_HC_PORT_BASE + nr))
			 : "memory");
}

int64_t hc_write(int fd, const void *buf, size_t len)
{
	hc_io.fd = (uint32_t)fd;
	hc_io.buf = virt_to_phys(buf);
	hc_io.len = len;
	hc_io.ret = -EIO;
	hc_call(UNIK_HC_WRITE, &hc_io);
	return hc_io.ret;
}

int64_t hc_read(void *buf, size_t len)
{
	hc_io.fd = 0;
	hc_io.buf = virt_to_phys(buf);
	hc_io.len = len;
	hc_io.ret = -EIO;
	hc_call(UNIK_HC_READ, &hc_io);
	return hc_io.ret;
}

void hc_clock(int64_t *realtime, int64_t *monotonic)
{
	hc_call(UNIK_HC_CLOCK, &hc_clk);
	*realtime = hc_clk.realtime_ns;
	*monotonic = hc_clk.monotonic_ns;
}

int64_t hc_sleep(int64_t ns)
{
	static struct unik_hc_sleep args[NR_CPUS];
	struct unik_hc_sleep *s = &args[this_cpu()->id];
	s->ns = ns;
	s->ret = 0;
	hc_call(UNIK_HC_SLEEP, s);
	return s->ret;
}

int64_t hc_poll(const uint32_t events[3], uint32_t revents[3], int64_t timeout_ns)
{
	static struct unik_hc_poll args[NR_CPUS];
	struct unik_hc_poll *p = &args[this_cpu()->id];
	p->timeout_ns = timeout_ns;
	for (int i = 0; i < 3; i++) {
		p->events[i] = events[i];
		p->revents[i] = 0;
	}
	p->ret = -EIO;
	hc_call(UNIK_HC_POLL, p);
	for (int i = 0; i < 3; i++)
		revents[i] = p->revents[i];
	return p->ret;
}

int64_t hc_tty(uint32_t how, const uint8_t termios[36])
{
	static struct unik_hc_tty t;
	t.how = how;
	memcpy(t.termios, termios, sizeof(t.termios));
	t.ret = -EIO;
	hc_call(UNIK_HC_TTY, &t);
	return t.ret;
}

void hc_exit(int status)
{
	hc_ex.status = status;
	for (;;)
		hc_call(UNIK_HC_EXIT, &hc_ex);
}

/* ---- volumes (hostfs): the file protocol of include/unik/abi.h ---- */

static struct unik_hc_fs_entry hc_ent;
static struct unik_hc_fs_rename hc_ren;
static struct unik_hc_fs_handle hc_hnd;
static struct unik_hc_fs_setattr hc_set;
static struct unik_hc_fs_io hc_fio;
static struct unik_hc_fs_statfs hc_sfs;
static char hc_name[2][UNIK_FS_NAME_MAX + 1];
static uint8_t hc_bounce[PAGE_SIZE] __attribute__((aligned(4096)));

/* Is [p, p+len) kernel memory in guest RAM (the direct map), so contiguous guest-physical
   memory the monitor can use in place? */
static bool hc_direct(const void *p, size_t len)
{
	return (uint64_t)p >= UNIK_DIRECT_VBASE && virt_to_phys(p) <= boot_info->mem_size &&
	       len <= boot_info->mem_size - virt_to_phys(p);
}

/* As hc_direct for a buffer the monitor only reads: the read-only image also qualifies. */
static bool hc_direct_src(const void *p, size_t len)
{
	if (hc_direct(p, len))
		return true;
	uint64_t pa = virt_to_phys(p);
	return (uint64_t)p >= UNIK_DIRECT_VBASE && boot_info->rootfs && pa >= boot_info->rootfs &&
	       pa - boot_info->rootfs <= boot_info->rootfs_len &&
	       len <= boot_info->rootfs_len - (pa - boot_info->rootfs);
}

static uint64_t hc_put_name(int i, const char *name, size_t len)
{
	memcpy(hc_name[i], name, MIN(len, (size_t)UNIK_FS_NAME_MAX));
	return virt_to_phys(hc_name[i]);
}

/* One entry call; *h and *attr (either may be NULL) receive the new handle and attributes. */
static int hc_fs_entry(unsigned nr, uint32_t dir, const char *name, size_t len, uint32_t mode,
		       uint32_t handle, uint32_t *h, struct unik_hc_fs_attr *attr)
{
	if (len > UNIK_FS_NAME_MAX)
		return -ENAMETOOLONG;
	hc_ent.dir = dir;
	hc_ent.handle = handle;
	hc_ent.name = hc_put_name(0, name, len);
	hc_ent.name_len = (uint32_t)len;
	hc_ent.mode = mode;
	hc_ent.ret = -EIO;
	hc_call(nr, &hc_ent);
	hc_ent.target = 0;
	hc_ent.target_len = 0;
	if (hc_ent.ret)
		return (int)hc_ent.ret;
	if (h)
		*h = hc_ent.handle;
	if (attr)
		*attr = hc_ent.attr;
	return 0;
}

int hc_fs_lookup(uint32_t dir, const char *name, size_t len, uint32_t *h,
		 struct unik_hc_fs_attr *attr)
{
	return hc_fs_entry(UNIK_HC_FS_LOOKUP, dir, name, len, 0, 0, h, attr);
}

int hc_fs_stat_name(uint32_t dir, const char *name, size_t len, struct unik_hc_fs_attr *attr)
{
	return hc_fs_entry(UNIK_HC_FS_LOOKUP, dir, name, len, UNIK_FS_LOOKUP_STAT, 0, NULL, attr);
}

int hc_fs_create(uint32_t dir, const char *name, size_t len, uint32_t mode, uint32_t *h,
		 struct unik_hc_fs_attr *attr)
{
	bool is_dir = (mode & 0170000) == 0040000;
	return hc_fs_entry(is_dir ? UNIK_HC_FS_MKDIR : UNIK_HC_FS_CREATE, dir, name, len, mode, 0, h,
			   attr);
}

int hc_fs_symlink(uint32_t dir, const char *name, size_t len, const char *target, uint32_t *h,
		  struct unik_hc_fs_attr *attr)
{
	size_t tl = strlen(target);
	if (tl >= UNIK_FS_PATH_MAX || tl >= PAGE_SIZE)
		return -ENAMETOOLONG;
	memcpy(hc_bounce, target, tl);
	hc_ent.target = virt_to_phys(hc_bounce);
	hc_ent.target_len = (uint32_t)tl;
	return hc_fs_entry(UNIK_HC_FS_SYMLINK, dir, name, len, 0, 0, h, attr);
}

int hc_fs_link(uint32_t h, uint32_t dir, const char *name, size_t len)
{
	return hc_fs_entry(UNIK_HC_FS_LINK, dir, name, len, 0, h, NULL, NULL);
}

int hc_fs_remove(uint32_t dir, const char *name, size_t len, bool is_dir)
{
	return hc_fs_entry(is_dir ? UNIK_HC_FS_RMDIR : UNIK_HC_FS_UNLINK, dir, name, len, 0, 0, NULL,
			   NULL);
}

int hc_fs_rename(uint32_t olddir, const char *oldname, size_t oldlen, uint32_t newdir,
		 const char *newname, size_t newlen, unsigned flags)
{
	if (oldlen > UNIK_FS_NAME_MAX || newlen > UNIK_FS_NAME_MAX)
		return -ENAMETOOLONG;
	hc_ren.olddir = olddir;
	hc_ren.newdir = newdir;
	hc_ren.oldname = hc_put_name(0, oldname, oldlen);
	hc_ren.newname = hc_put_name(1, newname, newlen);
	hc_ren.oldlen = (uint32_t)oldlen;
	hc_ren.newlen = (uint32_t)newlen;
	hc_ren.flags = flags;
	hc_ren.ret = -EIO;
	hc_call(UNIK_HC_FS_RENAME, &hc_ren);
	return (int)hc_ren.ret;
}

static int hc_fs_handle(unsigned nr, uint32_t h, uint32_t flags)
{
	hc_hnd.handle = h;
	hc_hnd.flags = flags;
	hc_hnd.ret = -EIO;
	hc_call(nr, &hc_hnd);
	return (int)hc_hnd.ret;
}

int hc_fs_getattr(uint32_t h, struct unik_hc_fs_attr *attr)
{
	int err = hc_fs_handle(UNIK_HC_FS_GETATTR, h, 0);
	if (!err)
		*attr = hc_hnd.attr;
	return err;
}

int hc_fs_fsync(uint32_t h, bool datasync)
{
	return hc_fs_handle(UNIK_HC_FS_FSYNC, h, datasync ? 1 : 0);
}

int hc_fs_sync_range(uint32_t h, uint64_t off, uint64_t nbytes, unsigned flags)
{
	static struct unik_hc_fs_sync_range s;
	s = (struct unik_hc_fs_sync_range){ .handle = h, .flags = flags, .offset = off,
					    .nbytes = nbytes, .ret = -EIO };
	hc_call(UNIK_HC_FS_SYNC_RANGE, &s);
	return (int)s.ret;
}

void hc_fs_close(uint32_t h)
{
	hc_fs_handle(UNIK_HC_FS_CLOSE, h, 0);
}

void hc_fs_close_writers(uint32_t h)
{
	hc_fs_handle(UNIK_HC_FS_CLOSE, h, UNIK_FS_CLOSE_WRITERS);
}

int hc_fs_setattr(const struct unik_hc_fs_setattr *in, struct unik_hc_fs_attr *attr)
{
	hc_set = *in;
	hc_set.ret = -EIO;
	hc_call(UNIK_HC_FS_SETATTR, &hc_set);
	*attr = hc_set.attr;    /* attributes after the call, even when a change failed */
	return (int)hc_set.ret;
}

static int64_t hc_fs_io(unsigned nr, uint32_t h, uint64_t pa, uint64_t len, uint64_t off)
{
	hc_fio.handle = h;
	hc_fio.buf = pa;
	hc_fio.len = len;
	hc_fio.off = off;
	hc_fio.ret = -EIO;
	hc_call(nr, &hc_fio);
	return hc_fio.ret;
}

int64_t hc_fs_read_phys(uint32_t h, uint64_t pa, size_t len, uint64_t off, uint64_t *size)
{
	size_t done = 0;
	while (done < len) {
		int64_t n = hc_fs_io(UNIK_HC_FS_READ, h, pa + done, MIN(len - done,
				     (size_t)UNIK_FS_IO_MAX), off + done);
		if (n < 0)
			return done ? (int64_t)done : n;
		if (size)
			*size = hc_fio.size;
		done += (size_t)n;
		if ((uint64_t)n < hc_fio.len)
			break;          /* the end of the file */
	}
	return (int64_t)done;
}

int64_t hc_fs_read(uint32_t h, void *buf, size_t len, uint64_t off, uint64_t *size)
{
	if (hc_direct(buf, len))
		return hc_fs_read_phys(h, virt_to_phys(buf), len, off, size);
	size_t done = 0;
	while (done < len) {
		size_t chunk = MIN(len - done, (size_t)PAGE_SIZE);
		int64_t n = hc_fs_read_phys(h, virt_to_phys(hc_bounce), chunk, off + done, size);
		if (n <= 0)
			return done ? (int64_t)done : n;
		memcpy((char *)buf + done, hc_bounce, (size_t)n);
		done += (size_t)n;
		if ((size_t)n < chunk)
			break;
	}
	return (int64_t)done;
}

int64_t hc_fs_write(uint32_t h, const void *buf, size_t len, uint64_t off, uint64_t *size)
{
	size_t done = 0;
	bool direct = hc_direct_src(buf, len);
	while (done < len) {
		size_t chunk = MIN(len - done, direct ? (size_t)UNIK_FS_IO_MAX : (size_t)PAGE_SIZE);
		uint64_t pa;
		if (direct) {
			pa = virt_to_phys((const char *)buf + done);
		} else {
			memcpy(hc_bounce, (const char *)buf + done, chunk);
			pa = virt_to_phys(hc_bounce);
		}
		int64_t n = hc_fs_io(UNIK_HC_FS_WRITE, h, pa, chunk, off + done);
		if (n < 0)
			return done ? (int64_t)done : n;
		if (size)
			*size = hc_fio.size;
		done += (size_t)n;
		if ((size_t)n < chunk)
			break;          /* short write (a full disk) */
	}
	return (int64_t)done;
}

int64_t hc_fs_readdir(uint32_t h, void *buf, size_t len, uint64_t cookie, uint64_t *next)
{
	if (!hc_direct(buf, len))
		return -EFAULT;
	int64_t n = hc_fs_io(UNIK_HC_FS_READDIR, h, virt_to_phys(buf), len, cookie);
	*next = hc_fio.next;
	return n;
}

int64_t hc_fs_readlink(uint32_t h, char *buf, size_t len)
{
	int64_t n = hc_fs_io(UNIK_HC_FS_READLINK, h, virt_to_phys(hc_bounce), MIN(len, PAGE_SIZE),
			     0);
	if (n > 0)
		memcpy(buf, hc_bounce, (size_t)MIN((uint64_t)n, len));
	return n;
}

int hc_fs_statfs(uint32_t h, struct unik_hc_fs_statfs *out)
{
	hc_sfs.handle = h;
	hc_sfs.ret = -EIO;
	hc_call(UNIK_HC_FS_STATFS, &hc_sfs);
	*out = hc_sfs;
	return (int)hc_sfs.ret;
}

/* One xattr call with name (NULL: none) and len bytes at buf, which the monitor reads (to_host)
   or fills. buf is used in place when it is contiguous, else through the bounce page. */
static int64_t hc_fs_xattr(unsigned nr, uint32_t h, const char *name, void *buf, size_t len,
			   unsigned flags, bool to_host)
{
	static struct unik_hc_fs_xattr x;
	size_t nl = name ? strlen(name) : 0;
	bool direct = len == 0 || (to_host ? hc_direct_src(buf, len) : hc_direct(buf, len));
	if (nl > UNIK_FS_NAME_MAX)
		return -ERANGE;
	if (!direct && len > PAGE_SIZE)
		return -EFAULT;
	if (!direct && to_host)
		memcpy(hc_bounce, buf, len);
	x.handle = h;
	x.flags = flags;
	x.name = name ? hc_put_name(0, name, nl) : 0;
	x.name_len = (uint32_t)nl;
	x.buf = len == 0 ? 0 : virt_to_phys(direct ? buf : hc_bounce);
	x.len = len;
	x.ret = -EIO;
	hc_call(nr, &x);
	if (!direct && !to_host && x.ret > 0)
		memcpy(buf, hc_bounce, (size_t)MIN((uint64_t)x.ret, len));
	return x.ret;
}

int64_t hc_fs_getxattr(uint32_t h, const char *name, void *buf, size_t len)
{
	return hc_fs_xattr(UNIK_HC_FS_GETXATTR, h, name, buf, len, 0, false);
}

int64_t hc_fs_listxattr(uint32_t h, char *buf, size_t len)
{
	return hc_fs_xattr(UNIK_HC_FS_LISTXATTR, h, NULL, buf, len, 0, false);
}

int hc_fs_setxattr(uint32_t h, const char *name, const void *value, size_t len, unsigned flags)
{
	return (int)hc_fs_xattr(UNIK_HC_FS_SETXATTR, h, name, (void *)value, len, flags, true);
}

int hc_fs_removexattr(uint32_t h, const char *name)
{
	return (int)hc_fs_xattr(UNIK_HC_FS_REMOVEXATTR, h, name, NULL, 0, 0, true);
}

int64_t hc_fs_watch(uint32_t h, uint32_t mask)
{
	static struct unik_hc_fs_watch w;
	w = (struct unik_hc_fs_watch){ .handle = h, .mask = mask, .ret = -EIO };
	hc_call(UNIK_HC_FS_WATCH, &w);
	return w.ret;
}

int64_t hc_fs_events(void *buf, size_t len)
{
	static struct unik_hc_fs_events ev;
	if (!hc_direct(buf, len))
		return -EFAULT;
	ev = (struct unik_hc_fs_events){ .buf = virt_to_phys(buf), .len = len, .ret = -EIO };
	hc_call(UNIK_HC_FS_EVENTS, &ev);
	return ev.ret;
}

int64_t hc_net_setup(struct unik_hc_net_setup *s)
{
	hc_call(UNIK_HC_NET_SETUP, s);
	return s->ret;
}

void hc_mem_ahead(void)
{
	__asm__ volatile("outl %0, %w1" : : "a"(0u),
			 "Nd"((uint16_t)(UNIK_HC_PORT_BASE + UNIK_HC_MEM_AHEAD)) : "memory");
}

void hc_net_kick(void)
{
	__asm__ volatile("outl %0, %w1" : : "a"(0u),
			 "Nd"((uint16_t)(UNIK_HC_PORT_BASE + UNIK_HC_NET_KICK)) : "memory");
}

int64_t hc_net_publish(uint32_t proto, uint16_t port, uint32_t families)
{
	static struct unik_hc_net_publish p;
	p.proto = proto;
	p.port = port;
	p.families = families;
	p._pad = 0;
	p.ret = -EIO;
	hc_call(UNIK_HC_NET_PUBLISH, &p);
	return p.ret;
}
