/* Pseudo-terminals: pairs made by opening /dev/ptmx (vfs/pty.c: the pair, its files, the
   controlling terminal; vfs/pty_ioctl.c: its ioctls; vfs/pty_ldisc.c: the line discipline) and
   the devpts filesystem on /dev/pts that names their slaves (vfs/devpts.c). */
#ifndef VFS_PTY_H
#define VFS_PTY_H
#include <stdint.h>
#include <stdbool.h>
#include "vfs/pty_ldisc.h"

struct file;
struct inode;
struct path;
struct fs_context;

/* One pair. Its index stays taken until both sides are closed; its name /dev/pts/N goes when
   the master closes, as on Linux. */
struct pty {
	struct ldisc ld;                /* the slave's settings and both directions' queues */
	unsigned index;                 /* N in /dev/pts/N */
	int refs;                       /* open files of either side */
	int slaves;                     /* open slave files */
	bool master_open;
	bool locked;                    /* TIOCSPTLCK: the slave cannot be opened (EIO) */
	bool slave_closed;              /* the slave was opened and is closed now: master reads EIO */
	bool hungup;                    /* the master has closed: slave reads end (0), writes EIO */
	bool exclusive;                 /* TIOCEXCL */
	bool packet;                    /* TIOCPKT on the master */
	uint8_t pktstatus;              /* TIOCPKT_* waiting for the master's reader */
	int session, pgrp;              /* the session it is the controlling terminal of, and its
					   foreground group; 0: none */
	uint16_t winsize[4];            /* struct winsize: rows, columns, pixels */
	struct inode *node;             /* /dev/pts/N */
	uint64_t events;                /* changes of state (opens, closes, settings, flushes,
					   packet status), for edge-triggered epoll with the
					   queues' counters */
	uint64_t input_ns;              /* when input last came (the VTIME inter-byte timer) */
	struct pty *next;
};

/* vfs/pty.c */
/* Opening /dev/ptmx (5:2): a new pair whose master f becomes. 0 or -errno (-ENOSPC: no index). */
int pty_open_master(struct file *f);
/* Opening the slave node: -EIO when the pair is locked or its master gone. noctty: O_NOCTTY
   (otherwise a session leader without a terminal acquires this one, as on Linux). */
int pty_open_slave(struct pty *p, struct file *f, bool noctty);
/* Opening /dev/tty (5:0) in a session a pty controls: its slave; -ENXIO when none does. */
int pty_open_ctty(struct file *f);
/* The leader of session sid has exited: its controlling terminal sends SIGHUP to its foreground
   group and leaves the session, as Linux's disassociate_ctty. */
void pty_session_exit(int sid);
/* Has session sid a controlling terminal: a pty, or the console (session 1 under -t)? */
bool pty_controls(int sid);
/* The node of the pair with index n while it is named (its master open), or NULL. */
struct inode *pty_node(unsigned n);
/* The smallest index >= *n with a named pair (into *n); false when there is none. */
bool pty_next_named(unsigned *n);
/* Marks a change of p's state (not data moving: the queues count that) and wakes its readers,
   writers and pollers on both sides. */
void pty_changed(struct pty *p);
/* Makes p the controlling terminal of current's session (TIOCSCTTY, open). */
void pty_set_ctty(struct pty *p);
/* The controlling terminal of session sid as /proc/PID/stat's tty_nr (0: none), and its
   foreground group into *fg (-1: none). */
uint32_t pty_session_tty(int sid, int *fg);
/* Is p the controlling terminal of current's session? */
bool pty_is_ctty(const struct pty *p);
/* Job control for an access to p by current (read: SIGTTIN; write or settings: SIGTTOU). */
int pty_job_control(struct pty *p, int sig);
/* TIOCNOTTY by a session leader: SIGHUP and SIGCONT to the foreground group, then the
   terminal leaves the session. */
void pty_disassociate(struct pty *p);

/* vfs/pty_ioctl.c: the ioctls of either side. */
int64_t pty_ioctl(struct file *f, struct pty *p, bool master, unsigned long req, uint64_t arg);

/* vfs/devpts.c */
/* Makes the devpts root, its ptmx node and, when the host's console is a terminal, the node "0"
   that stands for it. Called while /dev is built; 0 or -ENOMEM. */
int devpts_init(void);
/* Mounts devpts on /dev/pts (after the boot file tree exists). 0 or -errno. */
int devpts_mount(const struct fs_context *fs);
/* The console's node /dev/pts/0 (NULL when the console is no terminal). */
const struct inode *devpts_console(void);
/* A new slave node for pair p with index n, owned by the opener (fsuid) and group tty (5). */
struct inode *devpts_new_node(struct pty *p, unsigned n);
/* Opening a character node: a devpts slave node opens its pair's slave (-EIO when the pair is
   gone); -ENODEV for any other node. */
int devpts_open_slave(struct inode *ino, struct file *f, bool noctty);
/* The path of a slave node through the devpts mount (TIOCGPTPEER), referenced. */
int devpts_node_path(struct inode *node, struct path *out);
/* Is ino one of devpts's? (st_blksize of its files is 1024, as on Linux) */
bool devpts_owns(const struct inode *ino);
#endif
