/* Populating guest memory ahead of the guest. On kvm_pvm the first guest touch of a page the host
   has never backed costs 25-40 µs (a host page fault behind the hypervisor's shadow-MMU fault),
   while the host populating the same page itself costs about 3 µs and leaves the guest's touch
   cheap. The guest takes never-used memory from a rising frontier (boot info mem_bump); a thread
   here keeps the memory just above it populated (MADV_POPULATE_WRITE, which only faults pages in
   and never changes their content), on the host's other CPU while the guest runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "monitor/hc.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* The first MEM_AHEAD_STEP above the boot frontier is populated from the start, while the guest
   boots: a walk of a few thousand files instantiates about 2 MiB of inodes and dentries, and
   left unpopulated (as it was until the guest's first request, which such a program never
   made) `find /` over Debian minbase took 80 ms instead of 52. A short program is not slowed
   measurably: the thread runs on the host's other CPU. */
#define MEM_AHEAD_STEP (4ull << 20)     /* how far past the frontier a request reaches */
#define MEM_AHEAD_CHUNK (128ull << 10)  /* one madvise call (stopping waits for one) */

struct mem_ahead {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint8_t *base;                  /* guest memory [0, size) on the host */
	uint64_t start, size;           /* the guest's allocatable range */
	uint64_t done, want;            /* populated up to done; asked up to want */
	bool quit, started;
};

static void *mem_ahead_thread(void *arg)
{
	struct mem_ahead *m = arg;
	pthread_mutex_lock(&m->lock);
	while (!m->quit) {
		if (m->done >= m->want) {
			pthread_cond_wait(&m->cond, &m->lock);
			continue;
		}
		uint64_t from = m->done, to = m->want;
		if (to - from > MEM_AHEAD_CHUNK)
			to = from + MEM_AHEAD_CHUNK;
		pthread_mutex_unlock(&m->lock);
		int r = madvise(m->base + from, to - from, MADV_POPULATE_WRITE);
		pthread_mutex_lock(&m->lock);
		if (r && errno != EINTR && errno != EAGAIN) {
			m->want = m->done;      /* unsupported or out of host memory: stop trying */
			break;
		}
		if (!r && to > m->done)
			m->done = to;
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

/* Asks the thread (started with the VM) to reach want, bounded by guest memory;
   returns where it will be. Memory below the guest's frontier (from) has been touched by the
   guest already: the thread skips it. */
static uint64_t mem_ahead_ask(struct mem_ahead *m, uint64_t from, uint64_t want)
{
	pthread_mutex_lock(&m->lock);
	if (want > m->size)
		want = m->size;
	if (from > m->done && from <= want)
		m->done = from;
	if (!m->started && !m->quit) {
		m->started = !pthread_create(&m->thread, NULL, mem_ahead_thread, m);
		m->quit = !m->started;          /* no thread: the guest just runs slower */
	}
	if (want > m->want && m->started) {
		m->want = want;
		pthread_cond_signal(&m->cond);
	}
	want = m->want;
	pthread_mutex_unlock(&m->lock);
	return want;
}

struct mem_ahead *mem_ahead_start(void *base, uint64_t start, uint64_t size)
{
	struct mem_ahead *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->base = base;
	m->start = m->done = m->want = start;
	m->size = size;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	mem_ahead_ask(m, start, start + MEM_AHEAD_STEP);
	return m;
}

uint64_t mem_ahead_target(const struct mem_ahead *m)
{
	return m ? m->want : 0;
}

void mem_ahead_stop(struct mem_ahead *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->quit = true;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
	if (m->started)
		pthread_join(m->thread, NULL);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->cond);
	free(m);
}

/* UNIK_HC_MEM_AHEAD (argument 0): the frontier is read from the boot info, where the guest keeps
   it; a value outside the guest's memory is ignored (the request is only a hint). */
enum hc_result hc_mem_ahead(struct hc_ctx *ctx, unik_gpa_t arg)
{
	struct unik_boot_info *bi = gmem_ptr(&ctx->mem, UNIK_BOOT_INFO_GPA, sizeof(*bi));
	struct mem_ahead *m = ctx->mem_ahead;
	if (arg)
		return HC_BAD;
	if (!bi || !m)
		return HC_OK;
	uint64_t bump = __atomic_load_n(&bi->mem_bump, __ATOMIC_RELAXED);
	if (bump >= m->start && bump <= m->size)
		__atomic_store_n(&bi->mem_ahead, mem_ahead_ask(m, bump, bump + MEM_AHEAD_STEP),
				 __ATOMIC_RELEASE);
	return HC_OK;
}
