#!/bin/sh
# Networking, unik against native Linux on this machine, one run, side by side as ratios:
#  1. HTTP requests/s and latency p50/p99 from wrk (2 threads, 32 connections, 5 s) against
#     `net httpd` (bench/net.c: epoll, keep-alive): native on 127.0.0.1, unik through -p (libslirp)
#     and, as root with /dev/net/tun, through a tap interface
#  2. bulk TCP, 1 GiB each way: host->guest and guest->host (unik: the guest talks to the host at
#     10.0.2.2 through libslirp; native: the same programs over 127.0.0.1)
#  3. TCP round trips of one byte between two processes inside the guest over 127.0.0.1 (lwIP's
#     loopback) against the same natively
set -e
cd "$(dirname "$0")/.."
UNIK=${UNIK:-build/unik}
B=build/bench
MB=${NET_MB:-1024}
command -v wrk >/dev/null || { echo "net: wrk missing (apt-get install wrk)"; exit 1; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ratio() { echo "$1 $2" | awk '{printf "%.2f", $1/$2}'; }
up() { i=0; until curl -fs -o /dev/null "http://127.0.0.1:$1/"; do i=$((i + 1)); [ $i -lt 100 ] || return 1; sleep 0.1; done; }
# wrk's "Requests/sec" and the 50% and 99% latencies (converted to us)
wrk_run() {
	wrk -t2 -c32 -d5s --latency "http://127.0.0.1:$1/" >"$B/wrk.out"
	rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$B/wrk.out")
	lat() { awk -v q="$1" '$1 == q { v=$2; u=1; if (v ~ /ms$/) u=1000; else if (v ~ /us$/) u=1; else if (v ~ /s$/) u=1000000; sub(/[a-z]+$/, "", v); printf "%.0f", v*u }' "$B/wrk.out"; }
	echo "$rps $(lat 50%) $(lat 99%)"
}

p=$(port); $B/net httpd "$p" & pid=$!; up "$p"
set -- $(wrk_run "$p"); kill $pid; wait $pid 2>/dev/null || true
nr=$1 n50=$2 n99=$3
p=$(port); $UNIK run -p "127.0.0.1:$p:8080" $B/net httpd 8080 & pid=$!; up "$p"
set -- $(wrk_run "$p"); kill $pid; wait $pid 2>/dev/null || true
echo "HTTP requests/s (wrk -t2 -c32): native $nr, unik -p $1 (ratio $(ratio $1 $nr)x); latency p50 us: native $n50, unik $2; p99 us: native $n99, unik $3 (ratio $(ratio $3 $n99)x)"

if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && ip tuntap add dev unikbench0 mode tap 2>/dev/null; then
	ip addr add 10.234.0.1/24 dev unikbench0 && ip link set unikbench0 up
	$UNIK run --net "tap:unikbench0,ip=10.234.0.2/24,gw=10.234.0.1" $B/net httpd 8080 & pid=$!
	i=0; until curl -fs -o /dev/null http://10.234.0.2:8080/; do i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.1; done
	wrk -t2 -c32 -d5s --latency http://10.234.0.2:8080/ >"$B/wrk.out"
	kill $pid; wait $pid 2>/dev/null || true
	ip tuntap del dev unikbench0 mode tap
	tr=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$B/wrk.out")
	echo "HTTP requests/s through a tap (--net tap): unik $tr, native (loopback) $nr (ratio $(ratio $tr $nr)x)"
fi

p=$(port); $B/net sink "$p" >/dev/null & pid=$!
ns=$($B/net send 127.0.0.1 "$p" "$MB"); wait $pid
p=$(port); $B/net sink "$p" >/dev/null & pid=$!
us=$($UNIK run $B/net send 10.0.2.2 "$p" "$MB"); wait $pid
p=$(port); $B/net source "$p" "$MB" & pid=$!
nd=$($B/net drain 127.0.0.1 "$p"); wait $pid
p=$(port); $B/net source "$p" "$MB" & pid=$!
ud=$($UNIK run $B/net drain 10.0.2.2 "$p"); wait $pid
echo "bulk TCP MB/s ($MB MiB): guest->host native $ns, unik $us (ratio $(ratio $us $ns)x); host->guest native $nd, unik $ud (ratio $(ratio $ud $nd)x)"

R=$B/netroot
rm -rf "$R" && mkdir -p "$R/bin" && cp $B/net /bin/busybox "$R/bin/" && ln -sf busybox "$R/bin/sh"
PP='net echo 9123 & net pingpong 127.0.0.1 9123 20000'
nl=$(cd "$R/bin" && PATH=.:$PATH sh -c "$PP")
ul=$($UNIK run --rootfs "$R" /bin/sh -c "PATH=/bin; $PP")
echo "TCP round trip over 127.0.0.1 between two processes, us: native $nl, unik $ul (ratio $(ratio $ul $nl)x)"
