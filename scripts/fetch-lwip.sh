#!/bin/sh
# Fetches lwIP's source (Debian's source package) and unpacks it into DEST.
#   scripts/fetch-lwip.sh DEST [CACHE]
# CACHE (default: DEST's parent/lwip-dl) keeps the downloaded files, so that a fresh DEST
# unpacks again without the network. Idempotent: nothing happens when DEST is complete.
# Source packages need deb-src entries in apt's sources; as root this script adds them the way
# shared/harness/README.md describes (a deb-src copy of debian.sources); otherwise it says how.
# LWIP_ORIG=/path/to/lwip_*.orig.tar.xz skips apt altogether.
set -e

die() {
	echo "fetch-lwip.sh: $*" >&2
	exit 1
}

[ $# -ge 1 ] || die "usage: $0 DEST [CACHE]"
DEST=$1
CACHE=${2:-$(dirname "$DEST")/lwip-dl}

# Already unpacked: the files the port builds are there.
if [ -f "$DEST/src/core/init.c" ] && [ -f "$DEST/src/include/lwip/init.h" ]; then
	exit 0
fi

find_orig() {
	ls "$CACHE"/lwip_*.orig.tar.* 2>/dev/null | head -n 1
}

# Adds deb-src entries mirroring the deb ones (deb822 or one-line format); root only.
enable_deb_src() {
	if [ "$(id -u)" != 0 ]; then
		die "apt has no source package for lwip (no deb-src entries). As root run:
  sed 's/^Types: deb\$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > /etc/apt/sources.list.d/source-packages.sources
  apt-get update
or set LWIP_ORIG to a downloaded lwip_*.orig.tar.xz"
	fi
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		echo "fetch-lwip.sh: enabling deb-src (/etc/apt/sources.list.d/source-packages.sources)"
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
			>/etc/apt/sources.list.d/source-packages.sources
	elif [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list; then
		echo "fetch-lwip.sh: enabling deb-src (/etc/apt/sources.list.d/source-packages.list)"
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >/etc/apt/sources.list.d/source-packages.list
	else
		die "no apt sources found to derive deb-src entries from"
	fi
	apt-get update -qq || die "apt-get update failed"
}

ORIG=${LWIP_ORIG:-$(find_orig)}
if [ -z "$ORIG" ]; then
	command -v apt-get >/dev/null || die "apt-get not found: set LWIP_ORIG to an lwip_*.orig.tar.xz"
	if ! apt-cache showsrc lwip 2>/dev/null | grep -q '^Package: lwip'; then
		enable_deb_src
		apt-cache showsrc lwip 2>/dev/null | grep -q '^Package: lwip' ||
			die "apt still knows no source package lwip after enabling deb-src"
	fi
	mkdir -p "$CACHE"
	echo "fetch-lwip.sh: apt-get source --download-only lwip (into $CACHE)"
	(cd "$CACHE" && apt-get source -qq --download-only lwip) || die "apt-get source lwip failed"
	ORIG=$(find_orig)
	[ -n "$ORIG" ] || die "apt-get source left no lwip_*.orig.tar.* in $CACHE"
fi
[ -f "$ORIG" ] || die "$ORIG: no such file"

# Unpack into a scratch directory first, so an interrupted run never leaves a half-filled DEST.
TMP=$DEST.tmp.$$
rm -rf "$TMP"
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT
tar -xf "$ORIG" -C "$TMP" --strip-components=1 || die "cannot unpack $ORIG"
[ -f "$TMP/src/core/init.c" ] || die "$ORIG does not look like lwIP's source"
rm -rf "$DEST"
mv "$TMP" "$DEST"
trap - EXIT
echo "fetch-lwip.sh: lwIP $(basename "$ORIG") in $DEST"
