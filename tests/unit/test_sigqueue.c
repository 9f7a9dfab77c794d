/* Signal queues (kernel/sigqueue.c): a standard signal keeps its first siginfo, real-time ones
   queue every instance in order, the per-user count against the limit (EAGAIN, or pending
   without siginfo), SIGKILL without an entry, flushing, and a POSIX timer's own entry (queued
   once, dropped when re-armed or deleted). Every entry is freed and uncounted in the end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>
#include "k/kernel.h"
#include "k/signal.h"
#include "k/sigqueue.h"
#include "kstub.h"

#define UID 1000
#define RT 34
#define SI_QUEUE (-1)
#define SI_TKILL (-6)
#define SI_TIMER (-2)

static struct sigpending q;
static uint64_t live_at_start;

static int setup(void **state)
{
	q = (struct sigpending){ 0 };
	live_at_start = kstub_kmalloc_live();
	return 0;
}

static int teardown(void **state)
{
	sigqueue_flush(&q, ~0ull);
	assert_int_equal(q.set, 0);
	assert_int_equal(sigqueue_user_count(UID), 0);
	assert_int_equal(kstub_kmalloc_live(), live_at_start);
	return 0;
}

static struct siginfo_k info(int signo, int code, int value)
{
	struct siginfo_k si = { .signo = signo, .code = code };
	memcpy(si.rest, &value, sizeof(value));
	return si;
}

static int send(int signo, int code, int value, uint64_t limit)
{
	struct siginfo_k si = info(signo, code, value);
	return sigqueue_send(&q, signo, &si, UID, limit);
}

/* Takes signo and returns its value (si_int), checking the code. */
static int take(int signo, int code)
{
	struct siginfo_k si;
	assert_int_equal(sigqueue_collect(&q, signo, &si), SIGQUEUE_PLAIN);
	assert_int_equal(si.signo, signo);
	assert_int_equal(si.code, code);
	int value;
	memcpy(&value, si.rest, sizeof(value));
	return value;
}

static void test_standard_signal_keeps_the_first(void **state)
{
	assert_int_equal(send(SIGUSR1, SI_QUEUE, 1, 100), 1);
	assert_int_equal(send(SIGUSR1, SI_QUEUE, 2, 100), 0);
	assert_int_equal(sigqueue_user_count(UID), 1);
	assert_int_equal(take(SIGUSR1, SI_QUEUE), 1);
	assert_int_equal(q.set, 0);
	assert_int_equal(sigqueue_user_count(UID), 0);
}

static void test_realtime_instances_queue_in_order(void **state)
{
	for (int v = 1; v <= 3; v++)
		assert_int_equal(send(RT, SI_QUEUE, v, 100), 1);
	assert_int_equal(send(RT + 1, SI_QUEUE, 10, 100), 1);
	assert_int_equal(sigqueue_user_count(UID), 4);
	assert_int_equal(sigqueue_next(&q, ~0ull), RT);
	for (int v = 1; v <= 3; v++) {
		assert_true(q.set & (1ull << (RT - 1)));
		assert_int_equal(take(RT, SI_QUEUE), v);
	}
	assert_false(q.set & (1ull << (RT - 1)));
	assert_int_equal(sigqueue_next(&q, ~0ull), RT + 1);
	assert_int_equal(take(RT + 1, SI_QUEUE), 10);
}

static void test_synchronous_signals_first(void **state)
{
	send(SIGUSR1, SI_USER, 0, 100);
	send(SIGSEGV, SI_USER, 0, 100);
	send(SIGILL, SI_USER, 0, 100);
	assert_int_equal(sigqueue_next(&q, ~0ull), SIGILL);
	assert_int_equal(sigqueue_next(&q, ~(1ull << (SIGILL - 1))), SIGSEGV);
	assert_int_equal(sigqueue_next(&q, 1ull << (SIGUSR1 - 1)), SIGUSR1);
	assert_int_equal(sigqueue_next(&q, 1ull << (SIGUSR2 - 1)), 0);
}

static void test_limit(void **state)
{
	assert_int_equal(send(RT, SI_QUEUE, 1, 2), 1);
	assert_int_equal(send(RT, SI_QUEUE, 2, 2), 1);
	assert_int_equal(send(RT, SI_QUEUE, 3, 2), -EAGAIN);   /* sigqueue */
	assert_int_equal(send(RT, SI_TKILL, 3, 2), -EAGAIN);   /* tgkill */
	assert_int_equal(send(RT, SI_USER, 3, 2), 1);          /* kill: pending already */
	assert_int_equal(send(RT + 1, SI_USER, 4, 2), 1);      /* kill: pending, no siginfo */
	assert_int_equal(send(SIGUSR1, SI_USER, 5, 2), 1);     /* standard from kill: queued */
	assert_int_equal(send(SIGUSR2, SI_QUEUE, 6, 2), 1);    /* standard from sigqueue: no info */
	assert_int_equal(sigqueue_user_count(UID), 3);
	assert_int_equal(take(SIGUSR1, SI_USER), 5);
	assert_int_equal(take(SIGUSR2, SI_USER), 0);
	assert_int_equal(take(RT, SI_QUEUE), 1);
	assert_int_equal(take(RT, SI_QUEUE), 2);
	assert_int_equal(q.set, 1ull << (RT + 1 - 1));         /* the kill of RT is gone */
	assert_int_equal(take(RT + 1, SI_USER), 0);
	assert_int_equal(q.set, 0);
}

static void test_sigkill_takes_no_entry(void **state)
{
	assert_int_equal(send(SIGKILL, SI_USER, 7, 0), 1);
	assert_int_equal(sigqueue_user_count(UID), 0);
	assert_int_equal(take(SIGKILL, SI_USER), 0);
}

static void test_flush(void **state)
{
	send(RT, SI_QUEUE, 1, 100);
	send(SIGCONT, SI_USER, 2, 100);
	send(RT, SI_QUEUE, 3, 100);
	sigqueue_flush(&q, 1ull << (RT - 1));
	assert_int_equal(q.set, 1ull << (SIGCONT - 1));
	assert_int_equal(sigqueue_user_count(UID), 1);
	assert_int_equal(take(SIGCONT, SI_USER), 2);
}

static void test_timer_queued_once(void **state)
{
	struct sigqueue *e = sigqueue_timer_new(UID, 1);
	assert_non_null(e);
	assert_null(sigqueue_timer_new(UID, 1));                /* counted from creation */
	assert_int_equal(send(RT, SI_QUEUE, 1, 1), -EAGAIN);
	send(SIGUSR1, SI_USER, 0, 1);
	struct siginfo_k si = info(SIGUSR1, SI_TIMER, 9), out;
	assert_true(sigqueue_timer_send(&q, e, &si));           /* besides the kill's SIGUSR1 */
	assert_true(sigqueue_timer_queued(e));
	assert_false(sigqueue_timer_send(&q, e, &si));
	assert_false(sigqueue_timer_refresh(e));                /* an overrun */
	assert_int_equal(take(SIGUSR1, SI_USER), 0);
	assert_int_equal(sigqueue_collect(&q, SIGUSR1, &out), SIGQUEUE_TIMER);
	assert_int_equal(out.code, SI_TIMER);
	assert_false(sigqueue_timer_queued(e));
	assert_int_equal(sigqueue_user_count(UID), 1);          /* the timer still has it */
	sigqueue_timer_send(&q, e, &si);
	sigqueue_timer_rearmed(e);
	assert_int_equal(sigqueue_collect(&q, SIGUSR1, &out), SIGQUEUE_DROPPED);
	assert_int_equal(q.set, 0);
	sigqueue_timer_send(&q, e, &si);
	sigqueue_timer_rearmed(e);
	assert_true(sigqueue_timer_refresh(e));                 /* expired again: it stands */
	assert_int_equal(sigqueue_collect(&q, SIGUSR1, &out), SIGQUEUE_TIMER);
	sigqueue_timer_free(e);
	assert_int_equal(sigqueue_user_count(UID), 0);
}

static void test_deleted_timer_signal_dropped(void **state)
{
	struct sigqueue *e = sigqueue_timer_new(UID, 10), *f = sigqueue_timer_new(UID, 10);
	struct siginfo_k si = info(RT, SI_TIMER, 1), out;
	sigqueue_timer_send(&q, e, &si);
	sigqueue_timer_send(&q, f, &si);
	sigqueue_timer_free(e);
	sigqueue_timer_free(f);
	assert_int_equal(sigqueue_user_count(UID), 2);          /* until they leave the queue */
	assert_int_equal(sigqueue_collect(&q, RT, &out), SIGQUEUE_DROPPED);
	assert_int_equal(sigqueue_user_count(UID), 1);
	sigqueue_flush(&q, ~0ull);
	assert_int_equal(sigqueue_user_count(UID), 0);
}

int main(void)
{
	kstub_init(16);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_standard_signal_keeps_the_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_realtime_instances_queue_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_synchronous_signals_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigkill_takes_no_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_queued_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_timer_signal_dropped, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
