/* OCI hooks: each runs as a child with the container's state JSON on stdin, its own args and env,
   and a timeout; its output is kept to explain a failure, as runc does. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "cli/runtime.h"

static const char *const hook_names[OCI_HOOK_KINDS] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

static int64_t hook_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for the hook; kills it after timeout seconds (0: never). Its wait status, or -1 on
   timeout. */
static int hook_wait(pid_t pid, int timeout)
{
	int64_t deadline = hook_now_ms() + (int64_t)timeout * 1000;
	int status;
	for (;;) {
		pid_t r = waitpid(pid, &status, timeout ? WNOHANG : 0);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (timeout && hook_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		if (timeout)
			usleep(5000);
	}
}

static int hook_run_one(const struct rt_opts *o, const struct oci_hook *h, const char *kind,
			const char *state_json)
{
	int in[2];
	int out = memfd_create("hook-output", MFD_CLOEXEC);
	if (out < 0 || pipe2(in, O_CLOEXEC))
		return rt_error(o, "%s hook %s: %s", kind, h->path, strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out, 1);
		dup2(out, 2);
		execve(h->path, h->args, h->env);
		dprintf(2, "%s", strerror(errno));
		_exit(127);
	}
	close(in[0]);
	if (pid < 0) {
		close(in[1]);
		close(out);
		return rt_error(o, "%s hook %s: fork: %s", kind, h->path, strerror(errno));
	}
	/* a hook that does not read its stdin must not block us: the state is small, and a closed
	   pipe only means EPIPE, which is ignored as runc does */
	signal(SIGPIPE, SIG_IGN);
	(void)!write(in[1], state_json, strlen(state_json));
	close(in[1]);
	int status = hook_wait(pid, h->timeout);
	if (status == 0) {
		close(out);
		return 0;
	}
	char msg[512] = "";
	ssize_t n = pread(out, msg, sizeof(msg) - 1, 0);
	msg[n > 0 ? n : 0] = 0;
	for (char *c = msg; *c; c++)
		if (*c == '\n')
			*c = ' ';
	for (size_t l = strlen(msg); l && msg[l - 1] == ' '; l--)
		msg[l - 1] = 0;
	close(out);
	if (status < 0)
		return rt_error(o, "%s hook %s: timed out after %d s", kind, h->path, h->timeout);
	if (WIFSIGNALED(status))
		return rt_error(o, "%s hook %s: killed by signal %d%s%s", kind, h->path,
				WTERMSIG(status), msg[0] ? ": " : "", msg);
	return rt_error(o, "%s hook %s: exit status %d%s%s", kind, h->path, WEXITSTATUS(status),
			msg[0] ? ": " : "", msg);
}

int rt_hooks_run(const struct rt_opts *o, const struct oci_spec *s, enum oci_hook_kind kind,
		 const char *state_json)
{
	for (size_t i = 0; i < s->nhooks[kind]; i++)
		if (hook_run_one(o, &s->hooks[kind][i], hook_names[kind], state_json))
			return 1;
	return 0;
}
