#!/usr/bin/env bash
# Post-build steps of the 8-handset bank (after common/post-build.sh). $1 is TARGET_DIR.
set -euo pipefail

TARGET_DIR="$1"
fstab="$TARGET_DIR/etc/fstab"

# Third SD card partition (genimage.cfg "data"): journal, state and logs. The
# root filesystem is mounted read-only (cmdline.txt), so everything the
# firmware writes goes here; data=journal keeps the offline call journal
# consistent across power loss.
line='/dev/mmcblk0p3	/var/lib/yardline	ext4	rw,noatime,data=journal	0	2'
if ! grep -qF '/var/lib/yardline' "$fstab"; then
	echo "$line" >>"$fstab"
fi
