# shellcheck shell=bash
# Rust toolchains: cross targets for the guest agent and test programs
# on the project's toolchain (the default one, or the one a
# rust-toolchain file in the repo names), rustfmt and clippy for
# ci/test, and nightly's rust-src for -Zbuild-std targets (big-endian
# mips and mips64el have no prebuilt std).

RUST_TARGETS=(aarch64-unknown-linux-gnu aarch64-unknown-linux-musl
    armv7-unknown-linux-gnueabihf powerpc64-unknown-linux-gnu
    powerpc64le-unknown-linux-gnu s390x-unknown-linux-gnu
    riscv64gc-unknown-linux-gnu i686-unknown-linux-gnu
    x86_64-unknown-linux-musl)
RUST_COMPONENTS=(rustfmt clippy)

# Put rustup's cargo on PATH when the environment lacks it (CI shells).
rust_path() {
    if ! command -v cargo >/dev/null && [[ -x ${CARGO_HOME:-$HOME/.cargo}/bin/cargo ]]; then
        export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
    fi
    command -v rustup >/dev/null || { echo "setup: rustup not found" >&2; return 1; }
}

rust_setup() {
    local have missing=() c done_=()
    rust_path
    have=" $(rustup target list --installed | tr '\n' ' ') "
    for c in "${RUST_TARGETS[@]}"; do
        [[ $have == *" $c "* ]] || missing+=("$c")
    done
    if ((${#missing[@]})); then
        logged rustup-targets rustup target add "${missing[@]}"
        done_+=("${#missing[@]} targets")
    fi
    missing=()
    have=$(rustup component list --installed)
    for c in "${RUST_COMPONENTS[@]}"; do
        grep -qE "^$c(-|\$)" <<<"$have" || missing+=("$c")
    done
    if ((${#missing[@]})); then
        logged rustup-components rustup component add "${missing[@]}"
        done_+=("${missing[*]}")
    fi
    if ! rustup toolchain list | grep -q '^nightly'; then
        logged rustup-nightly rustup toolchain install nightly --profile minimal
        done_+=(nightly)
    fi
    if ! rustup component list --installed --toolchain nightly | grep -q '^rust-src'; then
        logged rustup-rust-src rustup component add rust-src --toolchain nightly
        done_+=("nightly rust-src")
    fi
    if ((${#done_[@]})); then
        STEP_NOTE="added $(IFS=,; echo "${done_[*]}" | sed 's/,/, /g')"
    else
        STEP_NOTE="cached"
    fi
}

# cargo-fuzz for ci/fuzz, which builds the targets on the nightly above.
# After the apt step: installing it needs the C toolchain for linking.
cargo_fuzz_setup() {
    rust_path
    if command -v cargo-fuzz >/dev/null; then
        STEP_NOTE="cached"
        return
    fi
    logged cargo-fuzz cargo install cargo-fuzz --locked
    STEP_NOTE="installed $(cargo fuzz --version)"
}
