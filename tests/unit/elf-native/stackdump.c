/* Native reference: prints the initial stack Linux built for this process, as offsets from the stack top. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned long top, lo;

static void find_stack(void)
{
    char line[256];
    FILE *m = fopen("/proc/self/maps", "r");
    while (fgets(line, sizeof line, m))
        if (strstr(line, "[stack]")) {
            char perms[8];
            sscanf(line, "%lx-%lx %7s", &lo, &top, perms);
            printf("stack perms %s\n", perms);
        }
    fclose(m);
}

static long off(const void *p) { return (long)((unsigned long)p - top); }

int main(int argc, char **argv, char **envp)
{
    find_stack();
    uint64_t *sp = (uint64_t *)argv - 1;
    printf("sp %% 16 = %lu, sp = top%+ld, argc = %lu\n", (unsigned long)sp % 16, off(sp), (unsigned long)sp[0]);
    for (int i = 0; i < argc; i++) printf("argv[%d] top%+ld len %zu\n", i, off(argv[i]), strlen(argv[i]) + 1);
    int e = 0;
    for (; envp[e]; e++) printf("envp[%d] top%+ld len %zu\n", e, off(envp[e]), strlen(envp[e]) + 1);
    uint64_t *av = (uint64_t *)(envp + e + 1);
    printf("auxv at sp+%ld\n", (long)((char *)av - (char *)sp));
    for (; av[0]; av += 2) {
        if (av[0] == 25 || av[0] == 31 || av[0] == 15) printf("auxv %2lu top%+ld\n", (unsigned long)av[0], off((void *)av[1]));
        else printf("auxv %2lu 0x%lx\n", (unsigned long)av[0], (unsigned long)av[1]);
    }
    printf("after AT_NULL: %ld bytes to argv[0] string\n", (long)((unsigned long)(argc ? argv[0] : 0) - (unsigned long)(av + 2)));
    const unsigned char *t = (const unsigned char *)top - 16;
    printf("last 16 bytes:");
    for (int i = 0; i < 16; i++) printf(" %02x", t[i]);
    printf("\nmain at %p\n", (void *)main);
    return 0;
}
