/* `unik-runtime list`: the containers under --root, as runc lists them: a table (ID, PID,
   STATUS, BUNDLE, CREATED, OWNER; columns padded as Go's tabwriter with runc's settings),
   -q for the ids alone, or --format json for their states (null when there are none). */
#include <dirent.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/runtime.h"

struct rt_row {
	char *cells[6];
};

static int rt_list_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rt_row *)a)->cells[0], ((const struct rt_row *)b)->cells[0]);
}

/* The owner of a state directory by name (its uid when the name is unknown). */
static char *rt_owner(const struct rt_opts *o, const char *id)
{
	char dir[4200], buf[32];
	struct stat sb;
	if (!rt_state_dir(o, id, dir, sizeof(dir)) || stat(dir, &sb))
		return strdup("");
	struct passwd *pw = getpwuid(sb.st_uid);
	snprintf(buf, sizeof(buf), "%u", (unsigned)sb.st_uid);
	return strdup(pw ? pw->pw_name : buf);
}

static void rt_list_table(struct rt_row *rows, size_t n)
{
	static const char *const head[6] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
	size_t w[6];
	/* tabwriter(minwidth 12, padding 3): a cell is as wide as its column's widest plus 3,
	   at least 12; the last column is not padded */
	for (int c = 0; c < 6; c++) {
		w[c] = strlen(head[c]);
		for (size_t r = 0; r < n; r++)
			if (strlen(rows[r].cells[c]) > w[c])
				w[c] = strlen(rows[r].cells[c]);
		w[c] = w[c] + 3 < 12 ? 12 : w[c] + 3;
	}
	for (size_t r = 0; r <= n; r++) {
		for (int c = 0; c < 5; c++)
			printf("%-*s", (int)w[c], r ? rows[r - 1].cells[c] : head[c]);
		printf("%s\n", r ? rows[r - 1].cells[5] : head[5]);
	}
}

int rt_list(const struct rt_opts *o, int argc, char **argv)
{
	bool quiet = false, json = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *fmt = NULL;
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = true;
		} else if (!strcmp(a, "-f") || !strcmp(a, "--format")) {
			if (++i >= argc)
				return rt_error(o, "list: %s needs a value", a);
			fmt = argv[i];
		} else if (!strncmp(a, "--format=", 9)) {
			fmt = a + 9;
		} else {
			return rt_error(o, "list: unknown option %s (usage: list [-q] [-f table|json])",
					a);
		}
		if (fmt && strcmp(fmt, "json") && strcmp(fmt, "table"))
			return rt_error(o, "invalid format option");
		if (fmt)
			json = !strcmp(fmt, "json");
	}
	DIR *d = opendir(o->root);
	size_t n = 0, cap = 0;
	struct rt_row *rows = NULL;
	json_t *arr = json_array();
	struct dirent *e;
	while (d && (e = readdir(d))) {
		struct rt_state st;
		if (!rt_id_valid(e->d_name) || rt_state_load(o, e->d_name, &st))
			continue;       /* not a container's directory (or one being made) */
		enum rt_status s = rt_status(o, &st);
		pid_t pid = s == RT_STOPPED ? 0 : st.pid;
		char *owner = rt_owner(o, st.id);
		if (json) {
			char *text = rt_state_json(&st, s);
			json_t *j = text ? json_loads(text, 0, NULL) : NULL;
			free(text);
			if (j) {
				json_object_set_new(j, "owner", json_string(owner));
				json_array_append_new(arr, j);
			}
			free(owner);
		} else {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				rows = realloc(rows, cap * sizeof(*rows));
				if (!rows)
					abort();
			}
			char pidbuf[16];
			snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
			struct rt_row *r = &rows[n++];
			r->cells[0] = strdup(st.id);
			r->cells[1] = strdup(pidbuf);
			r->cells[2] = strdup(rt_status_name(s));
			r->cells[3] = strdup(st.bundle);
			r->cells[4] = strdup(st.created);
			r->cells[5] = owner;
		}
		rt_state_free(&st);
	}
	if (d)
		closedir(d);
	if (json) {
		char *text = json_array_size(arr) ? json_dumps(arr, JSON_COMPACT) : strdup("null");
		printf("%s\n", text ? text : "null");
		free(text);
	} else {
		qsort(rows, n, sizeof(*rows), rt_list_cmp);
		if (quiet)
			for (size_t r = 0; r < n; r++)
				printf("%s\n", rows[r].cells[0]);
		else
			rt_list_table(rows, n);
		for (size_t r = 0; r < n; r++)
			for (int c = 0; c < 6; c++)
				free(rows[r].cells[c]);
		free(rows);
	}
	json_decref(arr);
	return 0;
}
