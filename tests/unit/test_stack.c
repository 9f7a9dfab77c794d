/* Unit tests of loader/stack.c: the initial stack is read back from the window and compared with what
   Linux 6.18 built natively for the same argv/envp (tests/unit/elf-native/run.sh, ASLR off). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/errno.h"
#include "loader/stack.h"

#define TOP 0x7ffffffff000ULL
#define WIN (64 * 1024)

static uint8_t win[WIN];
static const uint8_t rnd[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* What the caller passes, in Linux's order (the values native stackdump saw). */
static const uint64_t aux_linux[][2] = {
    {AT_SYSINFO_EHDR, 0x7ffff7ffd000}, {AT_MINSIGSTKSZ, 0xd30}, {AT_HWCAP, 0x178bfbff}, {AT_PAGESZ, 4096},
    {AT_CLKTCK, 100}, {AT_PHDR, 0x400040}, {AT_PHENT, 56}, {AT_PHNUM, 6}, {AT_BASE, 0}, {AT_FLAGS, 0},
    {AT_ENTRY, 0x40102b}, {AT_UID, 0}, {AT_EUID, 0}, {AT_GID, 0}, {AT_EGID, 0}, {AT_SECURE, 0},
    {AT_HWCAP2, 2}, {AT_RSEQ_FEATURE_SIZE, 0x1c}, {AT_RSEQ_ALIGN, 0x20},
};
#define NAUX_LINUX ((int)(sizeof aux_linux / sizeof aux_linux[0]))

static const char *const argv3[] = {"./stackdump", "x", "yy"};
static const char *const envp2[] = {"A=1", "BB=22"};

static struct stack_spec spec_native(void)
{
    return (struct stack_spec){
        .argc = 3, .argv = argv3, .envc = 2, .envp = envp2, .execfn = "./stackdump", .platform = "x86_64",
        .random16 = rnd, .auxv = aux_linux, .nauxv = NAUX_LINUX,
    };
}

/* Reads back from the window [top - size, top). */
static uint64_t g_top = TOP, g_size = WIN;
static uint8_t *g_buf = win;

static const void *at(uint64_t addr)
{
    assert_true(addr >= g_top - g_size && addr < g_top);
    return g_buf + (addr - (g_top - g_size));
}

static uint64_t word(uint64_t addr)
{
    uint64_t v;
    memcpy(&v, at(addr), sizeof v);
    return v;
}

static const char *str(uint64_t addr) { return at(addr); }

static int setup_window(void **state)
{
    g_top = TOP;
    g_size = WIN;
    g_buf = win;
    memset(win, 0xaa, sizeof win);
    return 0;
}

/* Finds auxv entry type after the envp NULL; returns its value and index, asserts it is there. */
static uint64_t auxv_start(uint64_t sp)
{
    uint64_t p = sp + 8;
    uint64_t argc = word(sp);
    p += (argc + 1) * 8;
    while (word(p))
        p += 8;
    return p + 8;
}

static uint64_t aux_value(uint64_t sp, uint64_t type)
{
    for (uint64_t p = auxv_start(sp);; p += 16) {
        if (word(p) == type)
            return word(p + 8);
        assert_int_not_equal(word(p), AT_NULL);
    }
}

static void test_layout_matches_native(void **state)
{
    struct stack_spec s = spec_native();
    uint64_t sp = 0;
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), 0);
    /* native: sp = top-512, argv[0] top-47, argv[1] top-35, argv[2] top-33, envp top-30/-26, auxv at
       sp+64, AT_RANDOM top-71, AT_EXECFN top-20, AT_PLATFORM top-55, 8 zero bytes at the top */
    assert_int_equal(sp, TOP - 512);
    assert_int_equal(word(sp), 3);
    assert_int_equal(word(sp + 8), TOP - 47);
    assert_int_equal(word(sp + 16), TOP - 35);
    assert_int_equal(word(sp + 24), TOP - 33);
    assert_int_equal(word(sp + 32), 0);
    assert_int_equal(word(sp + 40), TOP - 30);
    assert_int_equal(word(sp + 48), TOP - 26);
    assert_int_equal(word(sp + 56), 0);
    assert_int_equal(auxv_start(sp), sp + 64);
    assert_int_equal(aux_value(sp, AT_RANDOM), TOP - 71);
    assert_int_equal(aux_value(sp, AT_EXECFN), TOP - 20);
    assert_int_equal(aux_value(sp, AT_PLATFORM), TOP - 55);
    assert_int_equal(word(TOP - 8), 0);
    /* native order of types */
    static const uint64_t order[] = {33, 51, 16, 6, 17, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 23, 25, 26, 31, 15, 27, 28, 0};
    for (unsigned i = 0; i < sizeof order / sizeof order[0]; i++)
        assert_int_equal(word(sp + 64 + 16 * i), order[i]);
    assert_int_equal(word(sp + 64 + 16 * 22 + 8), 0); /* AT_NULL's value */
    /* native: 33 bytes between the end of AT_NULL and argv[0]'s string */
    assert_int_equal(TOP - 47 - (sp + 64 + 23 * 16), 33);
}

static void test_strings_and_values(void **state)
{
    struct stack_spec s = spec_native();
    struct stack_result r;
    uint64_t sp;
    s.result = &r;
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), 0);
    assert_string_equal(str(word(sp + 8)), "./stackdump");
    assert_string_equal(str(word(sp + 16)), "x");
    assert_string_equal(str(word(sp + 24)), "yy");
    assert_string_equal(str(word(sp + 40)), "A=1");
    assert_string_equal(str(word(sp + 48)), "BB=22");
    assert_string_equal(str(aux_value(sp, AT_EXECFN)), "./stackdump");
    assert_string_equal(str(aux_value(sp, AT_PLATFORM)), "x86_64");
    for (int i = 0; i < NAUX_LINUX; i++)
        assert_int_equal(aux_value(sp, aux_linux[i][0]), aux_linux[i][1]);
    assert_int_equal(r.sp, sp);
    assert_int_equal(r.arg_start, TOP - 47);
    assert_int_equal(r.arg_end, TOP - 30);
    assert_int_equal(r.env_start, TOP - 30);
    assert_int_equal(r.env_end, TOP - 20);
    assert_int_equal(r.execfn, TOP - 20);
    assert_int_equal(r.platform, TOP - 55);
    assert_int_equal(r.random, TOP - 71);
}

static void test_random_bytes(void **state)
{
    struct stack_spec s = spec_native();
    uint64_t sp;
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), 0);
    uint64_t r = aux_value(sp, AT_RANDOM);
    assert_true(r >= TOP - WIN && r + 16 <= TOP);
    assert_true(r > sp);
    assert_memory_equal(at(r), rnd, 16);
    assert_memory_equal(at(r + 15), &rnd[15], 1);
}

static void test_unused_bytes_zeroed(void **state)
{
    struct stack_spec s = spec_native();
    uint64_t sp;
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), 0);
    /* the gap between AT_NULL and the random bytes, and between them and the strings, reads zero */
    for (uint64_t a = sp + 64 + 23 * 16; a < TOP - 71; a++)
        assert_int_equal(*(const uint8_t *)at(a), 0);
    for (uint64_t a = TOP - 48; a < TOP - 47; a++)
        assert_int_equal(*(const uint8_t *)at(a), 0);
    /* below sp the window is untouched */
    assert_int_equal(*(const uint8_t *)at(sp - 1), 0xaa);
}

static void test_alignment(void **state)
{
    static const char *const words[] = {"a", "bb", "ccc", "dddd", "eeeee", "ffffff", "g", "hhhhhhhhhhhhhhh"};
    for (int argc = 0; argc <= 8; argc++)
        for (int envc = 0; envc <= 8; envc++)
            for (int naux = 0; naux <= 3; naux++)
                for (uint64_t shift = 0; shift < 16; shift += 5) {
                    struct stack_spec s = spec_native();
                    uint64_t sp, top = TOP - shift;
                    s.argc = argc, s.argv = words, s.envc = envc, s.envp = words + 8 - envc, s.nauxv = naux;
                    g_top = top;
                    assert_int_equal(stack_build(win, top, WIN, &s, &sp), 0);
                    assert_int_equal(sp % 16, 0);
                    assert_int_equal(word(sp), argc ? argc : 1);
                    uint64_t nul = auxv_start(sp) + 16 * (naux + 3);
                    assert_int_equal(word(nul), AT_NULL);
                    for (int i = 0; i < envc; i++)
                        assert_string_equal(str(word(sp + 8 * (2 + (argc ? argc : 1) + i))), words[8 - envc + i]);
                }
}

static void test_argc_zero_gets_empty_argv0(void **state)
{
    struct stack_spec s = spec_native();
    uint64_t sp;
    s.argc = 0; /* Linux >= 5.18 adds "" (native: argc = 1, argv[0] len 1) */
    s.argv = NULL;
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), 0);
    assert_int_equal(word(sp), 1);
    assert_string_equal(str(word(sp + 8)), "");
    assert_int_equal(word(sp + 16), 0);
    assert_string_equal(str(word(sp + 24)), "A=1");
}

static void test_e2big_small_window(void **state)
{
    struct stack_spec s = spec_native();
    uint64_t sp;
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), 0);
    uint64_t need = TOP - sp;
    g_size = need;
    g_buf = win + WIN - need;
    assert_int_equal(stack_build(g_buf, TOP, need, &s, &sp), 0);
    assert_int_equal(sp, TOP - 512);
    assert_int_equal(stack_build(win + WIN - need + 1, TOP, need - 1, &s, &sp), -E2BIG);
    assert_int_equal(stack_build(win + WIN - 100, TOP, 100, &s, &sp), -E2BIG); /* strings fit, not the rest */
    assert_int_equal(stack_build(win + WIN - 20, TOP, 20, &s, &sp), -E2BIG);  /* not even the strings */
    assert_int_equal(stack_build(win, TOP, 0, &s, &sp), -E2BIG);
}

/* Native (argprobe, 8 MiB rlimit): a 131071-char string runs, 131072 chars is E2BIG; strings plus
   pointers may fill exactly 2 MiB, one byte more is E2BIG. */
static void test_linux_arg_limits(void **state)
{
    uint64_t size = 3ULL << 20, sp;
    uint8_t *big = malloc(size);
    char *strs[16];
    assert_non_null(big);
    g_buf = big;
    g_size = size;
    for (int i = 0; i < 16; i++) {
        strs[i] = malloc(131073);
        memset(strs[i], 'b', 131072);
        strs[i][131071] = 0;
    }
    struct stack_spec s = spec_native();
    s.argc = 1, s.argv = (const char *const *)strs, s.envc = 0;
    assert_int_equal(stack_build(big, TOP, size, &s, &sp), 0);
    strs[0][131071] = 'b';
    strs[0][131072] = 0;
    assert_int_equal(stack_build(big, TOP, size, &s, &sp), -E2BIG);
    strs[0][131071] = 0;
    s.argc = 16;
    assert_int_equal(stack_build(big, TOP, size, &s, &sp), -E2BIG);
    size_t room = 2097152 - 16 * 8 - (strlen(s.execfn) + 1) - 15 * 131072;
    strs[15][room - 1] = 0;
    assert_int_equal(stack_build(big, TOP, size, &s, &sp), 0);
    assert_int_equal(word(sp), 16);
    assert_int_equal(strlen(str(word(sp + 8 * 16))), room - 1);
    strs[15][room - 1] = 'b';
    strs[15][room] = 0;
    assert_int_equal(stack_build(big, TOP, size, &s, &sp), -E2BIG);
    /* an execfn over MAX_ARG_STRLEN, as well */
    s.argc = 1;
    s.execfn = strs[1];
    strs[1][131071] = 'b';
    strs[1][131072] = 0;
    assert_int_equal(stack_build(big, TOP, size, &s, &sp), -E2BIG);
    for (int i = 0; i < 16; i++)
        free(strs[i]);
    free(big);
}

static void test_rlimit_bounds_strings(void **state)
{
    uint64_t size = 1ULL << 20, sp;
    uint8_t *big = malloc(size);
    char *s1 = malloc(100001), *s2 = malloc(100001);
    memset(s1, 'x', 100000), s1[100000] = 0;
    memset(s2, 'y', 100000), s2[100000] = 0;
    const char *argv[] = {s1, s2};
    struct stack_spec s = spec_native();
    s.argc = 2, s.argv = argv;
    g_buf = big, g_size = size;
    assert_int_equal(stack_build(big, TOP, size, &s, &sp), 0); /* 8 MiB rlimit: 2 MiB allowed */
    s.stack_rlimit = 256 << 10; /* rlimit / 4 = 64 KiB, raised to the 128 KiB floor */
    assert_int_equal(stack_build(big, TOP, size, &s, &sp), -E2BIG);
    s.argc = 1;
    assert_int_equal(stack_build(big, TOP, size, &s, &sp), 0);
    free(s1), free(s2), free(big);
}

static void test_auxv_order_without_hwcap2(void **state)
{
    static const uint64_t aux[][2] = {{AT_PAGESZ, 4096}, {AT_RSEQ_FEATURE_SIZE, 28}, {AT_RSEQ_ALIGN, 32}};
    struct stack_spec s = spec_native();
    uint64_t sp;
    s.auxv = aux, s.nauxv = 3;
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), 0);
    static const uint64_t order[] = {AT_PAGESZ, AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_RSEQ_FEATURE_SIZE, AT_RSEQ_ALIGN, AT_NULL};
    uint64_t a = auxv_start(sp);
    for (unsigned i = 0; i < sizeof order / sizeof order[0]; i++)
        assert_int_equal(word(a + 16 * i), order[i]);
    s.nauxv = 0; /* no caller entries at all */
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), 0);
    a = auxv_start(sp);
    assert_int_equal(word(a), AT_RANDOM);
    assert_int_equal(word(a + 16), AT_EXECFN);
    assert_int_equal(word(a + 32), AT_PLATFORM);
    assert_int_equal(word(a + 48), AT_NULL);
}

static void test_no_platform(void **state)
{
    struct stack_spec s = spec_native();
    struct stack_result r;
    uint64_t sp;
    s.platform = NULL, s.result = &r;
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), 0);
    assert_int_equal(r.platform, 0);
    assert_int_equal(r.random, TOP - 48 - 16); /* right under the aligned strings */
    for (uint64_t p = auxv_start(sp); word(p) != AT_NULL; p += 16)
        assert_int_not_equal(word(p), AT_PLATFORM);
    assert_string_equal(str(aux_value(sp, AT_EXECFN)), "./stackdump");
}

static void test_bad_spec(void **state)
{
    struct stack_spec s = spec_native();
    uint64_t sp = 0x1234;
    static const uint64_t reserved[][2] = {{AT_PAGESZ, 4096}, {AT_RANDOM, 0}};
    s.auxv = reserved, s.nauxv = 2;
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), -EINVAL);
    s = spec_native(), s.execfn = NULL;
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), -EINVAL);
    s = spec_native(), s.argc = -1;
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), -EINVAL);
    s = spec_native(), s.nauxv = STACK_MAX_AUXV + 1;
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), -EINVAL);
    s = spec_native(), s.random16 = NULL;
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), -EINVAL);
    s = spec_native();
    assert_int_equal(stack_build(win, 0x1000, 0x2000, &s, &sp), -EINVAL); /* window below 0 */
    const char *holes[] = {"a", NULL};
    s.argc = 2, s.argv = holes;
    assert_int_equal(stack_build(win, TOP, WIN, &s, &sp), -EINVAL);
    assert_int_equal(sp, 0x1234); /* untouched on failure */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_layout_matches_native, setup_window),
        cmocka_unit_test_setup(test_strings_and_values, setup_window),
        cmocka_unit_test_setup(test_random_bytes, setup_window),
        cmocka_unit_test_setup(test_unused_bytes_zeroed, setup_window),
        cmocka_unit_test_setup(test_alignment, setup_window),
        cmocka_unit_test_setup(test_argc_zero_gets_empty_argv0, setup_window),
        cmocka_unit_test_setup(test_e2big_small_window, setup_window),
        cmocka_unit_test_setup(test_linux_arg_limits, setup_window),
        cmocka_unit_test_setup(test_rlimit_bounds_strings, setup_window),
        cmocka_unit_test_setup(test_auxv_order_without_hwcap2, setup_window),
        cmocka_unit_test_setup(test_no_platform, setup_window),
        cmocka_unit_test_setup(test_bad_spec, setup_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
