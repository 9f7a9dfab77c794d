/* compat.h: helpers shared by the compat test programs (errno names, fact and result printers). */
#ifndef COMPAT_H
#define COMPAT_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* errname: the symbolic name of errno value e, so output never depends on a libc's strerror text. */
static inline const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EEXIST: return "EEXIST";
	case ENOTDIR: return "ENOTDIR";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ESPIPE: return "ESPIPE";
	case EPIPE: return "EPIPE";
	case ERANGE: return "ERANGE";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ELOOP: return "ELOOP";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECHILD: return "ECHILD";
	case ENOEXEC: return "ENOEXEC";
	case E2BIG: return "E2BIG";
	case ENXIO: return "ENXIO";
	case EDEADLK: return "EDEADLK";
	case ENOLCK: return "ENOLCK";
	case EDOM: return "EDOM";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOTSOCK: return "ENOTSOCK";
	case EDESTADDRREQ: return "EDESTADDRREQ";
	case EMSGSIZE: return "EMSGSIZE";
	case EPROTOTYPE: return "EPROTOTYPE";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EADDRINUSE: return "EADDRINUSE";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case ECONNRESET: return "ECONNRESET";
	case ENOBUFS: return "ENOBUFS";
	case EISCONN: return "EISCONN";
	case ENOTCONN: return "ENOTCONN";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ENODEV: return "ENODEV";
	case EMFILE: return "EMFILE";
	case ENETUNREACH: return "ENETUNREACH";
	case ENETDOWN: return "ENETDOWN";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case EHOSTDOWN: return "EHOSTDOWN";
	case ENONET: return "ENONET";
	case EPROTO: return "EPROTO";
	case EIDRM: return "EIDRM";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ENOMSG: return "ENOMSG";
	case EBUSY: return "EBUSY";
	case EINPROGRESS: return "EINPROGRESS";
	default: return "E?";
	}
}

/* fact: prints "WHAT: yes" or "WHAT: no". */
static inline void fact(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "yes" : "no");
}

/* result: prints a call's outcome as "WHAT: RET" on success or "WHAT: -1 ENAME" on failure.
 * err must be errno as read after the call returned (see RESULT). */
static inline void result(const char *what, long ret, int err)
{
	if (ret == -1)
		printf("%s: -1 %s\n", what, errname(err));
	else
		printf("%s: %ld\n", what, ret);
}

/* RESULT: runs call, then prints it through result() with the errno it left (an argument list
 * would not order the call before the read of errno). */
#define RESULT(what, call)                           \
	do {                                         \
		long result_ret_ = (long)(call);     \
		result((what), result_ret_, errno);  \
	} while (0)

/* child_run: runs fn in a forked child, which then exits, and waits for it (stdout is flushed
 * on both sides, so the child's lines come where it ran). */
static inline void child_run(void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* child_exec_self: runs this program again (/proc/self/exe) as "argv0 arg" in a forked child
 * and waits for it: to see what an exec keeps and what it resets. */
static inline void child_exec_self(const char *argv0, const char *arg)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", argv0, arg, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* fnv1a: a 64-bit FNV-1a checksum of n bytes, continuing from h (start with FNV_INIT). */
#define FNV_INIT 0xcbf29ce484222325ULL
static inline unsigned long long fnv1a(unsigned long long h, const void *p, unsigned long n)
{
	const unsigned char *b = p;
	for (unsigned long i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* ip_csum: the Internet checksum (RFC 1071) of n bytes, adding to sum (a pseudo-header's). */
static inline unsigned short ip_csum(const void *data, unsigned long n, unsigned long sum)
{
	const unsigned char *b = data;
	for (unsigned long i = 0; i + 1 < n; i += 2)
		sum += (unsigned long)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		sum += (unsigned long)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned short)~sum;
}

/* meminfo_kb: the value of a /proc/meminfo line ("MemAvailable:"), in kB; -1 if absent. */
static inline long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long v = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key));
	if (f)
		fclose(f);
	return v;
}

#endif
