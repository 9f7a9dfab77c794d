/* Open file descriptions and per-process fd tables. Files are polymorphic through file_ops so the
   console now, and pipes, regular files and sockets later, plug in the same way. */
#ifndef VFS_FILE_H
#define VFS_FILE_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "unik/abi.h"

struct file;
struct stat;
struct mount;
struct dentry;
struct procfs_buf;

/* A place in the file tree: a dentry within a mount. */
struct path {
	struct mount *mnt;
	struct dentry *d;
};

/* Linux's poll bits. */
#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define POLLRDHUP 0x2000
#define POLL_DEFAULT_MASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

struct file_ops {
	/* Kernel-buffer I/O: return bytes done or -errno. */
	int64_t (*read)(struct file *f, void *buf, size_t len);
	int64_t (*write)(struct file *f, const void *buf, size_t len);
	/* arg is the program's untranslated argument (a user pointer for most requests). */
	int64_t (*ioctl)(struct file *f, unsigned long req, uint64_t arg);
	int (*stat)(struct file *f, struct stat *st);
	/* New offset for lseek, or -errno (NULL: -ESPIPE). */
	int64_t (*llseek)(struct file *f, int64_t off, int whence);
	void (*release)(struct file *f);
	/* Readiness as Linux's POLL* bits (NULL: always readable and writable, as Linux's default
	   for files without a poll method, and not watchable by epoll). The console is asked of the
	   host by sys_poll. */
	uint32_t (*poll)(struct file *f);
	/* When (monotonic ns) the file becomes ready by itself, as a timer does; -1 or NULL: never. */
	int64_t (*ready_at)(struct file *f);
	/* A counter that moves with every event on the file (data in, room made, a close or a
	   shutdown), for edge-triggered epoll: a ready file is reported again only once it has
	   moved. false (or NULL): not tracked, so EPOLLET works as level-triggered. */
	bool (*event_seq)(struct file *f, uint64_t *seq);
	/* Lines of its own for /proc/<pid>/fdinfo/<n> (inotify's watches); NULL: none. */
	void (*show_fdinfo)(struct file *f, struct procfs_buf *b);
	/* Files on Linux's anonymous inode: the name in "anon_inode:NAME" (/proc/PID/fd). */
	const char *anon_name;
	/* Takes O_ASYNC (vfs/fasync.c): its poll readiness becomes SIGIO for its owner. */
	bool fasync;
};

struct file {
	const struct file_ops *ops;
	int refs;
	unsigned flags;             /* O_* status flags */
	void *priv;
	struct path path;           /* files opened by name: where (references held) */
	uint64_t pos;               /* file offset, shared by dup'ed descriptors */
	uint64_t dir_pos;           /* getdents cookie */
	uint32_t watched;           /* epoll entries watching this file */
	bool no_close_event;        /* its open failed: fsnotify hears no close */
	int32_t sig;                /* F_SETSIG: the signal of dnotify's and O_ASYNC's reports
				   (0: SIGIO) */
	/* F_SETOWN/F_SETOWN_EX: who O_ASYNC signals (owner 0: nobody) */
	int owner, owner_type;      /* a pid, process group or thread id; F_OWNER_* */
	/* O_ASYNC (vfs/fasync.c): the fd it was set through (si_fd), the readiness and event count
	   last seen, the list of such files */
	int async_fd;
	uint32_t async_last;
	uint64_t async_seq;
	struct file *async_next;
};

#define F_OWNER_TID 0
#define F_OWNER_PID 1
#define F_OWNER_PGRP 2
/* O_ASYNC (vfs/fasync.c). fasync_set turns it on or off for f (set through fd), for a file
   whose type is fasync_capable (others ignore O_ASYNC, as Linux's). Once a file has it,
   file_changed calls file_async_check (what readiness changes call for) and file_put file_async_release
   (a closing file leaves the list). */
bool fasync_capable(const struct file *f);
void fasync_set(struct file *f, int fd, bool on);
/* Who O_ASYNC and SIGURG signal, as Linux's f_setown and f_getown. setown_ex: a thread,
   process or group (type F_OWNER_*) by id, 0 for nobody; EINVAL for another type, ESRCH for
   an id nobody has. setown: F_SETOWN's form, a process group as its negative. getown: the
   same form back. */
int fasync_setown_ex(struct file *f, int type, int pid);
int fasync_setown(struct file *f, int who);
int fasync_getown(const struct file *f);
/* Urgent data arrived on socket file f (Linux's sk_send_sigurg): SIGURG to its owner, if it has
   one, whether or not O_ASYNC is set; with O_ASYNC also SIGIO (or the F_SETSIG signal) for
   POLL_PRI. */
void fasync_urgent(struct file *f);
extern void (*file_async_check)(void);
extern void (*file_async_release)(struct file *f);

/* Called when a watched file's last reference goes (epoll drops its entries; set by epoll). */
extern void (*file_unwatch)(struct file *f);

/* fd tables. An fd's slot holds its file pointer with FD_CLOEXEC in bit 0, in pages of
   FD_PER_PAGE slots reached through directory pages (dir[fd >> 18][(fd >> 9) & 511]): made
   when an fd there is first used, so a process with a few fds costs two pages, and one with
   a million fds works. */
#define FD_NR_OPEN UNIK_NR_OPEN  /* fs.nr_open: the most fds a process may have */
#define FD_SOFT_LIMIT 1024      /* RLIMIT_NOFILE: Linux's and docker's soft limit */
#define FD_HARD_LIMIT 524288    /* and hard limit (systemd's, which docker passes on) */
#define FD_PER_PAGE 512
#define FD_DIRS (FD_NR_OPEN / FD_PER_PAGE / FD_PER_PAGE)
#define FD_CLOEXEC 1

struct fdtable {
	uintptr_t **dir[FD_DIRS];       /* directory pages of slot pages, or NULL */
	int users;              /* processes sharing it (CLONE_FILES); 0 counts as one */
	int free_from;          /* no free fd below this one */
	int max_fds;            /* Linux's table size: 64, doubled past the highest fd used (0:
				   64); no fd at or above it is open */
};

/* fork: a new table holding the same open files (NULL without memory). */
struct fdtable *fdtable_dup(const struct fdtable *t);
/* Drops a process's hold: the last one closes every fd and frees the table. */
void fdtable_put(struct fdtable *t);
/* execve: closes the fds marked FD_CLOEXEC. */
void fdtable_close_on_exec(struct fdtable *t);

/* The file at fd with a reference held, or NULL (EBADF). Drop it with file_put. */
struct file *fd_get(struct fdtable *t, int fd);
void file_put(struct file *f);
/* The file at fd without taking a reference (NULL if none), and its fd flags (FD_CLOEXEC). */
struct file *fd_file(const struct fdtable *t, int fd);
unsigned fd_flags(const struct fdtable *t, int fd);
/* Sets the flags of an open fd (nothing if fd is not open). */
void fd_set_flags(struct fdtable *t, int fd, unsigned fdflags);
/* The lowest open fd >= from, or -1. */
int fd_next(const struct fdtable *t, int from);
/* Linux's size of the table, as select clips its nfds and /proc's FDSize shows: 64, doubled
   until above the highest fd used. */
int fd_capacity(const struct fdtable *t);
/* The process's RLIMIT_NOFILE, as an fd bound (at most FD_NR_OPEN). */
int fd_rlimit(void);
/* Installs f at the lowest free fd >= min below fd_rlimit(); takes over the caller's
   reference. fd, -EMFILE, or -ENOMEM (no memory for the table). */
int fd_install(struct fdtable *t, struct file *f, int min, unsigned fdflags);
/* Installs f at fd (below FD_NR_OPEN), closing what was there (dup2); takes over the
   reference. 0 or -ENOMEM. */
int fd_install_at(struct fdtable *t, int fd, struct file *f, unsigned fdflags);
/* Closes fd. 0 or -EBADF. */
int fd_close(struct fdtable *t, int fd);

/* Anonymous-inode files (vfs/anon.c): their fstat, and a new one at the lowest free fd (its
   release method frees priv; on failure priv is freed here). fd or -errno. */
int anon_stat(struct file *f, struct stat *st);
int anon_fd_new(const struct file_ops *ops, void *priv, size_t priv_size, unsigned flags,
		bool cloexec);
/* The file alone, not yet at an fd (one reference); NULL without memory (priv is kept). */
struct file *anon_file_new(const struct file_ops *ops, void *priv, unsigned flags);

/* Waiting for files. Tasks blocked on a file (a pipe read, poll, epoll_wait...) wait on one
   channel; whatever may make a file ready (data into a pipe, a close, an eventfd write, a signal
   for a signalfd) calls file_changed and they look again. */
void file_changed(void);
/* Waits for file_changed, the deadline (monotonic ns, < 0: none) or a signal: WAIT_WOKEN,
   WAIT_TIMEOUT or -EINTR. what names the wait for --trace when nothing in the VM can end it. */
int file_wait(int64_t deadline, const char *what);
/* The same, also ended by the console (host fds 0-2) becoming ready for events (0: not
   wanted); revents tells what the console brought. */
int file_wait_console(const uint32_t events[3], uint32_t revents[3], int64_t deadline,
		      const char *what);
/* Returned by a write op of a blocking file that is full when the caller holds the data in a
   shared buffer: the caller waits (file_wait, with file_would_block's what) and copies again. */
#define EFILEWAIT 530
int64_t file_would_block(const char *what);
/* The console: host fds 0, 1, 2 through hypercalls. */
struct file *console_open(int hostfd);
/* Sends the console output collected so far to the host (see console.c). */
void console_flush(void);
/* The same, when the oldest byte has waited long enough; called at each system call. */
void console_flush_if_stale(void);
/* When (monotonic ns) the batched output is due to go out, or -1 when nothing waits. */
int64_t console_flush_due(void);
/* The terminal's foreground process group (`unik run -t`). */
int console_tty_pgrp(void);
/* Is f the console? Then *hostfd is the host fd it writes to. */
bool console_host_fd(struct file *f, int *hostfd);
/* The events the host has seen on one of its fds 0-2, both directions (moves with every edge;
   see console.c), as of the last POLL hypercall. */
uint64_t console_edges(int hostfd);
#endif
