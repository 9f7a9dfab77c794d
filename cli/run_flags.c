/* Values of `unik run`'s flags checked as docker checks them before a container exists: the
   hostname of -h, --ulimit. Each check prints a one-line "unik: " message and gives 125. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "cli/run.h"
#include "cli/oci_spec.h"

int run_check_hostname(const char *name)
{
	/* What sethostname(2) takes (HOST_NAME_MAX 64) and a resolver can look up in /etc/hosts */
	size_t n = strlen(name);
	bool ok = n >= 1 && n <= 64 && name[0] != '-' && name[0] != '.' &&
		  strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == n;
	if (!ok)
		fprintf(stderr, "unik: invalid hostname '%s': 1 to 64 letters, digits, '-' and '.', "
			"not starting with '-' or '.'\n", name);
	return ok ? 0 : 125;
}

/* A --ulimit type: docker's names (go-units) are the OCI runtime's without RLIMIT_, in lower
   case, but for "as", which docker leaves out. RLIMIT_* number, or -1. */
static int ulimit_type(const char *name, size_t len)
{
	char oci[32] = "RLIMIT_";
	if (!len || len > 16 || (len == 2 && !strncmp(name, "as", 2)))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < 'a' || name[i] > 'z')
			return -1;
		oci[7 + i] = (char)(name[i] - 'a' + 'A');
	}
	oci[7 + len] = 0;
	return oci_rlimit_number(oci);
}

/* A --ulimit limit: a decimal integer (Go's ParseInt: an optional sign, digits only), -1 for
   unlimited. Other negative numbers are refused: docker passes them to the kernel as huge
   unsigned limits. */
static bool ulimit_value(const char *s, size_t len, uint64_t *out)
{
	char buf[32];
	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	size_t sign = buf[0] == '-' || buf[0] == '+';
	if (!buf[sign] || strspn(buf + sign, "0123456789") != len - sign)
		return false;
	errno = 0;
	long long v = strtoll(buf, NULL, 10);
	if (errno || v < -1)
		return false;
	*out = v == -1 ? RLIM_INFINITY : (uint64_t)v;
	return true;
}

int run_parse_ulimit(const char *arg, struct vm_config *cfg)
{
	const char *eq = strchr(arg, '=');
	if (!eq) {
		fprintf(stderr, "unik: invalid ulimit argument: %s\n", arg);
		return 125;
	}
	int res = ulimit_type(arg, (size_t)(eq - arg));
	if (res < 0 || res >= 16) {
		fprintf(stderr, "unik: invalid ulimit type: %.*s\n", (int)(eq - arg), arg);
		return 125;
	}
	/* SOFT[:HARD]; SOFT alone is both */
	const char *soft = eq + 1, *colon = strchr(soft, ':');
	const char *hard = colon ? colon + 1 : soft;
	size_t soft_len = colon ? (size_t)(colon - soft) : strlen(soft);
	uint64_t cur, max;
	if (!ulimit_value(soft, soft_len, &cur) || !ulimit_value(hard, strlen(hard), &max)) {
		fprintf(stderr, "unik: invalid ulimit argument: %s\n", arg);
		return 125;
	}
	if (cur > max) {
		fprintf(stderr, "unik: ulimit soft limit must be less than or equal to hard limit: "
			"%.*s > %s\n", (int)soft_len, soft, hard);
		return 125;
	}
	/* Linux's setrlimit refuses more than fs.nr_open: docker's runtime fails to start then */
	if (res == RLIMIT_NOFILE && max > UNIK_NR_OPEN) {
		fprintf(stderr, "unik: ulimit nofile above fs.nr_open (%d), the most open files a "
			"process may have: %s\n", UNIK_NR_OPEN, arg);
		return 125;
	}
	cfg->rlimit_set |= 1u << res;
	cfg->rlimits[res].cur = cur;
	cfg->rlimits[res].max = max;
	return 0;
}
