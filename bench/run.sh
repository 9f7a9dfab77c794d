#!/bin/sh
# unik against native Linux on this machine, one run, side by side as ratios:
#  1. wall time of `unik run hello` vs native `./hello` (median of RUNS runs) and VM exits per run
#  2. ns per getppid() in a loop: native, unik fast mode (rewritten call sites), unik trap path
#  3. ns per poll() on two ready pipe fds and per epoll_wait() on one
#  4. threads: ns per futex round trip between two threads, per pthread_create+join, MB/s
#     through a pipe between two threads, ns per signal round trip (raise, handler, sigreturn),
#     µs for a thread blocked on a pipe to run once a busy thread on its CPU writes to it,
#     and the host CPU an idle guest (sleep 5) uses
#  5. processes: us per fork+_exit+waitpid, per fork+execve(static true)+waitpid, and ms for a
#     busybox sh loop running /bin/true 1,000 times (native: chrooted into the same tree); unik
#     runs the tree with --rootfs, then converted into an image
#  6. peak RSS of the monitor for hello with -m 1G
set -e
cd "$(dirname "$0")/.."
UNIK=${UNIK:-build/unik}
B=build/bench
RUNS=${RUNS:-200}

median_ms() {    # command... -> median wall ms over RUNS runs
	i=0
	while [ $i -lt "$RUNS" ]; do
		s=$(date +%s%N)
		"$@" >/dev/null
		e=$(date +%s%N)
		echo $(( (e - s) / 1000 ))
		i=$((i + 1))
	done | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)] / 1000}'
}

if command -v hyperfine >/dev/null; then
	# hyperfine -N runs without a shell: the figures are the programs' own.
	hf() { hyperfine -N -w 5 -r "$RUNS" --export-json "$B/hf.json" "$*" >/dev/null 2>&1 &&
		sed -n 's/.*"median": *\([0-9.e-]*\).*/\1/p' "$B/hf.json" | head -1 | awk '{printf "%.3f", $1 * 1000}'; }
	nat=$(hf $B/hello)
	uk=$(hf $UNIK run $B/hello)
else
	nat=$(median_ms $B/hello)
	uk=$(median_ms $UNIK run $B/hello)
fi
exits=$($UNIK run --stats $B/hello 2>&1 >/dev/null | sed -n 's/.*VM exits: \([0-9]*\).*/\1/p')
echo "hello wall (median of $RUNS): native ${nat} ms, unik ${uk} ms, ratio $(echo "$uk $nat" | awk '{printf "%.1f", $1/$2}')x; VM exits per run: $exits"

N=${N:-2000000}
gn=$($B/getppid $N)
gu=$($UNIK run $B/getppid $N)
gt=$($UNIK run --no-rewrite $B/getppid $((N / 100)))
echo "getppid ns/call: native $gn, unik fast $gu (ratio $(echo "$gu $gn" | awk '{printf "%.2f", $1/$2}')x), unik trap path $gt (ratio $(echo "$gt $gn" | awk '{printf "%.1f", $1/$2}')x)"

set -- $($B/poll)
pn=$1 en=$2
set -- $($UNIK run $B/poll)
echo "poll ns/call: native $pn, unik $1 (ratio $(echo "$1 $pn" | awk '{printf "%.2f", $1/$2}')x); epoll_wait ns/call: native $en, unik $2 (ratio $(echo "$2 $en" | awk '{printf "%.2f", $1/$2}')x)"

set -- $($B/threads)
tn1=$1 tn2=$2 tn3=$3 tn4=$4 tn5=$5
set -- $($UNIK run $B/threads)
echo "futex round trip ns: native $tn1, unik $1 (ratio $(echo "$1 $tn1" | awk '{printf "%.2f", $1/$2}')x); pthread_create+join ns: native $tn2, unik $2 (ratio $(echo "$2 $tn2" | awk '{printf "%.2f", $1/$2}')x); pipe between threads MB/s: native $tn3, unik $3 (ratio $(echo "$3 $tn3" | awk '{printf "%.2f", $1/$2}')x); signal round trip ns: native $tn4, unik $4 (ratio $(echo "$4 $tn4" | awk '{printf "%.2f", $1/$2}')x); wake-up latency beside a busy thread us: native $tn5, unik $5"

R=$B/procroot
rm -rf "$R" && mkdir -p "$R/bin" "$R/dev" && cp $B/proc $B/true /bin/busybox "$R/bin/" && ln -sf busybox "$R/bin/sh"
mknod -m 666 "$R/dev/null" c 1 3 2>/dev/null || true
set -- $(chroot "$R" /bin/proc /bin/true)
pf=$1 pe=$2
set -- $($UNIK run --rootfs "$R" /bin/proc /bin/true)
LOOP='i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i + 1)); done'
ls=$(date +%s%N); chroot "$R" /bin/sh -c "$LOOP"; le=$(date +%s%N)
us=$(date +%s%N); $UNIK run --rootfs "$R" /bin/sh -c "$LOOP"; ue=$(date +%s%N)
ln_=$(( (le - ls) / 1000000 )) lu=$(( (ue - us) / 1000000 ))
echo "fork+exit+wait us: native $pf, unik $1 (ratio $(echo "$1 $pf" | awk '{printf "%.1f", $1/$2}')x); fork+exec+wait us: native $pe, unik $2 (ratio $(echo "$2 $pe" | awk '{printf "%.1f", $1/$2}')x); 1000-command sh loop ms: native $ln_, unik $lu (ratio $(echo "$lu $ln_" | awk '{printf "%.1f", $1/$2}')x) (--rootfs)"
# The same tree as an image, as containers run (the programs from guest memory, no file exits).
$UNIK convert -q --rootfs "$R" -o "$B/proc.unik" -- /bin/proc
set -- $($UNIK run "$B/proc.unik" /bin/proc /bin/true)
us=$(date +%s%N); $UNIK run "$B/proc.unik" /bin/sh -c "$LOOP"; ue=$(date +%s%N)
lu=$(( (ue - us) / 1000000 ))
echo "from an image: fork+exit+wait us: unik $1 (ratio $(echo "$1 $pf" | awk '{printf "%.1f", $1/$2}')x); fork+exec+wait us: unik $2 (ratio $(echo "$2 $pe" | awk '{printf "%.1f", $1/$2}')x); 1000-command sh loop ms: unik $lu (ratio $(echo "$lu $ln_" | awk '{printf "%.1f", $1/$2}')x)"

idle=$( { /usr/bin/time -f '%U %S %e' $UNIK run --rootfs "$R" /bin/busybox sleep 5 >/dev/null; } 2>&1 | tail -1)
nidle=$( { /usr/bin/time -f '%U %S %e' /bin/busybox sleep 5 >/dev/null; } 2>&1 | tail -1)
echo "idle guest (sleep 5), host CPU: native $(echo $nidle | awk '{printf "%.2f%%", ($1+$2)/$3*100}'), unik $(echo $idle | awk '{printf "%.2f%%", ($1+$2)/$3*100}') of one CPU (includes boot)"

rss=$( { /usr/bin/time -f '%M' $UNIK run -m 1G $B/hello >/dev/null; } 2>&1 | tail -1)
nrss=$( { /usr/bin/time -f '%M' $B/hello >/dev/null; } 2>&1 | tail -1)
echo "peak RSS, hello: native ${nrss} KiB, unik monitor with -m 1G ${rss} KiB"
