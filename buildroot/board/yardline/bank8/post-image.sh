#!/usr/bin/env bash
# Builds the SD card image of the 8-handset bank from genimage.cfg. Buildroot
# runs it from its own top directory with BINARIES_DIR set; $1 is BINARIES_DIR.
set -euo pipefail

BOARD_DIR="$(cd "$(dirname "$0")" && pwd)"
BINARIES_DIR="${BINARIES_DIR:-$1}"

# The Pi firmware reads these from the boot partition; rpi-firmware installs
# them from BR2_PACKAGE_RPI_FIRMWARE_{CONFIG,CMDLINE}_FILE.
for f in rpi-firmware/config.txt rpi-firmware/cmdline.txt Image bcm2711-rpi-4-b.dtb; do
	if [ ! -e "$BINARIES_DIR/$f" ]; then
		echo "post-image: $BINARIES_DIR/$f is missing" >&2
		exit 1
	fi
done
if ! grep -q 'bcm2835_wdt.heartbeat=' "$BINARIES_DIR/rpi-firmware/cmdline.txt"; then
	echo "post-image: cmdline.txt sets no watchdog timeout" >&2
	exit 1
fi

exec support/scripts/genimage.sh -c "$BOARD_DIR/genimage.cfg"
