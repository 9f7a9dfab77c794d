#!/bin/bash
# End-to-end test of `unik convert` (the artifact and the --oci image) / `unik inspect` on real
# images built with umoci and skopeo.
# Usage: tests/e2e/convert.sh PATH/TO/unik   (prints PASS/FAIL lines, then "N passed, N failed")
set -u
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/unik" >&2
	exit 2
fi
UNIK=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/unik-e2e-convert.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
pass=0
fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

# "PATH MODE UID GID WHAT" per entry, WHAT = sha256 (file), -> target (symlink), dir.
reference_listing() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r p; do
		if [ -L "$p" ]; then what="-> $(readlink "$p")"
		elif [ -d "$p" ]; then what=dir
		else what=$(sha256sum < "$p" | cut -d' ' -f1); fi
		echo "${p#.} $(stat -c '%A %u %g' "$p") $what"
	done)
}

unik_listing() {
	"$UNIK" inspect --ls --sha256 "$1" | awk '$8 != "/" {
		what = $1 ~ /^d/ ? "dir" : $1 ~ /^l/ ? "-> " $10 : $6
		print $8, $1, $3, $4, what }' | LC_ALL=C sort
}

if ! bash "$HERE/convert/build-image.sh" "$T" > "$T/build.log" 2>&1; then
	ko build-image "$(tail -3 "$T/build.log" | tr '\n' ' ')"
	finish
fi
ok build-image
umoci unpack $([ "$(id -u)" = 0 ] || echo --rootless) --image "$T/L:t" "$T/ref" > /dev/null 2>&1 || ko umoci-unpack "failed"
reference_listing "$T/ref/rootfs" > "$T/ref.list"

check_form() { # name, input, extra args
	local name=$1 input=$2
	shift 2
	if ! "$UNIK" convert -q "$@" "$input" -o "$T/$name.unik" 2> "$T/$name.err"; then
		ko "convert-$name" "$(head -2 "$T/$name.err" | tr '\n' ' ')"
		return
	fi
	ok "convert-$name"
	unik_listing "$T/$name.unik" > "$T/$name.list"
	if diff -u "$T/ref.list" "$T/$name.list" > "$T/$name.diff"; then
		ok "tree-$name"
	else
		ko "tree-$name" "differs from umoci unpack: $(head -8 "$T/$name.diff" | tail -4 | tr '\n' ' ')"
	fi
}

check_form docker-archive "$T/da.tar"
check_form oci-archive "$T/oa.tar"
check_form oci-archive-zstd-layers "$T/oz.tar"
check_form docker-archive-gzip "$T/da.tar.gz"
check_form oci-layout "$T/L:t"
if "$UNIK" convert -q - -o "$T/stdin.unik" < "$T/da.tar.zst" 2> "$T/stdin.err"; then
	ok convert-docker-archive-zstd-stdin
	if unik_listing "$T/stdin.unik" | diff -q "$T/ref.list" - > /dev/null; then
		ok tree-docker-archive-zstd-stdin
	else
		ko tree-docker-archive-zstd-stdin "differs from umoci unpack"
	fi
else
	ko convert-docker-archive-zstd-stdin "$(head -1 "$T/stdin.err")"
fi

A=$T/docker-archive.unik
if [ -f "$A" ]; then
	ls=$("$UNIK" inspect --ls "$A")
	if echo "$ls" | grep -q ' /data/gone.txt$'; then ko whiteout "/data/gone.txt still present"
	else ok whiteout; fi
	if [ "$(echo "$ls" | awk '$7 == "/data/new.txt" || $7 == "/data/hard.txt" { print $2 }' |
	      sort -u)" = 2 ]; then ok hardlink; else ko hardlink "nlink of new.txt/hard.txt is not 2"; fi
	if echo "$ls" | grep -q '^-rwsr-xr-x .* /bin/busybox$'; then ok setuid
	else ko setuid "busybox mode not -rwsr-xr-x"; fi
	info=$("$UNIK" inspect "$A")
	if echo "$info" | grep -q '^Entrypoint: *\["/bin/sh"\]' &&
	   echo "$info" | grep -q '^User: *app (uid 1000, gid 1000, groups 2000)' &&
	   echo "$info" | grep -q '^ExposedPorts: *80/tcp' &&
	   echo "$info" | grep -q '^WorkingDir: *\/data'; then ok inspect-config
	else ko inspect-config "unexpected summary"; fi
	if echo "$info" | grep -q '^Command: */bin/sh: ELF x86-64 static'; then ok command-check
	else ko command-check "$(echo "$info" | grep '^Command')"; fi
	if "$UNIK" inspect --json "$A" | grep -q '"format_version": 1'; then ok inspect-json
	else ko inspect-json "no format_version"; fi
	if "$UNIK" inspect --check "$A" | grep -q '^/bin/busybox: ELF x86-64 static'; then ok inspect-check
	else ko inspect-check "busybox not reported"; fi
	"$UNIK" convert -q "$T/da.tar" -o "$T/again.unik" 2> /dev/null
	if cmp -s "$A" "$T/again.unik"; then ok reproducible; else ko reproducible "artifacts differ"; fi
	cp "$A" "$T/bad.unik"
	# flip every bit of one byte (a fixed value could equal what is already there)
	b=$(od -An -t u1 -j 2000 -N 1 "$T/bad.unik" | tr -d ' ')
	printf "\\$(printf '%03o' $((255 - b)))" | dd of="$T/bad.unik" bs=1 seek=2000 conv=notrunc 2> /dev/null
	if ! "$UNIK" inspect "$T/bad.unik" > /dev/null 2> "$T/bad.err" &&
	   grep -q 'corrupt artifact' "$T/bad.err"; then ok corrupt-artifact
	else ko corrupt-artifact "not detected"; fi
	head -c 3000 "$A" > "$T/short.unik"
	if ! "$UNIK" inspect "$T/short.unik" > /dev/null 2> "$T/short.err" &&
	   grep -q 'truncated artifact' "$T/short.err"; then ok truncated-artifact
	else ko truncated-artifact "not detected"; fi
	if "$UNIK" convert -q "$T/da.tar" -o "$T/u.unik" -u nobody 2> "$T/u.err"; then
		ko unknown-user "accepted"
	elif [ $? -eq 125 ] && grep -q 'unable to find user nobody' "$T/u.err"; then ok unknown-user
	else ko unknown-user "wrong status or message"; fi
fi

# --oci: the artifact as a one-layer OCI image; one tar that is an OCI layout and a docker-save
# archive. Checked with skopeo and umoci (docker load is not needed: skopeo reads manifest.json
# through its docker-archive transport).
kvm_ok() { [ -r "${UNIK_KVM_DEV:-/dev/kvm}" ] && [ -w "${UNIK_KVM_DEV:-/dev/kvm}" ]; }

# The layout, digests, docker-save files and reproducibility fields of an --oci archive.
check_oci_archive() { # archive, expected RepoTag, expected ref.name
	python3 - "$@" <<'PY'
import hashlib, json, sys, tarfile
path, repotag, refname = sys.argv[1:4]
def fail(msg):
    print(msg)
    sys.exit(1)
with tarfile.open(path) as t:
    members = t.getmembers()
    names = [m.name.rstrip("/") for m in members]
    files = {m.name: t.extractfile(m).read() for m in members if m.isfile()}
if names != sorted(names):
    fail("members not sorted: %s" % names)
for m in members:
    if m.mtime != 0 or m.uid != 0 or m.gid != 0 or m.uname or m.gname:
        fail("%s: mtime %d owner %d:%d %s:%s" % (m.name, m.mtime, m.uid, m.gid, m.uname, m.gname))
for n, data in files.items():
    if n.startswith("blobs/sha256/") and hashlib.sha256(data).hexdigest() != n[13:]:
        fail("%s: content does not match its digest" % n)
if json.loads(files["oci-layout"]) != {"imageLayoutVersion": "1.0.0"}:
    fail("oci-layout: %r" % files["oci-layout"])
index = json.loads(files["index.json"])
(desc,) = index["manifests"]
ann = desc["annotations"]
if ann["org.opencontainers.image.ref.name"] != refname:
    fail("index.json ref.name %s, expected %s" % (ann, refname))
if ann["io.containerd.image.name"] not in (repotag, "docker.io/" + repotag,
                                           "docker.io/library/" + repotag):
    fail("index.json io.containerd.image.name %s, expected .../%s" % (ann, repotag))
manifest = json.loads(files["blobs/sha256/" + desc["digest"][7:]])
(layer,) = manifest["layers"]
if layer["mediaType"] != "application/vnd.oci.image.layer.v1.tar":
    fail("layer media type %s" % layer["mediaType"])
(dm,) = json.loads(files["manifest.json"])
if dm["RepoTags"] != [repotag] or dm["Config"] != "blobs/sha256/" + manifest["config"]["digest"][7:] \
        or dm["Layers"] != ["blobs/sha256/" + layer["digest"][7:]]:
    fail("manifest.json %s does not match the OCI manifest" % dm)
name, tag = repotag.rsplit(":", 1)
if json.loads(files["repositories"]) != {name: {tag: layer["digest"][7:]}}:
    fail("repositories: %s" % files["repositories"])
config = json.loads(files[dm["Config"]])
if config["rootfs"] != {"type": "layers", "diff_ids": [layer["digest"]]} or \
        config["created"] != "1970-01-01T00:00:00Z" or config["os"] != "linux" or \
        config["architecture"] != "amd64":
    fail("config: %s" % config)
PY
}

oci_config_ok() { # skopeo inspect --config output on stdin
	python3 -c '
import json, sys
c = json.load(sys.stdin)["config"]
want = {"Entrypoint": ["/bin/sh"], "Cmd": ["-c", "echo hi"], "WorkingDir": "/data",
        "User": "1000:1000", "ExposedPorts": {"80/tcp": {}},
        "Labels": {"org.unik.artifact": "/.unik/app.unik"}}
bad = [k for k in want if c.get(k) != want[k]]
if bad or "FOO=bar" not in c.get("Env", []):
    print("config differs in %s: %s" % (bad or ["Env"], c))
    sys.exit(1)'
}

O=$T/oci.tar
if "$UNIK" convert -q "$T/da.tar" -o "$T/oci.unik" --oci "$O" 2> "$T/oci.err"; then
	ok oci-convert
	if msg=$(check_oci_archive "$O" test/bb:t t 2>&1); then ok oci-layout-and-docker-save
	else ko oci-layout-and-docker-save "$msg"; fi
	if msg=$(skopeo inspect --config "oci-archive:$O:t" 2>&1 | oci_config_ok 2>&1); then
		ok oci-config
	else ko oci-config "$msg"; fi
	if msg=$(skopeo inspect --config "docker-archive:$O" 2>&1 | oci_config_ok 2>&1); then
		ok oci-docker-archive-config
	else ko oci-docker-archive-config "$msg"; fi
	rm -rf "$T/OL" "$T/oci-unpacked"
	if skopeo copy -q "oci-archive:$O:t" "oci:$T/OL:t" > "$T/oci-copy.err" 2>&1 &&
	   umoci unpack $([ "$(id -u)" = 0 ] || echo --rootless) --image "$T/OL:t" \
		"$T/oci-unpacked" > "$T/oci-copy.err" 2>&1; then
		R=$T/oci-unpacked/rootfs
		got=$(cd "$R" && find . -mindepth 1 | LC_ALL=C sort | tr '\n' ' ')
		if [ "$got" = "./.unik ./.unik/app.unik ./dev ./etc ./proc ./tmp " ]; then ok oci-rootfs
		else ko oci-rootfs "unexpected entries: $got"; fi
		if cmp -s "$R/.unik/app.unik" "$T/oci.unik" &&
		   [ "$(stat -c '%a %u %g %Y' "$R/.unik/app.unik")" = "644 0 0 0" ]; then
			ok oci-artifact-in-rootfs
		else ko oci-artifact-in-rootfs "differs from -o, or not 0644 0:0 mtime 0"; fi
		if ! kvm_ok && [ "${CI:-}" != true ]; then
			echo "SKIP oci-run: /dev/kvm unusable"
		elif out=$("$UNIK" run "$R/.unik/app.unik" 2>&1) && [ "$out" = hi ]; then ok oci-run
		else ko oci-run "printed '$out'"; fi
	else
		ko oci-unpack "$(head -2 "$T/oci-copy.err" | tr '\n' ' ')"
	fi
	"$UNIK" convert -q "$T/da.tar" --oci "$T/oci2.tar" 2> /dev/null
	if cmp -s "$O" "$T/oci2.tar"; then ok oci-reproducible
	else ko oci-reproducible "two conversions differ"; fi
else
	ko oci-convert "$(head -2 "$T/oci.err" | tr '\n' ' ')"
fi

# Without -o only the image is written; its name comes from the source (skopeo's oci-archive ref
# name "t" is a tag) or --tag.
mkdir -p "$T/only" && cp "$T/oa.tar" "$T/only/"
if (cd "$T/only" && "$UNIK" convert -q oa.tar --oci img.tar 2> err) &&
   [ "$(ls "$T/only" | tr '\n' ' ')" = "err img.tar oa.tar " ] &&
   msg=$(check_oci_archive "$T/only/img.tar" unik/app:t t 2>&1); then ok oci-only-default-tag
else ko oci-only-default-tag "$(cat "$T/only/err" 2>/dev/null) $(ls "$T/only" | tr '\n' ' ') ${msg:-}"; fi
if "$UNIK" convert -q - --oci "$T/tag.tar" --tag my-reg.example:5000/team/app < "$T/da.tar.zst" \
	2> "$T/tag.err" && msg=$(check_oci_archive "$T/tag.tar" my-reg.example:5000/team/app:latest \
	latest 2>&1) && skopeo inspect "oci-archive:$T/tag.tar:latest" > /dev/null 2>&1; then
	ok oci-tag-stdin
else ko oci-tag-stdin "$(head -1 "$T/tag.err") ${msg:-}"; fi
for bad in "My/App" "my app" "" "app:" "-app" "a..b" "app@sha256:00"; do
	"$UNIK" convert -q "$T/da.tar" -o "$T/badtag.unik" --oci "$T/badtag.tar" --tag "$bad" \
		2> "$T/badtag.err"
	rc=$?
	left=$(ls "$T" | grep '^badtag\.\(tar\|unik\)' | tr '\n' ' ')
	if [ "$rc" = 125 ] && [ -z "$left" ] && grep -q "^unik convert: --tag: '$bad': " "$T/badtag.err"
	then ok "oci-bad-tag '$bad'"
	else ko "oci-bad-tag '$bad'" "status $rc, left '$left', $(head -1 "$T/badtag.err")"; fi
done
if "$UNIK" convert -q "$T/da.tar" --oci "$T/no-such-dir/x.tar" 2> "$T/nodir.err"; then
	ko oci-unwritable "accepted"
elif [ $? -eq 125 ] && grep -q 'no-such-dir/x.tar: cannot create' "$T/nodir.err"; then
	ok oci-unwritable
else ko oci-unwritable "$(head -1 "$T/nodir.err")"; fi
finish
