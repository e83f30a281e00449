#!/usr/bin/env bash
# Post-build steps of the QEMU lab machine (after common/post-build.sh). $1 is TARGET_DIR.
set -euo pipefail

TARGET_DIR="$1"
fstab="$TARGET_DIR/etc/fstab"

# Second partition of disk.img (genimage.cfg "data"): journal, state and logs.
line='/dev/vda2	/var/lib/yardline	ext4	rw,noatime,data=journal	0	2'
if ! grep -qF '/var/lib/yardline' "$fstab"; then
	echo "$line" >>"$fstab"
fi
chmod 0755 "$TARGET_DIR/etc/init.d/S40gpio-sim"
