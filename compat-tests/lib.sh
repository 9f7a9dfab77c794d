# lib.sh: the native-versus-unik comparison shared by compat-tests/run.sh and tests/e2e/*.sh
# (bash, sourced). A case runs a host program natively and then under `$UNIK run`, each with stdin
# /dev/null, stdout through a pipe into a file and stderr into another file, and compares stdout
# byte for byte and the exit status. A case whose native run does not give the expected status is
# BROKEN: it counts as failed, never as passed.

HARNESS_TIMEOUT=30	# seconds per run, native or unik

# harness_init SUITE UNIK: applies the KVM rule (may exit), checks the runner and sets up counters
# and a scratch directory (removed on exit). SUITE names the tests in the SKIP message.
harness_init() {
	HARNESS_SUITE=$1
	UNIK=$2
	harness_kvm_check
	if [ ! -x "$UNIK" ]; then
		echo "FAIL: runner $UNIK not found or not executable (make all?)"
		exit 1
	fi
	HARNESS_PASSED=0
	HARNESS_FAILED=0
	CASE_ENV=()
	HARNESS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/unik-$HARNESS_SUITE.XXXXXX") || exit 1
	trap 'rm -rf "$HARNESS_TMP"' EXIT
}

# harness_kvm_check: if /dev/kvm cannot be opened read-write, the tests cannot run under unik:
# a loud SKIP (exit 0), or a failure (exit 1) when CI=true. UNIK_KVM_DEV overrides the device
# path, to test this rule.
harness_kvm_check() {
	local dev=${UNIK_KVM_DEV:-/dev/kvm}

	if [ -c "$dev" ] && (exec 3<>"$dev") 2>/dev/null; then
		return 0
	fi
	echo "**********************************************************************"
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $dev unusable and CI=true, $HARNESS_SUITE tests cannot run under unik"
		echo "**********************************************************************"
		exit 1
	fi
	echo "SKIP: /dev/kvm unusable, $HARNESS_SUITE tests not run under unik"
	echo "**********************************************************************"
	exit 0
}

# harness_need_root WHY: a FAIL (exit 1) unless running as root; WHY says what needs it.
harness_need_root() {
	[ "$(id -u)" = 0 ] && return 0
	echo "FAIL: this test needs root ($1)"
	exit 1
}

# harness_selected LABEL: true unless HARNESS_FILTER is set and is not a substring of LABEL.
harness_selected() {
	[ -z "${HARNESS_FILTER:-}" ] || [[ "$1" == *"$HARNESS_FILTER"* ]]
}

# harness_exec PREFIX CMD...: runs CMD with the harness's stdio into PREFIX.out / PREFIX.err and
# sets HARNESS_STATUS (124: timed out; 128+N: killed by signal N).
harness_exec() {
	local prefix=$1
	shift
	timeout -k 5 "$HARNESS_TIMEOUT" "$@" </dev/null 2>"$prefix.err" | cat >"$prefix.out"
	HARNESS_STATUS=${PIPESTATUS[0]}
}

# harness_status_text STATUS: the status, annotated when the harness's timeout produced it.
harness_status_text() {
	case $1 in
	124) echo "124 (timeout)" ;;
	137) echo "137 (killed after timeout?)" ;;
	*) echo "$1" ;;
	esac
}

# harness_show_stderr PREFIX SIDE: the first lines of a run's stderr, indented, for a report.
harness_show_stderr() {
	if [ -s "$1.err" ]; then
		echo "    stderr ($2):"
		head -n 5 "$1.err" | sed 's/^/      /'
	fi
}

# harness_case LABEL WANT CHECK BIN [ARGS...]: runs BIN ARGS natively under `env -i CASE_ENV...`
# and as `$UNIK run --privileged -e K=V... -- BIN ARGS` (the native run is a root with every
# capability, not a container's), then prints PASS, FAIL or BROKEN and counts it.
# WANT is the exit status the native run must give. CHECK is "exact" (stdout compared byte for
# byte) or the name of a function that takes a stdout file and succeeds if it is acceptable, for
# output that legitimately differs; it must accept the native output too.
harness_case() {
	local label=$1 want=$2 check=$3 bin=$4
	local n=$HARNESS_TMP/native u=$HARNESS_TMP/unik eflags=() kv ns us why=""
	shift 4

	for kv in "${CASE_ENV[@]}"; do
		eflags+=(-e "$kv")
	done
	if [ ! -x "$bin" ]; then
		harness_count BROKEN "$label: $bin missing"
		return
	fi
	harness_exec "$n" env -i "${CASE_ENV[@]}" "$bin" "$@"
	ns=$HARNESS_STATUS
	if [ "$ns" != "$want" ]; then
		harness_count BROKEN "$label: native status $(harness_status_text "$ns"), expected $want"
		harness_show_stderr "$n" native
		return
	fi
	if [ "$check" != exact ] && ! "$check" "$n.out"; then
		harness_count BROKEN "$label: native output rejected by $check"
		return
	fi

	harness_exec "$u" "$UNIK" run --privileged "${eflags[@]}" -- "$bin" "$@"
	us=$HARNESS_STATUS
	[ "$ns" = "$us" ] || why="status $ns vs $(harness_status_text "$us")"
	if [ "$check" = exact ]; then
		cmp -s "$n.out" "$u.out" || why="${why:+$why, }stdout differs"
	elif ! "$check" "$u.out"; then
		why="${why:+$why, }stdout rejected by $check"
	fi
	if [ -z "$why" ]; then
		harness_count PASS "$label"
		return
	fi
	harness_count FAIL "$label: $why"
	if ! cmp -s "$n.out" "$u.out"; then
		echo "    diff native unik (first lines):"
		diff "$n.out" "$u.out" | head -n 8 | cut -c1-160 | sed 's/^/      /'
	fi
	harness_show_stderr "$u" unik
}

# harness_count VERDICT TEXT: prints "VERDICT TEXT" and counts PASS as passed, anything else failed.
harness_count() {
	echo "$1 $2"
	if [ "$1" = PASS ]; then
		HARNESS_PASSED=$((HARNESS_PASSED + 1))
	else
		HARNESS_FAILED=$((HARNESS_FAILED + 1))
	fi
}

# harness_parse LINE: splits a case line "STATUS [K=V...] NAME [ARGS...]" (shell quoting) into
# CASE_WANT, CASE_ENV (array), CASE_NAME, CASE_ARGS (array) and CASE_TEXT (the line without
# STATUS, for labels). Fails on a malformed line. The line is eval'ed: case files are code.
# shellcheck disable=SC2034  # the CASE_* variables are the callers' to read
harness_parse() {
	local line=$1 words
	eval "words=($line)" || return 1
	CASE_WANT=${words[0]}
	[[ "$CASE_WANT" =~ ^[0-9]+$ ]] && [ ${#words[@]} -ge 2 ] || return 1
	words=("${words[@]:1}")
	CASE_ENV=()
	while [ ${#words[@]} -gt 0 ] && [[ "${words[0]}" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
		CASE_ENV+=("${words[0]}")
		words=("${words[@]:1}")
	done
	[ ${#words[@]} -ge 1 ] || return 1
	CASE_NAME=${words[0]}
	CASE_ARGS=("${words[@]:1}")
	CASE_TEXT=$(sed -E 's/^[[:space:]]*[0-9]+[[:space:]]+//; s/[[:space:]]+$//' <<<"$line")
}

# harness_summary: prints the closing "N passed, N failed" line and exits non-zero on any failure.
harness_summary() {
	echo "$HARNESS_PASSED passed, $HARNESS_FAILED failed"
	[ "$HARNESS_FAILED" -eq 0 ] && exit 0
	exit 1
}
