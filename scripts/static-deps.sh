#!/usr/bin/env bash
# static-deps.sh - builds the Lambda handler's libraries (OpenSSL, libcurl,
# cJSON) as static archives for musl, from Debian's own source packages, so
# the handler can be one static `bootstrap` with no loader, no lib/ and no NSS.
#
#   scripts/static-deps.sh OUTDIR [ARCH]
#
# ARCH is x86_64 or aarch64; default: this machine's, built with musl-gcc.
# aarch64 on x86_64 is cross-compiled with Debian's aarch64-linux-gnu-gcc
# through musl-dev:arm64's aarch64-linux-musl-gcc (scripts/deps.d/arm64.sh
# installs both).
# Writes OUTDIR/{include,lib,licenses}, OUTDIR/versions.txt and OUTDIR/.stamp.
# The stamp holds the pinned source versions and this script's checksum: when
# they match, nothing is rebuilt. Build trees share OUTDIR (the default is the
# user's cache, see cmake/static-bootstrap.cmake): a lock makes a second
# build wait for the first instead of building the same thing again.
#
# Security upkeep: when Debian publishes a new openssl/curl/cjson for bookworm,
# bump the version below (`apt-cache showsrc openssl | grep ^Version`), rebuild,
# and check `bootstrap --version`. A pinned version the mirror no longer has is
# an error, never a silent fallback to another version.
set -euo pipefail

OPENSSL_VERSION="3.0.20-1~deb12u2"
CURL_VERSION="7.88.1-10+deb12u15"
CJSON_VERSION="1.7.15-1+deb12u4"
# Debian's curl source builds three flavours; these turn it into the GnuTLS
# and NSS ones, so the OpenSSL flavour leaves them out.
CURL_FLAVOUR_PATCHES="90_gnutls.patch 99_nss.patch"

die() { echo "static-deps: $*" >&2; exit 1; }
[ $# -eq 1 ] || [ $# -eq 2 ] || die "usage: $0 OUTDIR [x86_64|aarch64]"
OUT=$1
ARCH=${2:-$(uname -m)}
# The compiler, binutils, Debian architecture and OpenSSL target of ARCH.
case "$ARCH" in
x86_64) DEB_ARCH=amd64 ;;
aarch64) DEB_ARCH=arm64 ;;
*) die "architecture $ARCH: only x86_64 and aarch64 are built" ;;
esac
OPENSSL_TARGET=linux-$ARCH
if [ "$ARCH" = "$(uname -m)" ]; then
	CC=musl-gcc AR=ar RANLIB=ranlib CROSS_HOST="" CROSS_LDFLAGS=""
	HINT="apt-get install musl-tools; scripts/deps.sh does"
elif [ "$ARCH" = aarch64 ] && [ "$(uname -m)" = x86_64 ]; then
	CC=aarch64-linux-musl-gcc AR=aarch64-linux-gnu-ar RANLIB=aarch64-linux-gnu-ranlib
	CROSS_HOST=aarch64-linux-musl
	# curl's configure links its tests dynamically by default; musl's
	# libc.so hides __getauxval, which libgcc's outline atomics (on by
	# default for aarch64) need, so every test would fail. The handler is
	# linked statically anyway: link the tests the same way.
	CROSS_LDFLAGS=-static
	HINT="bash scripts/deps.d/arm64.sh installs gcc-aarch64-linux-gnu and musl-dev:arm64"
else
	die "no cross build from $(uname -m) to $ARCH is set up"
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"

command -v "$CC" >/dev/null || die "$CC not found ($HINT)"
command -v "$AR" >/dev/null || die "$AR not found ($HINT)"
command -v dpkg-source >/dev/null || die "dpkg-source not found (apt-get install dpkg-dev)"
command -v autoreconf >/dev/null || die "autoreconf not found (apt-get install autoconf automake libtool)"
MUSL_VERSION=$(dpkg-query -W -f='${Version}' "musl-dev:$DEB_ARCH" 2>/dev/null) || die "musl-dev:$DEB_ARCH is not installed ($HINT)"
MULTIARCH=$ARCH-linux-gnu
KEY="arch=$ARCH openssl=$OPENSSL_VERSION curl=$CURL_VERSION cjson=$CJSON_VERSION musl=$MUSL_VERSION $(sha256sum "$SELF" | cut -c1-16)"
exec 9>"$OUT.lock"
if ! flock -n 9; then
	echo "static-deps: waiting for another build of $OUT"
	flock 9
fi
if [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$KEY" ]; then
	touch "$OUT/.stamp"  # newer than the script: make stops asking
	exit 0
fi
rm -rf "$OUT/include" "$OUT/lib" "$OUT/licenses" "$OUT/work" "$OUT/.stamp"
WORK=$OUT/work
SRC=$OUT/../sources   # the downloads, shared by every architecture
mkdir -p "$WORK" "$SRC"
JOBS=$(nproc)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# `apt-get source` needs deb-src entries: add them for the same URIs and
# suites as the deb ones (Debian 12 images ship deb only). Idempotent.
ensure_deb_src() {
	local list=/etc/apt/sources.list.d/ivsvc-deb-src.sources
	if grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 0
	fi
	[ -f /etc/apt/sources.list.d/debian.sources ] ||
		die "no deb-src entry and no /etc/apt/sources.list.d/debian.sources to derive one from"
	echo "static-deps: adding $list (deb-src for the deb entries)"
	sed 's/^Types: *deb *$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | $SUDO tee "$list" >/dev/null
	$SUDO apt-get update -qq
}

# Downloads and unpacks PACKAGE=VERSION into DIR (quilt patches applied by
# us, minus any named in SKIP). Missing on the mirror: a clear error.
fetch_source() {
	local pkg=$1 ver=$2 dir=$3 skip=${4:-}
	local dsc="$SRC/${pkg}_${ver#*:}.dsc"
	if [ ! -f "$dsc" ]; then
		if ! apt-cache showsrc "$pkg" 2>/dev/null | grep -qx "Version: $ver"; then
			$SUDO apt-get update -qq || true
		fi
		(cd "$SRC" && apt-get source -qq --download-only "$pkg=$ver" >/dev/null 2>"$WORK/$pkg-fetch.log") ||
			die "source package $pkg $ver is not on the mirror (see $WORK/$pkg-fetch.log); available: $(apt-cache showsrc "$pkg" | sed -n 's/^Version: //p' | tr '\n' ' ')- bump the pin in scripts/static-deps.sh"
	fi
	rm -rf "$dir"
	dpkg-source --skip-patches -x "$dsc" "$dir" >/dev/null 2>&1 || die "cannot unpack $dsc"
	local series="$dir/debian/patches/series" p
	for p in $skip; do
		grep -qx "$p" "$series" || die "$pkg $ver: expected $p in debian/patches/series (Debian's packaging changed)"
	done
	if [ -f "$series" ]; then
		while read -r p _; do
			case "$p" in ''|'#'*) continue ;; esac
			case " $skip " in *" $p "*) continue ;; esac
			patch -d "$dir" -p1 -s -N <"$dir/debian/patches/$p" || die "$pkg: patch $p does not apply"
		done <"$series"
	fi
}

ensure_deb_src

# musl-gcc sees only musl's headers; OpenSSL needs the kernel's (linux/, asm/).
# A directory of links inside the source tree, named relatively: OpenSSL
# records its compiler flags in the library (`OpenSSL_version(OPENSSL_CFLAGS)`),
# so no flag may name the build directory. (Its make compiles by relative
# paths, so __FILE__ names none either.)
kernel_headers() {
	mkdir -p "$1/musl-kinc"
	ln -sfn /usr/include/linux "$1/musl-kinc/linux"
	ln -sfn /usr/include/asm-generic "$1/musl-kinc/asm-generic"
	ln -sfn "/usr/include/$MULTIARCH/asm" "$1/musl-kinc/asm"
	[ -e "$1/musl-kinc/asm/types.h" ] || die "kernel headers missing (apt-get install linux-libc-dev:$DEB_ARCH)"
}

# The sources' own date for __DATE__ and OpenSSL's "built on".
source_epoch() { dpkg-parsechangelog -l "$1/debian/changelog" -STimestamp; }

CFLAGS_COMMON="-Os -ffunction-sections -fdata-sections"
mkdir -p "$OUT/lib" "$OUT/include" "$OUT/licenses"

# --- OpenSSL: TLS 1.2/1.3 with what AWS endpoints negotiate (AES-GCM,
# ChaCha20, ECDHE/RSA/ECDSA, SHA-2); no config file is ever loaded
# (no-autoload-config); default certificate paths are Amazon Linux's.
build_openssl() {
	local d=$WORK/openssl
	fetch_source openssl "$OPENSSL_VERSION" "$d"
	kernel_headers "$d"
	(cd "$d" && SOURCE_DATE_EPOCH=$(source_epoch "$d") && export SOURCE_DATE_EPOCH &&
		CC="$CC" AR="$AR" RANLIB="$RANLIB" CFLAGS="$CFLAGS_COMMON -Imusl-kinc" \
		./Configure "$OPENSSL_TARGET" --prefix=/ivsvc-static --libdir=lib --openssldir=/etc/pki/tls \
		no-shared no-module no-engine no-dso no-tests no-legacy no-autoload-config \
		no-ssl3 no-tls1 no-tls1_1 no-dtls no-comp no-async no-ui-console no-ssl-trace \
		no-weak-ssl-ciphers no-nextprotoneg no-srp no-srtp no-sctp no-psk no-gost \
		no-aria no-bf no-blake2 no-camellia no-cast no-des no-dsa no-idea no-md4 no-mdc2 \
		no-ocb no-rc2 no-rc4 no-rc5 no-rmd160 no-scrypt no-seed no-siphash no-siv \
		no-sm2 no-sm3 no-sm4 no-whirlpool no-cms no-ts no-ec2m no-padlockeng \
		no-afalgeng no-capieng >"$WORK/openssl-configure.log" 2>&1 &&
		make -j"$JOBS" build_libs >"$WORK/openssl-build.log" 2>&1 &&
		make install_dev DESTDIR="$WORK/stage" >"$WORK/openssl-install.log" 2>&1) ||
		die "OpenSSL build failed (logs in $WORK/openssl-*.log)"
	# Installed under a fixed prefix (it names the engines and modules
	# directories compiled into libcrypto: none are used, but the build
	# directory must not show in the package), then moved here.
	cp -a "$WORK/stage/ivsvc-static/include/." "$OUT/include/"
	cp -a "$WORK/stage/ivsvc-static/lib/." "$OUT/lib/"
	sed -i "s|^prefix=.*|prefix=$OUT|" "$OUT"/lib/pkgconfig/*.pc
	cp "$d/LICENSE.txt" "$OUT/licenses/openssl.txt"
}

# --- libcurl: HTTP/1.1 and HTTPS over OpenSSL, nothing else.
build_curl() {
	local d=$WORK/curl
	fetch_source curl "$CURL_VERSION" "$d" "$CURL_FLAVOUR_PATCHES"
	(cd "$d" && SOURCE_DATE_EPOCH=$(source_epoch "$d") && export SOURCE_DATE_EPOCH &&
		autoreconf -fi >"$WORK/curl-autoreconf.log" 2>&1 &&
		CC="$CC" AR="$AR" RANLIB="$RANLIB" CFLAGS="$CFLAGS_COMMON -ffile-prefix-map=$d=curl" \
		LDFLAGS="$CROSS_LDFLAGS" \
		PKG_CONFIG_LIBDIR="$OUT/lib/pkgconfig" PKG_CONFIG_PATH="" \
		./configure ${CROSS_HOST:+--host=$CROSS_HOST} --prefix="$OUT" --libdir="$OUT/lib" --disable-shared --enable-static \
		--with-openssl="$OUT" --disable-openssl-auto-load-config \
		--with-ca-bundle=/etc/pki/tls/certs/ca-bundle.crt --without-ca-path \
		--enable-http --disable-ftp --disable-file --disable-ldap --disable-ldaps \
		--disable-rtsp --disable-dict --disable-telnet --disable-tftp --disable-pop3 \
		--disable-imap --disable-smb --disable-smtp --disable-gopher --disable-mqtt \
		--disable-manual --disable-ntlm --disable-ntlm-wb --disable-kerberos-auth \
		--disable-negotiate-auth --disable-sspi --disable-tls-srp --disable-alt-svc \
		--disable-hsts --disable-doh --disable-netrc --disable-cookies --disable-mime \
		--disable-aws --disable-dependency-tracking --enable-threaded-resolver \
		--without-zlib --without-brotli --without-zstd --without-libpsl \
		--without-nghttp2 --without-ngtcp2 --without-nghttp3 --without-quiche \
		--without-libidn2 --without-librtmp --without-libssh2 --without-libssh \
		--without-gssapi --without-libgsasl --without-hyper --without-msh3 \
		>"$WORK/curl-configure.log" 2>&1 &&
		make -j"$JOBS" -C lib >"$WORK/curl-build.log" 2>&1 &&
		make -C lib install >"$WORK/curl-install.log" 2>&1 &&
		make -C include install >>"$WORK/curl-install.log" 2>&1) ||
		die "libcurl build failed (logs in $WORK/curl-*.log)"
	cp "$d/COPYING" "$OUT/licenses/curl.txt"
}

# --- cJSON: one file; libcjson-dev ships no static library.
build_cjson() {
	local d=$WORK/cjson
	fetch_source cjson "$CJSON_VERSION" "$d"
	(cd "$d" && "$CC" $CFLAGS_COMMON -std=c89 -ffile-prefix-map="$d"=cjson -c cJSON.c -o cJSON.o &&
		"$AR" rcsD "$OUT/lib/libcjson.a" cJSON.o) || die "cJSON build failed"
	mkdir -p "$OUT/include/cjson"
	cp "$d/cJSON.h" "$OUT/include/cjson/cJSON.h"
	cp "$d/LICENSE" "$OUT/licenses/cjson.txt"
}

build_openssl
build_curl
build_cjson
cp /usr/share/doc/musl-dev/copyright "$OUT/licenses/musl.txt" ||
	die "musl's licence text (/usr/share/doc/musl-dev/copyright) is missing"
printf 'curl %s\nopenssl %s\ncjson %s\nmusl %s\n' "$CURL_VERSION" "$OPENSSL_VERSION" \
	"$CJSON_VERSION" "$MUSL_VERSION" >"$OUT/versions.txt"
rm -rf "$WORK"
echo "$KEY" >"$OUT/.stamp"
echo "static-deps: built in $OUT ($KEY)"
