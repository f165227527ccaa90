#!/usr/bin/env bash
# Side by side, per guest arch: end-to-end `ocix run --backend vm` of a
# trivial command against a bare QEMU boot of the same kernel with a
# busybox initramfs whose /init powers off at once. The difference is
# what ocix adds: its agent, the runtime core in the guest, the module
# loads for the channel and the initramfs packing on the host.
#
#   benches/vm-compare.sh [KEY...]   (default: every key with a kernel,
#                                     an agent and a busybox cached)
# Env: RUNS (default 3), WARMUP (default 1), OCIX (default: target/release/ocix, built).
# Needs root (the guest's container runtime runs as root in the guest,
# but ocix on the host reads the bundle) and hyperfine (ci/setup).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE="${OCIX_CACHE:-/var/cache/ocix}"
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
OCIX=${OCIX:-}
if [[ -z $OCIX ]]; then
    (cd "$ROOT" && cargo build -q --release -p ocix-runtime --bin ocix)
    OCIX="${CARGO_TARGET_DIR:-$ROOT/target}/release/ocix"
fi

# KEY -> "debian-arch agent-target qemu machine cpu console memory".
# Mirrors vm/src/profile.rs (the bench must not depend on ocix's own
# command line for the bare boot).
declare -A M=(
    [aarch64]="arm64 aarch64-unknown-linux-gnu qemu-system-aarch64 virt cortex-a57 ttyAMA0 512"
    [armv7]="armhf armv7-unknown-linux-gnueabihf qemu-system-arm virt cortex-a15 ttyAMA0 512"
    [ppc64le]="ppc64el powerpc64le-unknown-linux-gnu qemu-system-ppc64 pseries,x-vof=on POWER8 hvc0 512"
    [mips64el]="mips64el mips64el-unknown-linux-gnuabi64 qemu-system-mips64el malta MIPS64R2-generic ttyS0 256"
)
ORDER=(aarch64 armv7 ppc64le mips64el)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# bare_initrd DEBIAN-ARCH OUT: busybox + an /init that powers off.
bare_initrd() {
    local r="$WORK/bare-$1"
    mkdir -p "$r/bin" "$r/dev"
    cp "$CACHE/busybox/$1/busybox" "$r/bin/busybox"
    printf '#!/bin/busybox sh\n/bin/busybox poweroff -f\n' >"$r/init"
    chmod +x "$r/init"
    (cd "$r" && find . | cpio -o -H newc --quiet) >"$2"
}

# bundle DEBIAN-ARCH DIR: a busybox bundle running `true`.
bundle() {
    mkdir -p "$2/rootfs/bin"
    cp "$CACHE/busybox/$1/busybox" "$2/rootfs/bin/busybox"
    ln -sf busybox "$2/rootfs/bin/true"
    ln -sf busybox "$2/rootfs/bin/sh"
    "$OCIX" spec --bundle "$2"
    jq '.process.args = ["true"]' "$2/config.json" >"$2/c" && mv "$2/c" "$2/config.json"
}

keys=("$@")
if ((${#keys[@]} == 0)); then
    for k in "${ORDER[@]}"; do
        read -r deb target _ <<<"${M[$k]}"
        [[ -f $CACHE/kernels/$k/kernel && -x $CACHE/agents/$target/ocix && -x $CACHE/busybox/$deb/busybox ]] &&
            keys+=("$k")
    done
fi
((${#keys[@]})) || { echo "vm-compare: nothing cached; run ci/setup" >&2; exit 1; }

printf '%-9s %10s %10s %10s\n' GUEST "bare (s)" "ocix (s)" "added (s)"
for k in "${keys[@]}"; do
    read -r deb target qemu machine cpu console mem <<<"${M[$k]}"
    bare_initrd "$deb" "$WORK/$k.cpio"
    bundle "$deb" "$WORK/bundle-$k"
    hyperfine -N -w "$WARMUP" -r "$RUNS" --export-json "$WORK/$k.json" \
        -n bare "$qemu -nodefaults -no-user-config -no-reboot -display none -monitor none \
-machine $machine -cpu $cpu -m $mem -serial null -kernel $CACHE/kernels/$k/kernel \
-initrd $WORK/$k.cpio -append 'console=$console quiet loglevel=3 panic=-1 rdinit=/init'" \
        -n ocix "$OCIX --root $WORK/state run --backend vm --arch $deb $WORK/bundle-$k" \
        >"$WORK/$k.log" 2>&1 || { cat "$WORK/$k.log" >&2; exit 1; }
    jq -r --arg k "$k" '[.results[].mean] | "\($k) \(.[0]) \(.[1]) \(.[1] - .[0])"' "$WORK/$k.json" |
        while read -r key b o d; do printf '%-9s %10.2f %10.2f %10.2f\n' "$key" "$b" "$o" "$d"; done
done
