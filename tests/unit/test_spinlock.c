/* The core's spin locks (kernel/include/k/spinlock.h) on host threads standing in for CPUs:
   mutual exclusion under contention (a counter updated non-atomically by every thread stays
   exact), FIFO hand-over (tickets served in the order drawn), the holder recorded and cleared,
   and a lock taken again by the CPU that holds it reported rather than spun on forever. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <cmocka.h>
#include "k/spinlock.h"

#define THREADS 3
#define ROUNDS 20000

static _Thread_local int cpu_id;
static jmp_buf recursed;
static const spinlock_t *recursed_lock;

int spin_cpu_id(void)
{
	return cpu_id;
}

void spin_recursion(const spinlock_t *l)
{
	recursed_lock = l;
	longjmp(recursed, 1);
}

static spinlock_t lock = SPINLOCK_INIT("test");
static volatile uint64_t counter;
static int order[THREADS * 4], norder;

static void *hammer(void *arg)
{
	cpu_id = (int)(intptr_t)arg;
	for (int i = 0; i < ROUNDS; i++) {
		spin_lock(&lock);
		uint64_t v = counter;   /* a read-modify-write only the lock keeps whole */
		__asm__ volatile("" ::: "memory");
		counter = v + 1;
		spin_unlock(&lock);
	}
	return NULL;
}

static void test_mutual_exclusion(void **state)
{
	(void)state;
	pthread_t t[THREADS];
	counter = 0;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, (void *)(intptr_t)(i + 1)), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(counter, (uint64_t)THREADS * ROUNDS);
	assert_int_equal(lock.holder, -1);
	assert_int_equal(lock.next, lock.serving);
}

/* The main thread holds the lock (ticket 0) while the waiters queue up in id order (waiter i
   draws ticket i once i tickets are out); the lock must serve them in that order. */
static spinlock_t fifo = SPINLOCK_INIT("fifo");

static void *queue_up(void *arg)
{
	cpu_id = (int)(intptr_t)arg;
	while (__atomic_load_n(&fifo.next, __ATOMIC_ACQUIRE) != (uint32_t)cpu_id)
		;
	spin_lock(&fifo);
	order[norder++] = cpu_id;
	spin_unlock(&fifo);
	return NULL;
}

static void test_fifo(void **state)
{
	(void)state;
	cpu_id = 0;
	norder = 0;
	spin_lock(&fifo);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, queue_up, (void *)(intptr_t)(i + 1)), 0);
	while (__atomic_load_n(&fifo.next, __ATOMIC_ACQUIRE) != 1 + THREADS)
		;               /* every waiter has drawn its ticket */
	spin_unlock(&fifo);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(norder, THREADS);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(order[i], i + 1);
}

static void test_holder_and_recursion(void **state)
{
	(void)state;
	spinlock_t l = SPINLOCK_INIT("again");
	cpu_id = 7;
	assert_false(spin_held_here(&l));
	spin_lock(&l);
	assert_int_equal(l.holder, 7);
	assert_true(spin_held_here(&l));
	recursed_lock = NULL;
	if (!setjmp(recursed)) {
		spin_lock(&l);
		fail_msg("a second spin_lock by the holding CPU returned");
	}
	assert_ptr_equal(recursed_lock, &l);
	assert_int_equal(l.next, 1);    /* no ticket drawn by the refused attempt */
	spin_unlock(&l);
	assert_int_equal(l.holder, -1);
	assert_false(spin_held_here(&l));
	spin_lock(&l);                  /* and it can be taken again */
	spin_unlock(&l);
	assert_int_equal(l.serving, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutual_exclusion),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_holder_and_recursion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
