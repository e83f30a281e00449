#!/usr/bin/env bash
# Checks this tree's defconfigs against a real Buildroot checkout. Kconfig
# silently drops unknown symbols and symbols whose dependencies are unmet, so
# every line of a defconfig must come out verbatim in the resulting .config.
# Parses Kconfig only: seconds, no downloads.
#
#   buildroot/check-defconfig.sh BUILDROOT_DIR [NAME_defconfig ...]
set -euo pipefail

if [ $# -lt 1 ] || [ ! -f "$1/Config.in" ]; then
	echo "usage: $0 BUILDROOT_DIR [NAME_defconfig ...]" >&2
	exit 2
fi
br="$(cd "$1" && pwd)"
shift
ext="$(cd "$(dirname "$0")" && pwd)"

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$ext"/configs/*_defconfig; do
		names+=("$(basename "$f")")
	done
fi

status=0
for name in "${names[@]}"; do
	out="$(mktemp -d)"
	make -s -C "$br" BR2_EXTERNAL="$ext" O="$out" "$name" >/dev/null
	dropped=0
	while IFS= read -r line || [ -n "$line" ]; do
		case "$line" in
		"" | "# BR2_"*" is not set") ;;
		"#"*) continue ;;
		esac
		[ -n "$line" ] || continue
		if ! grep -qxF -- "$line" "$out/.config"; then
			echo "$name: dropped by Kconfig: $line"
			dropped=1
		fi
	done <"$ext/configs/$name"
	rm -rf "$out"
	if [ "$dropped" -eq 0 ]; then
		echo "$name: every line kept"
	else
		status=1
	fi
done
exit "$status"
