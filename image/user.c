/* User resolution: docker/runc semantics for User through the image's /etc/passwd and /etc/group. */
#include "image/runcfg.h"
#include "image/imgfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ID_MAX 2147483647u

struct pwent {
	char *name;
	uint32_t id, gid;           /* gid: passwd only */
	char *home;                 /* passwd only */
	char *members;              /* group only: comma-separated */
	int ok;
};

static int parse_id(const char *s, uint32_t *out)
{
	char *end;
	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || v > ID_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* Reads a file of the image into a NUL-terminated copy, or NULL. */
static char *img_file(const struct imgfs *fs, const char *path)
{
	if (!fs)
		return NULL;
	int64_t ino = imgfs_resolve(fs, path, 1);
	const struct imgfs_inode *i = ino > 0 ? imgfs_inode(fs, (uint32_t)ino) : NULL;
	const uint8_t *d = i ? imgfs_data(fs, i) : NULL;
	if (!d || i->size > (64u << 20))
		return NULL;
	return xstrndup((const char *)d, i->size);
}

/* Splits one colon line into at most 7 fields in place. */
static int split_fields(char *line, char **f, int max)
{
	int n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ':') {
			*p = 0;
			f[n++] = p + 1;
		}
	return n;
}

/* Finds an entry of passwd (is_group 0) or group (1) by name or, if byid, by numeric id. */
static int db_find(const char *text, int is_group, const char *name, int byid, uint32_t id,
		   struct pwent *out)
{
	char *copy = xstrdup(text ? text : ""), *save = NULL, *line;
	memset(out, 0, sizeof(*out));
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[7];
		int n = split_fields(line, f, 7);
		uint32_t eid, egid = 0;
		if (n < (is_group ? 3 : 4) || parse_id(f[2], &eid) < 0)
			continue;
		if (!is_group && parse_id(f[3], &egid) < 0)
			continue;
		if (byid ? eid != id : strcmp(f[0], name) != 0)
			continue;
		out->name = xstrdup(f[0]);
		out->id = eid;
		out->gid = egid;
		out->home = xstrdup(!is_group && n >= 6 ? f[5] : "/");
		out->members = xstrdup(is_group && n >= 4 ? f[3] : "");
		out->ok = 1;
		break;
	}
	free(copy);
	return out->ok;
}

static void pwent_free(struct pwent *e)
{
	free(e->name);
	free(e->home);
	free(e->members);
}

static int member_of(const char *members, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = members; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p += len + (e != NULL);
	}
	return 0;
}

/* Supplementary groups: every group listing name as a member, in file order, no duplicates. */
static void add_groups(struct unik_runcfg *rc, const char *grp, const char *name)
{
	char *copy = xstrdup(grp ? grp : ""), *save = NULL, *line;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[7];
		uint32_t gid;
		int n = split_fields(line, f, 7), dup = 0;
		if (n < 4 || parse_id(f[2], &gid) < 0 || !member_of(f[3], name))
			continue;
		for (size_t i = 0; i < rc->n_groups; i++)
			dup |= rc->groups[i] == gid;
		if (dup || gid == rc->gid)
			continue;
		uint32_t *ng = xcalloc(rc->n_groups + 1, sizeof(*ng));
		if (rc->n_groups)
			memcpy(ng, rc->groups, rc->n_groups * sizeof(*ng));
		free(rc->groups);
		rc->groups = ng;
		rc->groups[rc->n_groups++] = gid;
	}
	free(copy);
}

static int resolve_user_part(struct img_ctx *c, struct unik_runcfg *rc, const char *u,
			     const char *pw, char **pwname)
{
	struct pwent e;
	uint32_t id;
	int numeric = parse_id(u, &id) == 0;
	if (db_find(pw, 0, u, 0, 0, &e) || (numeric && db_find(pw, 0, NULL, 1, id, &e))) {
		rc->uid = e.id;
		rc->gid = e.gid;
		free(rc->home);
		rc->home = xstrdup(e.home);
		*pwname = xstrdup(e.name);
		pwent_free(&e);
		return 0;
	}
	if (!numeric)
		return img_fail(c, "User", "unable to find user %s: no matching entries in passwd file",
				u);
	rc->uid = id;
	rc->gid = 0;
	return 0;
}

int runcfg_resolve_user(struct img_ctx *c, struct unik_runcfg *rc, const struct imgfs *fs)
{
	char *pw = img_file(fs, "/etc/passwd"), *grp = img_file(fs, "/etc/group");
	char *spec = xstrdup(rc->user ? rc->user : ""), *g = strchr(spec, ':'), *pwname = NULL;
	const char *u = *spec ? spec : "0";
	int ret = 0;
	struct pwent ge;
	if (g)
		*g++ = 0;
	free(rc->home);
	rc->home = xstrdup("/");
	rc->n_groups = 0;
	if (!*u && g)
		u = "0";
	if ((ret = resolve_user_part(c, rc, u, pw, &pwname)) < 0)
		goto out;
	if (g && *g) {
		uint32_t id;
		if (db_find(grp, 1, g, 0, 0, &ge)) {
			rc->gid = ge.id;
			pwent_free(&ge);
		} else if (parse_id(g, &id) == 0) {
			rc->gid = id;
		} else {
			ret = img_fail(c, "User", "unable to find group %s: no matching entries in group "
				       "file", g);
			goto out;
		}
	} else if (pwname) {
		add_groups(rc, grp, pwname);
	}
out:
	free(pw);
	free(grp);
	free(spec);
	free(pwname);
	return ret;
}
