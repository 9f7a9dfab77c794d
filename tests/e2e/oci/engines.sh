# engines.sh (bash, sourced by tests/e2e/oci.sh and bench/oci.sh): a dockerd and a containerd of
# their own in the scratch directory $1 (short: socket paths must fit sun_path), with the runtime
# $2 registered as "unik". engines_dockerd DIR RUNTIME sets D (the docker client; DOCKER_HOST
# exported), engines_containerd DIR NAMESPACE sets C (ctr with its address and namespace). Each
# returns non-zero, after printing why, if the engine
# does not answer within 20 s; engines_stop ends both.

engines_dockerd() {
	local dir=$1 runtime=$2
	printf '{"runtimes": {"unik": {"path": "%s"}}}\n' "$runtime" >"$dir/daemon.json"
	/usr/sbin/dockerd --config-file "$dir/daemon.json" --iptables=false --ip6tables=false \
		--bridge=none --storage-driver=vfs --data-root "$dir/data" --exec-root "$dir/exec" \
		--pidfile "$dir/pid" -H "unix://$dir/sock" >"$dir/dockerd.log" 2>&1 &
	export DOCKER_HOST=unix://$dir/sock
	D=/usr/bin/docker
	for _ in $(seq 100); do $D info >/dev/null 2>&1 && return 0; sleep 0.2; done
	echo "dockerd did not start: $(tail -5 "$dir/dockerd.log")"
	return 1
}

engines_containerd() {
	local dir=$1/ct ns=$2
	mkdir -p "$dir"
	printf 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n' >"$dir/config.toml"
	/usr/bin/containerd -c "$dir/config.toml" --root "$dir/root" --state "$dir/state" \
		--address "$dir/c.sock" >"$dir/log" 2>&1 &
	ENGINES_CPID=$!
	C="/usr/bin/ctr -a $dir/c.sock -n $ns"
	for _ in $(seq 100); do $C version >/dev/null 2>&1 && return 0; sleep 0.2; done
	echo "containerd did not start: $(tail -5 "$dir/log")"
	return 1
}

engines_stop() {
	local dir=$1
	[ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null
	[ -n "${ENGINES_CPID:-}" ] && kill "$ENGINES_CPID" 2>/dev/null
	for _ in $(seq 50); do [ -S "$dir/sock" ] || [ -S "$dir/ct/c.sock" ] || break; sleep 0.1; done
	sleep 0.3
	# what the engines mounted there (dockerd's namespace bind mounts) goes first
	awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$dir"
}
