#!/bin/sh
# Installs the Debian packages Mica needs to build and test (when run as root),
# or prints the one apt-get line to run. Idempotent; instant when all is present.
set -e

PKGS="gcc make binutils libc6-dev gnu-efi libxen-dev libcmocka-dev pkg-config \
qemu-system-x86 ovmf bochs bochsbios vgabios bochs-term \
grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools dosfstools gdisk bsdutils \
python3 clang-format console-setup-linux newlib-source cpio"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
	echo "deps.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || true
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	echo "deps.sh: done"
else
	echo "deps.sh: missing Debian packages. Run:"
	echo "  sudo apt-get install$missing"
	exit 1
fi
