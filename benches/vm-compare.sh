#!/usr/bin/env bash
# Side by side, per guest arch: end-to-end `ocix run --backend vm` of a
# trivial command against a bare QEMU boot of the same kernel with a
# busybox initramfs whose /init powers off at once. The difference is
# what ocix adds: its agent, the runtime core in the guest, the module
# loads for the channel and the initramfs packing on the host.
# ocix is measured twice: booting (OCIX_VM_SNAPSHOT=off) and restoring
# the guest saved at its first run (the default).
#
#   benches/vm-compare.sh [KEY...]   (default: every key with a kernel,
#                                     an agent and a busybox cached)
# Env: RUNS (default 10), WARMUP (default 1), OCIX (default: target/release/ocix, built).
# Prints medians of interleaved runs.
# Needs root (the guest's container runtime runs as root in the guest,
# but ocix on the host reads the bundle).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE="${OCIX_CACHE:-/var/cache/ocix}"
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-1}
OCIX=${OCIX:-}
if [[ -z $OCIX ]]; then
    (cd "$ROOT" && cargo build -q --release -p ocix-runtime --bin ocix)
    OCIX="${CARGO_TARGET_DIR:-$ROOT/target}/release/ocix"
fi

# KEY -> "debian-arch agent-target qemu machine cpu console memory cc".
# Mirrors vm/src/profile.rs (the bench must not depend on ocix's own
# command line for the bare boot). debian-arch `-`: Debian has no
# busybox for it, the bundle runs images/testprog instead.
declare -A M=(
    [aarch64]="arm64 aarch64-unknown-linux-gnu qemu-system-aarch64 virt cortex-a57 ttyAMA0 512 aarch64-linux-gnu-gcc"
    [armv7]="armhf armv7-unknown-linux-gnueabihf qemu-system-arm virt cortex-a15 ttyAMA0 512 arm-linux-gnueabihf-gcc"
    [ppc64]="- powerpc64-unknown-linux-gnu qemu-system-ppc64 pseries,x-vof=on POWER9 hvc0 512 powerpc64-linux-gnu-gcc"
    [ppc64le]="ppc64el powerpc64le-unknown-linux-gnu qemu-system-ppc64 pseries,x-vof=on POWER9 hvc0 512 powerpc64le-linux-gnu-gcc"
    [mips]="- mips-unknown-linux-gnu qemu-system-mips malta 24Kf ttyS0 256 mips-linux-gnu-gcc"
    [mips64el]="mips64el mips64el-unknown-linux-gnuabi64 qemu-system-mips64el malta MIPS64R2-generic ttyS0 256 mips64el-linux-gnuabi64-gcc"
    [mipsel]="mipsel mipsel-unknown-linux-gnu qemu-system-mipsel malta 24Kf ttyS0 256 mipsel-linux-gnu-gcc"
)
ORDER=(aarch64 armv7 ppc64 ppc64le mips mips64el mipsel)
# Kernel arguments beyond the common ones (the built malta kernel's
# fixed count rate, as in the profile).
declare -A EXTRA=([mips]="malta_hpt_hz=160000000" [mipsel]="malta_hpt_hz=160000000"
    [mips64el]="malta_hpt_hz=160000000")

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# bare_initrd CC OUT: an /init (static C, from the cross gcc) that
# powers the machine off at once, and /dev for the console.
bare_initrd() {
    local r="$WORK/bare-$1"
    mkdir -p "$r/dev"
    printf '%s\n' '#include <sys/reboot.h>' \
        'int main(void) { reboot(RB_POWER_OFF); return 0; }' >"$WORK/init.c"
    "$1" -static -O2 -o "$r/init" "$WORK/init.c"
    (cd "$r" && find . | cpio -o -H newc --quiet) >"$2"
}

# bundle DEBIAN-ARCH TARGET DIR: a bundle running `true` (busybox), or
# testprog where Debian has no busybox.
bundle() {
    mkdir -p "$3/rootfs/bin"
    "$OCIX" spec --bundle "$3"
    if [[ $1 == - ]]; then
        cp "$CACHE/testprog/$2/testprog" "$3/rootfs/testprog"
        jq '.process.args = ["/testprog", "0"]' "$3/config.json" >"$3/c"
    else
        cp "$CACHE/busybox/$1/busybox" "$3/rootfs/bin/busybox"
        ln -sf busybox "$3/rootfs/bin/true"
        ln -sf busybox "$3/rootfs/bin/sh"
        jq '.process.args = ["true"]' "$3/config.json" >"$3/c"
    fi
    mv "$3/c" "$3/config.json"
}

# The bundle's own binary is cached for KEY.
bundle_ready() {
    if [[ $1 == - ]]; then
        [[ -x $CACHE/testprog/$2/testprog ]]
    else
        [[ -x $CACHE/busybox/$1/busybox ]]
    fi
}

keys=("$@")
if ((${#keys[@]} == 0)); then
    for k in "${ORDER[@]}"; do
        read -r deb target _ _ _ _ _ cc <<<"${M[$k]}"
        [[ -f $CACHE/kernels/$k/kernel && -x $CACHE/agents/$target/ocix ]] &&
            bundle_ready "$deb" "$target" && command -v "$cc" >/dev/null &&
            keys+=("$k")
    done
fi
((${#keys[@]})) || { echo "vm-compare: nothing cached; run ci/setup" >&2; exit 1; }

# wall_ms CMD...: runs CMD quietly, prints its wall time in ms; fails
# with its output if it fails.
wall_ms() {
    local s e
    s=$(date +%s%N)
    "$@" >"$WORK/out" 2>&1 || { cat "$WORK/out" >&2; return 1; }
    e=$(date +%s%N)
    echo $(((e - s) / 1000000))
}

# median of numbers on stdin.
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

printf '%-9s %9s %11s %9s %13s %9s\n' GUEST "bare (s)" "booted (s)" "added (s)" "restored (s)" "added (s)"
for k in "${keys[@]}"; do
    read -r deb target qemu machine cpu console mem cc <<<"${M[$k]}"
    bare_initrd "$cc" "$WORK/$k.cpio"
    bundle "$deb" "$target" "$WORK/bundle-$k"
    arch=$k
    [[ $deb == - ]] || arch=$deb
    bare=("$qemu" -nodefaults -no-user-config -no-reboot -display none -monitor none
        -machine "$machine" -cpu "$cpu" -m "$mem" -serial null -kernel "$CACHE/kernels/$k/kernel"
        -initrd "$WORK/$k.cpio"
        -append "console=$console quiet loglevel=3 panic=-1 rdinit=/init ${EXTRA[$k]:-}")
    ocix=(env OCIX_VM_SNAPSHOT=off "$OCIX" --root "$WORK/state" run --backend vm --arch "$arch"
        "$WORK/bundle-$k")
    restored=(env OCIX_SNAPSHOTS="$WORK/snapshots" "$OCIX" --root "$WORK/state" run
        --backend vm --arch "$arch" "$WORK/bundle-$k")
    # Interleaved, one of each per round: this machine's speed drifts by
    # tens of percent within minutes, which separate blocks of runs
    # would attribute to one side. "added" is the median of the
    # per-round differences.
    for f in b o d r e; do : >"$WORK/$k.$f"; done
    # The warm-up round's restored run boots and saves the guest.
    for ((r = -WARMUP; r < RUNS; r++)); do
        b=$(wall_ms "${bare[@]}") && o=$(wall_ms "${ocix[@]}") &&
            x=$(wall_ms "${restored[@]}") || exit 1
        ((r < 0)) && continue
        echo "$b" >>"$WORK/$k.b" && echo "$o" >>"$WORK/$k.o" && echo $((o - b)) >>"$WORK/$k.d"
        echo "$x" >>"$WORK/$k.r" && echo $((x - b)) >>"$WORK/$k.e"
    done
    s() { median <"$WORK/$k.$1" | awk '{printf "%.2f", $1 / 1000}'; }
    printf '%-9s %9s %11s %9s %13s %9s\n' "$k" "$(s b)" "$(s o)" "$(s d)" "$(s r)" "$(s e)"
done
