#!/usr/bin/env bash
# Builds disk.img (root + data partitions) and writes start-qemu.sh next to it.
# Buildroot runs it from its own top directory with BINARIES_DIR set.
set -euo pipefail

BOARD_DIR="$(cd "$(dirname "$0")" && pwd)"
BINARIES_DIR="${BINARIES_DIR:-$1}"

for f in Image rootfs.ext4; do
	if [ ! -e "$BINARIES_DIR/$f" ]; then
		echo "post-image: $BINARIES_DIR/$f is missing" >&2
		exit 1
	fi
done

support/scripts/genimage.sh -c "$BOARD_DIR/genimage.cfg"

# QEMU from the host build (BR2_PACKAGE_HOST_QEMU_SYSTEM_MODE). The watchdog
# resets the machine like the bank's hardware watchdog resets the board; the
# guest's port 5060 and the SSH port are forwarded for the lab.
cat >"$BINARIES_DIR/start-qemu.sh" <<'SCRIPT'
#!/bin/sh
# Starts the Yardline lab machine. Extra arguments go to QEMU.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
qemu="${QEMU:-$here/../host/bin/qemu-system-aarch64}"
[ -x "$qemu" ] || qemu=qemu-system-aarch64
exec "$qemu" \
	-M virt -cpu cortex-a53 -smp 2 -m 1024 -nographic \
	-kernel "$here/Image" \
	-append "root=/dev/vda1 rootwait console=ttyAMA0 i6300esb.heartbeat=15" \
	-drive file="$here/disk.img",if=none,format=raw,id=hd0 \
	-device virtio-blk-device,drive=hd0 \
	-netdev user,id=eth0,hostfwd=tcp::2222-:22,hostfwd=udp::5062-:5060 \
	-device virtio-net-device,netdev=eth0 \
	-device i6300esb -action watchdog=reset \
	-audiodev none,id=snd0 -device intel-hda -device hda-duplex,audiodev=snd0 \
	"$@"
SCRIPT
chmod +x "$BINARIES_DIR/start-qemu.sh"
