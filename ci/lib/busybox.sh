# shellcheck shell=bash
# Static busybox per Debian architecture, for example and test bundles:
#   $OCIX_CACHE/busybox/<debian-arch>/busybox
#   $OCIX_CACHE/busybox/<debian-arch>/version   (Debian package version)
# The host's own architecture is copied from /bin/busybox
# (busybox-static); the others are Debian's busybox-static:<arch> .debs,
# fetched with `apt-get download` and unpacked, never installed.
# Needs FOREIGN_ARCHS and APT from apt.sh.

BUSYBOX_CACHE="$OCIX_CACHE/busybox"

busybox_cached() {
    local a
    for a in "$(dpkg --print-architecture)" "${FOREIGN_ARCHS[@]}"; do
        [[ -x $BUSYBOX_CACHE/$a/busybox ]] || return 1
    done
}

# install_busybox SRC ARCH VERSION: put SRC in the cache atomically.
install_busybox() {
    local dir="$BUSYBOX_CACHE/$2"
    mkdir -p "$dir"
    install -m 0755 "$1" "$dir/busybox.tmp"
    mv -f "$dir/busybox.tmp" "$dir/busybox"
    echo "$3" >"$dir/version"
}

busybox_setup() {
    local host a tmp deb v fetched=() want=()
    host=$(dpkg --print-architecture)
    if ! cmp -s /bin/busybox "$BUSYBOX_CACHE/$host/busybox"; then
        install_busybox /bin/busybox "$host" "$(dpkg-query -W -f='${Version}' busybox-static)"
        fetched+=("$host")
    fi
    for a in "${FOREIGN_ARCHS[@]}"; do
        [[ -x $BUSYBOX_CACHE/$a/busybox ]] || want+=("busybox-static:$a")
    done
    if ((${#want[@]})); then
        mkdir -p "$OCIX_CACHE/tmp"
        tmp=$(mktemp -d "$OCIX_CACHE/tmp/busybox.XXXXXX")
        # apt-get download runs as root: let it write as root instead of
        # the _apt sandbox user, which cannot write to $tmp.
        (cd "$tmp" && logged busybox-download "${APT[@]}" \
            -o APT::Sandbox::User=root download "${want[@]}")
        for deb in "$tmp"/busybox-static_*.deb; do
            a=$(dpkg-deb -f "$deb" Architecture)
            v=$(dpkg-deb -f "$deb" Version)
            rm -rf "$tmp/x"
            dpkg-deb -x "$deb" "$tmp/x"
            install_busybox "$tmp/x/bin/busybox" "$a" "$v"
            fetched+=("$a")
        done
        rm -rf "$tmp"
    fi
    busybox_cached || { echo "setup: busybox cache incomplete in $BUSYBOX_CACHE" >&2; return 1; }
    if ((${#fetched[@]})); then
        STEP_NOTE="fetched ${fetched[*]}"
    else
        STEP_NOTE="cached"
    fi
}
