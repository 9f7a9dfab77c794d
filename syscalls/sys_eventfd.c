/* eventfd and eventfd2: a 64-bit counter behind a descriptor, on Linux's anonymous inode. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "k/uaccess.h"
#include "k/itimer.h"
#include "k/signal.h"
#include "vfs/vfs.h"
#include "build/gen/syscall_decls.h"

#define EFD_SEMAPHORE 1
#define EFD_NONBLOCK 04000
#define EFD_CLOEXEC 02000000
#define EVENTFD_MAX UINT64_C(0xfffffffffffffffe)

struct eventfd {
	uint64_t count;
	bool semaphore;
	uint64_t seq;           /* reads and writes so far (edge-triggered epoll) */
};

static int64_t eventfd_read(struct file *f, void *buf, size_t len)
{
	struct eventfd *e = f->priv;
	if (len < 8)
		return -EINVAL;
	while (!e->count) {
		if (f->flags & EFD_NONBLOCK)
			return -EAGAIN;
		/* Another task's write ends the wait; a signal interrupts it as on Linux. */
		if (file_wait(-1, "reading an eventfd") < 0)
			return -ERESTARTSYS;
	}
	uint64_t v = e->semaphore ? 1 : e->count;
	e->count -= v;
	e->seq++;
	memcpy(buf, &v, 8);
	file_changed();
	return 8;
}

static int64_t eventfd_write(struct file *f, const void *buf, size_t len)
{
	struct eventfd *e = f->priv;
	uint64_t v;
	if (len < 8)
		return -EINVAL;
	memcpy(&v, buf, 8);
	if (v == UINT64_MAX)
		return -EINVAL;
	if (v > EVENTFD_MAX - e->count) {
		if (f->flags & EFD_NONBLOCK)
			return -EAGAIN;
		return file_would_block("writing to an eventfd");
	}
	e->count += v;
	e->seq++;
	file_changed();
	return 8;
}

static uint32_t eventfd_poll(struct file *f)
{
	struct eventfd *e = f->priv;
	uint32_t mask = 0;
	if (e->count)
		mask |= POLLIN | POLLRDNORM;
	if (e->count < EVENTFD_MAX)
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

static bool eventfd_event_seq(struct file *f, uint64_t *seq)
{
	*seq = ((struct eventfd *)f->priv)->seq;
	return true;
}

static void eventfd_release(struct file *f)
{
	kfree(f->priv, sizeof(struct eventfd));
}

static const struct file_ops eventfd_ops = {
	.read = eventfd_read,
	.write = eventfd_write,
	.stat = anon_stat,
	.release = eventfd_release,
	.event_seq = eventfd_event_seq,
	.poll = eventfd_poll,
	.anon_name = "[eventfd]",
};

static int64_t eventfd_new(uint64_t initval, uint64_t flags)
{
	if (flags & ~(uint64_t)(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC))
		return -EINVAL;
	struct eventfd *e = kmalloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->count = (uint32_t)initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	return anon_fd_new(&eventfd_ops, e, sizeof(*e), 02 | (flags & EFD_NONBLOCK),  /* O_RDWR */
			   flags & EFD_CLOEXEC);
}

int64_t sys_eventfd(uint64_t initval, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		    uint64_t a5)
{
	return eventfd_new(initval, 0);
}

int64_t sys_eventfd2(uint64_t initval, uint64_t flags, uint64_t a2, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	return eventfd_new(initval, flags);
}
