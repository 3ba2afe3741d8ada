#!/bin/sh
# SPDX-License-Identifier: MIT
# Make an include directory for musl-gcc holding only the kernel UAPI and
# libfdt headers (all of /usr/include would pull glibc headers into musl).
set -eu
out=$1
triplet=$2
mkdir -p "$out"
ln -sfn /usr/include/linux "$out/linux"
ln -sfn "/usr/include/$triplet/asm" "$out/asm"
ln -sfn /usr/include/asm-generic "$out/asm-generic"
ln -sfn /usr/include/video "$out/video" # asm/bootparam.h wants video/edid.h
for h in libfdt.h libfdt_env.h fdt.h; do
	ln -sfn "/usr/include/$h" "$out/$h"
done
