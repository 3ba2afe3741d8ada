# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# The kvm suite's tiny guests on arm64: ferry (static aarch64) boots each
# in the arm64 L1 (real KVM, GICv3, PSCI) and checks status and output.
# lab-arch: arm64
# lab-timeout: 300
# shellcheck source=tests/lab/lib.sh
. "$LAB_REPO/tests/lab/lib.sh"
CHECK_TIMEOUT=60
G=$LAB_BUILD/guest
check "demo" 0 "Hello from ferry's built-in guest: 1 vCPU" "$FERRY" run
check "hello" 1 "^PASS: command line: 'a b expect=a,b' \(expected" \
	"$FERRY" run --kernel "$G/hello.elf" --cmdline "a b expect=a,b"
check "hello: device tree" 1 "^PASS: memory node describes RAM at 80000000" \
	"$FERRY" run --kernel "$G/hello.elf"
check "guest-failure" 3 "SUMMARY: 7 tests, 1 unexpected failures" \
	"$FERRY" run --kernel "$G/hello.elf" --cmdline "fail=1 expect=fail=1"
check "smp-1" 1 "^PASS: all 1 vCPUs checked in" \
	"$FERRY" run --kernel "$G/smp.elf" --cmdline cpus=1
check "smp-2 (PSCI CPU_ON)" 1 "^PASS: every vCPU sees its index as its hardware ID" \
	"$FERRY" run --kernel "$G/smp.elf" --cpus 2 --cmdline cpus=2
check "smp-4 (PSCI CPU_ON)" 1 "^PASS: all 4 vCPUs checked in" \
	"$FERRY" run --kernel "$G/smp.elf" --cpus 4 --cmdline cpus=4
check "exits" 1 "^exits: pio=1000 mmio=1000 wmmio=0" \
	"$FERRY" run --kernel "$G/exits.elf"
# SIGTERM: status 12, and -v says where each vCPU was (pc, EL, state).
check "SIGTERM: status 12 and where each vCPU stopped" 0 "^PASS$" \
	sh "$LAB_REPO/tests/kvm/sigterm.sh" "$FERRY" "$G/exits.elf"
# --stats: the exit census counts every exit of the guest, by page.
check "exits: --stats counts each MMIO exit, by page" 0 "^PASS$" \
	sh "$LAB_REPO/tests/kvm/exits.sh" "$FERRY" "$G/exits.elf" arm64
# --viommu: ferry's virtio-pci transport and virtio-iommu, MSI-X through
# the ITS (routes with the requester ID), then a hostile ring.
CHECK_TIMEOUT=120
check_each "virtio-iommu (--viommu): transport, MSI-X via the ITS, a hostile ring" 1 \
	"^SUMMARY: 25 tests, 0 unexpected failures
^ferry: warning: virtio-iommu: the driver broke queue 0; the device needs a reset$" \
	"$FERRY" run --viommu --kernel "$G/virtio.elf"
CHECK_TIMEOUT=60
check "debug-exit-byte" 133 "guest wrote 0x42 to the debug-exit port" \
	"$FERRY" run -v --kernel "$G/debug-exit.elf" --cmdline "value=0x42 width=1"
check "debug-exit-word" 105 "guest wrote 0x1234 to the debug-exit port" \
	"$FERRY" run -v --kernel "$G/debug-exit.elf" --cmdline "value=0x1234 width=2"
check "debug-exit-dword" 241 "guest wrote 0x12345678 to the debug-exit port" \
	"$FERRY" run -v --kernel "$G/debug-exit.elf" --cmdline "value=0x12345678 width=4"
# shellcheck disable=SC2016 # expanded by the inner shell
check "stdin-not-a-terminal" 1 "^PASS: no input in 50000 polls" \
	sh -c 'printf "typed\r" | exec "$0" run --kernel "$1" --cmdline idle=50000' \
	"$FERRY" "$G/echo.elf"
check "initrd-fits" 1 "SUMMARY: 6 tests, 0 unexpected" \
	"$FERRY" run --kernel "$G/hello.elf" --memory 8M --initrd "$G/hello.elf"
check "elf-outside-ram" 4 "lies outside guest RAM|does not fit" \
	"$FERRY" run --kernel "$G/hello.elf" --memory 4M --initrd "$LAB_L2_INITRD"
# shellcheck disable=SC2016 # expanded by the inner shell
check "console-none: no output, PSCI reset" 0 "^0 bytes, status 0$" \
	sh -c 'o=$(mktemp); "$0" run --console none >"$o"; s=$?
		echo "$(wc -c <"$o") bytes, status $s"; rm -f "$o"' "$FERRY"
finish
