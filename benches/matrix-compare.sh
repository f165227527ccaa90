#!/usr/bin/env bash
# Side by side: `ocix matrix --jobs J` over N cells against the sum of the
# same cells run one after another with `ocix run`. Rounds alternate the
# two, so load from elsewhere hits both alike.
#
#   benches/matrix-compare.sh [-o OCIX] [-b BACKEND] [-j JOBS] [-n ROUNDS] ARCH=BUNDLE...
#
# Prints each round (ms) and the medians; ratio = matrix / sum of singles.
set -euo pipefail
ocix=target/release/ocix backend=emulate jobs=2 rounds=5
while getopts o:b:j:n: opt; do
    case $opt in
        o) ocix=$OPTARG ;; b) backend=$OPTARG ;; j) jobs=$OPTARG ;; n) rounds=$OPTARG ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
(($# > 0)) || { echo "usage: $0 [-o OCIX] [-b BACKEND] [-j JOBS] [-n ROUNDS] ARCH=BUNDLE..." >&2; exit 2; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
now() { date +%s%N; }
arches=() bundle_for=()
for cell in "$@"; do
    arches+=("${cell%%=*}")
    bundle_for+=(--bundle-for "$cell")
done
list=$(IFS=,; echo "${arches[*]}")
echo "matrix: $ocix matrix --backend $backend --jobs $jobs --arch $list ${bundle_for[*]}"
echo "singles: $ocix run --backend $backend --arch ARCH --bundle BUNDLE ID, one after another"
printf '%-6s %10s %10s %7s\n' round sum_ms matrix_ms ratio
sums=() mats=()
for ((r = 1; r <= rounds; r++)); do
    t0=$(now)
    for cell in "$@"; do
        "$ocix" --root "$root" run --backend "$backend" --arch "${cell%%=*}" \
            --bundle "${cell#*=}" "bench-$r" >/dev/null 2>&1 || echo "single ${cell%%=*} failed" >&2
    done
    t1=$(now)
    "$ocix" matrix --backend "$backend" --jobs "$jobs" --arch "$list" "${bundle_for[@]}" \
        >/dev/null 2>&1 || echo "matrix failed" >&2
    t2=$(now)
    sum=$(((t1 - t0) / 1000000)) mat=$(((t2 - t1) / 1000000))
    sums+=("$sum") mats+=("$mat")
    printf '%-6s %10d %10d %7s\n' "$r" "$sum" "$mat" "$(awk -v a="$mat" -v b="$sum" 'BEGIN{printf "%.2f", a/b}')"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END{print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
ms=$(median "${sums[@]}") mm=$(median "${mats[@]}")
printf '%-6s %10s %10s %7s\n' median "$ms" "$mm" "$(awk -v a="$mm" -v b="$ms" 'BEGIN{printf "%.2f", a/b}')"
