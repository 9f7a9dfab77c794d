/* `unik run -v HOSTDIR:GUESTDIR[:ro|:rw]`: docker's bind-mount syntax and messages. HOSTDIR must
   be absolute and is created (mode 0755, with its parents) when missing, as docker does;
   GUESTDIR is absolute and cleaned; the same GUESTDIR twice is an error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/run.h"

/* Lexically cleans an absolute path in place (Go's filepath.Clean): no "//", ".", trailing
   '/', and ".." removes the component before it (never above "/"). */
static void volume_clean(char *p)
{
	char *out = p, *s = p;
	while (*s) {
		while (*s == '/')
			s++;
		char *c = s;
		while (*s && *s != '/')
			s++;
		size_t n = (size_t)(s - c);
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			while (out > p && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, c, n);
		out += n;
	}
	if (out == p)
		*out++ = '/';
	*out = 0;
}

/* mkdir -p of an absolute host path, mode 0755. 0 or -1 with errno and the failing prefix in
   fail. */
static int volume_mkdirs(const char *path, char *fail, size_t size)
{
	char *p = strdup(path);
	if (!p)
		return -1;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST) {
			snprintf(fail, size, "%s", p);
			free(p);
			return -1;
		}
		if (!c)
			break;
		*s = c;
	}
	free(p);
	return 0;
}

/* Splits "HOSTDIR:GUESTDIR[:MODE]"; MODE is a comma list of ro, rw and docker options that
   change nothing here (SELinux labels, propagation, nocopy). */
static int volume_split(const char *spec, char **host, char **guest, bool *ro)
{
	char *s = strdup(spec), *mode;
	if (!s)
		return -1;
	*host = s;
	*guest = strchr(s, ':');
	if (!*guest) {
		fprintf(stderr, "unik: invalid volume specification: '%s': anonymous volumes are "
			"not supported, use HOSTDIR:GUESTDIR\n", spec);
		return -1;
	}
	*(*guest)++ = 0;
	mode = strchr(*guest, ':');
	if (mode)
		*mode++ = 0;
	if (mode && strchr(mode, ':')) {
		fprintf(stderr, "unik: invalid volume specification: '%s'\n", spec);
		return -1;
	}
	*ro = false;
	static const char *ignored[] = { "z", "Z", "private", "rprivate", "shared", "rshared",
					 "slave", "rslave", "nocopy", "consistent", "cached",
					 "delegated" };
	for (char *o = mode ? strtok(mode, ",") : NULL; o; o = strtok(NULL, ",")) {
		bool known = !strcmp(o, "ro") || !strcmp(o, "rw");
		for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]) && !known; i++)
			known = !strcmp(o, ignored[i]);
		if (!known) {
			fprintf(stderr, "unik: invalid mode: %s\n", o);
			return -1;
		}
		if (!strcmp(o, "ro") || !strcmp(o, "rw"))
			*ro = !strcmp(o, "ro");
	}
	return 0;
}

int volume_parse(const char *spec, struct vm_volume *vols, size_t *n)
{
	char *host, *guest;
	bool ro;
	if (volume_split(spec, &host, &guest, &ro))
		return 125;
	if (host[0] != '/') {
		fprintf(stderr, "unik: invalid volume specification: '%s': named volumes are not "
			"supported, HOSTDIR must be an absolute path\n", spec);
		return 125;
	}
	if (guest[0] != '/') {
		fprintf(stderr, "unik: invalid volume specification: '%s': invalid mount path: "
			"'%s' mount path must be absolute\n", spec, guest);
		return 125;
	}
	volume_clean(guest);
	if (!strcmp(guest, "/")) {
		fprintf(stderr, "unik: invalid volume specification: '%s': invalid specification: "
			"destination can't be '/'\n", spec);
		return 125;
	}
	if (strlen(guest) >= sizeof(((struct unik_volume *)0)->path)) {
		fprintf(stderr, "unik: invalid volume specification: '%s': the mount path is too "
			"long (at most %zu bytes)\n", spec,
			sizeof(((struct unik_volume *)0)->path) - 1);
		return 125;
	}
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(vols[i].guest, guest)) {
			fprintf(stderr, "unik: Duplicate mount point: %s\n", guest);
			return 125;
		}
	if (*n >= UNIK_MAX_VOLUMES) {
		fprintf(stderr, "unik: too many volumes (at most %d)\n", UNIK_MAX_VOLUMES);
		return 125;
	}
	struct stat st;
	char fail[4096];
	if (stat(host, &st) && errno == ENOENT && volume_mkdirs(host, fail, sizeof(fail))) {
		fprintf(stderr, "unik: error while creating mount source path '%s': mkdir %s: %s\n",
			host, fail, strerror(errno));
		return 125;
	}
	int r = stat(host, &st);
	if (r || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "unik: invalid volume specification: '%s': %s\n", spec,
			r ? strerror(errno) : "not a directory (only directories can be shared)");
		return 125;
	}
	vols[*n] = (struct vm_volume){ .host = host, .guest = guest, .ro = ro };
	(*n)++;
	return 0;
}
