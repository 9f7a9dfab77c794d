/* procfs, the /proc file system: Linux's proc(5) view of the processes and of the system. File
   contents are generated when the file is opened. procfs.c is the tree (the entry table, inodes,
   lookup, listing, the open files and their buffers); procfs_pid.c the per-process files;
   procfs_mem.c memory, maps, mounts and names of cached files; procfs_sys.c the system files. */
#ifndef VFS_PROCFS_H
#define VFS_PROCFS_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct inode;
struct proc;
struct path;
struct mount;
struct file;

/* A new procfs whose superblock has device number dev: its root inode, or NULL (no memory). */
struct inode *procfs_new(uint64_t dev);

/* ---- Internals shared by vfs/procfs*.c ---- */

/* Generated content: text in up to PROCFS_MAX_PAGES pages (2 MiB); what does not fit is dropped. */
#define PROCFS_MAX_PAGES 512
struct procfs_buf {
	uint64_t *pages;        /* guest-physical pages, allocated as the text grows */
	size_t len;
};
void procfs_write(struct procfs_buf *b, const void *data, size_t n);
void procfs_puts(struct procfs_buf *b, const char *s);
/* Formats into the buffer (ksnprintf); one call produces at most 511 bytes. */
void procfs_printf(struct procfs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends [uaddr, uaddr + n) of p's memory (through its address space). 0, -EFAULT, or -ESRCH
   for a process that has ended. */
int procfs_copy_user(struct procfs_buf *b, struct proc *p, uint64_t uaddr, uint64_t n);

/* What a procfs inode stands for. */
struct procfs_node {
	uint16_t ent;           /* index in the entry table (procfs.c) */
	int pid;                /* its process; 0 for system-wide entries */
	int tid;                /* nonzero under /proc/<pid>/task/<tid> */
	int fd;                 /* fd/<n> and fdinfo/<n>; -1 otherwise */
};

/* Generators: append the content to b. p is the node's process (NULL for system files).
   0 or -errno. */
typedef int procfs_show_fn(struct procfs_buf *b, struct proc *p, const struct procfs_node *n);
/* Symlink targets: the text (no NUL) into buf of size bytes; its length or -errno. */
typedef int64_t procfs_link_fn(struct proc *p, const struct procfs_node *n, char *buf, size_t size);

/* The processes. procfs_proc_next: the one with the smallest pid above after, or NULL (listing
   /proc). procfs_proc_find: the one with pid, or NULL. */
struct proc *procfs_proc_next(int after);
struct proc *procfs_proc_find(int pid);
/* The process an open /proc/<pid> directory stands for (as Linux's tgid_pidfd_to_pid: not a
   task/<tid> one), or -EBADF for any other inode. */
int procfs_dir_tgid(const struct inode *ino);

/* procfs_pid.c */
procfs_show_fn procfs_show_status, procfs_show_stat, procfs_show_statm, procfs_show_cmdline,
	procfs_show_environ, procfs_show_comm, procfs_show_limits, procfs_show_fdinfo,
	procfs_show_cgroup;
procfs_link_fn procfs_link_exe, procfs_link_cwd, procfs_link_root, procfs_link_fd;
/* Magic links (fd/N, cwd, root): the path itself, referenced. */
int procfs_get_link(struct proc *p, const struct procfs_node *n, struct path *out);
/* The link generator of a node's entry. */
procfs_link_fn *procfs_table_link(const struct procfs_node *n);
/* Writing /proc/<pid>/comm: names the process as prctl(PR_SET_NAME) does. */
int64_t procfs_write_comm(struct proc *p, const void *buf, size_t len);
/* The mode bits of the fd/<n> link: r-x for reading, -wx for writing, as Linux. */
uint32_t procfs_fd_mode(struct proc *p, const struct procfs_node *n);
/* The fd table and fs context node n shows: its thread's under /proc/<pid>/task/<tid> (a thread
   may have its own: clone without CLONE_FILES/CLONE_FS, unshare), else the process's. */
struct fdtable *procfs_files(struct proc *p, const struct procfs_node *n);
struct fs_context *procfs_fs(struct proc *p, const struct procfs_node *n);

/* procfs_mem.c */
struct procfs_mem {
	uint64_t size;          /* bytes mapped */
	uint64_t rss_anon, rss_file;    /* resident pages owned by the space / of files */
	uint64_t data, stack, exec;     /* bytes: private writable, stack, executable file maps */
	uint64_t start_code, end_code;  /* the program's text (lowest executable file mapping) */
	uint64_t start_data, end_data;  /* its data (the writable file mapping after the text) */
	struct inode *exe;      /* the file mapped there, or NULL */
};
void procfs_mem_stats(struct proc *p, struct procfs_mem *m);
procfs_show_fn procfs_show_maps, procfs_show_mounts, procfs_show_mountinfo;
/* A name of ino in the dentry cache, as seen from p's root, into buf: its length or -ENOENT. */
int64_t procfs_inode_path(struct proc *p, const struct inode *ino, char *buf, size_t size);
/* The path of a cached dentry as p sees it; " (deleted)" is added when its name was removed
   (the path is where it was). Its length, or -ENAMETOOLONG / -ERANGE. */
int64_t procfs_path_name(struct proc *p, const struct path *path, char *buf, size_t size);
/* The id of a mount in mountinfo (0 for none). */
int procfs_mount_id(const struct mount *m);

/* procfs_sys.c */
/* /proc/net (net/procnet.c, net/unix.c) */
procfs_show_fn procfs_show_net_dev, procfs_show_net_if_inet6, procfs_show_net_route,
	procfs_show_net_tcp, procfs_show_net_tcp6, procfs_show_net_udp, procfs_show_net_udp6,
	procfs_show_net_udplite, procfs_show_net_udplite6, procfs_show_net_unix;
procfs_show_fn procfs_show_sysvipc_shm, procfs_show_sysvipc_sem, procfs_show_sysvipc_msg,
	procfs_show_personality;
procfs_show_fn procfs_show_cpuinfo, procfs_show_meminfo, procfs_show_uptime, procfs_show_loadavg,
	procfs_show_stat_sys, procfs_show_version, procfs_show_filesystems, procfs_show_hostname,
	procfs_show_domainname,
	procfs_show_boot_id, procfs_show_uuid, procfs_show_file_max, procfs_show_nr_open,
	procfs_show_inotify_queued, procfs_show_inotify_instances, procfs_show_inotify_watches;
/* Clock ticks (USER_HZ, 100 a second) from boot to when the program started. */
uint64_t procfs_start_ticks(void);
#endif
