#!/usr/bin/env bash
# Side by side: `ocix run` and `runc run` of /bin/true in the same busybox
# bundle (default `ocix spec` config), interleaved A B A B so drift hits
# both, in one run. Needs root, runc and busybox-static (ci/setup).
#
#   benches/compare-runc.sh [RUNS]        (default 200)
set -euo pipefail
runs=${1:-200}
top=$(cd "$(dirname "$0")/.." && pwd)
ocix=${OCIX:-$top/target/release/ocix}
[ -x "$ocix" ] || (cd "$top" && cargo build --release -q -p ocix-runtime)
command -v runc >/dev/null || { echo "runc not found (apt-get install runc)"; exit 1; }

work=$(mktemp -d /tmp/ocix-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT
bundle=$work/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/dev" "$bundle/rootfs/sys"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
ln -s busybox "$bundle/rootfs/bin/true"
ln -s busybox "$bundle/rootfs/bin/sh"
"$ocix" spec --bundle "$bundle"
# /bin/true instead of sh; the rest is the default config.
sed -i 's/"sh"$/"\/bin\/true"/' "$bundle/config.json"
grep -q '"/bin/true"' "$bundle/config.json" || { echo "could not set args"; exit 1; }

now() { date +%s%N; }
declare -a ot rt
for i in $(seq 1 "$runs"); do
  t0=$(now); "$ocix" --root "$work/ocix-root" run --bundle "$bundle" "o$i" >/dev/null; t1=$(now)
  runc --root "$work/runc-root" run --bundle "$bundle" "r$i" >/dev/null; t2=$(now)
  ot+=($(( (t1 - t0) / 1000 ))); rt+=($(( (t2 - t1) / 1000 )))
done
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1; s+=$1} END {printf "mean %.2f ms  median %.2f ms  p95 %.2f ms  min %.2f ms", s/NR/1000, a[int((NR+1)/2)]/1000, a[int(NR*0.95)]/1000, a[1]/1000}'; }
echo "runs: $runs (interleaved)"
echo "ocix: $(stats "${ot[@]}")"
echo "runc: $(stats "${rt[@]}")"
om=$(printf '%s\n' "${ot[@]}" | awk '{s+=$1} END {print s/NR}')
rm_=$(printf '%s\n' "${rt[@]}" | awk '{s+=$1} END {print s/NR}')
awk -v o="$om" -v r="$rm_" 'BEGIN {printf "ratio ocix/runc (mean): %.2f\n", o/r}'
