/* Values of `unik run`'s flags checked as docker checks them before a container exists: the
   hostname of -h. Each check prints a one-line "unik: " message and gives 125. */
#include <stdio.h>
#include <string.h>
#include "cli/run.h"

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
