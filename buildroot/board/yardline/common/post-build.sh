#!/usr/bin/env bash
# Post-build steps shared by every Yardline board. Buildroot runs it after the
# target tree is assembled and before the filesystem images; $1 is TARGET_DIR.
set -euo pipefail

TARGET_DIR="$1"

# init supervises the firmware: a respawn entry restarts it whenever it exits.
inittab="$TARGET_DIR/etc/inittab"
respawn='::respawn:/usr/sbin/yardline-firmware'
if [ ! -f "$inittab" ]; then
	echo "post-build: $inittab is missing; the image must use BusyBox init" >&2
	exit 1
fi
if ! grep -qxF "$respawn" "$inittab"; then
	printf '\n# Yardline firmware, restarted by init whenever it exits\n%s\n' "$respawn" >>"$inittab"
fi

# The firmware package must have installed node, the sources and node_modules.
for f in usr/bin/node opt/yardline/package.json opt/yardline/node_modules; do
	if [ ! -e "$TARGET_DIR/$f" ]; then
		echo "post-build: /$f is missing from the target (BR2_PACKAGE_YARDLINE_FIRMWARE?)" >&2
		exit 1
	fi
done

# Mount point of the data partition (journal, logs), mounted by each board's fstab line.
mkdir -p "$TARGET_DIR/var/lib/yardline"
chmod 0755 "$TARGET_DIR/usr/sbin/yardline-firmware" "$TARGET_DIR/etc/init.d/S95yardline-firmware"

# Which build this is, for support and for the controller's inventory.
version="$(cat "$TARGET_DIR/opt/yardline/VERSION" 2>/dev/null || echo unknown)"
# SOURCE_DATE_EPOCH is set by Buildroot for reproducible builds (BR2_REPRODUCIBLE).
built="$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%dT%H:%M:%SZ)"
printf 'YARDLINE_VERSION=%s\nYARDLINE_BUILT=%s\n' "$version" "$built" \
	>"$TARGET_DIR/etc/yardline-release"
