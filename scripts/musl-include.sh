#!/bin/sh
# SPDX-License-Identifier: MIT
# Make an include directory for musl-gcc holding only the kernel UAPI,
# libfdt, liblzma and zlib headers (all of /usr/include would pull glibc headers into musl).
set -eu
out=$1
triplet=$2
mkdir -p "$out"
ln -sfn /usr/include/linux "$out/linux"
ln -sfn "/usr/include/$triplet/asm" "$out/asm"
ln -sfn /usr/include/asm-generic "$out/asm-generic"
ln -sfn /usr/include/video "$out/video" # asm/bootparam.h wants video/edid.h
for h in libfdt.h libfdt_env.h fdt.h lzma.h lzma zlib.h zconf.h; do
	if [ -e "/usr/include/$h" ]; then
		ln -sfn "/usr/include/$h" "$out/$h"
	fi
done
