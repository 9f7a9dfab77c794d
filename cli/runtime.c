/* `unik-runtime` (or `unik runtime`): runc's command line, so docker and containerd's runc shim
   start unik VMs. The verbs: create (runtime_create.c), start, state, kill, delete, pause,
   resume, ps, features; exec is refused (a container's processes live inside its VM). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli/runtime.h"
#include "cli/caps.h"
#include "cli/run.h"

static void rt_usage(FILE *f)
{
	fprintf(f,
		"usage: unik-runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] ID\n"
		"an OCI runtime with runc's command line: containers are unik VMs\n"
		"commands:\n"
		"  create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] ID\n"
		"                 prepare the VM from DIR/config.json; the program waits for start\n"
		"  start ID       start the program\n"
		"  state ID       the runtime spec's state JSON\n"
		"  kill ID [SIGNAL] [--all]   send SIGNAL (default SIGTERM) to the container\n"
		"  delete [--force] ID        remove a stopped container (--force: kill it first)\n"
		"  pause ID, resume ID        freeze and thaw the container's VM\n"
		"  ps [--format table|json] ID   the host processes of the container (its monitor)\n"
		"  list [-q] [--format table|json]   the containers under --root, as runc lists them\n"
		"  features       what this runtime supports, as JSON\n"
		"  exec           not supported: the container's processes live inside its VM\n"
		"global options:\n"
		"  --root DIR     state directory (default " RT_DEFAULT_ROOT ")\n"
		"  --log FILE     write errors to FILE instead of stderr\n"
		"  --log-format text|json\n"
		"  --debug, --systemd-cgroup, --rootless VALUE, --criu PATH   accepted, no effect\n"
		"register with docker: {\"runtimes\": {\"unik\": {\"path\": \"/PATH/TO/unik-runtime\"}}}\n"
		"in /etc/docker/daemon.json, then docker run --runtime=unik IMAGE\n");
}

/* Loads the container named by the verb's last argument. 0, or 1 after an error. */
static int rt_load(const struct rt_opts *o, const char *id, struct rt_state *st)
{
	int r = rt_state_load(o, id, st);
	if (r == -ENOENT)
		return rt_error(o, "container does not exist: %s", id);
	if (r)
		return rt_error(o, "state of %s: %s", id, strerror(-r));
	return 0;
}

static int rt_start(const struct rt_opts *o, const char *id)
{
	struct rt_state st;
	if (rt_load(o, id, &st))
		return 1;
	enum rt_status s = rt_status(o, &st);
	char fifo[4200];
	int r = 0;
	if (s != RT_CREATED) {
		r = rt_error(o, s == RT_STOPPED ? "cannot start a container that has stopped" :
			     "cannot start an already running container");
	} else if (rt_state_file(o, id, "exec.fifo", fifo, sizeof(fifo))) {
		/* O_NONBLOCK: ENXIO at once when no monitor is waiting at the other end */
		int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || write(fd, "s", 1) != 1)
			r = rt_error(o, "starting %s: %s", id, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	if (!r) {
		char err[512];
		struct oci_spec spec;
		if (oci_spec_load(st.bundle, &spec, err, sizeof(err)) == 0) {
			char *json = rt_state_json(&st, RT_RUNNING);
			/* poststart failures are warnings (the runtime spec) */
			if (json && rt_hooks_run(o, &spec, OCI_HOOK_POSTSTART, json))
				rt_warn(o, "poststart hooks of %s failed", id);
			free(json);
		}
		oci_spec_free(&spec);
	}
	rt_state_free(&st);
	return r;
}

static int rt_state_cmd(const struct rt_opts *o, const char *id)
{
	struct rt_state st;
	if (rt_load(o, id, &st))
		return 1;
	char *json = rt_state_json(&st, rt_status(o, &st));
	rt_state_free(&st);
	if (!json)
		return rt_error(o, "out of memory");
	printf("%s\n", json);
	free(json);
	return 0;
}

static int rt_kill(const struct rt_opts *o, int argc, char **argv)
{
	const char *id = NULL, *sig = "SIGTERM";
	int n = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--all") || !strcmp(argv[i], "-a"))
			continue;       /* one process per container: the monitor */
		if (argv[i][0] == '-')
			return rt_error(o, "kill: unknown option %s", argv[i]);
		if (n == 0)
			id = argv[i];
		else if (n == 1)
			sig = argv[i];
		n++;
	}
	if (!id || n > 2)
		return rt_error(o, "kill: usage: kill ID [SIGNAL]");
	int signo = run_signal_number(sig);
	if (!signo)
		return rt_error(o, "invalid signal: %s", sig);
	struct rt_state st;
	if (rt_load(o, id, &st))
		return 1;
	int r = 0;
	if (rt_status(o, &st) == RT_STOPPED)
		r = rt_error(o, "container not running");
	else if (kill(st.pid, signo))
		r = rt_error(o, "kill %s: %s", id, strerror(errno));
	rt_state_free(&st);
	return r;
}

/* pause and resume: the monitor is stopped and continued as a whole (SIGSTOP, SIGCONT), which
   freezes the VM, as runc freezes a container's cgroup. */
static int rt_pause(const struct rt_opts *o, const char *id, bool pause)
{
	struct rt_state st;
	if (rt_load(o, id, &st))
		return 1;
	enum rt_status s = rt_status(o, &st);
	int r = 0;
	if (pause && s != RT_RUNNING)
		r = rt_error(o, "container not running");
	else if (!pause && s != RT_PAUSED)
		r = rt_error(o, "container not paused");
	else if (kill(st.pid, pause ? SIGSTOP : SIGCONT))
		r = rt_error(o, "%s %s: %s", pause ? "pause" : "resume", id, strerror(errno));
	/* the state must say so when we return, as runc's freezer does */
	for (int i = 0; !r && i < 500 && rt_proc_stopped(st.pid) != pause; i++)
		usleep(2000);
	rt_state_free(&st);
	return r;
}

/* Waits up to 10 s for the monitor to be gone after SIGKILL. */
static void rt_wait_gone(const struct rt_state *st)
{
	for (int i = 0; i < 1000 && rt_proc_starttime(st->pid) == st->starttime; i++)
		usleep(10000);
}

static int rt_delete(const struct rt_opts *o, int argc, char **argv)
{
	const char *id = NULL;
	bool force = false;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f"))
			force = true;
		else if (argv[i][0] == '-')
			return rt_error(o, "delete: unknown option %s", argv[i]);
		else
			id = argv[i];
	}
	if (!id)
		return rt_error(o, "delete: container id missing");
	struct rt_state st;
	int r = rt_state_load(o, id, &st);
	if (r == -ENOENT) {
		/* runc: deleting what is not there fails, except with --force */
		return force ? 0 : rt_error(o, "container does not exist: %s", id);
	}
	if (r)
		return rt_error(o, "state of %s: %s", id, strerror(-r));
	enum rt_status s = rt_status(o, &st);
	if ((s == RT_RUNNING || s == RT_PAUSED) && !force) {
		rt_state_free(&st);
		return rt_error(o, "cannot delete container %s that is not stopped: %s", id,
				rt_status_name(s));
	}
	if (s != RT_STOPPED) {
		kill(st.pid, SIGKILL);
		rt_wait_gone(&st);
	}
	struct oci_spec spec;
	char err[512];
	rt_state_remove(o, id);
	if (oci_spec_load(st.bundle, &spec, err, sizeof(err)) == 0) {
		char *json = rt_state_json(&st, RT_STOPPED);
		if (json && rt_hooks_run(o, &spec, OCI_HOOK_POSTSTOP, json))
			rt_warn(o, "poststop hooks of %s failed", id);
		free(json);
	}
	oci_spec_free(&spec);
	rt_state_free(&st);
	return 0;
}

static int rt_ps(const struct rt_opts *o, int argc, char **argv)
{
	const char *id = NULL, *format = "table";
	for (int i = 0; i < argc; i++) {
		if ((!strcmp(argv[i], "--format") || !strcmp(argv[i], "-f")) && i + 1 < argc)
			format = argv[++i];
		else if (!strncmp(argv[i], "--format=", 9))
			format = argv[i] + 9;
		else if (argv[i][0] == '-')
			return rt_error(o, "ps: unknown option %s", argv[i]);
		else
			id = argv[i];
	}
	if (!id)
		return rt_error(o, "ps: container id missing");
	if (strcmp(format, "table") && strcmp(format, "json"))
		return rt_error(o, "ps: invalid format %s", format);
	struct rt_state st;
	if (rt_load(o, id, &st))
		return 1;
	bool alive = rt_status(o, &st) != RT_STOPPED;
	pid_t pid = st.pid;
	rt_state_free(&st);
	if (!strcmp(format, "json")) {
		if (alive)
			printf("[%d]\n", (int)pid);
		else
			printf("[]\n");
		return 0;
	}
	char p[32];
	snprintf(p, sizeof(p), "%d", (int)pid);
	fflush(stdout);
	if (!alive) {
		printf("PID CMD\n");
		return 0;
	}
	execlp("ps", "ps", "-f", "-p", p, (char *)NULL);
	return rt_error(o, "ps: %s", strerror(errno));
}

static int rt_features(void)
{
	printf("{\n"
	       "  \"ociVersionMin\": \"1.0.0\",\n"
	       "  \"ociVersionMax\": \"1.1.0\",\n"
	       "  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", "
	       "\"startContainer\", \"poststart\", \"poststop\"],\n"
	       "  \"mountOptions\": [\"bind\", \"rbind\", \"ro\", \"rw\"],\n"
	       "  \"linux\": {\n"
	       "    \"namespaces\": [\"network\"],\n"
	       "    \"capabilities\": [");
	for (int c = 0; c <= CAPS_LAST; c++)
		printf("%s\"CAP_%s\"", c ? ", " : "", caps_name(c));
	printf("],\n"
	       "    \"cgroup\": {\"v1\": false, \"v2\": false},\n"
	       "    \"seccomp\": {\"enabled\": false},\n"
	       "    \"apparmor\": {\"enabled\": false},\n"
	       "    \"selinux\": {\"enabled\": false}\n"
	       "  },\n"
	       "  \"annotations\": {\"org.unik.runtime\": \"unik\"}\n"
	       "}\n");
	return 0;
}

/* Global options before the verb; returns the verb's index or -1. */
static int rt_globals(int argc, char **argv, struct rt_opts *o)
{
	int i;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char **val = NULL;
		const char *fmt = NULL, *ignored;
		if (!strcmp(a, "--root"))
			val = &o->root;
		else if (!strcmp(a, "--log"))
			val = &o->log;
		else if (!strcmp(a, "--log-format"))
			val = &fmt;
		else if (!strcmp(a, "--rootless") || !strcmp(a, "--criu"))
			val = &ignored;
		else if (!strncmp(a, "--root=", 7))
			o->root = a + 7;
		else if (!strncmp(a, "--log=", 6))
			o->log = a + 6;
		else if (!strncmp(a, "--log-format=", 13))
			fmt = a + 13;
		else if (strcmp(a, "--debug") && strcmp(a, "--systemd-cgroup") &&
			 strncmp(a, "--rootless=", 11) && strncmp(a, "--criu=", 7) &&
			 strcmp(a, "-h") && strcmp(a, "--help") && strcmp(a, "-v") &&
			 strcmp(a, "--version"))
			return -rt_error(o, "unknown global option %s", a);
		if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "-v") ||
		    !strcmp(a, "--version"))
			return i;
		if (val) {
			if (++i >= argc)
				return -rt_error(o, "%s needs a value", a);
			*val = argv[i];
		}
		if (fmt && strcmp(fmt, "text") && strcmp(fmt, "json"))
			return -rt_error(o, "--log-format must be text or json");
		if (fmt)
			o->log_json = !strcmp(fmt, "json");
	}
	return i;
}

int runtime_main(int argc, char **argv)
{
	struct rt_opts o = { .root = RT_DEFAULT_ROOT };
	int i = rt_globals(argc, argv, &o);
	if (i < 0)
		return 1;
	if (i >= argc) {
		rt_usage(stderr);
		return 1;
	}
	const char *verb = argv[i];
	int n = argc - i - 1;
	char **args = argv + i + 1;
	if (!strcmp(verb, "-h") || !strcmp(verb, "--help") || !strcmp(verb, "help")) {
		rt_usage(stdout);
		return 0;
	}
	if (!strcmp(verb, "-v") || !strcmp(verb, "--version") || !strcmp(verb, "version")) {
		printf("unik-runtime version 0.1\nspec: " RT_OCI_VERSION "\n");
		return 0;
	}
	if (!strcmp(verb, "create"))
		return rt_create(&o, n, args);
	if (!strcmp(verb, "kill"))
		return rt_kill(&o, n, args);
	if (!strcmp(verb, "delete"))
		return rt_delete(&o, n, args);
	if (!strcmp(verb, "ps"))
		return rt_ps(&o, n, args);
	if (!strcmp(verb, "list"))
		return rt_list(&o, n, args);
	if (!strcmp(verb, "features"))
		return rt_features();
	if (!strcmp(verb, "exec"))
		return rt_error(&o, "exec is not supported by unik: the container's processes run "
				"inside its VM, which has no way in for a second command");
	if (!strcmp(verb, "start") || !strcmp(verb, "state") || !strcmp(verb, "pause") ||
	    !strcmp(verb, "resume")) {
		if (n != 1 || args[0][0] == '-')
			return rt_error(&o, "%s: usage: %s ID", verb, verb);
		if (!strcmp(verb, "start"))
			return rt_start(&o, args[0]);
		if (!strcmp(verb, "state"))
			return rt_state_cmd(&o, args[0]);
		return rt_pause(&o, args[0], !strcmp(verb, "pause"));
	}
	return rt_error(&o, "unknown command %s (unik-runtime --help)", verb);
}
