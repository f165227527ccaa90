#!/usr/bin/env bash
# Fill ${OCIX_CACHE:-/var/cache/ocix}/elf/ with real ELF binaries for the
# arch-matrix integration tests:
#   busybox-ARCH         Debian's busybox-static (static, no PT_INTERP)
#   hello-TAG            tiny C programs from Debian's cross compilers
#                        (dynamic, with PT_INTERP, unless noted)
#   neon-declared        static ARMv7 program using NEON, which its build
#                        attributes declare
#   neon-hidden          static ARMv6/VFPv2 program (so say its attributes)
#                        that executes one NEON instruction, then prints
#                        "survived"
# Idempotent: every output that exists is kept, so a warm run does nothing
# but a few stat calls. Needs root (dpkg --add-architecture, apt-get).
set -euo pipefail

cache="${OCIX_CACHE:-/var/cache/ocix}/elf"
mkdir -p "$cache"

apt_lock=(-o DPkg::Lock::Timeout=600)
updated=0

log() { printf 'fixtures-elf: %s\n' "$*" >&2; }

# apt-get update may race another script (its list lock has no timeout
# option on every apt version): retry while the lock is held. A partial
# failure (one mirror mid-sync) is not fatal: the download that needs the
# list fails later with a clear message if the list is really missing.
apt_update() {
	[ "$updated" = 1 ] && return 0
	local try err
	for try in $(seq 1 60); do
		if err=$(apt-get "${apt_lock[@]}" update -qq 2>&1); then
			updated=1
			return 0
		fi
		if ! grep -qi 'lock' <<<"$err"; then
			log "apt-get update reported errors, going on:"
			printf '%s\n' "$err" | grep '^E:' | head -5 >&2 || true
			updated=1
			return 0
		fi
		log "apt lists locked (try $try), retrying in 10s"
		sleep 10
	done
	return 1
}

# --- (a) Debian busybox-static per architecture -----------------------------
busybox_arches=(arm64 armhf armel ppc64el mips64el mipsel i386 s390x)

busybox_fetch() {
	local arch=$1 out="$cache/busybox-$1" tmp
	[ -s "$out" ] && return 0
	if ! dpkg --print-foreign-architectures | grep -qx "$arch" &&
		[ "$(dpkg --print-architecture)" != "$arch" ]; then
		dpkg --add-architecture "$arch"
		updated=0
	fi
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" RETURN
	if ! (cd "$tmp" && apt-get download -qq "busybox-static:$arch" 2>/dev/null); then
		apt_update
		(cd "$tmp" && apt-get download -qq "busybox-static:$arch")
	fi
	dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/x"
	cp "$tmp/x/bin/busybox" "$out.part"
	mv "$out.part" "$out"
	log "made $out"
}

for arch in "${busybox_arches[@]}"; do
	if [ "$arch" = s390x ]; then
		busybox_fetch "$arch" || log "SKIP busybox-s390x: not available"
	else
		busybox_fetch "$arch"
	fi
done

# --- (b) cross-compiled test programs ---------------------------------------
# name | Debian package | compiler | flags
# Names are what the tests look for; keep them in sync with
# arch-matrix/tests/elf_fixtures.rs.
cross=(
	"hello-armv5te-soft|gcc-arm-linux-gnueabi|arm-linux-gnueabi-gcc|-march=armv5te -marm -mfloat-abi=soft"
	"hello-armv7a-hf-neon|gcc-arm-linux-gnueabihf|arm-linux-gnueabihf-gcc|-march=armv7-a -mfpu=neon -mfloat-abi=hard"
	"hello-aarch64|gcc-aarch64-linux-gnu|aarch64-linux-gnu-gcc|"
	"hello-ppc64-elfv1|gcc-powerpc64-linux-gnu|powerpc64-linux-gnu-gcc|"
	"hello-ppc64le-elfv2|gcc-powerpc64le-linux-gnu|powerpc64le-linux-gnu-gcc|"
	"hello-mips-o32|gcc-mips-linux-gnu|mips-linux-gnu-gcc|"
	"hello-mipsel-o32|gcc-mipsel-linux-gnu|mipsel-linux-gnu-gcc|"
	"hello-mips64el-n64|gcc-mips64el-linux-gnuabi64|mips64el-linux-gnuabi64-gcc|"
)
# Freestanding ones: no libc exists for these ABIs here, so link a bare
# _start (static, no PT_INTERP).
bare=(
	"bare-mips64el-n32|gcc-mips64el-linux-gnuabi64|mips64el-linux-gnuabi64-gcc|-mabi=n32"
	"bare-x32|gcc|gcc|-mx32"
)
# name | Debian package | compiler | flags | source, for the emulate tests
# (runtime/tests/emulate_be.rs): preflight must refuse neon-declared for
# an ARMv6 tune, and neon-hidden must die of SIGILL under an ARMv6 CPU
# model. neon-hidden has no libc: Debian's armhf libc.a is ARMv7 with
# NEON, which would both change the attributes and trap before main.
neon=(
	"neon-declared|gcc-arm-linux-gnueabihf|arm-linux-gnueabihf-gcc|-march=armv7-a -mfpu=neon -mfloat-abi=hard -marm -static|neon-declared.c"
	"neon-hidden|gcc-arm-linux-gnueabihf|arm-linux-gnueabihf-gcc|-march=armv6 -mfpu=vfp -mfloat-abi=hard -marm -ffreestanding -nostdlib -static -Wl,-e,_start|neon-hidden.c"
)

need=()
for spec in "${cross[@]}" "${bare[@]}" "${neon[@]}"; do
	IFS='|' read -r name pkg cc _ <<<"$spec"
	[ -s "$cache/$name" ] && continue
	command -v "$cc" >/dev/null || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
	mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
	log "installing ${need[*]}"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_lock[@]}" \
		--no-install-recommends "${need[@]}"; then
		apt_update
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_lock[@]}" \
			--no-install-recommends "${need[@]}"
	fi
fi

src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
cat >"$src/hello.c" <<'EOF'
#include <stdio.h>
int main(void) { puts("hello"); return 0; }
EOF
cat >"$src/bare.c" <<'EOF'
void _start(void) { for (;;) { } }
EOF
cat >"$src/neon-declared.c" <<'EOF'
#include <arm_neon.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	(void)argv;
	float32x4_t v = vdupq_n_f32((float)argc);
	v = vaddq_f32(v, v);
	printf("neon-declared: %g\n", (double)vgetq_lane_f32(v, 0));
	return 0;
}
EOF
cat >"$src/neon-hidden.c" <<'EOF'
/* Raw EABI syscalls: r7 = number, svc #0. */
static long sys3(long nr, long a, long b, long c)
{
	register long r7 __asm__("r7") = nr;
	register long r0 __asm__("r0") = a;
	register long r1 __asm__("r1") = b;
	register long r2 __asm__("r2") = c;
	__asm__ volatile("svc #0" : "+r"(r0) : "r"(r7), "r"(r1), "r"(r2) : "memory");
	return r0;
}
static void say(const char *s)
{
	long n = 0;
	while (s[n])
		n++;
	sys3(4 /* write */, 1, (long)s, n);
}
void __attribute__((noreturn)) _start(void)
{
	say("neon-hidden: executing vadd.f32 q0, q0, q0\n");
	/* vadd.f32 q0, q0, q0: NEON data processing, ARM encoding. .inst
	 * keeps it out of the build attributes. */
	__asm__ volatile(".inst 0xf2000d40" ::: "q0");
	say("survived\n");
	sys3(248 /* exit_group */, 0, 0, 0);
	for (;;)
		;
}
EOF

for spec in "${cross[@]}"; do
	IFS='|' read -r name _ cc flags <<<"$spec"
	out="$cache/$name"
	[ -s "$out" ] && continue
	# shellcheck disable=SC2086
	"$cc" -O2 $flags -o "$out.part" "$src/hello.c"
	mv "$out.part" "$out"
	log "made $out"
done
for spec in "${bare[@]}"; do
	IFS='|' read -r name _ cc flags <<<"$spec"
	out="$cache/$name"
	[ -s "$out" ] && continue
	# shellcheck disable=SC2086
	if "$cc" -O2 $flags -ffreestanding -nostdlib -static -Wl,-e,_start \
		-o "$out.part" "$src/bare.c"; then
		mv "$out.part" "$out"
		log "made $out"
	else
		rm -f "$out.part"
		log "SKIP $name: $cc $flags cannot link here"
	fi
done
for spec in "${neon[@]}"; do
	IFS='|' read -r name _ cc flags file <<<"$spec"
	out="$cache/$name"
	[ -s "$out" ] && continue
	# shellcheck disable=SC2086
	"$cc" -O2 $flags -o "$out.part" "$src/$file"
	mv "$out.part" "$out"
	log "made $out"
done

log "ready: $cache"
