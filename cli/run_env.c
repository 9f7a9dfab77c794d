/* The variables `unik run` is given, as docker's CLI reads them: every --env-file in order, then
   every -e (opts.ReadKVEnvStrings), so a later one overrides an earlier one where the entries
   are applied. A name without a value takes the host's value; unset on the host it stays a bare
   name, which removes the variable from the image's environment. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/run.h"

/* Appends K=V as given, or K resolved against the host. 0, or -1 after printing why. */
static int env_add(char **envp, int *n, int max, const char *kv)
{
	if (*n >= max) {
		fprintf(stderr, "unik: too many environment variables (at most %d from --env-file "
			"and -e)\n", max);
		return -1;
	}
	const char *hv = strchr(kv, '=') ? NULL : getenv(kv);
	char *s = NULL;
	if (hv ? asprintf(&s, "%s=%s", kv, hv) < 0 : !(s = strdup(kv))) {
		fprintf(stderr, "unik: out of memory\n");
		return -1;
	}
	envp[(*n)++] = s;
	return 0;
}

/* Is s[0..len) valid UTF-8 (Go's utf8.Valid: no overlong forms, surrogates or code points
   above U+10FFFF)? */
static bool utf8_valid(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned c = s[i], min, more;
		if (c < 0x80)
			continue;
		if ((c & 0xe0) == 0xc0)
			more = 1, min = 0x80, c &= 0x1f;
		else if ((c & 0xf0) == 0xe0)
			more = 2, min = 0x800, c &= 0x0f;
		else if ((c & 0xf8) == 0xf0)
			more = 3, min = 0x10000, c &= 0x07;
		else
			return false;
		if (len - i <= more)
			return false;
		for (; more; more--) {
			if ((s[++i] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (s[i] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
	}
	return true;
}

/* The bytes of the white space (Go's unicode.IsSpace) that valid UTF-8 s starts with; 0: none. */
static size_t space_len(const unsigned char *s)
{
	if (s[0] && strchr(" \t\n\v\f\r", s[0]))
		return 1;
	if (s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))            /* U+0085, U+00A0 */
		return 2;
	if (s[0] < 0xe1 || s[0] > 0xe3)
		return 0;
	unsigned c = (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu);
	bool sp = c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
		  c == 0x202f || c == 0x205f || c == 0x3000;
	return sp ? 3 : 0;
}

/* One line of an env file (its end of line dropped): leading white space (and, on the first
   line, a UTF-8 BOM) is skipped; empty lines and '#' comments are; NAME=VALUE is taken as it is,
   NAME alone from the host. 0, or -1 after printing why. */
static int env_file_line(const char *path, int lineno, char *line, size_t len, char **envp,
			 int *n, int max)
{
	if (memchr(line, 0, len) || !utf8_valid((const unsigned char *)line, len)) {
		fprintf(stderr, "unik: env file %s contains invalid utf8 bytes at line %d\n", path,
			lineno);
		return -1;
	}
	if (lineno == 1 && !strncmp(line, "\xef\xbb\xbf", 3))
		line += 3;
	for (size_t sp; (sp = space_len((const unsigned char *)line));)
		line += sp;
	if (!line[0] || line[0] == '#')
		return 0;
	size_t name_len = strcspn(line, "=");
	if (strcspn(line, " \t") < name_len) {
		fprintf(stderr, "unik: variable '%.*s' contains whitespaces\n", (int)name_len, line);
		return -1;
	}
	if (!name_len) {
		fprintf(stderr, "unik: no variable name on line '%s'\n", line);
		return -1;
	}
	return env_add(envp, n, max, line);
}

/* One --env-file, line by line (bufio.ScanLines: "\n" ends a line, a "\r" before it goes). */
static int env_file(const char *path, char **envp, int *n, int max)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "unik: --env-file %s: %s\n", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, st = 0;
	while (!st && (len = getline(&line, &cap, f)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[--len] = 0;
		if (len && line[len - 1] == '\r')
			line[--len] = 0;
		st = env_file_line(path, ++lineno, line, (size_t)len, envp, n, max);
	}
	if (!st && ferror(f)) {                /* a directory: EISDIR */
		fprintf(stderr, "unik: --env-file %s: %s\n", path, strerror(errno));
		st = -1;
	}
	free(line);
	fclose(f);
	return st;
}

int run_env(const char *const *files, int nfiles, const char *const *vars, int nvars,
	    char **envp, int max)
{
	int n = 0;
	for (int i = 0; i < nfiles; i++)
		if (env_file(files[i], envp, &n, max))
			return -1;
	for (int i = 0; i < nvars; i++)
		if (env_add(envp, &n, max, vars[i]))
			return -1;
	envp[n] = NULL;
	return n;
}
