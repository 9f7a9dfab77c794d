/* Unit tests: whole conversions (docker/OCI inputs, selection, config, checks, reproducibility). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/check.h"
#include "image/convert.h"
#include "image/image.h"
#include "image/imgfs.h"
#include "tests/unit/test_image_util.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:a:/home/app:/bin/sh\n";
static const char group[] = "root:x:0:\napp:x:1001:\nwheel:x:10:app,other\nstaff:x:50:app\n";

/* Two layers: a base, then a whiteout and a new file. */
static void two_layers(uint8_t **l, size_t *n)
{
	struct tw *w = tw_new();
	tw_file(w, "etc/passwd", 0644, passwd);
	tw_file(w, "etc/group", 0644, group);
	tw_file(w, "bin/app", 0755, "#!/bin/sh\necho hi\n");
	tw_file(w, "bin/sh", 0755, "\177ELF");
	tw_file(w, "old", 0644, "x");
	l[0] = tw_finish(w, &n[0]);
	w = tw_new();
	tw_file(w, ".wh.old", 0644, "");
	tw_file(w, "new", 0644, "y");
	l[1] = tw_finish(w, &n[1]);
}

static const char cfg_json[] =
	"{\"Entrypoint\":[\"/bin/app\"],\"Cmd\":[\"a\",\"b\"],\"Env\":[\"A=1\",\"PATH=/bin\"],"
	"\"WorkingDir\":\"/srv/w\",\"User\":\"app\",\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},"
	"\"Volumes\":{\"/data\":{}},\"StopSignal\":\"SIGINT\",\"Labels\":{\"k\":\"v\",\"a\":\"b\"}}";

/* Converts archive a (written with filter) and opens the result. */
static int convert_open(struct tu_archive *a, const char *filter, const char *sel,
			const struct runcfg_overrides *ov, struct artifact *art, struct img_ctx *c)
{
	char *p = tu_write_archive(a, filter), *ap = NULL, err[256];
	tu_ctx(c);
	int r = tu_convert_ov(c, p, sel, ov, &ap);
	if (r == 0) {
		r = artifact_open(ap, art, err, sizeof(err));
		if (r < 0)
			fail_msg("artifact_open: %s", err);
		unlink(ap);
	}
	free(ap);
	unlink(p);
	free(p);
	return r;
}

static int exists(const struct artifact *art, const char *path)
{
	struct imgfs fs;
	const char *why;
	assert_int_equal(imgfs_open(&fs, art->imgfs, art->imgfs_len, &why), 0);
	return imgfs_resolve(&fs, path, 0) > 0;
}

static void test_docker_archive_config(void **state)
{
	uint8_t *l[2];
	size_t n[2];
	struct tu_archive a = {0};
	struct artifact art;
	struct img_ctx c;
	two_layers(l, n);
	tu_docker_archive(&a, l, n, 2, cfg_json, "[\"example.com/x/y:1\"]");
	assert_int_equal(convert_open(&a, NULL, NULL, NULL, &art, &c), 0);
	const struct unik_runcfg *rc = &art.cfg;
	assert_int_equal(rc->n_argv, 3);
	assert_string_equal(rc->argv[0], "/bin/app");
	assert_string_equal(rc->argv[2], "b");
	assert_string_equal(rc->env[1], "PATH=/bin");
	assert_string_equal(rc->workdir, "/srv/w");
	assert_int_equal(rc->uid, 1000);
	assert_int_equal(rc->gid, 1001);
	assert_int_equal(rc->n_groups, 2);
	assert_int_equal(rc->groups[0], 10);
	assert_string_equal(rc->home, "/home/app");
	assert_int_equal(rc->n_ports, 2);
	assert_string_equal(rc->ports[0], "53/udp");
	assert_string_equal(rc->volumes[0], "/data");
	assert_string_equal(rc->stopsignal, "SIGINT");
	assert_string_equal(rc->label_keys[0], "a");
	assert_true(exists(&art, "/new"));
	assert_false(exists(&art, "/old"));
	assert_true(exists(&art, "/srv/w")); /* WorkingDir created */
	assert_int_equal((uintptr_t)art.imgfs % 4096, 0);
	assert_memory_equal(art.kernel, "\177ELF test kernel", 16);
	artifact_close(&art);
	tu_archive_free(&a);
	free(l[0]);
	free(l[1]);
}

static void test_formats_give_same_tree(void **state)
{
	uint8_t *l[2], *gz[2];
	size_t n[2], gn[2];
	struct tu_archive a = {0}, b = {0};
	struct artifact x, y;
	struct img_ctx c;
	two_layers(l, n);
	gz[0] = tu_compress("gzip", l[0], n[0], &gn[0]);
	gz[1] = tu_compress("zstd", l[1], n[1], &gn[1]);
	tu_docker_archive(&a, l, n, 2, cfg_json, "[\"x:1\"]");
	tu_oci_archive(&b, gz, gn, 2, cfg_json);
	assert_int_equal(convert_open(&a, "zstd", NULL, NULL, &x, &c), 0);
	assert_int_equal(convert_open(&b, "gzip", NULL, NULL, &y, &c), 0);
	assert_int_equal(x.imgfs_len, y.imgfs_len);
	assert_memory_equal(x.imgfs, y.imgfs, x.imgfs_len);
	artifact_close(&x);
	artifact_close(&y);
	tu_archive_free(&a);
	tu_archive_free(&b);
	for (int i = 0; i < 2; i++) {
		free(l[i]);
		free(gz[i]);
	}
}

static void test_skopeo_symlinked_layers(void **state)
{
	uint8_t *l[2];
	size_t n[2];
	struct tu_archive a = {0};
	struct artifact art;
	struct img_ctx c;
	two_layers(l, n);
	tu_docker_archive(&a, l, n, 2, cfg_json, "[\"x:1\"]");
	for (int i = 0; i < a.n; i++) /* move the data to the top, link from <id>/layer.tar */
		if (strcmp(a.m[i].name, "l1/layer.tar") == 0) {
			strcpy(a.m[i].name, "abc.tar");
			tu_add_symlink(&a, "l1/layer.tar", "../abc.tar");
			break;
		}
	assert_int_equal(convert_open(&a, NULL, NULL, NULL, &art, &c), 0);
	assert_true(exists(&art, "/new"));
	artifact_close(&art);
	tu_archive_free(&a);
	free(l[0]);
	free(l[1]);
}

static void test_multi_image_selection(void **state)
{
	uint8_t *l[2];
	size_t n[2];
	struct tu_archive a = {0};
	struct artifact art;
	struct img_ctx c;
	two_layers(l, n);
	tu_docker_archive(&a, l, n, 2, cfg_json, "[\"docker.io/library/one:1\"]");
	/* a second manifest entry: the same config with only the first layer is enough here */
	for (int i = 0; i < a.n; i++)
		if (strcmp(a.m[i].name, "manifest.json") == 0) {
			char *m = (char *)a.m[i].data, *nm;
			size_t len = strlen(m);
			nm = xcalloc(len * 2 + 8, 1);
			memcpy(nm, m, len - 1);
			strcat(nm, ",");
			strncat(nm, m + 1, len - 2);
			strcat(nm, "]");
			char *tag = strstr(nm + len, "library/one:1");
			memcpy(tag, "library/two:2", 13);
			free(a.m[i].data);
			a.m[i].data = (uint8_t *)nm;
			a.m[i].len = strlen(nm);
		}
	assert_true(convert_open(&a, NULL, NULL, NULL, &art, &c) < 0);
	assert_non_null(strstr(c.err, "2 images in the archive: choose one"));
	assert_non_null(strstr(c.err, "docker.io/library/two:2"));
	assert_int_equal(convert_open(&a, NULL, "two:2", NULL, &art, &c), 0);
	artifact_close(&art);
	assert_true(convert_open(&a, NULL, "three", NULL, &art, &c) < 0);
	assert_non_null(strstr(c.err, "no image named three"));
	tu_archive_free(&a);
	free(l[0]);
	free(l[1]);
}

static void test_oci_platforms(void **state)
{
	uint8_t *l[2];
	size_t n[2];
	struct tu_archive a = {0};
	struct artifact art;
	struct img_ctx c;
	char hex[65], idx[1024], nested[1024];
	two_layers(l, n);
	tu_oci_archive(&a, l, n, 2, cfg_json);
	/* nest: index.json -> index blob listing arm64 (absent blob) and amd64 */
	struct tu_member *ix = &a.m[a.n - 2];
	char *mdig = strstr((char *)ix->data, "sha256:") + 7;
	snprintf(nested, sizeof(nested), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
		 "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%064d\","
		 "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
		 "{\"digest\":\"sha256:%.64s\",\"platform\":{\"os\":\"linux\",\"architecture\":"
		 "\"amd64\"}}]}", 0, mdig);
	tu_sha256_hex(nested, strlen(nested), hex);
	char bn[128];
	snprintf(bn, sizeof(bn), "blobs/sha256/%s", hex);
	tu_add(&a, bn, nested, strlen(nested));
	snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
		 "\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:%s\"}]}", hex);
	free(ix->data);
	ix->data = (uint8_t *)xstrdup(idx);
	ix->len = strlen(idx);
	assert_int_equal(convert_open(&a, NULL, NULL, NULL, &art, &c), 0);
	assert_true(exists(&art, "/new"));
	artifact_close(&art);
	char *amd = strstr((char *)a.m[a.n - 1].data, "amd64"); /* now only arm64 and s390x */
	memcpy(amd, "s390x", 5);
	tu_sha256_hex(a.m[a.n - 1].data, a.m[a.n - 1].len, hex);
	snprintf(a.m[a.n - 1].name, sizeof(a.m[0].name), "blobs/sha256/%s", hex);
	snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
		 "\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:%s\"}]}", hex);
	free(ix->data);
	ix->data = (uint8_t *)xstrdup(idx);
	ix->len = strlen(idx);
	assert_true(convert_open(&a, NULL, NULL, NULL, &art, &c) < 0);
	assert_string_equal(c.err, "index.json: no linux/amd64 image; platforms: linux/arm64/v8 "
			    "linux/s390x");
	tu_archive_free(&a);
	free(l[0]);
	free(l[1]);
}

static void test_overrides_and_users(void **state)
{
	uint8_t *l[2];
	size_t n[2];
	struct tu_archive a = {0};
	struct artifact art;
	struct img_ctx c;
	char *cmd[] = { "x", "y" }, *env[] = { "A", "B=2", "UNIK_TEST_HOST_VAR" };
	struct runcfg_overrides ov = { .set_entrypoint = 1, .entrypoint = "/bin/sh",
				       .env = env, .n_env = 3, .workdir = "/", .user = "app:staff" };
	setenv("UNIK_TEST_HOST_VAR", "host", 1);
	unsetenv("A");
	two_layers(l, n);
	tu_docker_archive(&a, l, n, 2, cfg_json, "[\"x:1\"]");
	assert_int_equal(convert_open(&a, NULL, NULL, &ov, &art, &c), 0);
	assert_int_equal(art.cfg.n_argv, 1); /* --entrypoint clears Cmd */
	assert_int_equal(art.cfg.n_env, 3);  /* A removed; B and host var added */
	assert_string_equal(art.cfg.env[0], "PATH=/bin");
	assert_string_equal(art.cfg.env[2], "UNIK_TEST_HOST_VAR=host");
	assert_int_equal(art.cfg.gid, 50);
	assert_int_equal(art.cfg.n_groups, 0);
	artifact_close(&art);
	ov.set_cmd = 1;
	ov.cmd = cmd;
	ov.n_cmd = 2;
	ov.user = "4242";
	assert_int_equal(convert_open(&a, NULL, NULL, &ov, &art, &c), 0);
	assert_int_equal(art.cfg.n_argv, 3);
	assert_int_equal(art.cfg.uid, 4242);
	assert_int_equal(art.cfg.gid, 0);
	artifact_close(&art);
	ov.user = "nobody";
	assert_true(convert_open(&a, NULL, NULL, &ov, &art, &c) < 0);
	assert_string_equal(c.err, "User: unable to find user nobody: no matching entries in "
			    "passwd file");
	ov.user = "app:nogroup";
	assert_true(convert_open(&a, NULL, NULL, &ov, &art, &c) < 0);
	assert_non_null(strstr(c.err, "unable to find group nogroup"));
	tu_archive_free(&a);
	free(l[0]);
	free(l[1]);
}

static void test_reproducible(void **state)
{
	uint8_t *l[2], *r1, *r2;
	size_t n[2], n1, n2;
	struct tu_archive a = {0}, b = {0};
	struct img_ctx c;
	struct convert_req req = { .kernel = "K", .kernel_len = 1, .level = 3 };
	two_layers(l, n);
	tu_docker_archive(&a, l, n, 2, cfg_json, "[\"x:1\"]");
	tu_docker_archive(&b, l, n, 2, cfg_json, "[\"x:1\"]");
	struct tu_member t = b.m[0]; /* same members in another order */
	b.m[0] = b.m[b.n - 1];
	b.m[b.n - 1] = t;
	char *pa = tu_write_archive(&a, NULL), *pb = tu_write_archive(&b, "gzip");
	tu_ctx(&c);
	req.input = pa;
	assert_int_equal(convert_image(&c, &req, &r1, &n1, NULL), 0);
	req.input = pb;
	assert_int_equal(convert_image(&c, &req, &r2, &n2, NULL), 0);
	assert_int_equal(n1, n2);
	assert_memory_equal(r1, r2, n1);
	free(r2);
	req.input = pa;
	assert_int_equal(convert_image(&c, &req, &r2, &n2, NULL), 0);
	assert_memory_equal(r1, r2, n1);
	free(r1);
	free(r2);
	unlink(pa);
	unlink(pb);
	free(pa);
	free(pb);
	tu_archive_free(&a);
	tu_archive_free(&b);
	free(l[0]);
	free(l[1]);
}

/* Builds an imgfs from one layer and runs check_command for argv0 with PATH=/bin. */
static json_t *check_of(struct tw *w, char *argv0)
{
	struct img_ctx c;
	struct tree *t = tree_new();
	size_t n, ilen;
	uint8_t *tar = tw_finish(w, &n), *img;
	struct imgfs_stats st;
	struct imgfs fs;
	const char *why;
	char *env[] = { "PATH=/bin", NULL }, *argv[] = { argv0, NULL };
	struct unik_runcfg rc = { .argv = argv, .n_argv = 1, .env = env, .n_env = 1, .workdir = "/" };
	tu_ctx(&c);
	assert_int_equal(tu_apply(&c, t, tar, n), 0);
	assert_int_equal(imgfs_build(&c, t, &img, &ilen, &st), 0);
	assert_int_equal(imgfs_open(&fs, img, ilen, &why), 0);
	json_t *r = check_command(&fs, &rc);
	free(img);
	free(tar);
	tree_free(t);
	return r;
}

static char *read_host(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = {0};
	char tmp[65536];
	size_t r;
	while ((r = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_put(&b, tmp, r);
	fclose(f);
	*n = b.len;
	return (char *)b.p;
}

static const char *warning0(json_t *r)
{
	return json_string_value(json_array_get(json_object_get(r, "warnings"), 0));
}

static void test_check_command(void **state)
{
	struct tw *w = tw_new();
	tw_file(w, "bin/script", 0755, "#!/bin/missing -x\n");
	json_t *r = check_of(w, "script");
	assert_string_equal(json_string_value(json_object_get(r, "path")), "/bin/script");
	assert_non_null(strstr(json_string_value(json_object_get(r, "kind")), "#! script"));
	assert_string_equal(warning0(r), "/bin/missing: not found in the image (exit 127 at run)");
	json_decref(r);
	r = check_of(tw_new(), "nothere");
	assert_non_null(strstr(warning0(r), "executable file not found in $PATH"));
	json_decref(r);
	w = tw_new();
	tw_file(w, "bin/noexec", 0644, "#!/bin/noexec\n");
	r = check_of(w, "/bin/noexec");
	assert_non_null(strstr(warning0(r), "not executable"));
	json_decref(r);
	size_t n;
	char *bb = read_host("/bin/busybox", &n), *ls = NULL;
	if (bb) {
		w = tw_new();
		tw_file_bytes(w, "bin/busybox", 0755, bb, n);
		r = check_of(w, "busybox");
		assert_non_null(strstr(json_string_value(json_object_get(r, "kind")), "x86-64 static"));
		assert_int_equal(json_array_size(json_object_get(r, "warnings")), 0);
		json_decref(r);
		free(bb);
	}
	if ((ls = read_host("/bin/ls", &n)) != NULL) {
		w = tw_new();
		tw_file_bytes(w, "bin/ls", 0755, ls, n);
		r = check_of(w, "ls");
		assert_non_null(strstr(json_string_value(json_object_get(r, "kind")), "dynamic"));
		assert_non_null(strstr(warning0(r), "interpreter /lib64/ld-linux-x86-64.so.2 not found"));
		char *dump = json_dumps(r, 0);
		assert_non_null(strstr(dump, "library libc.so.6 not found in the image"));
		free(dump);
		json_decref(r);
		free(ls);
	}
}

static void test_rootfs_dir(void **state)
{
	char dir[] = "/tmp/unik-test-root-XXXXXX", p[256];
	struct img_ctx c;
	struct convert_req req = { .kernel = "K", .kernel_len = 1, .level = 3 };
	char *cmd[] = { "/bin/x" };
	uint8_t *out;
	size_t n;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/bin", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/bin/x", dir);
	FILE *f = fopen(p, "w");
	fputs("#!/bin/x\n", f);
	fclose(f);
	chmod(p, 0755);
	snprintf(p, sizeof(p), "%s/l", dir);
	assert_int_equal(symlink("/etc/shadow", p), 0);
	req.rootfs = dir;
	req.ov.set_cmd = 1;
	req.ov.cmd = cmd;
	req.ov.n_cmd = 1;
	tu_ctx(&c);
	assert_int_equal(convert_image(&c, &req, &out, &n, NULL), 0);
	assert_true(n > 512);
	free(out);
	unlink(p);
	snprintf(p, sizeof(p), "%s/bin/x", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/bin", dir);
	rmdir(p);
	rmdir(dir);
}

/* An artifact whose image differs by the content of /f (its path: free() and unlink). */
static char *artifact_with(const char *content)
{
	struct tw *w = tw_new();
	tw_file(w, "f", 0644, content);
	uint8_t *l[1];
	size_t n[1];
	l[0] = tw_finish(w, &n[0]);
	struct tu_archive a = {0};
	tu_docker_archive(&a, l, n, 1, "{\"Cmd\":[\"/f\"]}", "[\"t:1\"]");
	char *p = tu_write_archive(&a, NULL), *ap = NULL;
	struct img_ctx c;
	tu_ctx(&c);
	assert_int_equal(tu_convert(&c, p, NULL, &ap), 0);
	unlink(p);
	free(p);
	tu_archive_free(&a);
	free(l[0]);
	return ap;
}

static int cache_count(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "ls %s | grep -c '^imgfs-'", dir);
	FILE *f = popen(cmd, "r");
	int n = -1;
	assert_int_equal(fscanf(f, "%d", &n), 1);
	pclose(f);
	return n;
}

/* The imgfs cache: a run stores a copy, a later run maps it (the kernel section is skipped
   unless asked for), and storing evicts the least recently used copies beyond UNIK_CACHE_MAX. */
static void test_cache_store_and_evict(void **state)
{
	char dir[] = "/tmp/unik-cache-test.XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("UNIK_CACHE_DIR", dir, 1);
	char *ap[3] = { artifact_with("one"), artifact_with("two"), artifact_with("three") };
	struct artifact art;
	char err[256];
	assert_int_equal(artifact_open_cached(ap[0], &art, false, err, sizeof(err)), 0);
	assert_null(art.kernel);
	uint64_t one = art.imgfs_len;
	artifact_close(&art);
	assert_int_equal(cache_count(dir), 1);
	assert_int_equal(artifact_open_cached(ap[0], &art, true, err, sizeof(err)), 0);
	assert_non_null(art.imgfs_map);                         /* from the cache */
	assert_non_null(art.kernel);
	assert_true(art.kernel_len > 0);
	artifact_close(&art);
	/* Room for two copies: the third store evicts the one used least recently. */
	char lim[32];
	snprintf(lim, sizeof(lim), "%llu", (unsigned long long)(2 * one + one / 2));
	setenv("UNIK_CACHE_MAX", lim, 1);
	assert_int_equal(artifact_open_cached(ap[1], &art, false, err, sizeof(err)), 0);
	artifact_close(&art);
	assert_int_equal(cache_count(dir), 2);
	sleep(1);                                               /* mtimes a second apart */
	assert_int_equal(artifact_open_cached(ap[0], &art, false, err, sizeof(err)), 0);
	artifact_close(&art);                                   /* one is now the newer */
	assert_int_equal(artifact_open_cached(ap[2], &art, false, err, sizeof(err)), 0);
	artifact_close(&art);
	assert_int_equal(cache_count(dir), 2);
	assert_int_equal(artifact_open_cached(ap[0], &art, false, err, sizeof(err)), 0);
	assert_non_null(art.imgfs_map);                         /* one stayed */
	artifact_close(&art);
	assert_int_equal(artifact_open_cached(ap[1], &art, false, err, sizeof(err)), 0);
	assert_null(art.imgfs_map);                             /* two was evicted */
	artifact_close(&art);
	assert_int_equal(cache_count(dir), 2);                  /* and stored again */
	unsetenv("UNIK_CACHE_MAX");
	unsetenv("UNIK_CACHE_DIR");
	for (int i = 0; i < 3; i++) {
		unlink(ap[i]);
		free(ap[i]);
	}
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_split_input(void **state)
{
	char *path, *sel;
	assert_int_equal(convert_split_input("/tmp:foo/bar:tag", &path, &sel), 0);
	assert_string_equal(path, "/tmp");
	assert_string_equal(sel, "foo/bar:tag");
	free(path);
	free(sel);
	assert_int_equal(convert_split_input("/nonexistent.tar:x", &path, &sel), -2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_archive_config),
		cmocka_unit_test(test_formats_give_same_tree),
		cmocka_unit_test(test_skopeo_symlinked_layers),
		cmocka_unit_test(test_multi_image_selection),
		cmocka_unit_test(test_oci_platforms),
		cmocka_unit_test(test_overrides_and_users),
		cmocka_unit_test(test_reproducible),
		cmocka_unit_test(test_check_command),
		cmocka_unit_test(test_rootfs_dir),
		cmocka_unit_test(test_split_input),
		cmocka_unit_test(test_cache_store_and_evict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
