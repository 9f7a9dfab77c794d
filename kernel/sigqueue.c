/* Queued signal instances (Linux's struct sigqueue) and their count per real user, which
   RLIMIT_SIGPENDING bounds. kernel/signal.c decides where a signal goes; this file keeps the
   queues. */
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/signal.h"
#include "k/sigqueue.h"

#define SIGQUEUE_INFO 48        /* of the 128-byte siginfo, what Linux's kernel_siginfo keeps */
#define SQ_QUEUED 1             /* on a queue (a timer's entry lives on when it is not) */
#define SQ_TIMER 2              /* a POSIX timer's own entry */
#define SQ_STALE 4              /* its timer was re-armed or deleted since it was queued */
#define SQ_ORPHAN 8             /* its timer is deleted: freed when it leaves the queue */
/* Taken first (Linux's SYNCHRONOUS_MASK): SIGILL SIGTRAP SIGBUS SIGFPE SIGSEGV SIGSYS. */
#define SQ_SYNC ((1ull << 3) | (1ull << 4) | (1ull << 6) | (1ull << 7) | (1ull << 10) | (1ull << 30))

struct sigqueue {
	struct sigqueue *next;
	uint8_t info[SIGQUEUE_INFO];    /* starts with si_signo */
	uint32_t uid;                   /* whose count it is in */
	uint32_t flags;
};
_Static_assert(sizeof(struct sigqueue) == 64, "one 64-byte heap block");

/* ---- the count per real user ---- */

struct sigqueue_user {
	struct sigqueue_user *next;
	uint32_t uid;
	uint64_t count;
};
static struct sigqueue_user *sigqueue_users;

static struct sigqueue_user **sigqueue_user_find(uint32_t uid)
{
	struct sigqueue_user **u = &sigqueue_users;
	while (*u && (*u)->uid != uid)
		u = &(*u)->next;
	return u;
}

uint64_t sigqueue_user_count(uint32_t uid)
{
	struct sigqueue_user *u = *sigqueue_user_find(uid);
	return u ? u->count : 0;
}

/* Counts one more for uid unless that passes limit (override: counted past it). */
static bool sigqueue_charge(uint32_t uid, uint64_t limit, bool override)
{
	struct sigqueue_user **l = sigqueue_user_find(uid), *u = *l;
	uint64_t n = u ? u->count : 0;
	if (!override && n + 1 > limit)
		return false;
	if (!u) {
		if (!(u = kmalloc(sizeof(*u))))
			return false;
		u->uid = uid;
		*l = u;
	}
	u->count++;
	return true;
}

static void sigqueue_uncharge(uint32_t uid)
{
	struct sigqueue_user **l = sigqueue_user_find(uid), *u = *l;
	if (!u)
		return;
	if (--u->count == 0) {
		*l = u->next;
		kfree(u, sizeof(*u));
	}
}

/* A new entry counted for uid, or NULL past the limit or without memory. */
static struct sigqueue *sigqueue_alloc(uint32_t uid, uint64_t limit, bool override)
{
	if (!sigqueue_charge(uid, limit, override))
		return NULL;
	struct sigqueue *e = kmalloc(sizeof(*e));
	if (!e) {
		sigqueue_uncharge(uid);
		return NULL;
	}
	e->uid = uid;
	return e;
}

static void sigqueue_release(struct sigqueue *e)
{
	sigqueue_uncharge(e->uid);
	kfree(e, sizeof(*e));
}

/* ---- the queues ---- */

static uint64_t sigqueue_bit(int signo)
{
	return 1ull << (signo - 1);
}

static int sigqueue_signo(const struct sigqueue *e)
{
	int32_t signo;
	memcpy(&signo, e->info, sizeof(signo));
	return signo;
}

static void sigqueue_append(struct sigpending *q, struct sigqueue *e, const struct siginfo_k *si)
{
	memcpy(e->info, si, SIGQUEUE_INFO);
	e->next = NULL;
	e->flags |= SQ_QUEUED;
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
}

int sigqueue_send(struct sigpending *q, int signo, const struct siginfo_k *si, uint32_t uid,
		  uint64_t limit)
{
	uint64_t bit = sigqueue_bit(signo);
	bool rt = signo >= SIGQUEUE_RTMIN;
	if (!rt && (q->set & bit))
		return 0;
	struct sigqueue *e = NULL;
	if (signo != SIGKILL)
		e = sigqueue_alloc(uid, limit, !rt && si->code >= 0);
	if (e)
		sigqueue_append(q, e, si);
	else if (signo != SIGKILL && rt && si->code != SI_USER)
		return -EAGAIN;
	q->set |= bit;
	return 1;
}

int sigqueue_next(const struct sigpending *q, uint64_t mask)
{
	uint64_t ready = q->set & mask;
	if (!ready)
		return 0;
	if (ready & SQ_SYNC)
		ready &= SQ_SYNC;
	return __builtin_ctzll(ready) + 1;
}

/* Takes e, whose predecessor is prev (NULL: the head), off q. */
static void sigqueue_unlink(struct sigpending *q, struct sigqueue *prev, struct sigqueue *e)
{
	if (prev)
		prev->next = e->next;
	else
		q->head = e->next;
	if (q->tail == e)
		q->tail = prev;
	e->next = NULL;
	e->flags &= ~(uint32_t)SQ_QUEUED;
}

/* e has left its queue: an ordinary entry is freed, a timer's stays with its timer. */
static void sigqueue_done(struct sigqueue *e)
{
	if (!(e->flags & SQ_TIMER) || (e->flags & SQ_ORPHAN))
		sigqueue_release(e);
}

enum sigqueue_kind sigqueue_collect(struct sigpending *q, int signo, struct siginfo_k *si)
{
	struct sigqueue *prev = NULL, *e = q->head;
	while (e && sigqueue_signo(e) != signo) {
		prev = e;
		e = e->next;
	}
	bool more = false;
	for (struct sigqueue *n = e ? e->next : NULL; n && !more; n = n->next)
		more = sigqueue_signo(n) == signo;
	if (!more)
		q->set &= ~sigqueue_bit(signo);
	memset(si, 0, sizeof(*si));
	if (!e) {                       /* pending without its siginfo */
		si->signo = signo;
		si->code = SI_USER;
		return SIGQUEUE_PLAIN;
	}
	sigqueue_unlink(q, prev, e);
	memcpy(si, e->info, SIGQUEUE_INFO);
	enum sigqueue_kind kind = !(e->flags & SQ_TIMER) ? SIGQUEUE_PLAIN
				  : (e->flags & SQ_STALE) ? SIGQUEUE_DROPPED : SIGQUEUE_TIMER;
	sigqueue_done(e);
	return kind;
}

void sigqueue_flush(struct sigpending *q, uint64_t mask)
{
	if (!(q->set & mask))
		return;
	q->set &= ~mask;
	struct sigqueue *prev = NULL, *e = q->head;
	while (e) {
		struct sigqueue *next = e->next;
		if (mask & sigqueue_bit(sigqueue_signo(e))) {
			sigqueue_unlink(q, prev, e);
			sigqueue_done(e);
		} else {
			prev = e;
		}
		e = next;
	}
}

/* ---- a POSIX timer's own entry ---- */

struct sigqueue *sigqueue_timer_new(uint32_t uid, uint64_t limit)
{
	struct sigqueue *e = sigqueue_alloc(uid, limit, false);
	if (e)
		e->flags = SQ_TIMER;
	return e;
}

bool sigqueue_timer_queued(const struct sigqueue *e)
{
	return e->flags & SQ_QUEUED;
}

bool sigqueue_timer_send(struct sigpending *q, struct sigqueue *e, const struct siginfo_k *si)
{
	if (e->flags & SQ_QUEUED)
		return false;
	e->flags &= ~(uint32_t)SQ_STALE;
	sigqueue_append(q, e, si);
	q->set |= sigqueue_bit(si->signo);
	return true;
}

bool sigqueue_timer_refresh(struct sigqueue *e)
{
	if (!(e->flags & SQ_STALE))
		return false;
	e->flags &= ~(uint32_t)SQ_STALE;
	return true;
}

void sigqueue_timer_rearmed(struct sigqueue *e)
{
	if (e && (e->flags & SQ_QUEUED))
		e->flags |= SQ_STALE;
}

void sigqueue_timer_free(struct sigqueue *e)
{
	if (!e)
		return;
	if (e->flags & SQ_QUEUED)
		e->flags |= SQ_STALE | SQ_ORPHAN;
	else
		sigqueue_release(e);
}
