/* Unit tests of config.json parsing (cli/oci_spec.c): every field the runtime reads, and the
   missing, malformed and out-of-range forms it must refuse with a message naming the field. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <cmocka.h>
#include "cli/oci_spec.h"
#include "unik/abi.h"

/* A complete config as docker writes it (trimmed), with every field unik reads. */
static const char full[] =
	"{\"ociVersion\": \"1.0.2-dev\","
	" \"process\": {\"terminal\": true,"
	"   \"user\": {\"uid\": 1000, \"gid\": 1001, \"additionalGids\": [1001, 2000]},"
	"   \"args\": [\"/bin/sh\", \"-c\", \"echo hi\"],"
	"   \"env\": [\"PATH=/usr/bin:/bin\", \"HOSTNAME=abc\", \"EMPTY=\"],"
	"   \"cwd\": \"/data\","
	"   \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 4096, \"soft\": 1024},"
	"                 {\"type\": \"RLIMIT_CORE\", \"hard\": 18446744073709551615,"
	"                  \"soft\": 18446744073709551615}],"
	"   \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_NET_RAW\", \"CAP_NO_SUCH\"],"
	"     \"effective\": [\"CAP_NET_RAW\"], \"ambient\": []}},"
	" \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
	" \"hostname\": \"box\","
	" \"mounts\": ["
	"   {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
	"   {\"destination\": \"/etc/hosts\", \"type\": \"bind\", \"source\": \"/h/hosts\","
	"    \"options\": [\"rbind\", \"rprivate\"]},"
	"   {\"destination\": \"/v\", \"source\": \"/h/v\", \"options\": [\"rbind\", \"ro\"]},"
	"   {\"destination\": \"/scratch\", \"type\": \"tmpfs\", \"options\": [\"mode=750\"]}],"
	" \"hooks\": {\"prestart\": [{\"path\": \"/usr/bin/hook\", \"args\": [\"hook\", \"x\"],"
	"   \"env\": [\"A=1\"], \"timeout\": 5}], \"poststop\": [{\"path\": \"/bin/true\"}]},"
	" \"annotations\": {\"a\": \"b\"},"
	" \"linux\": {\"resources\": {\"memory\": {\"limit\": 67108864}},"
	"   \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\","
	"    \"path\": \"/var/run/netns/x\"}]}}";

static int parse(const char *text, struct oci_spec *s, char *err, size_t n)
{
	return oci_spec_parse(text, strlen(text), s, err, n);
}

static void test_full(void **state)
{
	struct oci_spec s;
	char err[256] = "";
	if (parse(full, &s, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(s.root_path, "rootfs");
	assert_true(s.root_ro);
	assert_int_equal(s.nargs, 3);
	assert_string_equal(s.args[2], "echo hi");
	assert_null(s.args[3]);
	assert_int_equal(s.nenv, 3);
	assert_string_equal(s.env[2], "EMPTY=");
	assert_string_equal(s.cwd, "/data");
	assert_int_equal(s.uid, 1000);
	assert_int_equal(s.gid, 1001);
	assert_int_equal(s.ngids, 2);
	assert_int_equal(s.gids[1], 2000);
	assert_true(s.terminal);
	assert_int_equal(s.nrlimits, 2);
	assert_int_equal(s.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(s.rlimits[0].soft, 1024);
	assert_int_equal(s.rlimits[1].hard, UINT64_MAX);
	assert_string_equal(s.hostname, "box");
	assert_int_equal(s.nmounts, 4);
	assert_false(s.mounts[0].bind);
	assert_string_equal(s.mounts[0].type, "proc");
	assert_true(s.mounts[1].bind);
	assert_false(s.mounts[1].ro);
	assert_string_equal(s.mounts[1].source, "/h/hosts");
	assert_true(s.mounts[2].bind);         /* no type, an rbind option */
	assert_true(s.mounts[2].ro);
	assert_string_equal(s.mounts[3].source, "");
	assert_int_equal(s.mounts[3].mode, 0750);
	assert_int_equal(s.mounts[1].mode, 0);
	assert_int_equal(s.nhooks[OCI_HOOK_PRESTART], 1);
	assert_string_equal(s.hooks[OCI_HOOK_PRESTART][0].args[1], "x");
	assert_string_equal(s.hooks[OCI_HOOK_PRESTART][0].env[0], "A=1");
	assert_int_equal(s.hooks[OCI_HOOK_PRESTART][0].timeout, 5);
	assert_string_equal(s.hooks[OCI_HOOK_POSTSTOP][0].args[0], "/bin/true");   /* no args */
	assert_int_equal(s.nhooks[OCI_HOOK_POSTSTART], 0);
	assert_int_equal(s.mem_limit, 67108864);
	assert_true(s.netns);
	assert_string_equal(s.netns_path, "/var/run/netns/x");
	assert_string_equal(s.annotations, "{\"a\":\"b\"}");
	/* capabilities by Linux's numbers; a name Linux lacks is passed over, as runc does */
	assert_true(s.has_caps);
	assert_int_equal(s.caps[UNIK_CAP_BND], (1 << 0) | (1 << 13));
	assert_int_equal(s.caps[UNIK_CAP_EFF], 1 << 13);
	assert_int_equal(s.caps[UNIK_CAP_PRM], 0);
	assert_int_equal(s.caps[UNIK_CAP_AMB], 0);
	oci_spec_free(&s);
}

static void test_minimal(void **state)
{
	struct oci_spec s;
	char err[256] = "";
	const char *min = "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"/r\"},"
		"\"process\":{\"args\":[\"x\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},"
		"\"linux\":{\"resources\":{\"memory\":{\"limit\":-1}}}}";
	assert_int_equal(parse(min, &s, err, sizeof(err)), 0);
	assert_false(s.root_ro);
	assert_int_equal(s.nenv, 0);
	assert_non_null(s.env);
	assert_null(s.env[0]);
	assert_null(s.hostname);
	assert_int_equal(s.nmounts, 0);
	assert_false(s.netns);
	assert_int_equal(s.mem_limit, 0);
	assert_string_equal(s.annotations, "{}");
	assert_false(s.has_caps);       /* runc then leaves root all of them */
	oci_spec_free(&s);
}

/* Each variant breaks one field of a valid config; the message must name that field. */
static void test_rejects(void **state)
{
	static const struct { const char *json, *field; } bad[] = {
		{ "not json", "config.json: line 1" },
		{ "[1]", "config.json: must be a JSON object" },
		{ "{\"root\":{\"path\":\"/r\"}}", "ociVersion" },
		{ "{\"ociVersion\":\"2.0.0\"}", "ociVersion" },
		{ "{\"ociVersion\":\"1.0.0\"}", "root: missing" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":7}}", "root.path" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"\"}}", "root.path" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\",\"readonly\":1}}",
		  "root.readonly" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"}}", "process: missing" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}}}", "process.args" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[1],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}}}", "process.args[0]" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"rel\",\"user\":{\"uid\":0,\"gid\":0}}}", "process.cwd" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"env\":[\"NOEQUALS\"],\"user\":{\"uid\":0,\"gid\":0}}}",
		  "process.env[0]" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\"}}", "process.user" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":-1,\"gid\":0}}}", "process.user.uid" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":4294967296,\"gid\":0}}}", "process.user.uid" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0}}}", "process.user.gid" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":1.5,\"gid\":0}}}", "process.user.uid" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[\"a\"]}}}",
		  "process.user.additionalGids[0]" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"terminal\":\"yes\",\"user\":{\"uid\":0,\"gid\":0}}}",
		  "process.terminal" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\","
		  "\"soft\":1,\"hard\":1}]}}", "process.rlimits[0].type" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
		  "\"soft\":2,\"hard\":1}]}}", "process.rlimits[0].soft" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"mounts\":[{\"destination\":\"rel\"}]}",
		  "mounts[0].destination" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"mounts\":{}}", "mounts: must" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"hooks\":{\"prestart\":[{\"path\":"
		  "\"rel\"}]}}", "hooks.prestart[0].path" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"hooks\":{\"poststop\":[{\"path\":"
		  "\"/x\",\"timeout\":0}]}}", "hooks.poststop[0].timeout" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"linux\":{\"resources\":{\"memory\":"
		  "{\"limit\":\"64m\"}}}}", "linux.resources.memory.limit" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"linux\":{\"namespaces\":[{\"type\":"
		  "\"network\",\"path\":\"rel\"}]}}", "linux.namespaces[0].path" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"annotations\":[]}", "annotations" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},\"capabilities\":[]}}",
		  "process.capabilities: must be an object" },
		{ "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"],"
		  "\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},\"capabilities\":{\"effective\":"
		  "[7]}}}", "process.capabilities.effective[0]" },
		{ "{\"ociVersion\":\"1.0.0\",\"ociVersion\":\"1.0.0\"}", "config.json: line 1" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct oci_spec s;
		char err[256] = "";
		int r = parse(bad[i].json, &s, err, sizeof(err));
		if (r == 0 || !strstr(err, bad[i].field))
			fail_msg("case %zu: r=%d, message '%s', wanted '%s'", i, r, err, bad[i].field);
		oci_spec_free(&s);
	}
}

static void test_embedded_nul(void **state)
{
	struct oci_spec s;
	char err[256] = "";
	const char *j = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":"
		"[\"a\\u0000b\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}}}";
	assert_int_equal(parse(j, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "config.json: line 1"));    /* jansson refuses \u0000 */
	oci_spec_free(&s);
}

static void test_rlimit_names(void **state)
{
	assert_int_equal(oci_rlimit_number("RLIMIT_NOFILE"), RLIMIT_NOFILE);
	assert_int_equal(oci_rlimit_number("RLIMIT_STACK"), RLIMIT_STACK);
	assert_int_equal(oci_rlimit_number("NOFILE"), -1);
	assert_int_equal(oci_rlimit_number("RLIMIT_"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_rlimit_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
