/* Capability names (Linux's numbering) and docker's rules for --cap-add and --cap-drop. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "cli/caps.h"

static const char *const cap_names[CAPS_LAST + 1] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
	"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",
	"NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE",
	"SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
	"SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
	"MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
	"PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

const char *caps_name(int n)
{
	return n >= 0 && n <= CAPS_LAST ? cap_names[n] : "?";
}

int caps_number(const char *name)
{
	if (!strncasecmp(name, "CAP_", 4))
		name += 4;
	for (int i = 0; i <= CAPS_LAST; i++)
		if (!strcasecmp(name, cap_names[i]))
			return i;
	return -1;
}

static bool caps_is_all(const char *name)
{
	return !strcasecmp(name, "ALL") || !strcasecmp(name, "CAP_ALL");
}

/* The set the names give (ALL among them: *all set), or 125 for an unknown one. */
static int caps_of(const char *const *names, int n, const char *what, uint64_t *set, bool *all)
{
	*set = 0;
	*all = false;
	for (int i = 0; i < n; i++) {
		if (caps_is_all(names[i])) {
			*all = true;
			continue;
		}
		int c = caps_number(names[i]);
		if (c < 0) {
			fprintf(stderr, "unik: invalid %s: unknown capability: \"%s\"\n", what,
				names[i]);
			return 125;
		}
		*set |= 1ull << c;
	}
	return 0;
}

int caps_tweak(const char *const *adds, int nadd, const char *const *drops, int ndrop,
	       bool privileged, uint64_t *out)
{
	uint64_t add, drop;
	bool add_all, drop_all;
	int st = caps_of(adds, nadd, "CapAdd", &add, &add_all);
	if (!st)
		st = caps_of(drops, ndrop, "CapDrop", &drop, &drop_all);
	if (st)
		return st;
	if (privileged)
		*out = CAPS_ALL;
	else if (add_all)
		*out = CAPS_ALL & ~drop;
	else if (drop_all)
		*out = add;
	else
		*out = (CAPS_DOCKER_DEFAULT & ~drop) | add;
	return 0;
}
