/* `create`: prepares the VM in a long-lived monitor process that waits for `start` on the
   container's exec.fifo, then runs the guest and exits with the container's status (docker's
   126/127/128+N rules), so the engine's shim, which reaps it, sees the container's end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "cli/runtime.h"
#include "cli/runtime_config.h"

struct rt_create_args {
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	const char *id;
};

static int rt_create_parse(const struct rt_opts *o, int argc, char **argv,
			   struct rt_create_args *a)
{
	a->bundle = ".";
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		const char **dst = NULL;
		if (!strcmp(s, "--bundle") || !strcmp(s, "-b"))
			dst = &a->bundle;
		else if (!strcmp(s, "--pid-file"))
			dst = &a->pid_file;
		else if (!strcmp(s, "--console-socket"))
			dst = &a->console_socket;
		else if (!strcmp(s, "--preserve-fds") || !strncmp(s, "--preserve-fds=", 15)) {
			const char *n = s[14] == '=' ? s + 15 : (i + 1 < argc ? argv[++i] : "");
			/* host fds cannot reach the guest's program: only 0 can be honoured */
			if (strcmp(n, "0"))
				return rt_error(o, "create: --preserve-fds %s: passing extra file "
						"descriptors into the VM is not supported", n);
			continue;
		} else if (!strcmp(s, "--no-pivot") || !strcmp(s, "--no-new-keyring"))
			continue;
		else if (!strncmp(s, "--bundle=", 9))
			a->bundle = s + 9;
		else if (!strncmp(s, "--pid-file=", 11))
			a->pid_file = s + 11;
		else if (!strncmp(s, "--console-socket=", 17))
			a->console_socket = s + 17;
		else if (s[0] == '-')
			return rt_error(o, "create: unknown option %s", s);
		else if (a->id)
			return rt_error(o, "create: one container id expected, got %s and %s", a->id, s);
		else
			a->id = s;
		if (dst) {
			if (++i >= argc)
				return rt_error(o, "create: %s needs a value", s);
			*dst = argv[i];
		}
	}
	if (!a->id)
		return rt_error(o, "create: container id missing");
	if (!rt_id_valid(a->id))
		return rt_error(o, "invalid container id format: %s", a->id);
	return 0;
}

/* The spec's network namespace: joined (path) or a new one with its loopback up, as runc does. */
static int rt_netns(const struct oci_spec *s, char *err, size_t n)
{
	if (s->netns_path) {
		int fd = open(s->netns_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET)) {
			snprintf(err, n, "joining the network namespace %s: %s", s->netns_path,
				 strerror(errno));
			return -1;
		}
		close(fd);
		return 0;
	}
	if (unshare(CLONE_NEWNET)) {
		snprintf(err, n, "a new network namespace: %s", strerror(errno));
		return -1;
	}
	int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (sk < 0 || ioctl(sk, SIOCGIFFLAGS, &ifr) ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(sk, SIOCSIFFLAGS, &ifr))) {
		snprintf(err, n, "bringing up lo: %s", strerror(errno));
		return -1;
	}
	close(sk);
	return 0;
}

/* -t through the engine: a new pty whose master goes to the console socket (with the pty's name,
   as runc sends it); the slave becomes the monitor's stdio and controlling terminal. */
static int rt_console(const char *sock_path, char *err, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(sock_path) >= sizeof(sa.sun_path)) {
		snprintf(err, n, "console socket path %s is too long", sock_path);
		return -1;
	}
	strcpy(sa.sun_path, sock_path);
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	const char *name = m >= 0 && !grantpt(m) && !unlockpt(m) ? ptsname(m) : NULL;
	int slave = name ? open(name, O_RDWR | O_NOCTTY) : -1;
	int sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (slave < 0 || sk < 0 || connect(sk, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(err, n, "console socket %s: %s", sock_path, strerror(errno));
		return -1;
	}
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &m, sizeof(int));
	if (sendmsg(sk, &msg, MSG_NOSIGNAL) < 0) {
		snprintf(err, n, "console socket %s: %s", sock_path, strerror(errno));
		return -1;
	}
	close(sk);
	close(m);
	ioctl(slave, TIOCSCTTY, 0);
	for (int fd = 0; fd < 3; fd++)
		dup2(slave, fd);
	if (slave > 2)
		close(slave);
	return 0;
}

/* Tells create how set-up went: "" for ready, else the reason. */
static void rt_sync_send(int fd, const char *msg)
{
	(void)!write(fd, msg, strlen(msg) + 1);
	close(fd);
}

/* Blocks until `start` writes to exec.fifo (or the monitor is killed). */
static int rt_wait_start(const char *fifo)
{
	for (;;) {
		int fd = open(fifo, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			return -1;
		char c;
		ssize_t n = read(fd, &c, 1);
		close(fd);
		if (n == 1)
			return 0;
	}
}

/* startContainer hooks, in the monitor just before the program runs, with the recorded state. */
static int rt_start_hooks(const struct rt_opts *o, const struct oci_spec *s, const char *id)
{
	struct rt_state st;
	if (rt_state_load(o, id, &st))
		return rt_error(o, "startContainer hooks: no state for %s", id);
	char *json = rt_state_json(&st, RT_CREATED);
	int r = json ? rt_hooks_run(o, s, OCI_HOOK_START_CONTAINER, json) : 1;
	free(json);
	rt_state_free(&st);
	return r;
}

/* The monitor process: set-up reported on sync_fd, then the VM after `start`. Never returns. */
static void rt_monitor(const struct rt_opts *o, const struct oci_spec *s, struct rt_vm *v,
		       const struct rt_create_args *a, const char *fifo, int sync_fd)
{
	char err[512] = "";
	setsid();
	/* What the program listens on is published where a container's process would listen: in
	   the container's network namespace, or on the host's network when the spec has none. */
	v->net.publish_listening = true;
	if (s->netns)
		rt_netns(s, err, sizeof(err));
	if (!err[0] && s->terminal && rt_console(a->console_socket, err, sizeof(err)) == 0)
		v->cfg.tty = true;
	if (err[0]) {
		rt_sync_send(sync_fd, err);
		_exit(1);
	}
	/* vm_create explains failures on stderr, which is the container's: catch them for the log */
	int saved = dup(2), cap = memfd_create("create-errors", MFD_CLOEXEC);
	if (cap >= 0)
		dup2(cap, 2);
	struct vm vm;
	int st = vm_create(&vm, &v->cfg);
	dup2(saved, 2);
	close(saved);
	if (st) {
		ssize_t n = cap >= 0 ? pread(cap, err, sizeof(err) - 1, 0) : -1;
		err[n > 0 ? n : 0] = 0;
		err[strcspn(err, "\n")] = 0;
		rt_sync_send(sync_fd, err[0] ? err : "the VM could not be created");
		_exit(st);
	}
	close(cap);
	rt_sync_send(sync_fd, "");
	if (rt_wait_start(fifo))
		_exit(125);
	unlink(fifo);
	if (s->nhooks[OCI_HOOK_START_CONTAINER] && rt_start_hooks(o, s, a->id))
		_exit(125);
	st = vm_run(&vm, &v->cfg);
	vm_destroy(&vm);
	_exit(st);
}

/* mkdir -p, mode 0711 as runc makes its state root. 0 or -1 with errno. */
static int rt_mkdir_p(const char *path)
{
	char p[PATH_MAX];
	if ((size_t)snprintf(p, sizeof(p), "%s", path) >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *c = p + 1; ; c++) {
		if (*c && *c != '/')
			continue;
		char was = *c;
		*c = 0;
		if (mkdir(p, 0711) && errno != EEXIST)
			return -1;
		if (!was)
			return 0;
		*c = was;
	}
}

/* Writes the pid file atomically (the engine reads it as soon as create returns). */
static int rt_write_pid_file(const char *path, pid_t pid)
{
	char tmp[PATH_MAX + 16];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.unik.tmp", path) >= sizeof(tmp))
		return -1;
	FILE *f = fopen(tmp, "we");
	if (!f)
		return -1;
	fprintf(f, "%d", (int)pid);
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void rt_now_rfc3339(char *buf, size_t n)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t l = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + l, n - l, ".%09ldZ", ts.tv_nsec);
}

/* After the monitor is ready: the state record, the hooks of the create phase, the pid file. */
static int rt_create_finish(const struct rt_opts *o, const struct oci_spec *s,
			    const struct rt_create_args *a, struct rt_state *st)
{
	if (rt_state_save(o, st))
		return rt_error(o, "writing the state of %s: %s", a->id, strerror(errno));
	char *json = rt_state_json(st, RT_CREATED);
	int r = !json;
	for (int k = OCI_HOOK_PRESTART; !r && k <= OCI_HOOK_CREATE_CONTAINER; k++)
		r = rt_hooks_run(o, s, (enum oci_hook_kind)k, json);
	free(json);
	if (!r && a->pid_file && rt_write_pid_file(a->pid_file, st->pid))
		r = rt_error(o, "pid file %s: %s", a->pid_file, strerror(errno));
	return r;
}

static int rt_create_run(const struct rt_opts *o, struct oci_spec *s,
			 const struct rt_create_args *a, const char *bundle, const char *rootfs)
{
	static struct rt_vm v;
	if (s->terminal && !a->console_socket)
		return rt_error(o, "process.terminal is set but no --console-socket was given");
	if (rt_vm_config(o, s, rootfs, &v))
		return 1;
	char dir[PATH_MAX], fifo[PATH_MAX + 16];
	if (!rt_state_dir(o, a->id, dir, sizeof(dir)) ||
	    !rt_state_file(o, a->id, "exec.fifo", fifo, sizeof(fifo)))
		return rt_error(o, "--root %s: path too long", o->root);
	if (rt_mkdir_p(o->root))
		return rt_error(o, "--root %s: %s", o->root, strerror(errno));
	if (mkdir(dir, 0711))
		return rt_error(o, errno == EEXIST ? "container with id exists: %s" : "%s: %s",
				errno == EEXIST ? a->id : dir, strerror(errno));
	int sync[2];
	if (mkfifo(fifo, 0600) || pipe2(sync, O_CLOEXEC)) {
		int e = errno;
		rt_state_remove(o, a->id);
		return rt_error(o, "%s: %s", fifo, strerror(e));
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(sync[0]);
		rt_monitor(o, s, &v, a, fifo, sync[1]);
	}
	close(sync[1]);
	char msg[600] = "";
	ssize_t n = pid > 0 ? read(sync[0], msg, sizeof(msg) - 1) : -1;
	close(sync[0]);
	msg[n > 0 ? n : 0] = 0;
	struct rt_state st = { .pid = pid, .annotations = s->annotations };
	if (n <= 0 || msg[0] || !(st.starttime = rt_proc_starttime(pid))) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		rt_state_remove(o, a->id);
		return rt_error(o, "%s", msg[0] ? msg : "the monitor ended during create");
	}
	snprintf(st.id, sizeof(st.id), "%s", a->id);
	snprintf(st.bundle, sizeof(st.bundle), "%s", bundle);
	snprintf(st.rootfs, sizeof(st.rootfs), "%s", rootfs);
	rt_now_rfc3339(st.created, sizeof(st.created));
	if (rt_create_finish(o, s, a, &st)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		rt_state_remove(o, a->id);
		return 1;
	}
	return 0;
}

int rt_create(const struct rt_opts *o, int argc, char **argv)
{
	struct rt_create_args a = { 0 };
	if (rt_create_parse(o, argc, argv, &a))
		return 1;
	char bundle[PATH_MAX], rootfs[PATH_MAX], err[512];
	if (!realpath(a.bundle, bundle))
		return rt_error(o, "bundle %s: %s", a.bundle, strerror(errno));
	struct oci_spec s;
	if (oci_spec_load(bundle, &s, err, sizeof(err))) {
		oci_spec_free(&s);
		return rt_error(o, "%s", err);
	}
	char joined[PATH_MAX + 4200];
	snprintf(joined, sizeof(joined), "%s%s%s", s.root_path[0] == '/' ? "" : bundle,
		 s.root_path[0] == '/' ? "" : "/", s.root_path);
	int r;
	if (!realpath(joined, rootfs))
		r = rt_error(o, "root.path %s: %s", joined, strerror(errno));
	else
		r = rt_create_run(o, &s, &a, bundle, rootfs);
	oci_spec_free(&s);
	return r;
}
