/* Advisory file locks, enforced between open files, threads and processes as Linux does: flock
   locks (owned by an open file description), POSIX record locks (owned by a process's fd table,
   dropped when any of its fds for the file closes) and OFD record locks (owned by an open file
   description, in the same space as POSIX locks). */
#ifndef VFS_LOCKS_H
#define VFS_LOCKS_H
#include <stdint.h>
#include <stdbool.h>

struct file;
struct fdtable;

#define LOCK_RD 0               /* F_RDLCK, LOCK_SH */
#define LOCK_WR 1               /* F_WRLCK, LOCK_EX */
#define LOCK_NONE 2             /* F_UNLCK, LOCK_UN */
#define LOCK_END_MAX INT64_MAX  /* a range "to the end of the file, however far" */

/* One record-lock request or answer: [start, end] inclusive. */
struct lock_range {
	int type;               /* LOCK_RD, LOCK_WR, LOCK_NONE */
	int64_t start, end;
	int pid;                /* the holder (F_GETLK); -1 for an OFD lock */
};

/* flock(2) on f: type LOCK_RD/LOCK_WR takes (or converts) f's lock, LOCK_NONE drops it. With
   wait, waits for conflicting locks to go: 0, -EWOULDBLOCK, -ERESTARTSYS, -ENOLCK. */
int locks_flock(struct file *f, int type, bool wait);
/* F_SETLK/F_SETLKW (ofd false; owner is the caller's fd table, pid its process) and the OFD
   variants (owner f). 0, -EAGAIN, -EDEADLK, -ERESTARTSYS, -ENOLCK. */
int locks_record_set(struct file *f, bool ofd, const void *owner, int pid,
		     const struct lock_range *r, bool wait);
/* F_GETLK: the first lock that would conflict with r, or r->type LOCK_NONE. */
void locks_record_get(struct file *f, bool ofd, const void *owner, struct lock_range *r);
/* An fd of table t for f is being closed: t's POSIX locks on the file go. */
void locks_fd_closed(struct fdtable *t, struct file *f);
/* f's last reference is going: its flock and OFD locks go. */
void locks_file_closed(struct file *f);
#endif
