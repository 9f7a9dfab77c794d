/* The initial process stack: Linux's copy_strings and create_elf_tables, written into a memory window. */
#include "loader/stack.h"
#include <stdbool.h>
#include <stddef.h>
#include "kernel/lib/errno.h"
#include "kernel/lib/string.h"

/* Checked against native Linux 6.18 with tests/unit/elf-native/stackdump.c (setarch -R): every offset
   below the stack top, the auxv order and the E2BIG limits match. */

#define STACK_STK_LIM (8ULL << 20)     /* _STK_LIM */
#define STACK_ARG_MAX (32ULL * 4096)   /* 32 pages of strings are always allowed, whatever the rlimit */
#define STACK_TOP_PAD 8                /* bprm->p starts sizeof(void *) below the top */
#define STACK_RANDOM_LEN 16

/* The window [base, base + size) is buf[0 .. size). */
struct stack_win {
    uint8_t *buf;
    uint64_t base;
};

/* Addresses chosen for everything, before anything is written. */
struct stack_plan {
    int argc;                      /* after the argc == 0 fix-up */
    const char *const *argv;
    uint64_t arg_start, platform, random, sp;
};

static const char *const stack_empty_argv[] = {""};

static void stack_put(const struct stack_win *w, uint64_t addr, const void *src, uint64_t n)
{
    memcpy(w->buf + (addr - w->base), src, n);
}

static void stack_put64(const struct stack_win *w, uint64_t addr, uint64_t v)
{
    stack_put(w, addr, &v, sizeof v);
}

static bool stack_reserved_aux(uint64_t type)
{
    return type == AT_NULL || type == AT_RANDOM || type == AT_EXECFN || type == AT_PLATFORM;
}

static int stack_check_spec(const struct stack_spec *s, uint64_t top, uint64_t size)
{
    if (size > top || s->argc < 0 || s->envc < 0 || s->nauxv < 0 || s->nauxv > STACK_MAX_AUXV)
        return -EINVAL;
    if ((s->argc && !s->argv) || (s->envc && !s->envp) || (s->nauxv && !s->auxv) || !s->execfn ||
        !s->random16)
        return -EINVAL;
    for (int i = 0; i < s->argc; i++)
        if (!s->argv[i])
            return -EINVAL;
    for (int i = 0; i < s->envc; i++)
        if (!s->envp[i])
            return -EINVAL;
    for (int i = 0; i < s->nauxv; i++)
        if (stack_reserved_aux(s->auxv[i][0]))
            return -EINVAL;
    return 0;
}

/* Adds one string with its NUL to *total; -E2BIG past MAX_ARG_STRLEN, as valid_arg_len answers. */
static int stack_add_string(const char *str, uint64_t *total)
{
    uint64_t n = strnlen(str, STACK_MAX_ARG_STRLEN) + 1;
    if (n > STACK_MAX_ARG_STRLEN)
        return -E2BIG;
    *total += n;
    return 0;
}

/* bprm_stack_limits: strings plus pointers get min(3/4 _STK_LIM, rlimit / 4), at least 32 pages. */
static uint64_t stack_arg_limit(uint64_t rlimit)
{
    uint64_t limit = STACK_STK_LIM / 4 * 3;
    if (rlimit == 0)
        rlimit = STACK_DEFAULT_RLIMIT;
    if (rlimit / 4 < limit)
        limit = rlimit / 4;
    return limit > STACK_ARG_MAX ? limit : STACK_ARG_MAX;
}

/* Total bytes of argv, envp and execfn strings, or -E2BIG over Linux's limits. The pointers count
   against the limit too, argc 0 as 1 (room for the "" Linux adds). */
static int stack_strings_size(const struct stack_spec *s, const struct stack_plan *p, uint64_t *total)
{
    uint64_t limit = stack_arg_limit(s->stack_rlimit);
    uint64_t ptrs = ((uint64_t)p->argc + (uint64_t)s->envc) * sizeof(uint64_t);
    int err = stack_add_string(s->execfn, total);
    for (int i = 0; !err && i < s->envc; i++)
        err = stack_add_string(s->envp[i], total);
    for (int i = 0; !err && i < p->argc; i++)
        err = stack_add_string(p->argv[i], total);
    if (!err && (limit <= ptrs || *total > limit - ptrs))
        err = -E2BIG;
    return err;
}

/* Moves *q down by n bytes, then down to a multiple of align; false if that leaves the window. */
static bool stack_down(uint64_t *q, uint64_t n, uint64_t align, uint64_t base)
{
    if (*q - base < n)
        return false;
    *q = (*q - n) & ~(align - 1);
    return *q >= base;
}

/* create_elf_tables' arithmetic: p aligned to 16, platform, random bytes, then auxv and the
   argc/argv/envp words below them with the whole rounded down to 16. */
static int stack_plan_layout(const struct stack_spec *s, uint64_t top, uint64_t size, struct stack_plan *p)
{
    uint64_t total = 0, base = top - size, q = top;
    uint64_t naux = (uint64_t)s->nauxv + 2 + (s->platform != NULL) + 1; /* + RANDOM, EXECFN, PLATFORM, NULL */
    uint64_t items = ((uint64_t)p->argc + 1) + ((uint64_t)s->envc + 1) + 1;
    int err = stack_strings_size(s, p, &total);
    if (err)
        return err;
    if (!stack_down(&q, STACK_TOP_PAD + total, 1, base))
        return -E2BIG;
    p->arg_start = q;
    if (!stack_down(&q, 0, 16, base)) /* arch_align_stack, minus its random shift */
        return -E2BIG;
    if (s->platform && !stack_down(&q, strlen(s->platform) + 1, 1, base))
        return -E2BIG;
    p->platform = s->platform ? q : 0;
    if (!stack_down(&q, STACK_RANDOM_LEN, 1, base))
        return -E2BIG;
    p->random = q;
    if (!stack_down(&q, naux * 16 + items * sizeof(uint64_t), 16, base))
        return -E2BIG;
    p->sp = q;
    return 0;
}

/* Writes the strings of one vector upwards from *str and their addresses upwards from *at, then NULL. */
static void stack_write_vector(const struct stack_win *w, int n, const char *const *v, uint64_t *str, uint64_t *at)
{
    for (int i = 0; i < n; i++) {
        uint64_t len = strlen(v[i]) + 1;
        stack_put(w, *str, v[i], len);
        stack_put64(w, *at, *str);
        *str += len;
        *at += sizeof(uint64_t);
    }
    stack_put64(w, *at, 0);
    *at += sizeof(uint64_t);
}

static uint64_t stack_put_aux(const struct stack_win *w, uint64_t at, uint64_t type, uint64_t val)
{
    stack_put64(w, at, type);
    stack_put64(w, at + 8, val);
    return at + 16;
}

/* Linux emits AT_RANDOM before AT_HWCAP2..4 (rank 1), and AT_EXECFN, AT_PLATFORM before
   AT_BASE_PLATFORM, AT_EXECFD and AT_RSEQ_* (rank 2). */
static int stack_aux_rank(uint64_t type)
{
    if (type == AT_HWCAP2 || type == AT_HWCAP3 || type == AT_HWCAP4)
        return 1;
    if (type == AT_BASE_PLATFORM || type == AT_EXECFD || type == AT_RSEQ_FEATURE_SIZE || type == AT_RSEQ_ALIGN)
        return 2;
    return 0;
}

/* Emits the builder's own entries that belong before an entry of the given rank; *done is how many
   of the two groups are out already. */
static uint64_t stack_put_own_aux(const struct stack_win *w, uint64_t at, const struct stack_plan *p,
                                  uint64_t execfn, int rank, int *done)
{
    if (*done < 1 && rank >= 1) {
        at = stack_put_aux(w, at, AT_RANDOM, p->random);
        *done = 1;
    }
    if (*done < 2 && rank >= 2) {
        at = stack_put_aux(w, at, AT_EXECFN, execfn);
        if (p->platform)
            at = stack_put_aux(w, at, AT_PLATFORM, p->platform);
        *done = 2;
    }
    return at;
}

static void stack_write_auxv(const struct stack_win *w, uint64_t at, const struct stack_spec *s,
                             const struct stack_plan *p, uint64_t execfn)
{
    int done = 0;
    for (int i = 0; i < s->nauxv; i++) {
        at = stack_put_own_aux(w, at, p, execfn, stack_aux_rank(s->auxv[i][0]), &done);
        at = stack_put_aux(w, at, s->auxv[i][0], s->auxv[i][1]);
    }
    at = stack_put_own_aux(w, at, p, execfn, 2, &done);
    stack_put_aux(w, at, AT_NULL, 0);
}

static void stack_write(const struct stack_win *w, uint64_t top, const struct stack_spec *s,
                        const struct stack_plan *p, struct stack_result *r)
{
    uint64_t str = p->arg_start, at = p->sp;
    memset(w->buf + (p->sp - w->base), 0, top - p->sp);
    stack_put64(w, at, (uint64_t)p->argc);
    at += sizeof(uint64_t);
    r->sp = p->sp;
    r->arg_start = str;
    stack_write_vector(w, p->argc, p->argv, &str, &at);
    r->arg_end = r->env_start = str;
    stack_write_vector(w, s->envc, s->envp, &str, &at);
    r->env_end = r->execfn = str;
    stack_put(w, str, s->execfn, strlen(s->execfn) + 1);
    if (p->platform)
        stack_put(w, p->platform, s->platform, strlen(s->platform) + 1);
    stack_put(w, p->random, s->random16, STACK_RANDOM_LEN);
    r->platform = p->platform;
    r->random = p->random;
    stack_write_auxv(w, at, s, p, r->execfn);
}

int stack_build(uint8_t *buf, uint64_t top, uint64_t size, const struct stack_spec *s, uint64_t *sp_out)
{
    struct stack_plan p;
    struct stack_result r;
    struct stack_win w = {buf, top - size};
    int err = stack_check_spec(s, top, size);
    if (err)
        return err;
    p.argc = s->argc ? s->argc : 1;
    p.argv = s->argc ? s->argv : stack_empty_argv;
    err = stack_plan_layout(s, top, size, &p);
    if (err)
        return err;
    stack_write(&w, top, s, &p, &r);
    if (s->result)
        *s->result = r;
    *sp_out = r.sp;
    return 0;
}
