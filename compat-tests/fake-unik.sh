#!/usr/bin/env bash
# fake-unik.sh: ONLY for testing the compat harness while unik does not exist: it runs PROG natively,
# with no VM. It documents the contract of `unik run` that compat-tests/run.sh and tests/e2e/ rely on:
#   unik run [-e K=V]... [--] PROG [ARGS...]
#   - PROG is a host file; argv is PROG ARGS exactly as given (argv[0] and AT_EXECFN are PROG as
#     passed, not resolved); options end at `--` or at PROG, so ARGS may look like options.
#   - the environment is exactly the -e variables, in order, nothing added (no PATH, HOME, ...).
#   - stdin, stdout and stderr are the runner's own: the harness gives /dev/null, a pipe and a file,
#     and programs check what they see (a pipe is a FIFO, ENOTTY for TCGETS, ESPIPE for lseek).
#   - exit status: the program's; 128+N if killed by signal N; 125 for the runner's own errors
#     (bad usage); 126 not executable; 127 not found.
usage() {
	echo "usage: $0 run [-e K=V]... [--] PROG [ARGS...]" >&2
	exit 125
}

[ "$1" = run ] || usage
shift
envs=()
while [ $# -gt 0 ]; do
	case $1 in
	--) shift; break ;;
	-e)
		if [ $# -lt 2 ] || [[ "$2" != *=* ]]; then
			usage
		fi
		envs+=("$2")
		shift 2
		;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
[ -e "$1" ] || { echo "$0: $1: not found" >&2; exit 127; }
exec env -i "${envs[@]}" "$@"
