/* Image references for `unik convert --oci --tag`: docker's rules, and the forms an image archive
 * names an image by. */
#include "image/oci_ref.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define OCI_DEFAULT_NAME "unik/app"
#define OCI_MAX_NAME 255
#define OCI_MAX_TAG 128

static int is_lower_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

static int is_alnum(char ch)
{
	return is_lower_alnum(ch) || (ch >= 'A' && ch <= 'Z');
}

/* A separator between alphanumeric runs of a path component: '.', '_', "__" or dashes. */
static int ref_separator_ok(const char *s, size_t n)
{
	if (n == 1 && (s[0] == '.' || s[0] == '_'))
		return 1;
	if (n == 2 && s[0] == '_' && s[1] == '_')
		return 1;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '-')
			return 0;
	return 1;
}

/* Why the path component s[0..n) is invalid, or NULL. */
static const char *ref_path_err(const char *s, size_t n)
{
	if (n == 0)
		return "empty name component";
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			return "repository name must be lowercase";
		if (!is_lower_alnum(s[i]) && !strchr("._-", s[i]))
			return "invalid character in the name (allowed: a-z 0-9 . _ - /)";
	}
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && !is_lower_alnum(s[j]); j++)
			;
		if (j > i && (i == 0 || j == n))
			return "a name component must begin and end with a-z or 0-9";
		if (j > i && !ref_separator_ok(s + i, j - i))
			return "invalid separator in the name (one '.' or '_', \"__\", or dashes)";
		while (j < n && is_lower_alnum(s[j]))
			j++;
	}
	return NULL;
}

/* Why the registry host s[0..n) ("host[:port]", labels of [A-Za-z0-9-]) is invalid, or NULL. */
static const char *ref_domain_err(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t hn = colon ? (size_t)(colon - s) : n;
	for (size_t i = 0; i < hn; i++) {
		int edge = i == 0 || i + 1 == hn || s[i - 1] == '.' || s[i + 1] == '.';
		if (!is_alnum(s[i]) && !(s[i] == '-' && !edge) && !(s[i] == '.' && !edge))
			return "invalid registry host";
	}
	if (hn == 0 || (colon && hn + 1 == n))
		return "invalid registry host";
	for (size_t i = hn + 1; colon && i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return "invalid registry port";
	return NULL;
}

static const char *ref_tag_err(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > OCI_MAX_TAG)
		return "a tag has 1 to 128 characters";
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(t[i]) && t[i] != '_' && (i == 0 || (t[i] != '.' && t[i] != '-')))
			return "invalid tag (allowed: A-Z a-z 0-9 _ . -, not first: . -)";
	return NULL;
}

/* Checks the name's components; *domain tells whether the first one is a registry host. */
static const char *ref_name_err(const char *name, int *domain)
{
	const char *slash = strchr(name, '/');
	size_t first = slash ? (size_t)(slash - name) : strlen(name);
	const char *why;
	if (!*name)
		return "empty image name";
	if (strlen(name) > OCI_MAX_NAME)
		return "the name is longer than 255 characters";
	*domain = slash && (memchr(name, '.', first) || memchr(name, ':', first) ||
			    (first == 9 && strncmp(name, "localhost", 9) == 0));
	if (*domain && (why = ref_domain_err(name, first)))
		return why;
	for (const char *p = *domain ? slash + 1 : name;; p = slash + 1) {
		slash = strchr(p, '/');
		if ((why = ref_path_err(p, slash ? (size_t)(slash - p) : strlen(p))))
			return why;
		if (!slash)
			return NULL;
	}
}

static void ref_forms(struct oci_ref *ref, const char *name, int domain)
{
	const char *prefix = domain ? "" : strchr(name, '/') ? "docker.io/" : "docker.io/library/";
	ref->full = xstrjoin(prefix, "", name);
	const char *f = ref->full;
	if (strncmp(f, "docker.io/", 10) == 0) {
		f += 10;
		if (strncmp(f, "library/", 8) == 0 && !strchr(f + 8, '/'))
			f += 8;
	}
	ref->familiar = xstrdup(f);
}

int oci_ref_parse(struct img_ctx *c, const char *s, struct oci_ref *ref)
{
	const char *slash = strrchr(s, '/'), *colon = strrchr(s, ':');
	const char *why = NULL;
	int domain = 0;
	memset(ref, 0, sizeof(*ref));
	if (colon && slash && colon < slash)
		colon = NULL;
	char *name = colon ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
	if (strchr(s, '@'))
		why = "digest references are not supported, give NAME[:TAG]";
	else if (!(why = ref_name_err(name, &domain)) && colon)
		why = ref_tag_err(colon + 1);
	if (why) {
		free(name);
		return img_fail(c, "--tag", "'%s': %s", s, why);
	}
	ref_forms(ref, name, domain);
	ref->tag = xstrdup(colon ? colon + 1 : "latest");
	free(name);
	return 0;
}

int oci_ref_default(struct img_ctx *c, json_t *config, struct oci_ref *ref)
{
	const char *src = json_string_value(json_object_get(json_object_get(config, "image"), "ref"));
	struct img_ctx quiet;
	char *s = NULL;
	img_ctx_init(&quiet);
	if (src && !strchr(src, '/') && !strchr(src, ':') && !ref_tag_err(src)) {
		/* an OCI ref name such as skopeo's "oci-archive:X:t" is a tag, not a name */
		s = xstrjoin(OCI_DEFAULT_NAME, ":", src);
	} else if (src) {
		s = xstrdup(src);
	}
	if (s && oci_ref_parse(&quiet, s, ref) == 0) {
		free(s);
		return 0;
	}
	if (src)
		img_note(c, "unik convert: warning: the source's name '%s' is not usable as an image "
			 "name; using %s:latest", src, OCI_DEFAULT_NAME);
	free(s);
	return oci_ref_parse(&quiet, OCI_DEFAULT_NAME, ref);
}

void oci_ref_free(struct oci_ref *ref)
{
	free(ref->full);
	free(ref->familiar);
	free(ref->tag);
	memset(ref, 0, sizeof(*ref));
}
