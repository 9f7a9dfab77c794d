/* Unit tests of the runtime's container record (cli/runtime_state.c): ids, the state file's round
   trip, the status from the monitor's liveness and the start FIFO, the runtime spec's state JSON,
   and errors written to --log as JSON. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <cmocka.h>
#include <jansson.h>
#include "cli/runtime.h"

static char root[64];

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/unik-state-test.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static void make_dir(const struct rt_opts *o, const char *id)
{
	char dir[4200];
	assert_true(rt_state_dir(o, id, dir, sizeof(dir)));
	assert_int_equal(mkdir(dir, 0711), 0);
}

static void test_ids(void **state)
{
	assert_true(rt_id_valid("abc"));
	assert_true(rt_id_valid("0812e1486bbc_x+y.z-1"));
	assert_false(rt_id_valid(""));
	assert_false(rt_id_valid("."));
	assert_false(rt_id_valid(".."));
	assert_false(rt_id_valid("a/b"));
	assert_false(rt_id_valid("a b"));
	assert_false(rt_id_valid("../x"));
}

static void test_round_trip(void **state)
{
	struct rt_opts o = { .root = root };
	struct rt_state st = { .pid = 4242, .starttime = 77, .annotations = "{\"a\":\"b\"}" };
	snprintf(st.id, sizeof(st.id), "c1");
	snprintf(st.bundle, sizeof(st.bundle), "/b");
	snprintf(st.rootfs, sizeof(st.rootfs), "/b/rootfs");
	snprintf(st.created, sizeof(st.created), "2026-11-27T00:00:00.000000000Z");
	make_dir(&o, "c1");
	assert_int_equal(rt_state_save(&o, &st), 0);
	struct rt_state got;
	assert_int_equal(rt_state_load(&o, "c1", &got), 0);
	assert_int_equal(got.pid, 4242);
	assert_int_equal(got.starttime, 77);
	assert_string_equal(got.bundle, "/b");
	assert_string_equal(got.rootfs, "/b/rootfs");
	assert_string_equal(got.created, st.created);
	assert_string_equal(got.annotations, "{\"a\":\"b\"}");
	rt_state_free(&got);
	assert_int_equal(rt_state_load(&o, "nosuch", &got), -ENOENT);
	assert_int_equal(rt_state_load(&o, "../c1", &got), -ENOENT);
	/* a broken record is an error, not a missing container */
	char path[4200];
	assert_true(rt_state_file(&o, "c1", "state.json", path, sizeof(path)));
	FILE *f = fopen(path, "w");
	fputs("{\"pid\": \"x\"}", f);
	fclose(f);
	assert_int_equal(rt_state_load(&o, "c1", &got), -EIO);
	rt_state_remove(&o, "c1");
	assert_int_equal(rt_state_load(&o, "c1", &got), -ENOENT);
}

static void test_status(void **state)
{
	struct rt_opts o = { .root = root };
	struct rt_state st = { .pid = getpid(), .starttime = rt_proc_starttime(getpid()) };
	snprintf(st.id, sizeof(st.id), "c2");
	assert_true(st.starttime > 0);
	make_dir(&o, "c2");
	char fifo[4200];
	assert_true(rt_state_file(&o, "c2", "exec.fifo", fifo, sizeof(fifo)));
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(rt_status(&o, &st), RT_CREATED);
	unlink(fifo);
	assert_int_equal(rt_status(&o, &st), RT_RUNNING);
	st.starttime++;                 /* the pid was reused by another process */
	assert_int_equal(rt_status(&o, &st), RT_STOPPED);
	/* a stopped monitor is a paused container */
	pid_t s = fork();
	if (s == 0) {
		pause();
		_exit(0);
	}
	st.pid = s;
	st.starttime = rt_proc_starttime(s);
	kill(s, SIGSTOP);
	for (int i = 0; i < 500 && !rt_proc_stopped(s); i++)
		usleep(2000);
	assert_int_equal(rt_status(&o, &st), RT_PAUSED);
	assert_string_equal(rt_status_name(RT_PAUSED), "paused");
	kill(s, SIGCONT);
	for (int i = 0; i < 500 && rt_proc_stopped(s); i++)
		usleep(2000);
	assert_int_equal(rt_status(&o, &st), RT_RUNNING);
	kill(s, SIGKILL);
	waitpid(s, NULL, 0);
	pid_t c = fork();
	if (c == 0)
		_exit(0);
	waitpid(c, NULL, 0);
	st.pid = c;
	st.starttime = 1;
	assert_int_equal(rt_proc_starttime(c), 0);
	assert_int_equal(rt_status(&o, &st), RT_STOPPED);
	rt_state_remove(&o, "c2");
}

static void test_state_json(void **state)
{
	struct rt_state st = { .pid = 99, .annotations = "{\"k\":\"v\"}" };
	snprintf(st.id, sizeof(st.id), "c3");
	snprintf(st.bundle, sizeof(st.bundle), "/bundle");
	char *text = rt_state_json(&st, RT_RUNNING);
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "ociVersion")), RT_OCI_VERSION);
	assert_string_equal(json_string_value(json_object_get(j, "id")), "c3");
	assert_string_equal(json_string_value(json_object_get(j, "status")), "running");
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 99);
	assert_string_equal(json_string_value(json_object_get(j, "bundle")), "/bundle");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "annotations"),
							      "k")), "v");
	assert_null(json_object_get(j, "unikStarttime"));    /* ours, not the spec's */
	json_decref(j);
	free(text);
	text = rt_state_json(&st, RT_STOPPED);
	j = json_loads(text, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "stopped");
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 0);
	json_decref(j);
	free(text);
	assert_string_equal(rt_status_name(RT_CREATED), "created");
}

static void test_log_json(void **state)
{
	char log[128];
	snprintf(log, sizeof(log), "%s/log.json", root);
	struct rt_opts o = { .root = root, .log = log, .log_json = true };
	assert_int_equal(rt_error(&o, "container with id exists: %s", "x\"y"), 1);
	rt_warn(&o, "careful");
	FILE *f = fopen(log, "r");
	char line[512];
	assert_non_null(fgets(line, sizeof(line), f));
	json_t *j = json_loads(line, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "level")), "error");
	assert_string_equal(json_string_value(json_object_get(j, "msg")),
			    "container with id exists: x\"y");
	assert_non_null(json_object_get(j, "time"));
	json_decref(j);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_non_null(strstr(line, "\"level\":\"warning\""));
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_state_json),
		cmocka_unit_test(test_log_json),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
