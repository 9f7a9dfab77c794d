#!/bin/bash
# The OCI runtime under real engines: a dockerd started here (Debian's docker.io, its data in a
# scratch directory, no iptables, no bridge) with build/unik-runtime registered as "unik"; every
# docker case runs with --runtime=runc first (the native reference, which must give the expected
# status) and then --runtime=unik, and stdout and the exit status must match. Then containerd's
# own client (ctr run --runc-binary) against a containerd started here, and an image made by
# `unik convert --oci` through docker load. usage: tests/e2e/oci.sh [UNIK]
cd "$(dirname "$0")/../.." || exit 1
source compat-tests/lib.sh
harness_init oci "${1:-build/unik}"
T=$HARNESS_TMP
ROOT=$PWD
RUNTIME=$ROOT/$(dirname "$UNIK")/unik-runtime
pass() { echo "PASS $1"; HARNESS_PASSED=$((HARNESS_PASSED + 1)); }
fail() { echo "FAIL $1: $2"; HARNESS_FAILED=$((HARNESS_FAILED + 1)); }

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the engines need root"
	exit 0
fi
for b in /usr/sbin/dockerd /usr/bin/docker /usr/bin/containerd /usr/bin/ctr /usr/sbin/runc; do
	if [ ! -x "$b" ]; then
		echo "FAIL: $b missing (scripts/deps.sh installs docker.io, containerd and runc)"
		exit 1
	fi
done
[ -x "$RUNTIME" ] || { echo "FAIL: $RUNTIME missing (make all)"; exit 1; }

# the engines, private to this test
source tests/e2e/oci/engines.sh
DK=$(mktemp -d /tmp/unik-dk.XXXXXX)
trap '$D network rm unik-test-net >/dev/null 2>&1; engines_stop "$DK"; rm -rf "$HARNESS_TMP"' EXIT
if ! engines_dockerd "$DK" "$RUNTIME" >"$T/engine.err"; then
	echo "FAIL: $(cat "$T/engine.err")"
	exit 1
fi
bash tests/e2e/convert/build-image.sh "$T" >"$T/build.log" 2>&1 || { cat "$T/build.log"; exit 1; }
$D load -q -i "$T/da.tar" >/dev/null || { echo "FAIL: docker load"; exit 1; }
IMG=test/bb:t           # Entrypoint /bin/sh, Cmd -c 'echo hi', user app, WorkingDir /data

# both LABEL WANT DOCKER-RUN-ARGS...: `docker run --rm --runtime=R ARGS` with R = runc, then unik.
both() {
	local label=$1 want=$2
	shift 2
	harness_selected "$label" || return 0
	harness_exec "$T/n" $D run --rm --runtime=runc "$@"
	local ns=$HARNESS_STATUS
	harness_exec "$T/u" $D run --rm --runtime=unik "$@"
	local us=$HARNESS_STATUS
	if [ "$ns" != "$want" ]; then
		fail "$label" "BROKEN: runc gave $ns, expected $want; $(head -c 300 "$T/n.err")"
	elif [ "$us" != "$ns" ]; then
		fail "$label" "status $us, runc $ns; $(head -c 300 "$T/u.err")"
	elif ! cmp -s "$T/n.out" "$T/u.out"; then
		fail "$label" "stdout differs: $(diff "$T/n.out" "$T/u.out" | head -6 | tr '\n' '|')"
	else
		pass "$label"
	fi
}

both "image command" 0 $IMG
both "exit 3" 3 $IMG -c 'echo out; exit 3'
both "not found: 127" 127 --entrypoint nosuch $IMG
both "not executable: 126" 126 --entrypoint /etc/passwd $IMG
both "a child killed: 137" 0 $IMG -c 'sh -c "kill -9 \$\$"; echo "status $?"'
both "pid 1 ignores its own kill -9, as a container's init" 0 $IMG -c 'kill -9 $$; echo alive'
both "-e -w -u" 0 -e X=1 -e FOO -w /tmp/wd -u 0:0 $IMG -c 'echo "$X/$FOO"; pwd; id'
both "user by name" 0 -u app $IMG -c 'id; echo $HOME'
both "hostname and /etc files" 0 -h myhost $IMG -c 'hostname; cat /etc/hostname /etc/hosts'
both "-m" 0 -m 64m $IMG -c 'echo small'
both "--ulimit" 0 --ulimit nofile=512:1024 --ulimit core=0:0 $IMG -c 'ulimit -n; ulimit -Hn; ulimit -c'
both "--read-only" 1 --read-only -u 0 $IMG -c 'echo x >/tmp/f || echo x >/data/f'
both "--tmpfs" 0 --tmpfs /run:size=1m --tmpfs /run2:mode=750 -u 0 $IMG -c 'echo x >/run/f && cat /run/f; ls -ld /run /run2 | cut -c1-10'
both "stdin" 0 -i $IMG -c 'cat; echo end'
both "-t: a terminal through the console socket" 4 -t $IMG -c '[ -t 0 ] && [ -t 1 ] && echo tty; tty; exit 4'

mkdir -p "$T/vol"
echo "from the host" >"$T/vol/in"
both "-v a directory" 0 -u 0 -v "$T/vol:/v" $IMG -c 'cat /v/in; echo "$$" >/v/out; cat /v/out'
both "-v read-only" 1 -v "$T/vol:/v:ro" $IMG -c 'cat /v/in; echo x >/v/no'
harness_selected "-v writes reach the host" && {
	rm -f "$T/vol/w"
	$D run --rm --runtime=unik -u 0 -v "$T/vol:/v" $IMG -c 'echo written >/v/w' >/dev/null 2>&1
	[ "$(cat "$T/vol/w" 2>/dev/null)" = written ] && pass "-v writes reach the host" ||
		fail "-v writes reach the host" "$(ls -l "$T/vol")"
}

harness_selected "--rm leaves nothing" && {
	n=$($D ps -aq | wc -l)
	[ "$n" = 0 ] && pass "--rm leaves nothing" || fail "--rm leaves nothing" "$($D ps -a)"
}

# docker stop: the program's SIGTERM handler runs and its status is the container's.
harness_selected "docker stop" && {
	for rt in runc unik; do
		$D run -d --name "stop-$rt" --runtime=$rt $IMG \
			-c 'trap "echo got TERM; exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
	done
	sleep 1
	$D stop -t 10 stop-runc stop-unik >/dev/null
	rs=$($D wait stop-runc) us=$($D wait stop-unik)
	rl=$($D logs stop-runc 2>&1) ul=$($D logs stop-unik 2>&1)
	$D rm stop-runc stop-unik >/dev/null
	[ "$rs" = 7 ] && [ "$us" = "$rs" ] && [ "$ul" = "$rl" ] && pass "docker stop" ||
		fail "docker stop" "status $us (runc $rs), logs '$ul' (runc '$rl')"
}

# docker kill -s: the signal reaches the program (a handler for USR1 here).
harness_selected "docker kill -s" && {
	for rt in runc unik; do
		$D run -d --name "kill-$rt" --runtime=$rt $IMG \
			-c 'trap "echo got USR1; exit 5" USR1; while :; do sleep 0.1; done' >/dev/null
	done
	sleep 1
	$D kill -s USR1 kill-runc kill-unik >/dev/null
	rs=$($D wait kill-runc) us=$($D wait kill-unik)
	rl=$($D logs kill-runc 2>&1) ul=$($D logs kill-unik 2>&1)
	$D kill -s KILL kill-runc kill-unik >/dev/null 2>&1
	$D rm -f kill-runc kill-unik >/dev/null
	[ "$rs" = 5 ] && [ "$us" = "$rs" ] && [ "$ul" = "$rl" ] && pass "docker kill -s" ||
		fail "docker kill -s" "status $us (runc $rs), logs '$ul' (runc '$rl')"
}

# docker stop of an init without a SIGTERM handler: the signal is dropped, SIGKILL after -t: 137.
harness_selected "docker stop without a handler" && {
	for rt in runc unik; do
		$D run -d --name "nohandler-$rt" --runtime=$rt $IMG -c 'sleep 100' >/dev/null
	done
	sleep 1
	$D stop -t 1 nohandler-runc nohandler-unik >/dev/null
	rs=$($D wait nohandler-runc) us=$($D wait nohandler-unik)
	$D rm nohandler-runc nohandler-unik >/dev/null
	[ "$rs" = 137 ] && [ "$us" = 137 ] && pass "docker stop without a handler" ||
		fail "docker stop without a handler" "status $us (runc $rs)"
}

# docker pause freezes the program (its output to a volume stops), docker unpause thaws it.
harness_selected "docker pause and unpause" && {
	got=()
	for rt in runc unik; do
		f=$T/vol/pause-$rt
		rm -f "$f"
		$D run -d --name "pause-$rt" --runtime=$rt -u 0 -v "$T/vol:/v" $IMG \
			-c "while :; do echo x >>/v/pause-$rt; sleep 0.05; done" >/dev/null
		for _ in $(seq 100); do [ -s "$f" ] && break; sleep 0.05; done
		$D pause "pause-$rt" >/dev/null
		st=$($D inspect -f '{{.State.Status}}' "pause-$rt")
		a=$(wc -c <"$f"); sleep 0.6; b=$(wc -c <"$f")
		$D unpause "pause-$rt" >/dev/null
		sleep 0.6; c=$(wc -c <"$f")
		$D rm -f "pause-$rt" >/dev/null
		got+=("$st $([ "$a" = "$b" ] && echo frozen || echo running) $([ "$c" -gt "$b" ] && echo thawed || echo stuck)")
	done
	[ "${got[0]}" = "paused frozen thawed" ] && [ "${got[1]}" = "${got[0]}" ] &&
		pass "docker pause and unpause" ||
		fail "docker pause and unpause" "runc '${got[0]}', unik '${got[1]}'"
}

# docker exec: refused with the reason (a container's processes live inside its VM).
harness_selected "docker exec refused" && {
	$D run -d --name exec-unik --runtime=unik $IMG -c 'sleep 30' >/dev/null
	out=$($D exec exec-unik echo hi 2>&1)
	s=$?
	$D rm -f exec-unik >/dev/null
	[ "$s" != 0 ] && [[ "$out" == *"exec is not supported by unik"* ]] && pass "docker exec refused" ||
		fail "docker exec refused" "status $s: $out"
}

# docker kill (SIGKILL) of a program that ignores SIGTERM: 137.
harness_selected "docker kill" && {
	$D run -d --name killed --runtime=unik $IMG -c 'trap "" TERM; sleep 100' >/dev/null
	sleep 0.5
	$D kill killed >/dev/null
	s=$($D wait killed)
	$D rm killed >/dev/null
	[ "$s" = 137 ] && pass "docker kill" || fail "docker kill" "status $s"
}

# A server in the guest answers inside the container's network namespace (no bridge here, so no
# -p): busybox httpd, fetched from the namespace of the container's pid, as with runc.
harness_selected "server in the container's network namespace" && {
	got=()
	for rt in runc unik; do
		$D run -d --name "httpd-$rt" --runtime=$rt --entrypoint /bin/busybox $IMG \
			httpd -f -p 8080 -h /data >/dev/null
		pid=$($D inspect -f '{{.State.Pid}}' "httpd-$rt")
		body=
		for _ in $(seq 50); do
			body=$(nsenter --net=/proc/$pid/ns/net curl -fsS --max-time 5 \
				http://127.0.0.1:8080/new.txt 2>/dev/null) && break
			sleep 0.1
		done
		got+=("$body")
		$D rm -f "httpd-$rt" >/dev/null
	done
	[ "${got[0]}" = new ] && [ "${got[1]}" = new ] &&
		pass "server in the container's network namespace" ||
		fail "server in the container's network namespace" "runc '${got[0]}', unik '${got[1]}'"
}

# --network host: the server answers on the host's own port, as a process sharing the host's
# network does.
harness_selected "--network host" && {
	got=()
	for rt in runc unik; do
		port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		$D run -d --name "host-$rt" --runtime=$rt --network host --entrypoint /bin/busybox \
			$IMG httpd -f -p "$port" -h /data >/dev/null
		body=
		for _ in $(seq 50); do
			body=$(curl -fsS --max-time 5 "http://127.0.0.1:$port/new.txt" 2>/dev/null) && break
			sleep 0.1
		done
		got+=("$body")
		$D rm -f "host-$rt" >/dev/null
	done
	[ "${got[0]}" = new ] && [ "${got[1]}" = new ] && pass "--network host" ||
		fail "--network host" "runc '${got[0]}', unik '${got[1]}'"
}

# On a bridge network of its own (made here; docker's proxy publishes, no iptables): the server
# answers on the container's address and through -p on the host, and another container reaches it.
harness_selected "docker run -p on a bridge network" && {
	if ! $D network create --driver bridge unik-test-net >"$T/netcreate.log" 2>&1; then
		fail "docker run -p on a bridge network" "no bridge network: $(head -c 300 "$T/netcreate.log")"
	else
		got=()
		for rt in runc unik; do
			port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
			$D run -d --name "pub-$rt" --runtime=$rt --network unik-test-net \
				-p "127.0.0.1:$port:8080" --entrypoint /bin/busybox $IMG \
				httpd -f -p 8080 -h /data >/dev/null
			ip=$($D inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "pub-$rt")
			a= b= c=
			for _ in $(seq 50); do
				a=$(curl -fsS --max-time 5 "http://$ip:8080/new.txt" 2>/dev/null) && break
				sleep 0.1
			done
			b=$(curl -fsS --max-time 5 "http://127.0.0.1:$port/new.txt" 2>/dev/null)
			c=$($D run --rm --runtime=$rt --network unik-test-net $IMG \
				-c "busybox wget -qO- http://$ip:8080/new.txt" 2>/dev/null)
			got+=("$a/$b/$c")
			$D rm -f "pub-$rt" >/dev/null
		done
		$D network rm unik-test-net >/dev/null
		[ "${got[0]}" = new/new/new ] && [ "${got[1]}" = new/new/new ] &&
			pass "docker run -p on a bridge network" ||
			fail "docker run -p on a bridge network" "runc '${got[0]}', unik '${got[1]}'"
	fi
}

# An image made by `unik convert --oci`: docker load takes it and the runtime boots the artifact
# inside; its output equals the original image's under runc.
harness_selected "unik convert --oci through docker load" && {
	"$UNIK" convert -q "$T/oa.tar" --oci "$T/unik-oci.tar" --tag test/bb-unik:t >"$T/conv.log" 2>&1
	$D load -q -i "$T/unik-oci.tar" >/dev/null 2>&1
	a=$($D run --rm --runtime=unik test/bb-unik:t 2>&1; echo "status $?")
	b=$($D run --rm --runtime=unik -e X=1 test/bb-unik:t -c 'echo $X; pwd; id -u; exit 6' 2>&1; echo "status $?")
	n=$($D run --rm --runtime=runc -e X=1 $IMG -c 'echo $X; pwd; id -u; exit 6' 2>&1; echo "status $?")
	if [ "$a" = "$(printf 'hi\nstatus 0')" ] && [ "$b" = "$n" ]; then
		pass "unik convert --oci through docker load"
	else
		fail "unik convert --oci through docker load" "'$a' / '$b' (runc '$n') $(head -c 200 "$T/conv.log")"
	fi
}

# containerd's own client against a containerd of this test: runc, then unik as --runc-binary.
harness_selected "ctr run --runc-binary" && {
	engines_containerd "$DK" unik-test >"$T/engine.err" || echo "$(cat "$T/engine.err")"
	$C images import --snapshotter native "$T/da.tar" >/dev/null 2>&1
	cmd=(/bin/sh -c 'echo hi from ctr; id; exit 5')
	harness_exec "$T/cn" $C run --rm --snapshotter native docker.io/test/bb:t c-runc "${cmd[@]}"
	ns=$HARNESS_STATUS
	harness_exec "$T/cu" $C run --rm --snapshotter native --runc-binary "$RUNTIME" \
		docker.io/test/bb:t c-unik "${cmd[@]}"
	us=$HARNESS_STATUS
	if [ "$ns" = 5 ] && [ "$us" = 5 ] && cmp -s "$T/cn.out" "$T/cu.out" && [ -s "$T/cu.out" ]; then
		pass "ctr run --runc-binary"
	else
		fail "ctr run --runc-binary" "status $us (runc $ns): $(head -c 300 "$T/cu.out" "$T/cu.err")"
	fi
}

# The runtime's own verbs on a bundle made here: state through created/running/stopped, hooks
# with the state on stdin, the pid file, errors as JSON in --log, what runc refuses.
harness_selected "runtime lifecycle" && {
	B=$T/bundle RR=$T/rtroot LOG=$T/rt.log
	mkdir -p "$B" && umoci unpack --image "$T/L:t" "$T/unpacked" >/dev/null &&
		mv "$T/unpacked/rootfs" "$B/rootfs"
	python3 - "$B" "$T" <<'PY'
import json, sys
b, t = sys.argv[1], sys.argv[2]
hook = lambda name: {"path": "/bin/sh", "args": ["sh", "-c", "cat > %s/hook-%s.json" % (t, name)]}
cfg = {"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "hostname": "lc",
       "process": {"args": ["/bin/sh", "-c", "read line; echo got $line; exit 9"],
                   "env": ["PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
       "hooks": {"createRuntime": [hook("createRuntime")], "poststart": [hook("poststart")],
                 "startContainer": [hook("startContainer")],
                 "poststop": [hook("poststop")]},
       "annotations": {"k": "v"},
       "linux": {"namespaces": [{"type": "network"}]}}
json.dump(cfg, open(b + "/config.json", "w"))
PY
	R="$RUNTIME --root $RR --log $LOG --log-format json"
	errs=()
	st() { $R state lc 2>/dev/null | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["status"], s["pid"] > 0, s["annotations"].get("k"), s["bundle"])'; }
	mkfifo "$T/in"
	(sleep 30 >"$T/in") &
	holder=$!
	$R create --bundle "$B" --pid-file "$T/pid" lc <"$T/in" >"$T/lc.out" 2>&1 || errs+=("create failed: $(cat "$LOG")")
	[ "$(st)" = "created True v $B" ] || errs+=("after create: $(st)")
	[ "$($R list -q)" = lc ] || errs+=("list -q: $($R list -q)")
	$R list --format json | python3 -c 'import json,sys; l=json.load(sys.stdin); assert len(l) == 1 and l[0]["id"] == "lc" and l[0]["status"] == "created" and l[0]["pid"] > 0 and l[0]["owner"]' ||
		errs+=("list --format json: $($R list --format json)")
	[ "$($R list | head -1 | tr -s ' ')" = "ID PID STATUS BUNDLE CREATED OWNER" ] &&
		[ "$($R list | sed -n 2p | awk '{print $1, $3, $4}')" = "lc created $B" ] ||
		errs+=("list: $($R list)")
	[ "$(cat "$T/pid" 2>/dev/null)" = "$($R state lc | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')" ] ||
		errs+=("pid file $(cat "$T/pid" 2>/dev/null)")
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["status"] == "created" and s["id"] == "lc"' \
		"$T/hook-createRuntime.json" 2>/dev/null || errs+=("createRuntime hook state: $(cat "$T/hook-createRuntime.json" 2>&1)")
	$R create --bundle "$B" lc 2>/dev/null && errs+=("a second create with the same id succeeded")
	grep -q '"msg":"container with id exists: lc"' "$LOG" || errs+=("no JSON error in the log: $(cat "$LOG")")
	[ "$($R ps --format json lc)" = "[$(cat "$T/pid")]" ] || errs+=("ps: $($R ps --format json lc)")
	$R start lc || errs+=("start failed")
	[ "$(st)" = "running True v $B" ] || errs+=("after start: $(st)")
	[ -s "$T/hook-poststart.json" ] || errs+=("no poststart hook")
	for _ in $(seq 50); do [ -s "$T/hook-startContainer.json" ] && break; sleep 0.1; done
	[ -s "$T/hook-startContainer.json" ] || errs+=("no startContainer hook")
	$R start lc 2>/dev/null && errs+=("start of a running container succeeded")
	$R delete lc 2>/dev/null && errs+=("delete of a running container succeeded")
	$R exec lc /bin/true 2>/dev/null && errs+=("exec succeeded")
	echo line >"$T/in" 2>/dev/null || true
	kill $holder 2>/dev/null
	for _ in $(seq 100); do [ "$(st | cut -d' ' -f1)" = stopped ] && break; sleep 0.1; done
	[ "$(st)" = "stopped False v $B" ] || errs+=("after exit: $(st)")
	[ "$(cat "$T/lc.out")" = "got line" ] || errs+=("output '$(cat "$T/lc.out")'")
	$R kill lc KILL 2>/dev/null && errs+=("kill of a stopped container succeeded")
	$R delete lc || errs+=("delete failed")
	[ -s "$T/hook-poststop.json" ] || errs+=("no poststop hook")
	$R state lc 2>/dev/null && errs+=("state after delete")
	[ "$($R list --format json)" = null ] || errs+=("list after delete: $($R list --format json)")
	$R list -f yaml 2>/dev/null && errs+=("list -f yaml succeeded")
	$R features | python3 -c 'import json,sys; assert "poststop" in json.load(sys.stdin)["hooks"]' ||
		errs+=("features")
	# delete --force of a created container kills its monitor
	$R create --bundle "$B" lc2 </dev/null >/dev/null 2>&1 && p2=$(cat "$T/pid" 2>/dev/null)
	$R delete --force lc2 || errs+=("delete --force failed")
	[ ! -d "$RR/lc2" ] || errs+=("state of lc2 left behind")
	if [ ${#errs[@]} = 0 ]; then
		pass "runtime lifecycle"
	else
		fail "runtime lifecycle" "$(printf '%s; ' "${errs[@]}")"
	fi
}

echo "$HARNESS_PASSED passed, $HARNESS_FAILED failed"
[ "$HARNESS_FAILED" = 0 ]
