/* caps: capabilities as root: capget's versions and errors, capset's subset rules, what dropping
 * a capability takes away (raw sockets, chown, reading others' files, low ports, signalling
 * other users), the sets across setuid (with and without PR_SET_KEEPCAPS) and execve, the
 * bounding set, ambient capabilities surviving an exec as another user, the kill permission
 * rules, supplementary groups in file permission checks, securebits (locks, NOROOT at exec,
 * NO_SETUID_FIXUP, KEEP_CAPS, NO_CAP_AMBIENT_RAISE), file capabilities (security.capability:
 * what an exec gives, the rules for setting them), and set-id executables (ids,
 * AT_SECURE, capabilities; no_new_privs). Only the capabilities it names are
 * printed: the machine's root may lack others. */
#include "compat.h"
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define V1 0x19980330
#define V3 0x20080522
#define C_CHOWN 0
#define C_DAC_OVERRIDE 1
#define C_DAC_READ_SEARCH 2
#define C_KILL 5
#define C_SETGID 6
#define C_SETUID 7
#define C_SETPCAP 8
#define C_NET_BIND_SERVICE 10
#define C_NET_RAW 13

struct hdr {
	uint32_t version;
	int pid;
};
struct data {
	uint32_t eff, prm, inh;
};

static struct data caps[2];

static long capget_(struct hdr *h, struct data *d)
{
	return syscall(SYS_capget, h, d);
}

static long capset_(struct hdr *h, struct data *d)
{
	return syscall(SYS_capset, h, d);
}

static void get(void)
{
	struct hdr h = { V3, 0 };
	capget_(&h, caps);
}

static long set(void)
{
	struct hdr h = { V3, 0 };
	return capset_(&h, caps);
}

static int has(uint32_t set, int cap)
{
	return (set >> cap) & 1;
}

/* The named capabilities in each set, as letters: "eff prm inh". */
static void show(const char *what)
{
	static const int named[] = { C_CHOWN, C_DAC_OVERRIDE, C_KILL, C_SETUID, C_NET_RAW };
	get();
	char out[3][8];
	for (int s = 0; s < 3; s++) {
		uint32_t v = s == 0 ? caps[0].eff : s == 1 ? caps[0].prm : caps[0].inh;
		for (int i = 0; i < 5; i++)
			out[s][i] = has(v, named[i]) ? "cdksr"[i] : '-';
		out[s][5] = 0;
	}
	printf("%s: eff %s prm %s inh %s\n", what, out[0], out[1], out[2]);
}

static int raw_ok(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static int bind80_ok(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80),
				 .sin_addr.s_addr = htonl(0x7f000001) };
	int r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return r == 0;
}

/* Runs f in a child; prints its exit status as the result. */
static void in_child(const char *what, int (*f)(void))
{
	pid_t c = fork();
	if (c == 0)
		_exit(f());
	int st;
	waitpid(c, &st, 0);
	printf("%s: %s\n", what, WIFEXITED(st) ? (WEXITSTATUS(st) ? "failed" : "ok") : "killed");
}

static int versions(void)
{
	struct hdr h = { 0, 0 };
	RESULT("capget version 0", capget_(&h, caps));
	printf("  the header now says %#x\n", h.version);
	h.version = 0;
	RESULT("capget version 0, no data", capget_(&h, NULL));
	h = (struct hdr){ V3, -1 };
	RESULT("capget pid -1", capget_(&h, caps));
	h = (struct hdr){ V3, 999999 };
	RESULT("capget of no such pid", capget_(&h, caps));
	h = (struct hdr){ V3, getppid() };
	RESULT("capset of another process", capset_(&h, caps));
	h = (struct hdr){ V1, 0 };
	struct data one[2];
	memset(one, 0xee, sizeof(one));
	RESULT("capget version 1", capget_(&h, one));
	printf("  version 1 fills one struct: %s\n", one[1].eff == 0xeeeeeeee ? "yes" : "no");
	return 0;
}

static int drop_rules(void)
{
	show("root");
	get();
	caps[0].eff &= ~(1u << C_NET_RAW);
	RESULT("drop NET_RAW from the effective set", set());
	printf("raw socket without it: %s\n", raw_ok() ? "yes" : "no");
	caps[0].eff |= 1u << C_NET_RAW;
	RESULT("take it back from the permitted set", set());
	printf("raw socket again: %s\n", raw_ok() ? "yes" : "no");
	caps[0].eff &= ~(1u << C_NET_RAW);
	caps[0].prm &= ~(1u << C_NET_RAW);
	RESULT("drop NET_RAW from both", set());
	caps[0].prm |= 1u << C_NET_RAW;
	RESULT("raise it in the permitted set again", set());
	get();
	caps[0].eff |= 1u << C_NET_RAW;
	RESULT("effective beyond permitted", set());
	get();
	caps[0].inh |= 1u << C_NET_RAW;
	RESULT("inheritable beyond permitted, with SETPCAP", set());
	show("after the drops");
	get();
	caps[0].eff &= ~((1u << C_NET_BIND_SERVICE) | (1u << C_CHOWN) | (1u << C_DAC_OVERRIDE) |
			 (1u << C_DAC_READ_SEARCH));
	RESULT("drop NET_BIND_SERVICE, CHOWN, DAC_*", set());
	printf("bind to port 80: %s\n", bind80_ok() ? "yes" : "no");
	char path[] = "/tmp/caps.XXXXXX";
	int fd = mkstemp(path);
	fchmod(fd, 0);
	close(fd);
	RESULT("chown to another user", chown(path, 1234, -1));
	RESULT("open a mode-000 file of its own", open(path, O_RDONLY));
	RESULT("chmod of its own file", chmod(path, 0600));
	unlink(path);
	return 0;
}

static int setuid_drops(void)
{
	RESULT("setuid(1000)", setuid(1000));
	show("uid 1000");
	printf("raw socket: %s\n", raw_ok() ? "yes" : "no");
	get();
	caps[0].prm |= 1u << C_NET_RAW;
	RESULT("capset to get one back", set());
	return 0;
}

static int keepcaps(void)
{
	RESULT("PR_SET_KEEPCAPS", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	RESULT("PR_GET_SECUREBITS", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
	RESULT("setresuid(1000, 1000, 1000)", setresuid(1000, 1000, 1000));
	show("kept");
	get();
	caps[0].eff = 1u << C_NET_RAW;
	RESULT("make NET_RAW effective", set());
	printf("raw socket as uid 1000: %s\n", raw_ok() ? "yes" : "no");
	return 0;
}

#define SB_NOROOT 0x01
#define SB_NO_SETUID_FIXUP 0x04
#define SB_KEEP_CAPS 0x10
#define SB_KEEP_CAPS_LOCKED 0x20
#define SB_NO_CAP_AMBIENT_RAISE 0x40

/* Securebits: who may set them, what a lock freezes, and what each does. */
static int securebits(void)
{
	RESULT("PR_GET_SECUREBITS", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
	RESULT("set an unknown bit", prctl(PR_SET_SECUREBITS, 0x1000, 0, 0, 0));
	RESULT("set KEEP_CAPS", prctl(PR_SET_SECUREBITS, SB_KEEP_CAPS, 0, 0, 0));
	RESULT("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	RESULT("PR_SET_KEEPCAPS 0", prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));
	RESULT("PR_GET_SECUREBITS", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
	RESULT("KEEP_CAPS and its lock", prctl(PR_SET_SECUREBITS, SB_KEEP_CAPS | SB_KEEP_CAPS_LOCKED,
					       0, 0, 0));
	RESULT("PR_SET_KEEPCAPS 0 when locked", prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));
	RESULT("PR_SET_KEEPCAPS 2 when locked", prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0));
	RESULT("clear the locked bit", prctl(PR_SET_SECUREBITS, SB_KEEP_CAPS_LOCKED, 0, 0, 0));
	RESULT("drop the lock", prctl(PR_SET_SECUREBITS, SB_KEEP_CAPS, 0, 0, 0));
	RESULT("add NO_CAP_AMBIENT_RAISE", prctl(PR_SET_SECUREBITS, SB_KEEP_CAPS |
						 SB_KEEP_CAPS_LOCKED | SB_NO_CAP_AMBIENT_RAISE,
						 0, 0, 0));
	get();
	caps[0].inh |= 1u << C_NET_RAW;
	set();
	RESULT("ambient RAISE with NO_CAP_AMBIENT_RAISE", prctl(PR_CAP_AMBIENT,
				PR_CAP_AMBIENT_RAISE, C_NET_RAW, 0, 0));
	RESULT("PR_CAPBSET_DROP SETPCAP", prctl(PR_CAPBSET_DROP, C_SETPCAP, 0, 0, 0));
	get();
	caps[0].eff &= ~(1u << C_SETPCAP);
	caps[0].prm &= ~(1u << C_SETPCAP);
	RESULT("drop SETPCAP", set());
	RESULT("change them without SETPCAP", prctl(PR_SET_SECUREBITS, SB_KEEP_CAPS |
						    SB_KEEP_CAPS_LOCKED, 0, 0, 0));
	RESULT("set the same without SETPCAP", prctl(PR_SET_SECUREBITS, SB_KEEP_CAPS |
						     SB_KEEP_CAPS_LOCKED | SB_NO_CAP_AMBIENT_RAISE,
						     0, 0, 0));
	/* The locked KEEP_CAPS survives an exec that clears the bit's unlocked form. */
	RESULT("setresuid(1000, 1000, 1000)", setresuid(1000, 1000, 1000));
	show("uid 1000 with KEEP_CAPS locked");
	return 0;
}

static int noroot(void)
{
	RESULT("set NOROOT", prctl(PR_SET_SECUREBITS, SB_NOROOT | SB_KEEP_CAPS, 0, 0, 0));
	char *argv[] = { "/proc/self/exe", "show", "root after exec with NOROOT", NULL };
	execv("/proc/self/exe", argv);
	return 9;
}

static int keepcaps_exec(void)
{
	RESULT("set KEEP_CAPS", prctl(PR_SET_SECUREBITS, SB_KEEP_CAPS, 0, 0, 0));
	char *argv[] = { "/proc/self/exe", "bits", NULL };
	execv("/proc/self/exe", argv);
	return 9;
}

static int no_setuid_fixup(void)
{
	RESULT("set NO_SETUID_FIXUP", prctl(PR_SET_SECUREBITS, SB_NO_SETUID_FIXUP, 0, 0, 0));
	RESULT("setresuid(1000, 1000, 1000)", setresuid(1000, 1000, 1000));
	show("uid 1000 with NO_SETUID_FIXUP");
	printf("raw socket as uid 1000: %s\n", raw_ok() ? "yes" : "no");
	return 0;
}

static int fs_uid(void)
{
	setfsuid(1000);
	show("fsuid 1000");
	setfsuid(0);
	show("fsuid 0 again");
	RESULT("seteuid(1000)", seteuid(1000));
	show("euid 1000");
	RESULT("seteuid(0)", seteuid(0));
	show("euid 0 again");
	return 0;
}

static int bounding(void)
{
	RESULT("PR_CAPBSET_READ NET_RAW", prctl(PR_CAPBSET_READ, C_NET_RAW, 0, 0, 0));
	RESULT("PR_CAPBSET_DROP NET_RAW", prctl(PR_CAPBSET_DROP, C_NET_RAW, 0, 0, 0));
	RESULT("PR_CAPBSET_READ NET_RAW after", prctl(PR_CAPBSET_READ, C_NET_RAW, 0, 0, 0));
	RESULT("PR_CAPBSET_DROP 64", prctl(PR_CAPBSET_DROP, 64, 0, 0, 0));
	RESULT("PR_CAPBSET_READ 64", prctl(PR_CAPBSET_READ, 64, 0, 0, 0));
	char *argv[] = { "/proc/self/exe", "show", "after exec without NET_RAW in the bounding set",
			 NULL };
	execv("/proc/self/exe", argv);
	return 9;
}

static int ambient(void)
{
	RESULT("ambient RAISE without inheritable", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE,
							  C_NET_RAW, 0, 0));
	get();
	caps[0].inh |= 1u << C_NET_RAW;
	set();
	RESULT("ambient RAISE", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, C_NET_RAW, 0, 0));
	RESULT("ambient IS_SET", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, C_NET_RAW, 0, 0));
	prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	setresuid(1000, 1000, 1000);
	RESULT("ambient IS_SET after setresuid", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET,
						       C_NET_RAW, 0, 0));
	/* setresuid to non-root clears the ambient set: raise it again as uid 1000 */
	RESULT("ambient RAISE as uid 1000", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, C_NET_RAW,
						  0, 0));
	char *argv[] = { "/proc/self/exe", "show", "uid 1000 after exec with ambient NET_RAW", NULL };
	execv("/proc/self/exe", argv);
	return 9;
}

static int exec_plain(void)
{
	setresuid(1000, 1000, 1000);
	char *argv[] = { "/proc/self/exe", "show", "uid 1000 after exec", NULL };
	execv("/proc/self/exe", argv);
	return 9;
}

static int kill_rules(void)
{
	pid_t root_child = fork();
	if (root_child == 0) {
		alarm(2);               /* nobody here may end it: it ends itself */
		pause();
		_exit(0);
	}
	pid_t peer = fork();
	if (peer == 0) {
		setresuid(2000, 2000, 2000);
		alarm(2);
		pause();
		_exit(0);
	}
	usleep(20000);
	setresuid(2000, 2000, 2000);
	RESULT("kill a root process", kill(root_child, SIGTERM));
	RESULT("kill(0) probe of a root process", kill(root_child, 0));
	RESULT("kill a process of the same user", kill(peer, SIGTERM));
	RESULT("tgkill a root process", syscall(SYS_tgkill, root_child, root_child, SIGTERM));
	RESULT("SIGCONT to a root process in the session", kill(root_child, SIGCONT));
	_exit(0);
}

static int groups_perm(void)
{
	char path[] = "/tmp/caps-g.XXXXXX";
	int fd = mkstemp(path);
	write(fd, "x", 1);
	fchown(fd, 0, 4321);
	fchmod(fd, 0040);
	close(fd);
	gid_t g[] = { 4321 };
	setgroups(1, g);
	setresgid(5000, 5000, 5000);
	setresuid(5000, 5000, 5000);
	RESULT("read a file of a supplementary group", open(path, O_RDONLY) >= 0);
	RESULT("write it", open(path, O_WRONLY));
	_exit(0);
}

/* ---- set-id executables ---- */

static char suid_copy[] = "/tmp/caps-suid.XXXXXX";

/* A copy of this program owned by uid:gid with mode. */
static void make_copy(uid_t uid, gid_t gid, mode_t mode)
{
	static char buf[1 << 16];
	int in = open("/proc/self/exe", O_RDONLY);
	int out = mkstemp(suid_copy);
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		write(out, buf, (size_t)n);
	close(in);
	fchown(out, uid, gid);
	fchmod(out, mode);
	close(out);
}

static void ids(const char *what)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	printf("%s: uids %d %d %d, gids %d %d %d, AT_SECURE %lu\n", what, (int)r, (int)e, (int)s,
	       (int)gr, (int)ge, (int)gs, getauxval(AT_SECURE));
	show("  caps");
}

/* Runs the copy as uid:gid (after no_new_privs when nnp) in a child. */
#define EXEC_NNP 1               /* with no_new_privs */
#define EXEC_NO_RAW_BND 2        /* NET_RAW out of the bounding set first */
#define EXEC_AMBIENT_RAW 4       /* with NET_RAW ambient (kept across the setresuid) */

static void exec_copy(const char *what, uid_t uid, gid_t gid, int opts)
{
	pid_t c = fork();
	if (c == 0) {
		if (opts & EXEC_NO_RAW_BND)
			prctl(PR_CAPBSET_DROP, C_NET_RAW, 0, 0, 0);
		if (opts & EXEC_AMBIENT_RAW) {
			get();
			caps[0].inh |= 1u << C_NET_RAW;
			set();
			prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
		}
		setresgid(gid, gid, gid);
		setresuid(uid, uid, uid);
		if (opts & EXEC_AMBIENT_RAW) {
			get();
			caps[0].eff |= 1u << C_NET_RAW;
			set();
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, C_NET_RAW, 0, 0);
		}
		if (opts & EXEC_NNP)
			prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		char *argv[] = { suid_copy, "ids", (char *)what, NULL };
		execv(suid_copy, argv);
		printf("%s: execv -1 %s\n", what, errname(errno));
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		printf("%s: status %d\n", what, st);
}

static void setid_exec(void)
{
	make_copy(0, 0, 04755);
	exec_copy("setuid-root run by uid 1000", 1000, 1000, 0);
	exec_copy("the same with no_new_privs", 1000, 1000, 1);
	unlink(suid_copy);
	memcpy(suid_copy + strlen(suid_copy) - 6, "XXXXXX", 6);
	make_copy(0, 4321, 02755);
	exec_copy("setgid 4321 run by uid 1000", 1000, 1000, 0);
	unlink(suid_copy);
	memcpy(suid_copy + strlen(suid_copy) - 6, "XXXXXX", 6);
	make_copy(1000, 0, 04755);
	exec_copy("setuid-1000 run by root", 0, 0, 0);
	unlink(suid_copy);
	memcpy(suid_copy + strlen(suid_copy) - 6, "XXXXXX", 6);
	make_copy(0, 0, 02745);         /* setgid without group execute: no effect */
	exec_copy("setgid without group x", 1000, 1000, 0);
	unlink(suid_copy);
}

/* security.capability values: version 2 (20 bytes) or 3 (24, with the root id). */
#define FCAP_V1 0x01000000u
#define FCAP_V2 0x02000000u
#define FCAP_V3 0x03000000u
#define FCAP_EFF 1u

static long set_fcaps(uint32_t magic, uint32_t prm, uint32_t inh, uint32_t rootid, size_t size)
{
	uint32_t v[6] = { magic, prm, inh, 0, 0, rootid };
	return setxattr(suid_copy, "security.capability", v, size, 0);
}

/* A fresh root-owned copy of this program with the given file capabilities. */
static void fcap_copy(mode_t mode, uint32_t magic, uint32_t prm, uint32_t inh)
{
	unlink(suid_copy);
	memcpy(suid_copy + strlen(suid_copy) - 6, "XXXXXX", 6);
	make_copy(0, 0, mode);
	if (set_fcaps(magic, prm, inh, 0, magic == FCAP_V1 ? 12 : 20))
		printf("setting file capabilities: -1 %s\n", errname(errno));
}

/* File capabilities: what an exec of a file with security.capability gives, and the rules
   for setting them. */
static void file_caps(void)
{
	const uint32_t raw = 1u << C_NET_RAW;
	fcap_copy(0755, FCAP_V2 | FCAP_EFF, raw, 0);
	exec_copy("file caps NET_RAW+ep run by uid 1000", 1000, 1000, 0);
	exec_copy("the same with no_new_privs", 1000, 1000, EXEC_NNP);
	exec_copy("the same without NET_RAW in the bounding set", 1000, 1000, EXEC_NO_RAW_BND);
	exec_copy("the same run by root", 0, 0, 0);
	exec_copy("the same run with NET_RAW ambient", 1000, 1000, EXEC_AMBIENT_RAW);
	fcap_copy(0755, FCAP_V2, raw, 0);
	exec_copy("file caps NET_RAW+p run by uid 1000", 1000, 1000, 0);
	exec_copy("the same without NET_RAW in the bounding set", 1000, 1000, EXEC_NO_RAW_BND);
	fcap_copy(0755, FCAP_V2 | FCAP_EFF, 0, raw);
	exec_copy("file caps NET_RAW+ie run by uid 1000", 1000, 1000, 0);
	exec_copy("the same with NET_RAW ambient", 1000, 1000, EXEC_AMBIENT_RAW);
	fcap_copy(04755, FCAP_V2 | FCAP_EFF, raw, 0);
	exec_copy("setuid-root with file caps NET_RAW+ep run by uid 1000", 1000, 1000, 0);
	fcap_copy(0755, FCAP_V1 | FCAP_EFF, raw, 0);
	RESULT("version 1 with its size", set_fcaps(FCAP_V1, raw, 0, 0, 12));
	RESULT("version 2 with 24 bytes", set_fcaps(FCAP_V2, raw, 0, 0, 24));
	RESULT("version 3 with 20 bytes", set_fcaps(FCAP_V3, raw, 0, 0, 20));
	RESULT("unknown version", set_fcaps(0x05000000u, raw, 0, 0, 20));
	RESULT("version 3 for root 0", set_fcaps(FCAP_V3 | FCAP_EFF, raw, 0, 0, 24));
	uint32_t back[8] = { 0 };
	long n = getxattr(suid_copy, "security.capability", back, sizeof(back));
	printf("  reads back as %ld bytes, magic %#x\n", n, back[0]);
	exec_copy("version 3 for root 0 run by uid 1000", 1000, 1000, 0);
	RESULT("version 3 for root 1000", set_fcaps(FCAP_V3 | FCAP_EFF, raw, 0, 1000, 24));
	n = getxattr(suid_copy, "security.capability", back, sizeof(back));
	printf("  reads back as %ld bytes, magic %#x, root %u\n", n, back[0], back[5]);
	exec_copy("version 3 for root 1000 run by uid 1000", 1000, 1000, 0);
	RESULT("security.other as root", setxattr(suid_copy, "security.other", "x", 1, 0));
	RESULT("remove security.capability", removexattr(suid_copy, "security.capability"));
	exec_copy("no file caps left, run by uid 1000", 1000, 1000, 0);
	chown(suid_copy, 1000, 1000);
	pid_t c = fork();
	if (c == 0) {
		setresuid(1000, 1000, 1000);
		RESULT("file caps set by its owner uid 1000", set_fcaps(FCAP_V2, raw, 0, 0, 20));
		RESULT("an invalid one by uid 1000", set_fcaps(FCAP_V1, raw, 0, 0, 20));
		RESULT("security.other by uid 1000", setxattr(suid_copy, "security.other", "x", 1,
							       0));
		_exit(0);
	}
	waitpid(c, NULL, 0);
	unlink(suid_copy);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 2 && !strcmp(argv[1], "show")) {
		show(argv[2]);
		printf("  raw socket: %s\n", raw_ok() ? "yes" : "no");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "bits")) {
		RESULT("securebits after exec", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "ids")) {
		ids(argv[2]);
		return 0;
	}
	if (geteuid() != 0) {
		printf("needs root\n");
		return 1;
	}
	in_child("versions", versions);
	in_child("drops", drop_rules);
	in_child("setuid", setuid_drops);
	in_child("keepcaps", keepcaps);
	in_child("securebits", securebits);
	in_child("securebits NOROOT", noroot);
	in_child("securebits KEEP_CAPS at exec", keepcaps_exec);
	in_child("securebits NO_SETUID_FIXUP", no_setuid_fixup);
	in_child("fsuid and euid", fs_uid);
	in_child("bounding set", bounding);
	in_child("ambient", ambient);
	in_child("plain exec as another user", exec_plain);
	in_child("kill permission", kill_rules);
	in_child("supplementary groups", groups_perm);
	setid_exec();
	file_caps();
	return 0;
}
