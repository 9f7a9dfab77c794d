/* dnotify: fcntl(F_NOTIFY) on a directory signals the process when its entries change (each
   DN_* kind, one-shot and DN_MULTISHOT), SIGIO or the F_SETSIG signal with si_fd and si_band,
   removal by a zero mask or by closing the fd, ENOTDIR on other files; an open file's events
   go to its name's current directory, also after the name was removed. */
#include "fs.h"
#include <signal.h>

static volatile int got, got_sig, got_code, got_fd;
static volatile long got_band;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got++;
	got_sig = sig;
	got_code = si->si_code;
	got_fd = si->si_fd;
	got_band = si->si_band;
}

/* Prints how many signals arrived since the last call, and the last one's details. */
static void report(const char *what, int dirfd)
{
	printf("%s: %d signal(s)", what, got);
	if (got)
		printf(" %s code %d", got_sig == SIGIO ? "SIGIO" : got_sig == SIGUSR1 ? "SIGUSR1" : "?",
		       got_code);
	if (got && got_sig != SIGIO)
		printf(" fd %s band 0x%lx", got_fd == dirfd ? "=dir" : "other", got_band);
	printf("\n");
	got = 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	fs_begin();
	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGIO, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	mkdir("d", 0755);
	fs_puts("f", "x");
	int dir = open("d", O_RDONLY | O_DIRECTORY);
	int file = open("f", O_RDONLY);
	CHECK("F_NOTIFY DN_MULTISHOT only", fcntl(dir, F_NOTIFY, DN_MULTISHOT));
	CHECK("F_NOTIFY on a file", fcntl(file, F_NOTIFY, DN_CREATE));
	CHECK("F_NOTIFY 0 on a file", fcntl(file, F_NOTIFY, 0));
	CHECK("F_GETSIG", fcntl(dir, F_GETSIG));
	CHECK("F_SETSIG 65", fcntl(dir, F_SETSIG, 65));

	CHECK("F_NOTIFY DN_CREATE", fcntl(dir, F_NOTIFY, DN_CREATE));
	fs_puts("d/a", "a");
	fs_puts("d/b", "b");
	report("two creates, one-shot", dir);
	CHECK("F_NOTIFY DN_CREATE|DN_MULTISHOT", fcntl(dir, F_NOTIFY, DN_CREATE | DN_MULTISHOT));
	fs_puts("d/c", "c");
	mkdir("d/sub", 0755);
	report("create + mkdir, multishot", dir);
	fs_puts("d/a", "again");        /* no create: not reported */
	report("rewrite an existing file", dir);
	CHECK("F_NOTIFY 0", fcntl(dir, F_NOTIFY, 0));
	fs_puts("d/e", "e");
	report("create after removal", dir);

	CHECK("F_SETSIG SIGUSR1", fcntl(dir, F_SETSIG, SIGUSR1));
	CHECK("F_GETSIG", fcntl(dir, F_GETSIG));
	CHECK("F_NOTIFY all", fcntl(dir, F_NOTIFY, DN_ACCESS | DN_MODIFY | DN_CREATE | DN_DELETE |
						     DN_RENAME | DN_ATTRIB | DN_MULTISHOT));
	char buf[8];
	int f = open("d/a", O_RDONLY);
	read(f, buf, sizeof(buf));
	close(f);
	report("read", dir);
	f = open("d/a", O_WRONLY);
	write(f, "m", 1);
	close(f);
	report("write", dir);
	chmod("d/a", 0600);
	report("chmod", dir);
	rename("d/a", "d/a2");
	report("rename within", dir);
	rename("d/a2", "a3");
	report("rename out", dir);
	rename("a3", "d/a");
	report("rename in", dir);
	unlink("d/a");
	rmdir("d/sub");
	report("unlink + rmdir", dir);
	chmod("f", 0644);
	report("a file elsewhere", dir);

	int dup = fcntl(dir, F_DUPFD, 0);
	close(dup);                     /* any close by the owner ends the registration */
	fs_puts("d/g", "g");
	report("create after closing a dup", dir);

	/* A file's events go to the directory its name is in now, also once the name is gone. */
	mkdir("e", 0755);
	int edir = open("e", O_RDONLY | O_DIRECTORY);
	CHECK("F_SETSIG e SIGUSR1", fcntl(edir, F_SETSIG, SIGUSR1));
	CHECK("F_NOTIFY d DN_MODIFY", fcntl(dir, F_NOTIFY, DN_MODIFY | DN_MULTISHOT));
	CHECK("F_NOTIFY e DN_MODIFY", fcntl(edir, F_NOTIFY, DN_MODIFY | DN_MULTISHOT));
	f = open("d/b", O_WRONLY);
	rename("d/b", "e/b");
	write(f, "m", 1);
	report("write after a rename from d to e (fd =dir: e)", edir);
	unlink("e/b");
	write(f, "m", 1);
	report("write after unlink (fd =dir: e)", edir);
	close(f);
	close(edir);
	rmdir("e");

	unlink("d/c");
	unlink("d/e");
	unlink("d/g");
	close(dir);
	close(file);
	rmdir("d");
	unlink("f");
	return fs_end();
}
