# shellcheck shell=bash
# Debian packages: apt sources (bookworm-backports, foreign
# architectures), one `apt-get update` only when something is missing,
# and the package groups the project needs.

export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -q -o DPkg::Lock::Timeout=600)

# Tools the tests, benches and image recipes use. podman (with conmon)
# and containerd (with ctr and its runc v2 shim) are the real clients
# that runtime/tests/clients.rs drives ocix with.
BASE_PKGS=(busybox-static runc strace jq iproute2 hyperfine rsync socat
    file cpio bc bison flex xz-utils podman containerd)
# Cross C compilers: linkers for Rust cross builds and kernel builds.
# Their C libraries (libc6-dev-*-cross) come in as recommends.
CROSS_PKGS=(gcc-arm-linux-gnueabihf gcc-arm-linux-gnueabi
    gcc-aarch64-linux-gnu gcc-powerpc64-linux-gnu
    gcc-powerpc64le-linux-gnu gcc-mips-linux-gnu gcc-mipsel-linux-gnu
    gcc-mips64el-linux-gnuabi64)
# QEMU 10 from bookworm-backports (bookworm's 7.2 conflicts with the
# machine's backported qemu-utils).
QEMU_PKGS=(qemu-system-arm qemu-system-ppc qemu-system-mips qemu-user-static)
QEMU_MIN_MAJOR=10
# Foreign architectures whose busybox-static the example bundles use.
FOREIGN_ARCHS=(arm64 armhf armel ppc64el mips64el mipsel i386)

BACKPORTS_FILE=/etc/apt/sources.list.d/bookworm-backports.sources

pkg_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

# missing_pkgs PKG...: print the ones not installed (one dpkg-query).
missing_pkgs() {
    local p have
    have=" $(dpkg-query -W -f='${db:Status-Status} ${Package}\n' "$@" 2>/dev/null |
        awk '$1 == "installed" { print $2 }' | tr '\n' ' ' || true) "
    for p in "$@"; do [[ $have == *" $p "* ]] || echo "$p"; done
}

# missing_qemu: print QEMU packages absent or older than QEMU_MIN_MAJOR.
missing_qemu() {
    local p v
    for p in "${QEMU_PKGS[@]}"; do
        if ! pkg_installed "$p"; then echo "$p"; continue; fi
        v=$(dpkg-query -W -f='${Version}' "$p")
        v=${v#*:}
        [[ ${v%%.*} =~ ^[0-9]+$ ]] && ((${v%%.*} >= QEMU_MIN_MAJOR)) || echo "$p"
    done
}

# The Debian mirror the machine already uses, for the backports entry.
debian_mirror() {
    local uri
    uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
        /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    if [[ -z $uri ]]; then
        uri=$(awk '$1 == "deb" && $0 ~ / bookworm / { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' \
            /etc/apt/sources.list 2>/dev/null || true)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

has_backports_source() {
    grep -qs 'bookworm-backports' /etc/apt/sources.list \
        /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
}

# Add bookworm-backports and the foreign architectures when absent.
APT_SOURCES_CHANGED=0
apt_sources() {
    local added=() a have
    if ! has_backports_source; then
        cat >"$BACKPORTS_FILE" <<EOS
# Added by ocix ci/setup: QEMU 10 for the emulate and vm backends.
Types: deb
URIs: $(debian_mirror)
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
        added+=(bookworm-backports)
    fi
    have=" $(dpkg --print-architecture) $(dpkg --print-foreign-architectures | tr '\n' ' ') "
    for a in "${FOREIGN_ARCHS[@]}"; do
        if [[ $have != *" $a "* ]]; then
            dpkg --add-architecture "$a"
            added+=("$a")
        fi
    done
    if ((${#added[@]})); then
        APT_SOURCES_CHANGED=1
        STEP_NOTE="added ${added[*]}"
    else
        STEP_NOTE="cached"
    fi
}

# True when the package indexes apt needs are all on disk. (Looks at
# the files: apt-cache here rebuilds its cache on every call, ~8 s.)
apt_indexes_ready() {
    local lists=/var/lib/apt/lists a
    compgen -G "$lists/*_dists_bookworm-backports_main_binary-$(dpkg --print-architecture)_Packages*" >/dev/null || return 1
    for a in "${FOREIGN_ARCHS[@]}"; do
        compgen -G "$lists/*_dists_bookworm_main_binary-${a}_Packages*" >/dev/null || return 1
    done
}

# apt-get update, retried while another apt holds the lists lock.
# Failures of unrelated third-party sources are tolerated as long as
# the Debian indexes are there afterwards.
apt_update() {
    local log="$OCIX_LOGS/apt-update.log" i
    for i in $(seq 1 60); do
        if "${APT[@]}" update >"$log" 2>&1; then break; fi
        grep -qiE 'could not get lock|unable to lock' "$log" || break
        sleep 10
    done
    if ! apt_indexes_ready; then
        echo "setup: Debian package indexes missing after apt-get update:" >&2
        tail -n 30 "$log" >&2
        return 1
    fi
}

# Update only when something is missing (or sources just changed) and
# the indexes are not fresh.
apt_update_if_needed() {
    local missing
    missing=$( (missing_pkgs "${BASE_PKGS[@]}" "${CROSS_PKGS[@]}"; missing_qemu) | wc -l)
    if ((APT_SOURCES_CHANGED == 0 && missing == 0)) && busybox_cached; then
        STEP_NOTE="skipped, nothing missing"
        return 0
    fi
    # Indexes fetched in the last 6 hours with every source present are
    # good enough to install from.
    if ((APT_SOURCES_CHANGED == 0)) &&
        [[ -n $(find /var/lib/apt/lists -maxdepth 1 -name '*_dists_bookworm-backports_InRelease' -mmin -360) ]] &&
        apt_indexes_ready; then
        STEP_NOTE="skipped, indexes fresh"
        return 0
    fi
    apt_update
    STEP_NOTE="updated"
}

apt_packages() {
    local missing
    mapfile -t missing < <(missing_pkgs "${BASE_PKGS[@]}" "${CROSS_PKGS[@]}")
    if ((${#missing[@]} == 0)); then
        STEP_NOTE="cached"
        return 0
    fi
    # --no-remove: never let a resolver decision remove installed
    # packages (git, the machine's own tools). Recommends stay on for
    # the cross compilers, whose C libraries are recommends.
    logged apt-install "${APT[@]}" install -y --no-remove "${missing[@]}"
    STEP_NOTE="installed ${#missing[@]}"
}

apt_qemu() {
    local missing
    mapfile -t missing < <(missing_qemu)
    if ((${#missing[@]} == 0)); then
        STEP_NOTE="cached, $(qemu-system-arm --version | head -n1 | awk '{print $4}')"
        return 0
    fi
    logged apt-qemu "${APT[@]}" install -y --no-remove --no-install-recommends \
        -t bookworm-backports "${missing[@]}"
    STEP_NOTE="installed ${#missing[@]}, $(qemu-system-arm --version | head -n1 | awk '{print $4}')"
}
