/* Unit tests: hostile layers, archives and artifacts each give their specific error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"
#include "image/layer.h"
#include "tests/unit/test_image_util.h"

/* Applies one layer holding w to a fresh tree; returns the result, error text in c->err. */
static int apply_one(struct img_ctx *c, struct tw *w)
{
	struct tree *t = tree_new();
	size_t n;
	uint8_t *tar = tw_finish(w, &n);
	int r = tu_apply(c, t, tar, n);
	free(tar);
	tree_free(t);
	return r;
}

static void expect_layer_error(struct tw *w, const char *msg)
{
	struct img_ctx c;
	tu_ctx(&c);
	assert_true(apply_one(&c, w) < 0);
	if (!strstr(c.err, msg))
		fail_msg("error '%s' does not contain '%s'", c.err, msg);
}

static void test_path_escapes(void **state)
{
	struct tw *w = tw_new();
	tw_file(w, "../x", 0644, "x");
	expect_layer_error(w, "../x: path escapes the root");
	w = tw_new();
	tw_file(w, "a/../../x", 0644, "x");
	expect_layer_error(w, "a/../../x: path escapes the root");
}

static void test_absolute_path_is_relative_to_root(void **state)
{
	struct img_ctx c;
	struct tree *t = tree_new();
	struct tw *w = tw_new();
	size_t n;
	tu_ctx(&c);
	tw_file(w, "/abs", 0644, "x");
	tw_file(w, "a/../b", 0644, "x");
	uint8_t *tar = tw_finish(w, &n);
	assert_int_equal(tu_apply(&c, t, tar, n), 0);
	assert_non_null(tu_lookup(t, "abs"));
	assert_non_null(tu_lookup(t, "b"));
	free(tar);
	tree_free(t);
}

static void test_long_names_and_depth(void **state)
{
	char name[600];
	memset(name, 'n', 300);
	name[300] = 0;
	struct tw *w = tw_new();
	tw_file(w, name, 0644, "x");
	expect_layer_error(w, "file name too long");
	struct buf deep = {0};
	for (int i = 0; i < 10000; i++)
		buf_put(&deep, "d/", 2);
	buf_put(&deep, "f", 2);
	w = tw_new();
	tw_file(w, (char *)deep.p, 0644, "x");
	expect_layer_error(w, "path too long"); /* 20 KB path: refused before depth counting */
	buf_free(&deep);
	struct img_ctx c;
	tu_ctx(&c);
	c.lim.max_depth = 8;
	w = tw_new();
	tw_file(w, "1/2/3/4/5/6/7/8/9", 0644, "x");
	assert_true(apply_one(&c, w) < 0);
	assert_non_null(strstr(c.err, "path too deep (limit exceeded: --max-depth)"));
}

static void test_bad_whiteouts(void **state)
{
	const char *bad[] = { "d/.wh.", "d/.wh..", "d/.wh..." };
	for (int i = 0; i < 3; i++) {
		struct tw *w = tw_new();
		tw_dir(w, "d", 0755);
		tw_file(w, bad[i], 0644, "");
		expect_layer_error(w, "invalid whiteout name");
	}
	struct tw *w = tw_new();
	tw_symlink(w, "s", "/etc");
	tw_file(w, "s/.wh.passwd", 0644, "");
	expect_layer_error(w, "s/.wh.passwd: whiteout: parent is a symlink (not followed)");
}

static void test_symlink_named_dot(void **state)
{
	struct tw *w = tw_new();
	tw_symlink(w, ".", "/");
	expect_layer_error(w, "the root can only be a directory");
}

static void test_uid_range(void **state)
{
	struct img_ctx c;
	struct tree *t = tree_new();
	struct tw *w = tw_new();
	size_t n;
	tu_ctx(&c);
	tw_file_meta(w, "big", 06755, "x", 2147483653ll, 4000000000ll, 0, NULL, NULL);
	uint8_t *tar = tw_finish(w, &n);
	assert_int_equal(tu_apply(&c, t, tar, n), 0);
	assert_int_equal(tu_lookup(t, "big")->uid, 2147483653u);
	assert_int_equal(tu_lookup(t, "big")->mode & 07777, 06755);
	free(tar);
	tree_free(t);
	w = tw_new();
	tw_file_meta(w, "neg", 0644, "x", 4294967295ll, 0, 0, NULL, NULL);
	expect_layer_error(w, "neg: uid/gid out of range");
}

static void test_entry_and_size_limits(void **state)
{
	struct img_ctx c;
	struct tw *w = tw_new();
	for (int i = 0; i < 20; i++) {
		char nm[16];
		snprintf(nm, sizeof(nm), "f%d", i);
		tw_file(w, nm, 0644, "x");
	}
	tu_ctx(&c);
	c.lim.max_entries = 10;
	assert_true(apply_one(&c, w) < 0);
	assert_non_null(strstr(c.err, "more than 10 entries (--max-entries)"));
	w = tw_new();
	tw_file(w, "big", 0644, "0123456789abcdef0123456789abcdef");
	tu_ctx(&c);
	c.lim.max_bytes = 16;
	assert_true(apply_one(&c, w) < 0);
	assert_non_null(strstr(c.err, "exceeds the limit of 16 bytes (--max-size)"));
}

static void test_compression_bomb(void **state)
{
	struct img_ctx c;
	size_t zn, tn, gn;
	uint8_t *zeros = xcalloc(8 << 20, 1), *tar, *gz, *owned;
	const uint8_t *out;
	struct tw *w = tw_new();
	tw_file_bytes(w, "zeros", 0644, zeros, 8 << 20);
	tar = tw_finish(w, &tn);
	gz = tu_compress("gzip", tar, tn, &gn);
	tu_ctx(&c);
	c.lim.ratio_floor = 1 << 20;
	c.lim.max_ratio = 100;
	assert_true(layer_decompress(&c, "blob", gz, gn, &out, &zn, &owned) < 0);
	assert_non_null(strstr(c.err, "blob: compression ratio exceeds 100:1"));
	tu_ctx(&c);
	c.lim.max_bytes = 1 << 20;
	assert_true(layer_decompress(&c, "blob", gz, gn, &out, &zn, &owned) < 0);
	assert_non_null(strstr(c.err, "uncompressed size exceeds the limit"));
	free(zeros);
	free(tar);
	free(gz);
}

static void test_truncated_and_corrupt_layers(void **state)
{
	struct img_ctx c;
	size_t tn, gn;
	struct tw *w = tw_new();
	tw_file(w, "a", 0644, "hello world, this is a file");
	tw_file(w, "b", 0644, "second");
	uint8_t *tar = tw_finish(w, &tn);
	struct tree *t = tree_new();
	tu_ctx(&c);
	assert_true(tu_apply(&c, t, tar, 1000) < 0); /* cut inside the data of "b" */
	assert_non_null(strstr(c.err, "layer: "));
	tar[148] ^= 0x11; /* header checksum field of the first entry */
	tu_ctx(&c);
	assert_true(tu_apply(&c, t, tar, tn) < 0);
	if (!strstr(c.err, "not a tar archive: Unrecognized archive format"))
		fail_msg("unexpected: %s", c.err);
	tar[148] ^= 0x11;
	uint8_t *gz = tu_compress("gzip", tar, tn, &gn), *owned;
	const uint8_t *out;
	size_t on;
	tu_ctx(&c);
	assert_true(layer_decompress(&c, "blob", gz, gn / 2, &out, &on, &owned) < 0);
	assert_non_null(strstr(c.err, "blob: corrupt or truncated compressed data"));
	free(gz);
	free(tar);
	tree_free(t);
}

static uint8_t *one_layer(size_t *n)
{
	struct tw *w = tw_new();
	tw_file(w, "bin/true", 0755, "#!/bin/sh\n");
	return tw_finish(w, n);
}

static void test_diff_id_mismatch(void **state)
{
	struct tu_archive a = {0};
	struct img_ctx c;
	size_t n;
	uint8_t *l = one_layer(&n);
	tu_docker_archive(&a, &l, &n, 1, "{}", "[\"x:1\"]");
	for (int i = 0; i < a.n; i++)
		if (strcmp(a.m[i].name, "l0/layer.tar") == 0)
			a.m[i].data[600] ^= 1; /* change one byte of file content */
	char *p = tu_write_archive(&a, NULL);
	tu_ctx(&c);
	assert_true(tu_convert(&c, p, NULL, NULL) < 0);
	assert_non_null(strstr(c.err, "l0/layer.tar: layer (diff_id) digest mismatch"));
	unlink(p);
	free(p);
	free(l);
	tu_archive_free(&a);
}

static void test_blob_digest_mismatch_and_bad_digest(void **state)
{
	struct tu_archive a = {0};
	struct img_ctx c;
	size_t n;
	uint8_t *l = one_layer(&n);
	tu_oci_archive(&a, &l, &n, 1, "{}");
	a.m[1].data[600] ^= 1; /* member 1 is the layer blob */
	char *p = tu_write_archive(&a, NULL);
	tu_ctx(&c);
	assert_true(tu_convert(&c, p, NULL, NULL) < 0);
	if (!strstr(c.err, "blobs/sha256/") || !strstr(c.err, "blob digest mismatch"))
		fail_msg("unexpected: %s", c.err);
	unlink(p);
	free(p);
	tu_archive_free(&a);
	const char *idx = "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:../x\"}]}";
	tu_add(&a, "index.json", idx, strlen(idx));
	p = tu_write_archive(&a, NULL);
	tu_ctx(&c);
	assert_true(tu_convert(&c, p, NULL, NULL) < 0);
	assert_non_null(strstr(c.err, "index.json: descriptor with a missing or invalid sha256 digest"));
	unlink(p);
	free(p);
	free(l);
	tu_archive_free(&a);
}

static void expect_manifest_error(const char *manifest, const char *msg)
{
	struct tu_archive a = {0};
	struct img_ctx c;
	tu_add(&a, "manifest.json", manifest, strlen(manifest));
	char *p = tu_write_archive(&a, NULL);
	tu_ctx(&c);
	assert_true(tu_convert(&c, p, NULL, NULL) < 0);
	if (!strstr(c.err, msg))
		fail_msg("error '%s' does not contain '%s'", c.err, msg);
	unlink(p);
	free(p);
	tu_archive_free(&a);
}

static void test_bad_json(void **state)
{
	expect_manifest_error("[{\"Config\":", "manifest.json: malformed JSON at line 1");
	expect_manifest_error("{}", "manifest.json: expected a non-empty array");
	expect_manifest_error("[{\"Config\":1,\"Layers\":[]}]", "needs a Config string");
	expect_manifest_error("[{\"Config\":\"c.json\",\"Layers\":[7]}]", "Layers[0] is not a string");
	expect_manifest_error("[{\"Config\":\"c.json\",\"Layers\":[]}]", "c.json: missing from the archive");
	struct tu_archive a = {0};
	struct img_ctx c;
	size_t n;
	uint8_t *l = one_layer(&n);
	tu_docker_archive(&a, &l, &n, 1, "{\"Entrypoint\":5}", "[\"x:1\"]");
	char *p = tu_write_archive(&a, NULL);
	tu_ctx(&c);
	assert_true(tu_convert(&c, p, NULL, NULL) < 0);
	assert_non_null(strstr(c.err, "config.Entrypoint: expected an array of strings"));
	unlink(p);
	free(p);
	free(l);
	tu_archive_free(&a);
}

static void test_truncated_outer_archive(void **state)
{
	struct tu_archive a = {0};
	struct img_ctx c;
	size_t n;
	struct stat st;
	uint8_t *l = one_layer(&n);
	tu_docker_archive(&a, &l, &n, 1, "{}", "[\"x:1\"]");
	char *p = tu_write_archive(&a, NULL);
	stat(p, &st);
	assert_int_equal(truncate(p, st.st_size / 2 + 100), 0);
	tu_ctx(&c);
	assert_true(tu_convert(&c, p, NULL, NULL) < 0);
	assert_non_null(strstr(c.err, "corrupt or truncated archive"));
	unlink(p);
	free(p);
	free(l);
	tu_archive_free(&a);
	tu_add(&a, "junk", "not a manifest", 14);
	p = tu_write_archive(&a, NULL);
	tu_ctx(&c);
	assert_true(tu_convert(&c, p, NULL, NULL) < 0);
	assert_non_null(strstr(c.err, "not a container image"));
	unlink(p);
	free(p);
	tu_archive_free(&a);
}

static void test_missing_layer(void **state)
{
	struct tu_archive a = {0};
	struct img_ctx c;
	size_t n;
	uint8_t *l = one_layer(&n);
	tu_docker_archive(&a, &l, &n, 1, "{}", "[\"x:1\"]");
	for (int i = 0; i < a.n; i++)
		if (strcmp(a.m[i].name, "l0/layer.tar") == 0)
			strcpy(a.m[i].name, "other.tar");
	char *p = tu_write_archive(&a, NULL);
	tu_ctx(&c);
	assert_true(tu_convert(&c, p, NULL, NULL) < 0);
	assert_string_equal(c.err, "l0/layer.tar: layer missing from the archive");
	unlink(p);
	free(p);
	free(l);
	tu_archive_free(&a);
}

/* Corrupts byte off of a copy of the artifact at path and expects artifact_open to say msg. */
static void expect_artifact_error(const char *path, long off, long cut, const char *msg)
{
	char tmp[] = "/tmp/unik-test-bad-XXXXXX", err[256];
	struct artifact art;
	FILE *in = fopen(path, "rb");
	int fd = mkstemp(tmp);
	uint8_t buf[1 << 16];
	size_t r, total = 0;
	while ((r = fread(buf, 1, sizeof(buf), in)) > 0) {
		assert_int_equal(write(fd, buf, r), (ssize_t)r);
		total += r;
	}
	fclose(in);
	if (off >= 0) {
		uint8_t b;
		assert_int_equal(pread(fd, &b, 1, off), 1);
		b ^= 0x40;
		assert_int_equal(pwrite(fd, &b, 1, off), 1);
	}
	if (cut > 0)
		assert_int_equal(ftruncate(fd, (off_t)(total - (size_t)cut)), 0);
	close(fd);
	assert_true(artifact_open(tmp, &art, err, sizeof(err)) < 0);
	if (!strstr(err, msg))
		fail_msg("error '%s' does not contain '%s'", err, msg);
	unlink(tmp);
}

static void test_corrupt_artifacts(void **state)
{
	struct tu_archive a = {0};
	struct img_ctx c;
	size_t n;
	char *art;
	struct stat st;
	uint8_t *l = one_layer(&n);
	tu_docker_archive(&a, &l, &n, 1, "{}", "[\"x:1\"]");
	char *p = tu_write_archive(&a, NULL);
	tu_ctx(&c);
	assert_int_equal(tu_convert(&c, p, NULL, &art), 0);
	stat(art, &st);
	expect_artifact_error(art, 0, 0, "bad magic");
	expect_artifact_error(art, 40, 0, "header checksum mismatch");
	expect_artifact_error(art, -1, 10, "truncated artifact");
	expect_artifact_error(art, -1, st.st_size - 100, "truncated artifact");
	expect_artifact_error(art, 600, 0, "stored checksum mismatch");
	expect_artifact_error(art, st.st_size - 3, 0, "section config: stored checksum mismatch");
	unlink(art);
	free(art);
	unlink(p);
	free(p);
	free(l);
	tu_archive_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_escapes),
		cmocka_unit_test(test_absolute_path_is_relative_to_root),
		cmocka_unit_test(test_long_names_and_depth),
		cmocka_unit_test(test_bad_whiteouts),
		cmocka_unit_test(test_symlink_named_dot),
		cmocka_unit_test(test_uid_range),
		cmocka_unit_test(test_entry_and_size_limits),
		cmocka_unit_test(test_compression_bomb),
		cmocka_unit_test(test_truncated_and_corrupt_layers),
		cmocka_unit_test(test_diff_id_mismatch),
		cmocka_unit_test(test_blob_digest_mismatch_and_bad_digest),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_truncated_outer_archive),
		cmocka_unit_test(test_missing_layer),
		cmocka_unit_test(test_corrupt_artifacts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
