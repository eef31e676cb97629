#!/bin/bash
# mkusb.sh ESP_DIR IMAGE: a GPT disk image with one EFI system partition holding ESP_DIR.
# Write it to a USB stick with: dd if=IMAGE of=/dev/sdX bs=4M conv=fsync
set -euo pipefail
esp=$1 img=$2
size_mb=64
rm -f "$img"
truncate -s ${size_mb}M "$img"
sgdisk -o -n 1:2048:0 -t 1:ef00 -c 1:"Mica ESP" "$img" >/dev/null
# Partition 1 starts at sector 2048 (1 MiB); mtools addresses it with @@offset.
part="$img@@1M"
mformat -i "$part" -F -v MICA-ESP -T $(((size_mb - 2) * 2048)) -h 64 -s 32 ::
mcopy -s -i "$part" "$esp"/EFI ::/
