/* Compatibility check: PATH search in the image, #! chains, ELF kind, interpreter and DT_NEEDED. */
#include "image/check.h"
#include "image/elfinfo.h"
#include "image/imgint.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CHK_MAX_SHEBANG 4           /* Linux: BINPRM_MAX_RECURSION */
#define CHK_MAX_LIBS 512
#define CHK_PATH_MAX 4096

struct chk {
	const struct imgfs *fs;
	const char *workdir;
	const char *ld_library_path;
	json_t *warnings;
	uint32_t seen[CHK_MAX_LIBS];
	size_t nseen;
};

static void warn(struct chk *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct chk *k, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(k->warnings, json_string(msg));
}

static void join(char *out, const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	if (snprintf(out, CHK_PATH_MAX, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name) >=
	    CHK_PATH_MAX)
		out[0] = 0; /* too long: resolves to nothing */
}

/* Absolute form of path (relative paths are taken from the working directory). */
static void absolute(struct chk *k, const char *path, char *out)
{
	if (path[0] == '/')
		snprintf(out, CHK_PATH_MAX, "%s", path);
	else
		join(out, k->workdir, path);
}

static const struct imgfs_inode *lookup(struct chk *k, const char *path, uint32_t *ino)
{
	int64_t r = imgfs_resolve(k->fs, path, 1);
	if (r <= 0)
		return NULL;
	if (ino)
		*ino = (uint32_t)r;
	return imgfs_inode(k->fs, (uint32_t)r);
}

static int seen_lib(struct chk *k, uint32_t ino)
{
	for (size_t i = 0; i < k->nseen; i++)
		if (k->seen[i] == ino)
			return 1;
	if (k->nseen < CHK_MAX_LIBS)
		k->seen[k->nseen++] = ino;
	return 0;
}

/* Library search directories for a glibc or musl interpreter, in the loader's order. */
static void search_dirs(struct chk *k, const struct elfinfo *ei, const char *origin, struct buf *b)
{
	const char *first[3] = { ei->runpath ? NULL : ei->rpath, k->ld_library_path, ei->runpath };
	char *s;
	for (int i = 0; i < 3; i++) /* glibc order: DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH */
		if (first[i]) {
			buf_put(b, first[i], strlen(first[i]));
			buf_put(b, ":", 1);
		}
	const struct imgfs_inode *f = lookup(k, "/etc/ld-musl-x86_64.path", NULL);
	if (ei->interp && strstr(ei->interp, "musl") && f) {
		s = xstrndup((const char *)imgfs_data(k->fs, f), f->size);
		for (char *p = s; *p; p++)
			if (*p == '\n')
				*p = ':';
		buf_put(b, s, strlen(s));
		free(s);
	} else if (ei->interp && strstr(ei->interp, "musl")) {
		buf_put(b, "/lib:/usr/local/lib:/usr/lib", 28);
	} else {
		static const char d[] = "/etc/ld.so.conf.d/x86_64-linux-gnu.conf";
		if ((f = lookup(k, d, NULL)) != NULL) {
			s = xstrndup((const char *)imgfs_data(k->fs, f), f->size);
			for (char *p = s; *p; p++)
				if (*p == '\n')
					*p = ':';
			buf_put(b, s, strlen(s));
			buf_put(b, ":", 1);
			free(s);
		}
		static const char def[] = "/usr/local/lib:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu"
					  ":/lib64:/usr/lib64:/lib:/usr/lib";
		buf_put(b, def, sizeof(def) - 1);
	}
	buf_put(b, "", 1);
	for (char *p = (char *)b->p; (p = strstr(p, "$ORIGIN")) != NULL;) {
		/* rewrite $ORIGIN in place by building a new string */
		struct buf nb = {0};
		buf_put(&nb, b->p, (size_t)(p - (char *)b->p));
		buf_put(&nb, origin, strlen(origin));
		buf_put(&nb, p + 7, strlen(p + 7) + 1);
		size_t skip = (size_t)(p - (char *)b->p) + strlen(origin);
		buf_free(b);
		*b = nb;
		p = (char *)b->p + skip;
	}
}

static int find_lib(struct chk *k, const char *dirs, const char *name, char *found)
{
	if (strchr(name, '/')) {
		absolute(k, name, found);
		return lookup(k, found, NULL) != NULL;
	}
	char *copy = xstrdup(dirs), *save = NULL;
	int ok = 0;
	for (char *d = strtok_r(copy, ":", &save); d && !ok; d = strtok_r(NULL, ":", &save)) {
		if (d[0] != '/')
			continue; /* comments and relative entries never match in the loader */
		join(found, d, name);
		uint32_t ino;
		const struct imgfs_inode *i = lookup(k, found, &ino);
		struct elfinfo li;
		if (!i || (i->mode & IMGFS_S_IFMT) != IMGFS_S_IFREG)
			continue;
		if (elfinfo_read(imgfs_data(k->fs, i), i->size, &li) == 0) {
			ok = elfinfo_runs_here(&li);
			elfinfo_free(&li);
		}
	}
	free(copy);
	return ok;
}

/* Checks the interpreter and every DT_NEEDED library (transitively) of path. */
static void check_deps(struct chk *k, const char *path, const struct elfinfo *ei, int depth)
{
	char found[CHK_PATH_MAX], origin[CHK_PATH_MAX];
	struct buf dirs = {0};
	snprintf(origin, sizeof(origin), "%s", path);
	char *sl = strrchr(origin, '/');
	if (sl)
		*(sl == origin ? sl + 1 : sl) = 0;
	search_dirs(k, ei, origin, &dirs);
	for (size_t i = 0; i < ei->n_needed; i++) {
		uint32_t ino;
		if (!find_lib(k, (const char *)dirs.p, ei->needed[i], found)) {
			warn(k, "%s: library %s not found in the image", path, ei->needed[i]);
			continue;
		}
		const struct imgfs_inode *li = lookup(k, found, &ino);
		struct elfinfo sub;
		if (!li || seen_lib(k, ino) || depth > 16)
			continue;
		if (elfinfo_read(imgfs_data(k->fs, li), li->size, &sub) == 0) {
			check_deps(k, found, &sub, depth + 1);
			elfinfo_free(&sub);
		}
	}
	buf_free(&dirs);
}

static void classify(struct chk *k, const char *path, int depth, char *kind, size_t klen);

static void classify_script(struct chk *k, const char *path, const uint8_t *d, size_t n, int depth,
			    char *kind, size_t klen)
{
	char line[256], interp[CHK_PATH_MAX], sub[512];
	size_t len = n < sizeof(line) ? n : sizeof(line);
	const uint8_t *nl = memchr(d, '\n', len);
	if (!nl && n >= sizeof(line)) {
		snprintf(kind, klen, "#! script");
		warn(k, "%s: #! line longer than 255 bytes (exec fails with ENOEXEC)", path);
		return;
	}
	len = nl ? (size_t)(nl - d) : len;
	memcpy(line, d + 2, len - 2);
	line[len - 2] = 0;
	char *p = line + strspn(line, " \t"), *e = p + strcspn(p, " \t");
	char *arg = e + strspn(e, " \t");
	*e = 0;
	if (!*p) {
		snprintf(kind, klen, "#! script");
		warn(k, "%s: #! line names no interpreter", path);
		return;
	}
	snprintf(kind, klen, "#! script (interpreter %s%s%.64s)", p, *arg ? " " : "", arg);
	if (depth >= CHK_MAX_SHEBANG) {
		warn(k, "%s: #! interpreters nested too deeply (exec fails with ELOOP)", path);
		return;
	}
	absolute(k, p, interp);
	classify(k, interp, depth + 1, sub, sizeof(sub));
}

static void classify_elf(struct chk *k, const char *path, const uint8_t *d, size_t n, char *kind,
			 size_t klen)
{
	struct elfinfo ei;
	elfinfo_read(d, n, &ei);
	elfinfo_kind(&ei, kind, klen);
	if (!ei.is_elf)
		warn(k, "%s: damaged ELF header", path);
	else if (!elfinfo_runs_here(&ei))
		warn(k, "%s: built for %s%s, not x86-64: cannot run", path,
		     ei.class64 ? "" : "32-bit ", ei.machine_name);
	else if (ei.bad_interp)
		warn(k, "%s: malformed PT_INTERP", path);
	if (ei.interp && elfinfo_runs_here(&ei)) {
		char ip[CHK_PATH_MAX];
		absolute(k, ei.interp, ip);
		const struct imgfs_inode *ii = lookup(k, ip, NULL);
		if (!ii || (ii->mode & IMGFS_S_IFMT) != IMGFS_S_IFREG)
			warn(k, "%s: interpreter %s not found in the image", path, ei.interp);
	}
	if (elfinfo_runs_here(&ei) && ei.n_needed)
		check_deps(k, path, &ei, 0);
	elfinfo_free(&ei);
}

static void classify(struct chk *k, const char *path, int depth, char *kind, size_t klen)
{
	const struct imgfs_inode *i = lookup(k, path, NULL);
	snprintf(kind, klen, "missing");
	if (!i) {
		warn(k, "%s: not found in the image (exit 127 at run)", path);
		return;
	}
	if ((i->mode & IMGFS_S_IFMT) != IMGFS_S_IFREG) {
		snprintf(kind, klen, "directory");
		warn(k, "%s: is a directory, not a program (exit 126 at run)", path);
		return;
	}
	if (!(i->mode & 0111))
		warn(k, "%s: not executable (mode %04o; exit 126 at run)", path, i->mode & 07777);
	const uint8_t *d = imgfs_data(k->fs, i);
	if (i->size >= 2 && d[0] == '#' && d[1] == '!')
		classify_script(k, path, d, i->size, depth, kind, klen);
	else if (i->size >= 4 && memcmp(d, "\177ELF", 4) == 0)
		classify_elf(k, path, d, i->size, kind, klen);
	else {
		snprintf(kind, klen, "unknown format");
		warn(k, "%s: neither ELF nor a #! script (exec fails with ENOEXEC)", path);
	}
}

static const char *env_get(char **env, size_t n, const char *name)
{
	size_t l = strlen(name);
	for (size_t i = 0; i < n; i++)
		if (strncmp(env[i], name, l) == 0 && env[i][l] == '=')
			return env[i] + l + 1;
	return NULL;
}

/* PATH search like execvp: the first regular file found; remembers a non-executable one. */
static int search_path(struct chk *k, const char *cmd, const char *pathvar, char *out)
{
	char *copy = xstrdup(pathvar ? pathvar : ""), *save = NULL, cand[CHK_PATH_MAX];
	int found = 0;
	for (char *d = strtok_r(copy, ":", &save); d && found < 2; d = strtok_r(NULL, ":", &save)) {
		char dir[CHK_PATH_MAX];
		absolute(k, d, dir);
		join(cand, dir, cmd);
		const struct imgfs_inode *i = lookup(k, cand, NULL);
		if (!i || (i->mode & IMGFS_S_IFMT) != IMGFS_S_IFREG)
			continue;
		if (!found || (i->mode & 0111))
			snprintf(out, CHK_PATH_MAX, "%s", cand);
		found = (i->mode & 0111) ? 2 : 1;
	}
	free(copy);
	return found;
}

json_t *check_command(const struct imgfs *fs, const struct unik_runcfg *rc)
{
	struct chk k = { .fs = fs, .workdir = rc->workdir ? rc->workdir : "/" };
	char path[CHK_PATH_MAX], kind[512] = "none";
	json_t *o = json_object();
	k.warnings = json_array();
	k.ld_library_path = env_get(rc->env, rc->n_env, "LD_LIBRARY_PATH");
	path[0] = 0;
	if (rc->n_argv == 0) {
		warn(&k, "no command: the image has neither Entrypoint nor Cmd");
	} else if (strchr(rc->argv[0], '/')) {
		absolute(&k, rc->argv[0], path);
		classify(&k, path, 0, kind, sizeof(kind));
	} else if (search_path(&k, rc->argv[0], env_get(rc->env, rc->n_env, "PATH"), path)) {
		classify(&k, path, 0, kind, sizeof(kind));
	} else {
		snprintf(kind, sizeof(kind), "missing");
		warn(&k, "%s: executable file not found in $PATH (exit 127 at run)", rc->argv[0]);
	}
	json_object_set_new(o, "command", json_string(rc->n_argv ? rc->argv[0] : ""));
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "warnings", k.warnings);
	return o;
}

static void check_walk(struct chk *k, uint32_t dino, const char *prefix, json_t *out, int depth)
{
	const struct imgfs_inode *d = imgfs_inode(k->fs, dino);
	if (!d || depth > 512)
		return;
	for (uint64_t i = 0; i < d->size; i++) {
		const struct imgfs_dirent *de = imgfs_dirent(k->fs, d, i);
		const char *nm = de ? imgfs_str(k->fs, de->name_off, de->name_len) : NULL;
		const struct imgfs_inode *ci = de ? imgfs_inode(k->fs, de->ino) : NULL;
		char path[CHK_PATH_MAX], kind[512];
		if (!nm || !ci)
			continue;
		snprintf(path, sizeof(path), "%s/%.*s", prefix, (int)de->name_len, nm);
		if ((ci->mode & IMGFS_S_IFMT) == IMGFS_S_IFDIR && de->ino != dino) {
			check_walk(k, de->ino, path, out, depth + 1);
			continue;
		}
		const uint8_t *data = imgfs_data(k->fs, ci);
		if (!data || ci->size < 4 || memcmp(data, "\177ELF", 4) != 0)
			continue;
		json_t *o = json_object();
		k->warnings = json_array();
		k->nseen = 0;
		classify_elf(k, path, data, ci->size, kind, sizeof(kind));
		json_object_set_new(o, "path", json_string(path));
		json_object_set_new(o, "kind", json_string(kind));
		json_object_set_new(o, "warnings", k->warnings);
		json_array_append_new(out, o);
	}
}

json_t *check_all(const struct imgfs *fs, char **env, size_t n_env)
{
	struct chk k = { .fs = fs, .workdir = "/" };
	json_t *out = json_array();
	k.ld_library_path = env ? env_get(env, n_env, "LD_LIBRARY_PATH") : NULL;
	check_walk(&k, IMGFS_ROOT_INO, "", out, 0);
	return out;
}
