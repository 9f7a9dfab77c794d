/* fd tables (vfs/file.c): lowest free fd at or above min, EBADF, EMFILE at FD_MAX, and file
   references: a file is released exactly once, when its last reference goes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>
#include "k/kernel.h"
#include "k/kheap.h"
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

static struct fdtable *table;

static int setup(void **state)
{
	kstub_init(16);
	table = calloc(1, sizeof(*table));
	releases = 0;
	released_last = NULL;
	return table ? 0 : -1;
}

static int teardown(void **state)
{
	for (int fd = 0; fd < FD_MAX; fd++)
		if (table->fd[fd])
			fd_close(table, fd);
	free(table);
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
	assert_ptr_equal(table->fd[1], f[1]);
	assert_int_equal(table->fdflags[1], FD_CLOEXEC);
	assert_int_equal(fd_close(table, 1), 0);
	assert_null(table->fd[1]);
	assert_int_equal(table->fdflags[1], 0);         /* flags go with the fd */
	assert_int_equal(fd_install(table, f[3], 0, 0), 1);
	assert_int_equal(table->fdflags[1], 0);
	assert_int_equal(fd_install(table, f[4], 5, 0), 5);    /* F_DUPFD-style minimum */
	assert_int_equal(fd_install(table, f[5], 5, 0), 6);
	assert_int_equal(fd_install(table, f[6], 1, 0), 3);    /* 1 and 2 are taken */
	assert_int_equal(fd_install(table, f[7], FD_MAX - 1, 0), FD_MAX - 1);
	assert_ptr_equal(table->fd[3], f[6]);
	assert_null(table->fd[4]);
	assert_int_equal(releases, 1);                  /* only the one closed */
	assert_ptr_equal(released_last, f[1]);
}

static void test_close_of_a_bad_fd_is_ebadf(void **state)
{
	struct file *f = file_new(&counted_ops);
	assert_int_equal(fd_close(table, 0), -EBADF);
	assert_int_equal(fd_close(table, -1), -EBADF);
	assert_int_equal(fd_close(table, FD_MAX), -EBADF);
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
	assert_null(fd_get(table, FD_MAX));
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
	for (int fd = 0; fd < FD_MAX; fd++)
		assert_int_equal(fd_install(table, file_new(&counted_ops), 0, 0), fd);
	struct file *extra = file_new(&counted_ops);
	assert_int_equal(fd_install(table, extra, 0, 0), -EMFILE);
	assert_int_equal(fd_install(table, extra, FD_MAX - 1, 0), -EMFILE);
	assert_int_equal(fd_install(table, extra, FD_MAX, 0), -EMFILE);
	assert_int_equal(extra->refs, 1);               /* the caller keeps its reference */
	assert_int_equal(releases, 0);
	assert_int_equal(fd_close(table, 500), 0);
	assert_int_equal(fd_install(table, extra, 0, 0), 500);
	assert_int_equal(fd_install(table, extra, 501, 0), -EMFILE);
	for (int fd = 0; fd < FD_MAX; fd++)
		assert_int_equal(fd_close(table, fd), 0);
	assert_int_equal(releases, FD_MAX + 1);
	assert_null(fd_get(table, FD_MAX - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_install_takes_the_lowest_free_fd, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_close_of_a_bad_fd_is_ebadf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_references_release_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_full_table_is_emfile, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
