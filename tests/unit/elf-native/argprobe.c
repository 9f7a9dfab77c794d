/* Native reference: execve's E2BIG limits on argv/envp (8 MiB stack rlimit), run against stackdump. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *prog;

static void try(const char *name, char **argv)
{
    char *envp[] = {NULL};
    int p[2];
    if (pipe(p)) exit(1);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 1);
        execve(prog, argv, envp);
        dprintf(2, "%-28s execve -> %s\n", name, strerrorname_np(errno));
        _exit(1);
    }
    close(p[1]);
    char out[8192];
    ssize_t n = 0, r;
    while (n < (ssize_t)sizeof out - 1 && (r = read(p[0], out + n, sizeof out - 1 - n)) > 0)
        n += r;
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    if (n > 0) {
        out[n] = 0;
        char *argc = strstr(out, "argc =");
        printf("%-28s runs, %.*s\n", name, argc ? (int)strcspn(argc, "\n") : 0, argc ? argc : "");
    }
    fflush(stdout);
}

static char *filled(size_t len)
{
    char *s = malloc(len + 1);
    memset(s, 'b', len);
    s[len] = 0;
    return s;
}

int main(int argc, char **argv)
{
    struct rlimit rl = {8 << 20, 8 << 20};
    prog = argc > 1 ? argv[1] : "/tmp/elf-native/stackdump";
    setrlimit(RLIMIT_STACK, &rl);
    char *none[] = {NULL};
    try("argc_0", none);
    char *a1[] = {filled(131071), NULL};
    try("arg_131071_chars", a1);
    a1[0] = filled(131072);
    try("arg_131072_chars", a1);
    /* 16 strings of 131072 bytes with NULs = 2 MiB, plus the program path: over 2 MiB - 16 * 8 */
    static char *many[17];
    for (int i = 0; i < 16; i++) many[i] = filled(131071);
    try("16x128KiB", many);
    size_t room = 2097152 - 16 * 8 - (strlen(prog) + 1) - 15 * 131072; /* bytes left for the last string */
    many[15] = filled(room - 1);
    try("limit_exact", many);
    many[15] = filled(room);
    try("limit_plus_1", many);
    return 0;
}
