/* What kernel/seccomp.c (filters) and kernel/seccomp_notify.c (user notification) share: a
   filter, the data it sees, and the calls between the two. Private to them. */
#ifndef KERNEL_SECCOMP_FILTER_H
#define KERNEL_SECCOMP_FILTER_H
#include <stdint.h>
#include <stdbool.h>
#include "k/kernel.h"
#include "k/seccomp.h"

struct sock_filter {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

#define BPF_MAXINSNS 4096

/* What a filter reads: Linux's struct seccomp_data. */
struct seccomp_data {
	int32_t nr;
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t args[6];
};

struct seccomp_listener;

/* A filter: its program is immutable once attached; a task's list runs newest to oldest
   through prev and is shared by reference count with the tasks made after it was attached. */
#define INSNS_PER_PAGE (PAGE_SIZE / sizeof(struct sock_filter))
struct seccomp_filter {
	/* References: the tasks that have it as their newest filter, the newer filters whose
	   prev it is, and its listener's open file. */
	int refs;
	/* Linux's users: the same less the listener. At 0 no task can run it any more. */
	int users;
	uint32_t len;
	uint32_t cost;                  /* its length as Linux runs it (bpf_cost) */
	bool wait_killable;             /* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV */
	/* Its user-notification listener (SECCOMP_FILTER_FLAG_NEW_LISTENER) until that file is
	   closed; NULL: none, and SECCOMP_RET_USER_NOTIF fails the call with ENOSYS. */
	struct seccomp_listener *listener;
	struct seccomp_filter *prev;
	/* The instructions, INSNS_PER_PAGE to a page (a short filter: one heap block). */
	struct sock_filter *page[BPF_MAXINSNS / INSNS_PER_PAGE];
};

/* Drops a reference to f (and to the older filters it was the last to hold). */
void seccomp_filter_put(struct seccomp_filter *f);

/* SECCOMP_FILTER_FLAG_NEW_LISTENER: a listener for f (not yet attached) at a new close-on-exec
   fd, which holds a reference to f. The fd, or -EMFILE / -ENOMEM. */
int seccomp_listener_open(struct seccomp_filter *f);
/* SECCOMP_RET_USER_NOTIF from filter match for the current task's call d: queues a
   notification and waits for the listener's answer. SECCOMP_SKIP with *ret the call's result
   (-ENOSYS without a listener, -ERESTARTSYS when a signal ended the wait), or SECCOMP_GO when
   the answer says to run the call (SECCOMP_USER_NOTIF_FLAG_CONTINUE). */
enum seccomp_verdict seccomp_notify_wait(struct seccomp_filter *match,
					 const struct seccomp_data *d, int64_t *ret);
/* SECCOMP_GET_NOTIF_SIZES: the sizes of the notification structures, at usizes. 0 or -EFAULT. */
int64_t seccomp_notify_sizes(uint64_t usizes);
/* f's users dropped to 0: its listener's waiters see POLLHUP. */
void seccomp_listener_orphaned(struct seccomp_filter *f);
#endif
