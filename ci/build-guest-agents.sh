#!/usr/bin/env bash
# Cross-build the guest agent (the `ocix` binary, static) for each guest
# architecture. Idempotent: an agent built from the same sources is kept
# (see source_key), else cargo rebuilds what changed.
#
#   ci/build-guest-agents.sh [RUST-TARGET...]   (default: all below)
#
# Output: ${OCIX_CACHE:-/var/cache/ocix}/agents/<rust-target>/ocix
# Target dir: ${OCIX_CACHE}/agents/target (apart from host builds).
# Linkers are Debian's cross gcc, set per target in the environment (not
# in .cargo/config.toml) so host builds are unaffected. mips targets are
# tier 3: nightly with -Zbuild-std; a failure there is reported and
# skipped, never fatal, unless OCIX_AGENTS_STRICT=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE="${OCIX_CACHE:-/var/cache/ocix}"
OUT="$CACHE/agents"
export CARGO_TARGET_DIR="$OUT/target"
# The `guest` profile (Cargo.toml): small code runs faster under TCG.
PROFILE=guest

# target -> "cross-gcc toolchain mode" (mode: static-gnu, build-std).
# aarch64 is glibc, not musl: the runtime core uses glibc-only libc items
# (`__rlimit_resource_t`).
declare -A TARGETS=(
    [aarch64-unknown-linux-gnu]="aarch64-linux-gnu-gcc stable static-gnu"
    [armv7-unknown-linux-gnueabihf]="arm-linux-gnueabihf-gcc stable static-gnu"
    [powerpc64-unknown-linux-gnu]="powerpc64-linux-gnu-gcc stable static-gnu"
    [powerpc64le-unknown-linux-gnu]="powerpc64le-linux-gnu-gcc stable static-gnu"
    [mips-unknown-linux-gnu]="mips-linux-gnu-gcc nightly build-std"
    [mipsel-unknown-linux-gnu]="mipsel-linux-gnu-gcc nightly build-std"
    [mips64el-unknown-linux-gnuabi64]="mips64el-linux-gnuabi64-gcc nightly build-std"
)
ORDER=(aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf
    powerpc64-unknown-linux-gnu powerpc64le-unknown-linux-gnu
    mips64el-unknown-linux-gnuabi64 mips-unknown-linux-gnu mipsel-unknown-linux-gnu)

# The libc crate names versioned termios symbols on mips glibc
# (`tcgetattr@GLIBC_2.0`), which a static link cannot resolve: a linker
# wrapper aliases them to the unversioned ones. Prints the wrapper.
mips_linker() {
    local gcc=$1 w="$OUT/linkers/$1" s
    mkdir -p "$OUT/linkers"
    {
        echo '#!/bin/sh'
        printf 'exec %s "$@"' "$gcc"
        for s in tcgetattr tcsetattr cfmakeraw cfgetispeed cfgetospeed cfsetispeed \
            cfsetospeed cfsetspeed; do
            # -u pulls the unversioned definition out of libc.a first.
            printf " -Wl,-u,%s '-Wl,--defsym=\"%s@GLIBC_2.0\"=%s'" "$s" "$s" "$s"
        done
        echo
    } >"$w.tmp"
    chmod +x "$w.tmp"
    mv -f "$w.tmp" "$w"
    echo "$w"
}

# What an agent is built from: the content of the sources and manifests
# of the crates in it (tests and benches left out, new files not yet
# added included), this script and the toolchain. An agent cached with the
# same key is not rebuilt, whatever the checkout's path (cargo's own
# freshness check rebuilds the workspace for every new path). Empty
# outside a git checkout: then cargo decides.
source_key() {
    local toolchain=$1
    git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1 || return 0
    {
        (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard -- \
            Cargo.toml Cargo.lock {runtime,vm,arch-matrix}/{Cargo.toml,build.rs,src} arch-matrix/data |
            xargs -0 sha256sum)
        sha256sum <"${BASH_SOURCE[0]}"
        rustc "+$toolchain" -V
    } | sha256sum | cut -c1-16
}

build_one() {
    local t=$1 gcc toolchain mode var flags=() tc=() key
    read -r gcc toolchain mode <<<"${TARGETS[$t]:?unknown target $t}"
    key=$(source_key "$toolchain")
    if [[ -n $key && -x $OUT/$t/ocix && $(cat "$OUT/$t/key" 2>/dev/null) == "$key" ]]; then
        echo "agents: $t: cached ($key) in $OUT/$t/ocix"
        return 0
    fi
    command -v "$gcc" >/dev/null || { echo "agents: $t: no $gcc (apt-get install gcc-${gcc%-gcc})" >&2; return 1; }
    var=$(echo "$t" | tr 'a-z-' 'A-Z_')
    [[ $t == mips* ]] && gcc=$(mips_linker "$gcc")
    export "CARGO_TARGET_${var}_LINKER=$gcc"
    # Static binaries: the initramfs has no libc.
    export "CARGO_TARGET_${var}_RUSTFLAGS=-C target-feature=+crt-static"
    [[ $toolchain == nightly ]] && tc=(+nightly) && flags=(-Zbuild-std=std,panic_abort)
    echo "agents: $t: building ($mode)"
    (cd "$ROOT" && cargo "${tc[@]}" build -q "${flags[@]}" --target "$t" \
        -p ocix-runtime --bin ocix --profile "$PROFILE") || return 1
    mkdir -p "$OUT/$t"
    install -m 0755 "$CARGO_TARGET_DIR/$t/$PROFILE/ocix" "$OUT/$t/ocix.tmp" || return 1
    mv -f "$OUT/$t/ocix.tmp" "$OUT/$t/ocix" || return 1
    [[ -z $key ]] || echo "$key" >"$OUT/$t/key"
    echo "agents: $t: $OUT/$t/ocix ($(stat -c %s "$OUT/$t/ocix") bytes)"
}

(($#)) || set -- "${ORDER[@]}"
failed=()
for t in "$@"; do
    if ! build_one "$t"; then
        if [[ ${TARGETS[$t]:-} == *build-std* && ${OCIX_AGENTS_STRICT:-0} != 1 ]]; then
            echo "agents: $t: build failed (tier 3 target); skipped" >&2
        else
            failed+=("$t")
        fi
    fi
done
((${#failed[@]} == 0)) || { echo "agents: failed: ${failed[*]}" >&2; exit 1; }
