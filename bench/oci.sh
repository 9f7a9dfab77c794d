#!/bin/bash
# `docker run --rm IMAGE true` with --runtime=unik against --runtime=runc: the median of N runs
# (default 20) each, alternating, through a dockerd started here (Debian's docker.io, vfs storage,
# no bridge), and the same for `ctr run --rm` against a containerd of its own. Root only.
set -e
cd "$(dirname "$0")/.."
UNIK=${UNIK:-build/unik}
RUNTIME=$PWD/$(dirname "$UNIK")/unik-runtime
N=${OCI_RUNS:-20}
[ "$(id -u)" = 0 ] || { echo "oci: needs root (dockerd)"; exit 1; }
source tests/e2e/oci/engines.sh
DK=$(mktemp -d /tmp/unik-bench-dk.XXXXXX)
trap 'engines_stop "$DK"' EXIT
engines_dockerd "$DK" "$RUNTIME"
bash tests/e2e/convert/build-image.sh "$DK" >"$DK/build.log" 2>&1
$D load -q -i "$DK/da.tar" >/dev/null

# ms of one command, wall clock
ms() {
	local a b
	a=$(date +%s%N)
	"$@" </dev/null >/dev/null 2>&1 || echo "oci: failed: $*" >&2
	b=$(date +%s%N)
	echo $(((b - a) / 1000000))
}
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

for rt in runc unik; do $D run --rm --runtime=$rt test/bb:t -c true >/dev/null; done   # warm up
: >"$DK/runc" && : >"$DK/unik"
for _ in $(seq "$N"); do
	for rt in runc unik; do ms $D run --rm --runtime=$rt test/bb:t -c true >>"$DK/$rt"; done
done
r=$(median <"$DK/runc") u=$(median <"$DK/unik")
printf 'docker run --rm IMAGE sh -c true (median of %d)  runc %6s ms   unik %6s ms   unik/runc %.2f\n' \
	"$N" "$r" "$u" "$(echo "$u $r" | awk '{print $1/$2}')"

engines_containerd "$DK" bench
$C images import --snapshotter native "$DK/da.tar" >/dev/null
: >"$DK/runc" && : >"$DK/unik"
for i in $(seq "$N"); do
	ms $C run --rm --snapshotter native docker.io/test/bb:t r$i /bin/sh -c true >>"$DK/runc"
	ms $C run --rm --snapshotter native --runc-binary "$RUNTIME" docker.io/test/bb:t u$i \
		/bin/sh -c true >>"$DK/unik"
done
r=$(median <"$DK/runc") u=$(median <"$DK/unik")
printf 'ctr run --rm IMAGE sh -c true (median of %d)     runc %6s ms   unik %6s ms   unik/runc %.2f\n' \
	"$N" "$r" "$u" "$(echo "$u $r" | awk '{print $1/$2}')"
