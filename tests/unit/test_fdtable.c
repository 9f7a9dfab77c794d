/* fd tables (vfs/file.c): lowest free fd at or above min, EBADF, EMFILE at RLIMIT_NOFILE, fds far
   beyond the first pages (up to fs.nr_open), Linux's table size, fork's copy, and file
   references: a file is released exactly once, when its last reference goes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>
#include "k/kernel.h"
#include "k/kheap.h"
#include "k/proc.h"
#include "vfs/file.h"
#include "kstub.h"

/* No inotify watches in these tests: file_put's close hook never runs. */
unsigned fsnotify_marks;
void fsnotify_close_(struct file *f) { fail(); }
void dnotify_flush_(struct fdtable *t, struct file *f) { fail(); }

static int releases;
static struct file *released_last;

static void count_release(struct file *f)
{
	releases++;
	released_last = f;
	assert_int_equal(f->refs, 0);
}

static const struct file_ops counted_ops = { .release = count_release };
static const struct file_ops plain_ops = { 0 };

static struct file *file_new(const struct file_ops *ops)
{
	struct file *f = kmalloc(sizeof(*f));
	assert_non_null(f);
	f->ops = ops;
	f->refs = 1;
	return f;
}

#define LIMIT 1024              /* the RLIMIT_NOFILE of the tests' process */

static struct fdtable *table;
static struct proc test_proc;

static int setup(void **state)
{
	kstub_init(64);
	static struct fdtable empty;
	table = fdtable_dup(&empty);
	test_proc.rlim[7].cur = LIMIT;
	current = &test_proc;
	releases = 0;
	released_last = NULL;
	return table ? 0 : -1;
}

static int teardown(void **state)
{
	fdtable_put(table);     /* closes what is left and frees its pages */
	assert_int_equal(kstub_pages_in_use(), 0);
	current = NULL;
	return 0;
}

static void test_install_takes_the_lowest_free_fd(void **state)
{
	struct file *f[8];
	for (int i = 0; i < 8; i++)
		f[i] = file_new(&counted_ops);
	assert_int_equal(fd_install(table, f[0], 0, 0), 0);
	assert_int_equal(fd_install(table, f[1], 0, FD_CLOEXEC), 1);
	assert_int_equal(fd_install(table, f[2], 0, 0), 2);
	assert_ptr_equal(fd_file(table, 1), f[1]);
	assert_int_equal(fd_flags(table, 1), FD_CLOEXEC);
	assert_int_equal(fd_close(table, 1), 0);
	assert_null(fd_file(table, 1));
	assert_int_equal(fd_flags(table, 1), 0);        /* flags go with the fd */
	assert_int_equal(fd_install(table, f[3], 0, 0), 1);
	assert_int_equal(fd_flags(table, 1), 0);
	assert_int_equal(fd_install(table, f[4], 5, 0), 5);    /* F_DUPFD-style minimum */
	assert_int_equal(fd_install(table, f[5], 5, 0), 6);
	assert_int_equal(fd_install(table, f[6], 1, 0), 3);    /* 1 and 2 are taken */
	assert_int_equal(fd_install(table, f[7], LIMIT - 1, 0), LIMIT - 1);
	assert_ptr_equal(fd_file(table, 3), f[6]);
	assert_null(fd_file(table, 4));
	assert_int_equal(releases, 1);                  /* only the one closed */
	assert_ptr_equal(released_last, f[1]);
}

static void test_close_of_a_bad_fd_is_ebadf(void **state)
{
	struct file *f = file_new(&counted_ops);
	assert_int_equal(fd_close(table, 0), -EBADF);
	assert_int_equal(fd_close(table, -1), -EBADF);
	assert_int_equal(fd_close(table, LIMIT), -EBADF);
	assert_int_equal(fd_close(table, FD_NR_OPEN), -EBADF);
	assert_int_equal(fd_close(table, 1 << 30), -EBADF);
	assert_int_equal(fd_install(table, f, 4, 0), 4);
	assert_int_equal(fd_close(table, 3), -EBADF);
	assert_int_equal(fd_close(table, 4), 0);
	assert_int_equal(fd_close(table, 4), -EBADF);   /* twice */
	assert_int_equal(releases, 1);
}

static void test_references_release_once(void **state)
{
	struct file *f = file_new(&counted_ops);
	assert_int_equal(fd_install(table, f, 0, 0), 0);
	assert_int_equal(f->refs, 1);
	struct file *g = fd_get(table, 0);
	assert_ptr_equal(g, f);
	assert_int_equal(f->refs, 2);
	assert_null(fd_get(table, 1));
	assert_null(fd_get(table, -1));
	assert_null(fd_get(table, LIMIT));
	assert_null(fd_get(table, FD_NR_OPEN));
	assert_int_equal(f->refs, 2);
	/* close while a system call still holds it: released at the last put */
	assert_int_equal(fd_close(table, 0), 0);
	assert_null(fd_get(table, 0));
	assert_int_equal(releases, 0);
	assert_int_equal(f->refs, 1);
	uint64_t live = kstub_kmalloc_live();
	file_put(g);
	assert_int_equal(releases, 1);
	assert_ptr_equal(released_last, f);
	assert_int_equal(kstub_kmalloc_live(), live - 1);      /* and freed */
	/* one file on two fds (dup) */
	f = file_new(&counted_ops);
	assert_int_equal(fd_install(table, f, 0, 0), 0);
	f->refs++;
	assert_int_equal(fd_install(table, f, 0, 0), 1);
	assert_int_equal(fd_close(table, 0), 0);
	assert_int_equal(releases, 1);
	g = fd_get(table, 1);
	assert_ptr_equal(g, f);
	file_put(g);
	assert_int_equal(releases, 1);
	assert_int_equal(fd_close(table, 1), 0);
	assert_int_equal(releases, 2);
	/* a file without a release hook is just freed */
	live = kstub_kmalloc_live();
	assert_int_equal(fd_install(table, file_new(&plain_ops), 0, 0), 0);
	assert_int_equal(fd_close(table, 0), 0);
	assert_int_equal(kstub_kmalloc_live(), live);
	assert_int_equal(releases, 2);
}

static void test_a_full_table_is_emfile(void **state)
{
	for (int fd = 0; fd < LIMIT; fd++)
		assert_int_equal(fd_install(table, file_new(&counted_ops), 0, 0), fd);
	struct file *extra = file_new(&counted_ops);
	assert_int_equal(fd_install(table, extra, 0, 0), -EMFILE);
	assert_int_equal(fd_install(table, extra, LIMIT - 1, 0), -EMFILE);
	assert_int_equal(fd_install(table, extra, LIMIT, 0), -EMFILE);
	assert_int_equal(extra->refs, 1);               /* the caller keeps its reference */
	assert_int_equal(releases, 0);
	assert_int_equal(fd_close(table, 500), 0);
	assert_int_equal(fd_install(table, extra, 0, 0), 500);
	assert_int_equal(fd_install(table, extra, 501, 0), -EMFILE);
	for (int fd = 0; fd < LIMIT; fd++)
		assert_int_equal(fd_close(table, fd), 0);
	assert_int_equal(releases, LIMIT + 1);
	assert_null(fd_get(table, LIMIT - 1));
}

/* exec closes the close-on-exec fds; the last holder of a table closes the rest. */
static void test_exec_and_put_close(void **state)
{
	for (int fd = 0; fd < 3; fd++)
		assert_int_equal(fd_install(table, file_new(&counted_ops), 0, fd == 1), fd);
	fdtable_close_on_exec(table);
	assert_int_equal(releases, 1);
	assert_null(fd_file(table, 1));
	table->users = 2;               /* shared (CLONE_FILES) */
	fdtable_put(table);
	assert_int_equal(releases, 1);
	fdtable_put(table);
	assert_int_equal(releases, 3);
	static struct fdtable empty;
	table = fdtable_dup(&empty);    /* for the teardown */
	assert_non_null(table);
}

/* With RLIMIT_NOFILE at fs.nr_open, fds anywhere below it: pages are made where fds are,
   fd_next skips the empty stretches, the size follows Linux's, fork copies, exec's close. */
static void test_fds_far_apart(void **state)
{
	test_proc.rlim[7].cur = FD_NR_OPEN;
	assert_int_equal(fd_capacity(table), 64);
	static const int at[] = { 0, 63, 64, 700, 262143, 262144, FD_NR_OPEN - 1 };
	for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		assert_int_equal(fd_install(table, file_new(&counted_ops), at[i], i & 1), at[i]);
		if (at[i] == 64)
			assert_int_equal(fd_capacity(table), 128);
	}
	assert_int_equal(fd_capacity(table), FD_NR_OPEN);
	struct file *extra = file_new(&counted_ops);
	assert_int_equal(fd_install(table, extra, FD_NR_OPEN - 1, 0), -EMFILE);
	file_put(extra);                /* still the test's: released here */
	assert_int_equal(releases, 1);
	int n = 0;
	for (int fd = fd_next(table, 0); fd >= 0; fd = fd_next(table, fd + 1))
		assert_int_equal(fd, at[n++]);
	assert_int_equal(n, 7);
	assert_int_equal(fd_next(table, 701), 262143);
	assert_int_equal(fd_install(table, file_new(&counted_ops), 1, 0), 1);  /* lowest free */
	assert_int_equal(fd_install_at(table, 5000, file_new(&counted_ops), FD_CLOEXEC), 0);
	assert_int_equal(fd_flags(table, 5000), FD_CLOEXEC);
	fd_set_flags(table, 5000, 0);
	assert_int_equal(fd_flags(table, 5000), 0);
	struct fdtable *copy = fdtable_dup(table);
	assert_non_null(copy);
	for (int fd = fd_next(table, 0); fd >= 0; fd = fd_next(table, fd + 1)) {
		assert_ptr_equal(fd_file(copy, fd), fd_file(table, fd));
		assert_int_equal(fd_flags(copy, fd), fd_flags(table, fd));
		assert_int_equal(fd_file(table, fd)->refs, 2);
	}
	assert_int_equal(fd_capacity(copy), FD_NR_OPEN);
	fdtable_close_on_exec(copy);    /* 63, 700 and 262144 are close-on-exec */
	assert_null(fd_file(copy, 63));
	assert_null(fd_file(copy, 700));
	assert_null(fd_file(copy, 262144));
	assert_non_null(fd_file(copy, 262143));
	assert_non_null(fd_file(copy, FD_NR_OPEN - 1));
	assert_non_null(fd_file(copy, 5000));
	fdtable_put(copy);
	assert_int_equal(releases, 1);  /* the table still holds every file */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_install_takes_the_lowest_free_fd, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_close_of_a_bad_fd_is_ebadf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_references_release_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_full_table_is_emfile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_and_put_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fds_far_apart, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
