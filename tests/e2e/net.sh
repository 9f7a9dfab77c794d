#!/bin/bash
# Networking between the guest and the host through the default user-mode network (libslirp):
# busybox httpd in the guest answers curl on the host through -p; the guest fetches 1 GiB from a
# server on the host (10.0.2.2; a name from the image's /etc/hosts too) and sends 1 GiB to it,
# each checked by its digest; ip, ifconfig and netstat see the interfaces and listeners, and ip
# changes them (with CAP_NET_ADMIN); --net none leaves only the loopback interface. On a host tap
# (root): a static address, and DHCP from dnsmasq (scripts/deps.sh installs dnsmasq-base).
# usage: tests/e2e/net.sh [UNIK]
cd "$(dirname "$0")/../.." || exit 1
source compat-tests/lib.sh
harness_init net "${1:-build/unik}"
T=$HARNESS_TMP
pass() { echo "PASS $1"; HARNESS_PASSED=$((HARNESS_PASSED + 1)); }
fail() { echo "FAIL $1: $2"; HARNESS_FAILED=$((HARNESS_FAILED + 1)); }
SIZE_MB=${UNIK_NET_TEST_MB:-1024}     # each way, as the issue asks: 1 GiB arrives intact

R=$T/root
mkdir -p "$R/bin" "$R/tmp" "$R/etc" "$R/www" "$R/data"
cp /bin/busybox "$R/bin/busybox"
for a in $("$R/bin/busybox" --list); do
	[ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"
echo 'root:x:0:' >"$R/etc/group"
printf '127.0.0.1 localhost\n10.0.2.2 hostside\n' >"$R/etc/hosts"
echo 'nameserver 192.0.2.1' >"$R/etc/resolv.conf"       # the tree's own: the guest gets unik's
echo "hello from the guest's httpd" >"$R/www/index.html"
head -c $((SIZE_MB << 20)) /dev/urandom >"$T/blob"
cp "$T/blob" "$R/data/blob"
ln "$R/data/blob" "$R/www/blob"
want=$(md5sum <"$T/blob" | cut -d' ' -f1)

# A free TCP port on the host's loopback.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until curl gets url (up to 10 s); prints the body.
fetch() {
	for _ in $(seq 100); do
		curl -fsS --max-time 5 "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

harness_selected "httpd in the guest through -p" && {
	port=$(free_port)
	"$UNIK" run --rootfs "$R" -p "127.0.0.1:$port:8080" /bin/httpd -f -p 8080 -h /www \
		>"$T/httpd.out" 2>"$T/httpd.err" &
	pid=$!
	body=$(fetch "http://127.0.0.1:$port/index.html")
	big=$(curl -fsS --max-time 60 "http://127.0.0.1:$port/blob" 2>/dev/null | md5sum | cut -d' ' -f1)
	missing=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope.html")
	kill -TERM $pid
	wait $pid
	st=$?
	if [ "$body" != "hello from the guest's httpd" ]; then
		fail "httpd in the guest through -p" "body '$body'; $(head -c 300 "$T/httpd.err")"
	elif [ "$missing" != 404 ]; then
		fail "httpd in the guest through -p" "missing page gave $missing"
	elif [ $st -ne 143 ]; then
		fail "httpd in the guest through -p" "status $st after SIGTERM (want 143)"
	else
		pass "httpd in the guest through -p"
	fi
}

# A host server the guest reaches at 10.0.2.2: serves $T (blob) and stores what is POSTed.
hport=$(free_port)
cat >"$T/server.py" <<'PY'
import hashlib, http.server, sys
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_PUT(self):
        n = int(self.headers.get('Content-Length', 0)); h = hashlib.md5()
        while n:
            b = self.rfile.read(min(n, 1 << 20)); h.update(b); n -= len(b)
        open(sys.argv[2] + '/put.md5', 'w').write(h.hexdigest())
        self.send_response(200); self.end_headers()
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])),
    lambda *a: H(*a, directory=sys.argv[2])).serve_forever()
PY
python3 "$T/server.py" "$hport" "$T" &
server=$!
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$hport/" && break; sleep 0.1; done

harness_selected "the guest fetches from the host" && {
	out=$("$UNIK" run --rootfs "$R" /bin/sh -c "wget -q -O - http://10.0.2.2:$hport/blob | md5sum" 2>"$T/get.err")
	st=$?
	[ $st -eq 0 ] && [ "${out%% *}" = "$want" ] && pass "the guest fetches from the host" ||
		fail "the guest fetches from the host" "status $st, '$out'; $(head -c 300 "$T/get.err")"
}

harness_selected "a name from /etc/hosts" && {
	echo "served by the host" >"$T/small.txt"
	out=$("$UNIK" run --rootfs "$R" /bin/wget -q -O - "http://hostside:$hport/small.txt" 2>"$T/name.err")
	[ "$out" = "served by the host" ] && pass "a name from /etc/hosts" ||
		fail "a name from /etc/hosts" "'$out'; $(head -c 300 "$T/name.err")"
}

# --rootfs: the guest's /etc/resolv.conf and /etc/hostname are the VM's, bound over the tree's,
# which stay as they are on the host; the tree's non-empty /etc/hosts is kept.
harness_selected "--rootfs gets the VM's resolv.conf" && {
	out=$("$UNIK" run --rootfs "$R" /bin/sh -c 'cat /etc/resolv.conf /etc/hostname; grep hostside /etc/hosts' 2>&1)
	want_re=$'^nameserver 10.0.2.3\n[0-9a-f]{12}\n10.0.2.2 hostside$'
	if [[ "$out" =~ $want_re ]] && [ "$(cat "$R/etc/resolv.conf")" = "nameserver 192.0.2.1" ]; then
		pass "--rootfs gets the VM's resolv.conf"
	else
		fail "--rootfs gets the VM's resolv.conf" "$(echo "$out" | tr '\n' '|'); host: $(cat "$R/etc/resolv.conf")"
	fi
}

# DNS through slirp's 10.0.2.3, which asks the host's resolver: the guest must get an address
# the host gets for the same name (skipped when the host resolves nothing).
harness_selected "DNS through the host's resolver" && {
	name=deb.debian.org
	host_addrs=$(getent ahostsv4 "$name" 2>/dev/null | awk '{print $1}' | sort -u)
	if [ -z "$host_addrs" ]; then
		echo "SKIP DNS through the host's resolver (the host cannot resolve $name)"
	else
		out=$("$UNIK" run --rootfs "$R" /bin/nslookup "$name" 2>&1)
		got=$(echo "$out" | sed -n 's/^Address: \([0-9.]*\)$/\1/p' | sort -u)
		if [ -n "$got" ] && [ -n "$(comm -12 <(echo "$host_addrs") <(echo "$got"))" ]; then
			pass "DNS through the host's resolver"
		else
			fail "DNS through the host's resolver" "host: $host_addrs; guest: $(echo "$out" | tr '\n' '|')"
		fi
	fi
}

harness_selected "the guest sends to the host" && {
	rm -f "$T/put.md5"
	"$UNIK" run --rootfs "$R" /bin/sh -c "(printf 'PUT /x HTTP/1.0\r\nContent-Length: $((SIZE_MB << 20))\r\n\r\n'; cat /data/blob) | nc 10.0.2.2 $hport" \
		>/dev/null 2>"$T/put.err"
	got=$(cat "$T/put.md5" 2>/dev/null)
	[ "$got" = "$want" ] && pass "the guest sends to the host" ||
		fail "the guest sends to the host" "digest '$got'; $(head -c 300 "$T/put.err")"
}
kill $server 2>/dev/null
wait $server 2>/dev/null

# The interfaces as tools see them (netlink dumps and SIOCGIF* ioctls); sh execs the last
# command, so pid 1 runs it after an exec (that once freed pid 1's static address space).
harness_selected "ip and ifconfig" && {
	out=$("$UNIK" run --rootfs "$R" /bin/sh -c 'ip addr; ip route; ifconfig' 2>&1)
	st=$?
	if [ $st -eq 0 ] && echo "$out" | grep -q "inet 10.0.2.15/24 brd 10.0.2.255 scope global eth0" &&
	   echo "$out" | grep -q "default via 10.0.2.2 dev eth0" &&
	   echo "$out" | grep -q "inet addr:127.0.0.1  Mask:255.0.0.0"; then
		pass "ip and ifconfig"
	else
		fail "ip and ifconfig" "status $st: $(echo "$out" | head -c 400 | tr '\n' '|')"
	fi
}

# ip changing the interfaces as root with CAP_NET_ADMIN (netlink's RTM_NEWADDR, RTM_DELADDR,
# RTM_NEWROUTE; SIOCSIFFLAGS and SIOCSIFMTU under ip link): eth0's address replaced (lwIP holds
# one IPv4 address per interface), the default route again, the MTU, lo down and up, an IPv6
# address on lo; then traffic from and to the new addresses. Without the capability: EPERM.
harness_selected "ip changes interfaces" && {
	out=$("$UNIK" run --cap-add NET_ADMIN --rootfs "$R" /bin/sh -c '
		ip addr del 10.0.2.15/24 dev eth0 && ip addr add 10.0.2.16/24 dev eth0 &&
		ip route add default via 10.0.2.2 && ip link set dev eth0 mtu 1400 &&
		ip link set dev lo down && ip link set dev lo up && ip -6 addr add fd00::7/64 dev lo &&
		ip addr && ip route && ping -c 1 -W 5 10.0.2.2 >/dev/null && echo pinged &&
		httpd -p 8080 -h /www && wget -q -O - http://10.0.2.16:8080/ &&
		wget -q -O - "http://[fd00::7]:8080/"' 2>&1)
	st=$?
	denied=$("$UNIK" run --rootfs "$R" /bin/sh -c 'ip addr add 10.0.2.16/24 dev eth0' 2>&1)
	if [ $st -eq 0 ] && echo "$out" | grep -q "inet 10.0.2.16/24 scope global eth0" &&
	   echo "$out" | grep -q "eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400" &&
	   echo "$out" | grep -q "default via 10.0.2.2 dev eth0" &&
	   echo "$out" | grep -q "inet6 fd00::7/64 scope global" && echo "$out" | grep -q pinged &&
	   [ "$(echo "$out" | grep -c "hello from the guest's httpd")" = 2 ] &&
	   echo "$denied" | grep -q "Operation not permitted"; then
		pass "ip changes interfaces"
	else
		fail "ip changes interfaces" "status $st: $(echo "$out$denied" | head -c 600 | tr '\n' '|')"
	fi
}

# /proc/net as netstat reads it: the guest's listeners and a bound AF_UNIX socket.
harness_selected "netstat and /proc/net" && {
	out=$("$UNIK" run --rootfs "$R" /bin/sh -c \
		'httpd -p 8080 -h /www; syslogd -O /tmp/log; sleep 0.3; netstat -ltn; netstat -x; cat /proc/net/dev' 2>&1)
	if echo "$out" | grep -Eq '^tcp +0 +0 :::8080 +:::\* +LISTEN' &&
	   echo "$out" | grep -Eq '^unix .*DGRAM .* /dev/log$' && echo "$out" | grep -q '^  eth0:'; then
		pass "netstat and /proc/net"
	else
		fail "netstat and /proc/net" "$(echo "$out" | head -c 500 | tr '\n' '|')"
	fi
}

# -P: an image whose config exposes 8080/tcp (a docker-save archive made here) gets it published
# on a free host port, which unik announces on stderr.
harness_selected "-P publishes ExposedPorts" && {
	python3 - "$T/img.tar" "$R" <<'PY'
import hashlib, io, json, os, sys, tarfile
out, root = sys.argv[1], sys.argv[2]
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w") as t:
    for d in ("bin", "www"):
        t.add(os.path.join(root, d), arcname=d, recursive=False)
    t.add(os.path.join(root, "bin", "busybox"), arcname="bin/busybox")
    for a in ("sh", "httpd"):
        i = tarfile.TarInfo("bin/" + a); i.type = tarfile.SYMTYPE; i.linkname = "busybox"; t.addfile(i)
    t.add(os.path.join(root, "www", "index.html"), arcname="www/index.html")
data = layer.getvalue()
cfg = {"architecture": "amd64", "os": "linux",
       "config": {"Cmd": ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"],
                  "ExposedPorts": {"8080/tcp": {}}},
       "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(data).hexdigest()]}}
cj = json.dumps(cfg).encode()
man = json.dumps([{"Config": "config.json", "RepoTags": ["exposed:latest"],
                   "Layers": ["layer.tar"]}]).encode()
with tarfile.open(out, "w") as t:
    for name, b in (("layer.tar", data), ("config.json", cj), ("manifest.json", man)):
        i = tarfile.TarInfo(name); i.size = len(b); t.addfile(i, io.BytesIO(b))
PY
	"$UNIK" convert -q "$T/img.tar" -o "$T/exposed.unik" >"$T/conv.out" 2>&1
	"$UNIK" run -P "$T/exposed.unik" >"$T/P.out" 2>"$T/P.err" &
	pid=$!
	for _ in $(seq 50); do grep -q published "$T/P.err" && break; sleep 0.1; done
	port=$(sed -n 's/^unik: published [0-9.]*:\([0-9]*\) -> 8080\/tcp$/\1/p' "$T/P.err")
	body=$([ -n "$port" ] && fetch "http://127.0.0.1:$port/index.html")
	kill -TERM $pid
	wait $pid
	[ "$body" = "hello from the guest's httpd" ] && pass "-P publishes ExposedPorts" ||
		fail "-P publishes ExposedPorts" "port '$port', body '$body'; $(head -c 300 "$T/P.err") $(head -c 200 "$T/conv.out")"
}

# Our own epoll server (bench/net.c: nonblocking accept, EPOLLET, keep-alive) through -p.
harness_selected "epoll server through -p" && {
	if musl-gcc -static -O2 -o "$T/netbench" bench/net.c 2>"$T/cc.err"; then
		port=$(free_port)
		"$UNIK" run -p "127.0.0.1:$port:8080" "$T/netbench" httpd 8080 >/dev/null 2>"$T/eps.err" &
		pid=$!
		body=$(fetch "http://127.0.0.1:$port/")
		n=$(curl -s --max-time 10 "http://127.0.0.1:$port/[1-200]" | grep -o '0123456789012345678901234567890123456789012345678901234567890123' | wc -l)
		kill -TERM $pid
		wait $pid
		[ "$body" = 0123456789012345678901234567890123456789012345678901234567890123 ] && [ "$n" = 200 ] &&
			pass "epoll server through -p" ||
			fail "epoll server through -p" "body '$body', $n of 200 keep-alive replies; $(head -c 300 "$T/eps.err")"
	else
		fail "epoll server through -p" "cannot build bench/net.c: $(head -c 300 "$T/cc.err")"
	fi
}

# --publish-listening: what the guest listens on is published on the host's same port, without -p.
harness_selected "--publish-listening: httpd" && {
	port=$(free_port)
	"$UNIK" run --publish-listening --rootfs "$R" /bin/httpd -f -p "$port" -h /www \
		>"$T/plh.out" 2>"$T/plh.err" &
	pid=$!
	body=$(fetch "http://127.0.0.1:$port/index.html")
	kill -TERM $pid
	wait $pid
	[ "$body" = "hello from the guest's httpd" ] && pass "--publish-listening: httpd" ||
		fail "--publish-listening: httpd" "body '$body'; $(head -c 300 "$T/plh.err")"
}

# A test server for the cases below. tcp PORT LOPORT: listens on [::]:PORT and on 127.0.0.1:LOPORT
# (the guest's loopback: not to be published), answers one connection on PORT with "bye", closes
# its listeners and stays up. udp PORT: echoes datagrams on 0.0.0.0:PORT.
cat >"$T/pubtest.c" <<'C'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static int server(int family, int type, const char *ip, int port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(family, type, 0), on = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	inet_pton(AF_INET, ip, &a4.sin_addr);
	if (fd < 0 || (family == AF_INET6 ? bind(fd, (void *)&a6, sizeof(a6)) :
		       bind(fd, (void *)&a4, sizeof(a4))) || (type == SOCK_STREAM && listen(fd, 8))) {
		perror("server");
		exit(1);
	}
	return fd;
}
int main(int argc, char **argv)
{
	char buf[512];
	if (argc == 4 && !strcmp(argv[1], "tcp")) {
		int l = server(AF_INET6, SOCK_STREAM, "", atoi(argv[2]));
		int lo = server(AF_INET, SOCK_STREAM, "127.0.0.1", atoi(argv[3]));
		printf("listening\n");
		fflush(stdout);
		int c = accept(l, NULL, NULL);
		if (c < 0 || write(c, "bye\n", 4) != 4)
			return 1;
		close(c);
		close(l);
		close(lo);
		printf("closed\n");
		fflush(stdout);
		sleep(60);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "udp")) {
		int s = server(AF_INET, SOCK_DGRAM, "0.0.0.0", atoi(argv[2]));
		printf("bound\n");
		fflush(stdout);
		for (;;) {
			struct sockaddr_storage from;
			socklen_t flen = sizeof(from);
			ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (void *)&from, &flen);
			if (n < 0 || sendto(s, buf, (size_t)n, 0, (void *)&from, flen) != n)
				return 1;
		}
	}
	fprintf(stderr, "usage: pubtest tcp PORT LOPORT | udp PORT\n");
	return 2;
}
C
pubtest_ok=false
musl-gcc -static -O2 -o "$T/pubtest" "$T/pubtest.c" 2>"$T/pubtest.cc" && pubtest_ok=true

# What a TCP connect to the host's 127.0.0.1:PORT reads: a line, "eof", "refused" or "timeout".
probe() {
	python3 -c '
import socket, sys
s = socket.socket(); s.settimeout(5)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
    print(s.recv(100).decode().strip() or "eof")
except ConnectionRefusedError:
    print("refused")
except ConnectionResetError:
    print("eof")
except socket.timeout:
    print("timeout")
' "$1"
}

# Waits (up to 10 s) until file $1 has a line $2.
wait_line() {
	for _ in $(seq 100); do grep -qx "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

harness_selected "--publish-listening: the forward ends with the listener" && {
	name="--publish-listening: the forward ends with the listener"
	if $pubtest_ok; then
		port=$(free_port)
		lport=$(free_port)
		"$UNIK" run --publish-listening "$T/pubtest" tcp "$port" "$lport" >"$T/plc.out" 2>"$T/plc.err" &
		pid=$!
		wait_line "$T/plc.out" listening
		lo=$(probe "$lport")
		got=$(probe "$port")
		wait_line "$T/plc.out" closed
		after=$(probe "$port")
		kill -TERM $pid
		wait $pid
		[ "$got" = bye ] && [ "$after" = refused ] && [ "$lo" = refused ] && pass "$name" ||
			fail "$name" "while listening '$got', after close '$after', loopback-only '$lo'; $(head -c 300 "$T/plc.err")"
	else
		fail "$name" "cannot build the test server: $(head -c 300 "$T/pubtest.cc")"
	fi
}

harness_selected "--publish-listening: UDP echo" && {
	if $pubtest_ok; then
		port=$(free_port)
		"$UNIK" run --publish-listening "$T/pubtest" udp "$port" >"$T/plu.out" 2>"$T/plu.err" &
		pid=$!
		wait_line "$T/plu.out" bound
		got=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
for i in range(10):
    s.sendto(b"echo %d" % i, ("127.0.0.1", int(sys.argv[1])))
    try:
        print(s.recv(100).decode().split()[0]); break
    except (socket.timeout, ConnectionRefusedError):
        pass
' "$port")
		kill -TERM $pid
		wait $pid
		[ "$got" = echo ] && pass "--publish-listening: UDP echo" ||
			fail "--publish-listening: UDP echo" "reply '$got'; $(head -c 300 "$T/plu.err")"
	else
		fail "--publish-listening: UDP echo" "cannot build the test server: $(head -c 300 "$T/pubtest.cc")"
	fi
}

# A host port that is taken: one line on stderr, and the program goes on serving in the guest.
harness_selected "--publish-listening: a taken port" && {
	if $pubtest_ok; then
		port=$(free_port)
		python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(1)
print("held", flush=True); time.sleep(60)
' "$port" >"$T/hold.out" &
		holder=$!
		wait_line "$T/hold.out" held
		"$UNIK" run --publish-listening "$T/pubtest" tcp "$port" "$(free_port)" >"$T/plt.out" 2>"$T/plt.err" &
		pid=$!
		wait_line "$T/plt.out" listening
		kill -TERM $pid
		wait $pid
		kill $holder
		wait $holder 2>/dev/null
		grep -qx "unik: cannot publish $port/tcp: Address already in use" "$T/plt.err" &&
			[ "$(grep -c . "$T/plt.err")" = 1 ] && pass "--publish-listening: a taken port" ||
			fail "--publish-listening: a taken port" "$(head -c 300 "$T/plt.out" "$T/plt.err" | tr '\n' '|')"
	else
		fail "--publish-listening: a taken port" "cannot build the test server: $(head -c 300 "$T/pubtest.cc")"
	fi
}

# --net tap: a tap interface on the host (root and /dev/net/tun needed) with the guest's static
# address: the guest fetches from a server bound to the host's end of the tap.
harness_selected "--net tap" && {
	tap=unik$$
	if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && ip tuntap add dev "$tap" mode tap 2>/dev/null; then
		ip addr add 10.231.0.1/24 dev "$tap" && ip link set "$tap" up
		tport=$(free_port)
		python3 -m http.server "$tport" --bind 10.231.0.1 --directory "$R/www" >/dev/null 2>&1 &
		tsrv=$!
		for _ in $(seq 50); do curl -fs -o /dev/null "http://10.231.0.1:$tport/index.html" && break; sleep 0.1; done
		out=$("$UNIK" run --rootfs "$R" --net "tap:$tap,ip=10.231.0.2/24,gw=10.231.0.1" \
			/bin/wget -q -O - "http://10.231.0.1:$tport/index.html" 2>"$T/tap.err")
		st=$?
		kill $tsrv 2>/dev/null
		wait $tsrv 2>/dev/null
		ip tuntap del dev "$tap" mode tap
		[ $st -eq 0 ] && [ "$out" = "hello from the guest's httpd" ] && pass "--net tap" ||
			fail "--net tap" "status $st, '$out'; $(head -c 300 "$T/tap.err")"
	else
		echo "SKIP --net tap (needs root and /dev/net/tun)"
	fi
}
harness_selected "--net tap errors" && {
	"$UNIK" run --net tap:x,ip=300.1.1.1/24 /bin/true >/dev/null 2>"$T/tapbad.err"; st1=$?
	"$UNIK" run --net tap:x,gw=10.0.0.1 /bin/true >/dev/null 2>"$T/tapbad2.err"; st2=$?
	[ $st1 -eq 125 ] && grep -q "invalid tap option" "$T/tapbad.err" && [ $st2 -eq 125 ] &&
		grep -q "gw= needs ip=" "$T/tapbad2.err" && pass "--net tap errors" ||
		fail "--net tap errors" "$st1 $st2: $(cat "$T/tapbad.err" "$T/tapbad2.err" | head -c 300)"
}

# --net tap without ip=: the guest configures eth0 by DHCP from dnsmasq on the host's end of a
# tap (root, /dev/net/tun and dnsmasq needed), as a VM on a bridge does: the address from the
# range, the default route, the DNS server, domain and MTU, as ip, route, ifconfig, /proc/net and
# resolv.conf show them, then a fetch from the host; a server's odd values checked and left out;
# the lease renewed while the program runs; and with no server the program runs without an IPv4
# address, its connect failing with ENETUNREACH after the bounded wait.
dhcp_cases=("--net tap with DHCP" "--net tap with DHCP: odd values" "--net tap with DHCP: renewal"
	"--net tap with DHCP: no server")
want_dhcp=false
for c in "${dhcp_cases[@]}"; do harness_selected "$c" && want_dhcp=true; done
dtap=ukd$$ dpid= dsrv=
dhcp_stop() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	dpid=
}
# dnsmasq on the tap with the options given; waits until it serves.
dhcp_start() {
	dhcp_stop
	: >"$T/dnsmasq.log"
	dnsmasq --no-daemon --log-dhcp --interface="$dtap" --bind-interfaces --except-interface=lo \
		--port=0 --dhcp-leasefile="$T/leases" "$@" >"$T/dnsmasq.log" 2>&1 &
	dpid=$!
	for _ in $(seq 50); do grep -q 'sockets bound' "$T/dnsmasq.log" && return 0; sleep 0.1; done
	return 1
}
if $want_dhcp && { [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ] || ! command -v dnsmasq >/dev/null ||
		   ! ip tuntap add dev "$dtap" mode tap 2>/dev/null; }; then
	echo "SKIP --net tap with DHCP (needs root, /dev/net/tun and dnsmasq)"
elif $want_dhcp; then
	trap 'dhcp_stop; kill $dsrv 2>/dev/null; ip link del "$dtap" 2>/dev/null; rm -rf "$HARNESS_TMP"' EXIT
	trap 'exit 130' INT TERM
	ip addr add 10.233.0.1/24 dev "$dtap" && ip link set "$dtap" up
	dport=$(free_port)
	python3 -m http.server "$dport" --bind 10.233.0.1 --directory "$R/www" >/dev/null 2>&1 &
	dsrv=$!
	url="http://10.233.0.1:$dport/index.html"
	for _ in $(seq 50); do curl -fs -o /dev/null "$url" && break; sleep 0.1; done

	harness_selected "${dhcp_cases[0]}" && {
		# dnsmasq as it comes: it pings an address before offering it (about 3 s)
		dhcp_start --dhcp-range=10.233.0.50,10.233.0.99,2m --dhcp-option=option:dns-server,10.233.0.1 \
			--dhcp-option=option:domain-name,unik.test --dhcp-option=option:mtu,1400
		# resolv.conf opened first: it waits for the lease, then names its server and domain
		conf=$("$UNIK" run --rootfs "$R" --net "tap:$dtap" /bin/cat /etc/resolv.conf 2>&1)
		out=$("$UNIK" run --rootfs "$R" --net "tap:$dtap" /bin/sh -c "ip -4 addr show dev eth0; ip route;
			ip link show eth0; route -n; ifconfig eth0; wget -q -O - $url" 2>&1)
		st=$?
		addr=$(echo "$out" | sed -n 's|.*inet \(10\.233\.0\.[0-9]*\)/24 brd 10\.233\.0\.255 scope global dynamic eth0.*|\1|p')
		why=
		[ "$conf" = $'nameserver 10.233.0.1\nsearch unik.test' ] || why="; resolv.conf '$conf'"
		[ -n "$addr" ] && [ "${addr##*.}" -ge 50 ] && [ "${addr##*.}" -le 99 ] || why="$why; no address from the range"
		[ -n "$addr" ] && grep -q " $addr " "$T/leases" || why="$why; '$addr' is not in dnsmasq's leases"
		echo "$out" | grep -q 'valid_lft [0-9]*sec preferred_lft [0-9]*sec' || why="$why; no lifetime"
		echo "$out" | grep -q '^default via 10.233.0.1 dev eth0' || why="$why; no default route"
		echo "$out" | grep -q 'eth0: .* mtu 1400 ' || why="$why; MTU not 1400"
		echo "$out" | grep -q '^0.0.0.0 *10.233.0.1 *0.0.0.0 *UG' || why="$why; /proc/net/route"
		echo "$out" | grep -q "inet addr:$addr " || why="$why; ifconfig"
		echo "$out" | grep -q "^hello from the guest's httpd$" || why="$why; no fetch"
		[ $st -eq 0 ] && [ -z "$why" ] && pass "${dhcp_cases[0]}" ||
			fail "${dhcp_cases[0]}" "status $st$why: $(echo "$out" | tr '\n' '|' | head -c 900)"
	}
	harness_selected "${dhcp_cases[1]}" && {
		# a router outside the subnet (reached on the link), DNS servers that cannot be, an MTU
		# above the NIC's, an infinite lease; then a netmask of 0
		dhcp_start --no-ping --dhcp-range=10.233.0.50,10.233.0.99,infinite \
			--dhcp-option=option:router,192.0.2.1 --dhcp-option=option:mtu,9000 \
			--dhcp-option=option:dns-server,127.0.0.1,0.0.0.0,10.233.0.1,224.0.0.1
		out=$("$UNIK" run --rootfs "$R" --net "tap:$dtap" /bin/sh -c "ip -4 addr show dev eth0; ip route;
			ip link show eth0; cat /etc/resolv.conf; wget -q -O - $url" 2>&1)
		st=$?
		dhcp_start --no-ping --dhcp-range=10.233.0.50,10.233.0.99,2m --dhcp-option=option:netmask,0.0.0.0
		out0=$("$UNIK" run --rootfs "$R" --net "tap:$dtap" /bin/sh -c "ip -4 addr show dev eth0;
			wget -q -O - $url" 2>&1)
		st0=$?
		why=
		echo "$out" | grep -q 'valid_lft forever' || why="$why; not forever"
		echo "$out" | grep -q '^default via 192.0.2.1 dev eth0 onlink' || why="$why; no onlink route"
		echo "$out" | grep -q 'eth0: .* mtu 1500 ' || why="$why; MTU changed"
		[ "$(echo "$out" | grep -c '^nameserver')" = 1 ] && echo "$out" | grep -q '^nameserver 10.233.0.1$' ||
			why="$why; resolv.conf"
		echo "$out" | grep -q "^hello from the guest's httpd$" || why="$why; no fetch"
		echo "$out0" | grep -q 'inet 10\.233\.0\.[0-9]*/0 ' || why="$why; not /0"
		echo "$out0" | grep -q "^hello from the guest's httpd$" || why="$why; no fetch at /0"
		[ $st -eq 0 ] && [ $st0 -eq 0 ] && [ -z "$why" ] && pass "${dhcp_cases[1]}" ||
			fail "${dhcp_cases[1]}" "status $st $st0$why: $(echo "$out" "$out0" | tr '\n' '|' | head -c 900)"
	}
	harness_selected "${dhcp_cases[2]}" && {
		# dnsmasq's shortest lease, 2 minutes (renewal after 1): the guest renews within its
		# first 75 s, which a netlink listener sees (the address's lifetime starting again),
		# and getifaddrs and SIOCGIFADDR show the address
		dhcp_start --no-ping --dhcp-range=10.233.0.50,10.233.0.99,2m
		if gcc -static -O2 -o "$R/bin/nlwatch" tests/e2e/net/nlwatch.c 2>"$T/nlwatch.cc"; then
			out=$("$UNIK" run --rootfs "$R" --net "tap:$dtap" /bin/sh -c "/bin/nlwatch 75;
				ip -4 addr show dev eth0; wget -q -O - $url" 2>&1)
			st=$?
		else
			st=1 out="cannot build nlwatch: $(head -c 300 "$T/nlwatch.cc")"
		fi
		addr=$(echo "$out" | sed -n 's|.*inet \(10\.233\.0\.[0-9]*\)/24 .*|\1|p')
		acks=$(grep -c 'DHCPACK' "$T/dnsmasq.log")
		[ $st -eq 0 ] && [ -n "$addr" ] && [ "$acks" -ge 2 ] &&
			echo "$out" | grep -q "^newaddr $addr/24 dynamic valid 1[01][0-9]$" &&
			echo "$out" | grep -q "^getifaddrs eth0 $addr$" &&
			echo "$out" | grep -q "^SIOCGIFADDR eth0 $addr$" &&
			echo "$out" | grep -q "^hello from the guest's httpd$" && pass "${dhcp_cases[2]}" ||
			fail "${dhcp_cases[2]}" "status $st, $acks ACKs: $(echo "$out" | tr '\n' '|' | head -c 600)"
	}
	harness_selected "${dhcp_cases[3]}" && {
		dhcp_stop
		s=$(date +%s%N)
		out=$("$UNIK" run --rootfs "$R" --net "tap:$dtap" /bin/sh -c "wget -q -O - $url; echo status \$?;
			ip -4 addr show dev eth0 | grep -c inet; exit 0" 2>&1)
		st=$?
		ms=$((($(date +%s%N) - s) / 1000000))
		[ $st -eq 0 ] && [ $ms -ge 4000 ] && [ $ms -lt 15000 ] &&
			echo "$out" | grep -q 'Network is unreachable' && echo "$out" | grep -q '^status 1$' &&
			echo "$out" | grep -q '^0$' && echo "$out" | grep -q 'no DHCP lease for eth0' &&
			pass "${dhcp_cases[3]}" ||
			fail "${dhcp_cases[3]}" "status $st after $ms ms: $(echo "$out" | tr '\n' '|' | head -c 600)"
	}
	dhcp_stop
	kill $dsrv 2>/dev/null
	wait $dsrv 2>/dev/null
	ip link del "$dtap"
	trap 'rm -rf "$HARNESS_TMP"' EXIT
	trap - INT TERM
fi

# ICMP: busybox ping as root (a raw socket) to the guest itself and to the host's side of
# libslirp; ICMP echo sockets as another user (tests/e2e/net/ping.c).
harness_selected "ping" && {
	out=$("$UNIK" run --rootfs "$R" /bin/ping -c 2 127.0.0.1 2>&1; "$UNIK" run --rootfs "$R" \
		/bin/ping -c 1 -W 5 10.0.2.2 2>&1; "$UNIK" run --rootfs "$R" /bin/ping6 -c 1 ::1 2>&1)
	n=$(echo "$out" | grep -c ' 0% packet loss')
	[ "$n" -eq 3 ] && pass "ping as root (raw ICMP sockets)" ||
		fail "ping as root (raw ICMP sockets)" "$(echo "$out" | head -c 600)"
	if musl-gcc -static -O2 -o "$R/bin/pingprobe" tests/e2e/net/ping.c 2>"$T/ping.cc"; then
		out=$("$UNIK" run --rootfs "$R" -u 1000 /bin/pingprobe 127.0.0.1 ::1 10.0.2.2 2>&1)
		st=$?
		[ $st -eq 0 ] && pass "ICMP echo sockets as a user" ||
			fail "ICMP echo sockets as a user" "status $st: $(echo "$out" | grep -v '^ok' | head -c 600)"
	else
		fail "ICMP echo sockets as a user" "build: $(head -c 300 "$T/ping.cc")"
	fi
}

harness_selected "--net none" && {
	out=$("$UNIK" run --rootfs "$R" --net none /bin/wget -q -O - "http://10.0.2.2:$hport/" 2>&1)
	st=$?
	[ $st -eq 1 ] && echo "$out" | grep -q "Network is unreachable" && pass "--net none" ||
		fail "--net none" "status $st: $out"
}

echo "$HARNESS_PASSED passed, $HARNESS_FAILED failed"
[ "$HARNESS_FAILED" -eq 0 ]
