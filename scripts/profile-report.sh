#!/bin/bash
# Names the samples of a UNIK_PROFILE file (monitor/profile.h): kernel addresses by the
# function of build/kernel.elf holding them, program addresses as one "user" line.
# usage: scripts/profile-report.sh FILE [KERNEL_ELF]
set -e
f=${1:?usage: $0 FILE [KERNEL_ELF]}
elf=${2:-$(dirname "$0")/../build/kernel.elf}
nm -n --defined-only "$elf" | awk '$2 ~ /^[tTwW]$/ {print $1, $3}' >"$f.syms"
awk -v syms="$f.syms" '
	BEGIN { while ((getline l < syms) > 0) { split(l, a, " "); n++; addr[n] = a[1]; name[n] = a[2] } }
	function hex(s,   v, i, c) { v = 0; s = tolower(substr(s, length(s) - 9))
		for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
		return v }
	{ total += $3
	  if ($1 == "lost") { by["not recorded (the table was full)"] += $3; next }
	  if (length($1) < 16 || substr($1, 1, 4) != "ffff") { by["user (cpl " $2 ")"] += $3; next }
	  v = hex($1); lo = 1; hi = n; best = 0
	  while (lo <= hi) { mid = int((lo + hi) / 2); if (hex(addr[mid]) <= v) { best = mid; lo = mid + 1 } else hi = mid - 1 }
	  by[(best ? name[best] : "?") " (cpl " $2 ")"] += $3 }
	END { for (k in by) printf "%6d %5.1f%% %s\n", by[k], 100 * by[k] / total, k }' "$f" | sort -rn
rm -f "$f.syms"
