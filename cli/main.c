/* The `unik` command: run, convert, inspect. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "monitor/vm.h"
#include "image/image.h"
#include "cli/run.h"
#include "cli/caps.h"
#include "cli/runtime.h"
#include <unistd.h>
#include <signal.h>
#include <strings.h>
#include <sys/stat.h>

extern const char unik_kernel_blob[], unik_kernel_blob_end[];

#define RUN_MAX_ENV 4096
#define MEM_MIN (16ull << 20)
#define MEM_MAX (64ull << 30)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: unik run [OPTIONS] [--] PROGRAM [ARGS...]\n"
		"       unik run [OPTIONS] --rootfs DIR [--] CMD [ARGS...]\n"
		"       unik convert IMAGE.tar [-o OUT.unik] [OPTIONS]   (unik convert --help)\n"
		"       unik inspect ARTIFACT [--ls [PATH]] [--json] [--check]\n"
		"       unik runtime ...   the OCI runtime for docker and containerd (also as\n"
		"                          unik-runtime; unik runtime --help)\n"
		"run options:\n"
		"  -e, --env K=V|K     set an environment variable (K alone: take it from the host)\n"
		"  --env-file FILE     variables from FILE, a K=V or K a line (taken as they are; '#'\n"
		"                      comments); the files' come before -e's, a later one wins\n"
		"  -h, --hostname NAME  the container's hostname (uname, /etc/hostname, /etc/hosts,\n"
		"                      HOSTNAME; default: a random one, for a bare program the host's)\n"
		"  -t, --tty           the program runs on the host's terminal (termios, window size,\n"
		"                      SIGWINCH; Ctrl-C is the program's), or without -i and with no\n"
		"                      terminal for the output, on one of its own whose output is\n"
		"                      copied to stdout, as docker does; without it the console is\n"
		"                      not a terminal, as in a container without one\n"
		"  -i, --interactive   pass stdin to the program (without it the program's stdin is\n"
		"                      /dev/null, or with -t a terminal no input reaches, whose\n"
		"                      modes stay the host's: docker's pty nobody writes to)\n"
		"  -m, --memory SIZE   guest memory, e.g. 256m, 1g (default 512m)\n"
		"  --ulimit TYPE=SOFT[:HARD]  a resource limit (nofile, nproc, core, stack, cpu, fsize,\n"
		"                      data, rss, memlock, locks, msgqueue, nice, rtprio, rttime,\n"
		"                      sigpending); -1: unlimited; nofile at most 1048576\n"
		"  -v, --volume HOSTDIR:GUESTDIR[:ro|:rw]  share a host directory (created if missing)\n"
		"  --net, --network none|slirp|tap:NAME[,ip=A.B.C.D/P[,gw=A.B.C.D]]  the guest's NIC\n"
		"                      (default slirp: a NAT, guest 10.0.2.15, gateway 10.0.2.2, DNS\n"
		"                      10.0.2.3; tap: an existing host tap interface, the guest's\n"
		"                      address and route as given; none: loopback only)\n"
		"  -p, --publish [IP:][HOSTPORT:]PORT[/tcp|/udp]  forward a host port to the guest's\n"
		"                      PORT (slirp; ranges A-B; no HOSTPORT: a free one, printed)\n"
		"  -P, --publish-all   publish the image's exposed ports on free host ports\n"
		"  --publish-listening  publish every port the program listens on, on the host's same\n"
		"                      port, while it listens (slirp; as a process in a container)\n"
		"  --rootfs DIR        the host directory DIR is the root filesystem (read-write);\n"
		"                      CMD is found in it (PATH), as an image's command\n"
		"  --trace             print every system call to stderr (strace style)\n"
		"  --stats             print VM exits and CPL0 entries after the run\n"
		"  --no-rewrite        keep system calls on the trap path (for measuring)\n"
		"  --mode fast|isolated  where the libOS core runs (default fast)\n"
		"  --stop-signal SIG   what a SIGTERM sent to unik becomes for the program (default\n"
		"                      the image's StopSignal, else SIGTERM)\n"
		"  --stop-timeout N    seconds after SIGTERM before the program is killed (default 10;\n"
		"                      -1: never). A second SIGINT kills at once\n"
		"artifact and --rootfs options (unik run [OPTIONS] APP.unik [ARGS...]; ARGS replace the\n"
		"image's Cmd):\n"
		"  --entrypoint CMD    replace the image's Entrypoint (and clear its Cmd)\n"
		"  -w, --workdir DIR   working directory (created if missing)\n"
		"  -u, --user USER[:GROUP]  identity (names through the image's /etc/passwd)\n"
		"  --cap-add CAP, --cap-drop CAP  root's capabilities from docker's default set\n"
		"                      (CAP_NET_ADMIN, NET_ADMIN, ALL...)\n"
		"  --privileged        every capability\n"
		"  --kernel builtin|artifact  boot unik's own kernel (default) or the artifact's\n"
		"exit status: the program's; 128+N if killed by signal N; 125 unik's own error;\n"
		"126 not executable; 127 not found\n");
}

/* Parses docker-style sizes: 512m, 1g, 1048576, 64k. Returns 0 on error. */
static uint64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	uint64_t mul = 1;
	switch (*end) {
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	case 'b': case 'B': end++; break;
	}
	if (*end || v > UINT64_MAX / mul)
		return 0;
	return v * mul;
}

int run_signal_number(const char *s)
{
	static const char *const names[] = {
		NULL, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1",
		"SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP",
		"TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
	};
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return n >= 1 && n <= 64 ? (int)n : 0;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int i = 1; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcasecmp(s, names[i]))
			return i;
	return 0;
}

/* Takes "--name VALUE", "--name=VALUE", "-x VALUE" or "-xVALUE"; returns the value or NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *s, const char *l)
{
	const char *a = argv[*i];
	size_t sl = strlen(s), ll = strlen(l);
	if (!strcmp(a, s) || !strcmp(a, l)) {
		if (*i + 1 >= argc)
			return NULL;
		return argv[++*i];
	}
	if (!strncmp(a, l, ll) && a[ll] == '=')
		return a + ll + 1;
	if (sl == 2 && !strncmp(a, s, 2) && a[2])
		return a + 2;
	return NULL;
}

static int run_too_many(const char *opt)
{
	fprintf(stderr, "unik: too many %s options\n", opt);
	return 125;
}

static int run_main(int argc, char **argv)
{
	static char *envp[RUN_MAX_ENV + 1];
	static struct vm_volume vols[UNIK_MAX_VOLUMES];
	static struct net_config net;   /* mode NET_SLIRP */
	size_t nvols = 0;
	struct run_opts ro = { .envp = envp, .net = &net };
	struct vm_config cfg = { .mem_size = 512ull << 20, .mode = UNIK_MODE_FAST,
				 .stop_signal = SIGTERM, .stop_timeout = 10,
				 .kernel = unik_kernel_blob,
				 .kernel_len = (size_t)(unik_kernel_blob_end - unik_kernel_blob) };
	static const char *cap_add[64], *cap_drop[64];
	int ncap_add = 0, ncap_drop = 0;
	static const char *env_vars[RUN_MAX_ENV], *env_files[64];
	int nenv_vars = 0, nenv_files = 0;
	bool privileged = false, interactive = false;
	int i;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v;
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "--privileged")) {
			privileged = true;
		} else if ((v = opt_value(argc, argv, &i, "--cap-add", "--cap-add"))) {
			if (ncap_add >= 64)
				return run_too_many("--cap-add");
			cap_add[ncap_add++] = v;
		} else if ((v = opt_value(argc, argv, &i, "--cap-drop", "--cap-drop"))) {
			if (ncap_drop >= 64)
				return run_too_many("--cap-drop");
			cap_drop[ncap_drop++] = v;
		} else if (!strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if ((v = opt_value(argc, argv, &i, "-h", "--hostname"))) {
			if (run_check_hostname(v))
				return 125;
			ro.hostname = v;
		} else if (!strcmp(a, "-t") || !strcmp(a, "--tty") || !strcmp(a, "-it") ||
			   !strcmp(a, "-ti")) {
			interactive |= a[2] != 0 && a[1] != '-';       /* -it, -ti */
			cfg.tty = true;
		} else if (!strcmp(a, "-i") || !strcmp(a, "--interactive")) {
			interactive = true;
		} else if (!strcmp(a, "--trace")) {
			cfg.trace = true;
		} else if (!strcmp(a, "--stats")) {
			cfg.stats = true;
		} else if (!strcmp(a, "--no-rewrite")) {
			cfg.no_rewrite = true;
		} else if ((v = opt_value(argc, argv, &i, "--mode", "--mode"))) {
			if (!strcmp(v, "fast"))
				cfg.mode = UNIK_MODE_FAST;
			else if (!strcmp(v, "isolated"))
				cfg.mode = UNIK_MODE_ISOLATED;
			else {
				fprintf(stderr, "unik: --mode must be fast or isolated\n");
				return 125;
			}
		} else if ((v = opt_value(argc, argv, &i, "--stop-signal", "--stop-signal"))) {
			cfg.stop_signal = run_signal_number(v);
			if (!cfg.stop_signal) {
				fprintf(stderr, "unik: invalid signal: %s\n", v);
				return 125;
			}
			ro.stop_signal_set = true;
		} else if ((v = opt_value(argc, argv, &i, "--stop-timeout", "--stop-timeout"))) {
			char *end;
			long t = strtol(v, &end, 10);
			if (!*v || *end || t < -1 || t > 86400 * 365) {
				fprintf(stderr, "unik: invalid --stop-timeout '%s'\n", v);
				return 125;
			}
			cfg.stop_timeout = (int)t;
		} else if ((v = opt_value(argc, argv, &i, "-e", "--env"))) {
			if (nenv_vars >= RUN_MAX_ENV)
				return run_too_many("-e");
			env_vars[nenv_vars++] = v;
		} else if ((v = opt_value(argc, argv, &i, "--env-file", "--env-file"))) {
			if (nenv_files >= 64)
				return run_too_many("--env-file");
			env_files[nenv_files++] = v;
		} else if ((v = opt_value(argc, argv, &i, "--ulimit", "--ulimit"))) {
			if (run_parse_ulimit(v, &cfg))
				return 125;
		} else if ((v = opt_value(argc, argv, &i, "--kernel", "--kernel"))) {
			if (strcmp(v, "artifact") && strcmp(v, "builtin")) {
				fprintf(stderr, "unik: --kernel must be builtin or artifact\n");
				return 125;
			}
			ro.artifact_kernel = !strcmp(v, "artifact");
		} else if ((v = opt_value(argc, argv, &i, "--entrypoint", "--entrypoint"))) {
			ro.entrypoint = v;
		} else if ((v = opt_value(argc, argv, &i, "-w", "--workdir"))) {
			if (v[0] != '/') {
				fprintf(stderr, "unik: the working directory '%s' is invalid, it needs to "
					"be an absolute path\n", v);
				return 125;
			}
			ro.workdir = v;
		} else if ((v = opt_value(argc, argv, &i, "-u", "--user"))) {
			ro.user = v;
		} else if ((v = opt_value(argc, argv, &i, "-v", "--volume"))) {
			int st = volume_parse(v, vols, &nvols);
			if (st)
				return st;
		} else if (!strcmp(a, "-P") || !strcmp(a, "--publish-all")) {
			net.publish_all = true;
		} else if (!strcmp(a, "--publish-listening")) {
			net.publish_listening = true;
		} else if ((v = opt_value(argc, argv, &i, "-p", "--publish"))) {
			int st = net_parse_publish(v, &net);
			if (st)
				return st;
		} else if ((v = opt_value(argc, argv, &i, "--net", "--net")) ||
			   (v = opt_value(argc, argv, &i, "--network", "--network"))) {
			int st = net_parse_mode(v, &net);
			if (st)
				return st;
		} else if ((v = opt_value(argc, argv, &i, "--rootfs", "--rootfs"))) {
			struct stat st;
			int r = stat(v, &st);
			if (r || !S_ISDIR(st.st_mode)) {
				fprintf(stderr, "unik: --rootfs %s: %s\n", v,
					r ? strerror(errno) : "not a directory");
				return 125;
			}
			ro.rootdir = v;
		} else if ((v = opt_value(argc, argv, &i, "-m", "--memory"))) {
			uint64_t m = parse_size(v);
			if (!m || m < MEM_MIN || m > MEM_MAX) {
				fprintf(stderr, "unik: invalid memory size '%s' (16m to 64g)\n", v);
				return 125;
			}
			cfg.mem_size = (m + (2u << 20) - 1) & ~((2ull << 20) - 1);
		} else {
			fprintf(stderr, "unik: unknown option '%s'\n", a);
			usage(stderr);
			return 125;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "unik run: no program given\n");
		usage(stderr);
		return 125;
	}
	/* docker's capability sets: its default for root, tweaked by the flags. */
	uint64_t caps;
	int cst = caps_tweak(cap_add, ncap_add, cap_drop, ncap_drop, privileged, &caps);
	if (cst)
		return cst;
	cfg.caps_set = true;
	cfg.caps[UNIK_CAP_BND] = cfg.caps[UNIK_CAP_EFF] = cfg.caps[UNIK_CAP_PRM] = caps;
	/* docker's order: the files' entries, then -e, whatever order the flags came in */
	ro.envc = run_env(env_files, nenv_files, env_vars, nenv_vars, envp, RUN_MAX_ENV);
	if (ro.envc < 0)
		return 125;
	cfg.uid = getuid();
	cfg.gid = getgid();
	cfg.volumes = vols;
	cfg.nvolumes = nvols;
	cfg.net = &net;
	if (net.nfwd && net.mode != NET_SLIRP) {
		fprintf(stderr, "unik: -p needs the slirp network (with --net %s there is nothing to "
			"forward through)\n", net.mode == NET_NONE ? "none" : "tap");
		return 125;
	}
	if (nvols + (ro.rootdir ? 1 : 0) > UNIK_MAX_VOLUMES) {
		fprintf(stderr, "unik: too many volumes (at most %d with --rootfs)\n",
			UNIK_MAX_VOLUMES - 1);
		return 125;
	}
	if (ro.rootdir) {
		int st = run_rootdir(&ro, &cfg, argc - i, argv + i);
		if (st)
			return st;
	} else if (run_is_artifact(argv[i])) {
		int st = run_artifact(&ro, &cfg, argc - i, argv + i);
		if (st)
			return st;
	} else {
		int st = run_bare(&ro, &cfg, argc - i, argv + i);
		if (st)
			return st;
	}
	/* docker: -i with -t needs a terminal to read; -t alone without one on the host gives the
	   program a terminal of its own, whose output is copied out (run_pty.c) */
	if (cfg.tty && interactive && !isatty(0)) {
		fprintf(stderr, "unik: the input device is not a TTY\n");
		return 125;
	}
	static struct run_pty pty;
	if (cfg.tty && !interactive && !isatty(1) && run_pty_start(&pty))
		return 125;
	/* docker attaches stdin only with -i: otherwise the program reads /dev/null, or with -t a
	   terminal whose input never comes (the monitor keeps fd 0 for the terminal's modes) */
	cfg.stdin_detached = cfg.tty && !interactive;
	if (!interactive && !cfg.tty) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0) {
			fprintf(stderr, "unik: /dev/null: %s\n", strerror(errno));
			return 125;
		}
		if (null != 0)
			close(null);
	}
	struct vm vm;
	int status = vm_create(&vm, &cfg);
	if (!status)
		status = vm_run(&vm, &cfg);
	vm_destroy(&vm);
	run_pty_finish(&pty);
	return status;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	if (!strncmp(base ? base + 1 : argv[0], "unik-runtime", 12))
		return runtime_main(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "runtime"))
		return runtime_main(argc - 1, argv + 1);
	if (argc < 2) {
		usage(stderr);
		return 125;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "run"))
		return run_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "convert"))
		return image_convert_main(argc - 1, argv + 1, unik_kernel_blob,
					  (size_t)(unik_kernel_blob_end - unik_kernel_blob));
	if (!strcmp(cmd, "inspect"))
		return image_inspect_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "unik: unknown command '%s'\n", cmd);
	usage(stderr);
	return 125;
}
