#!/bin/sh
# SPDX-License-Identifier: MIT
# The arm64 ferry's --dump-dtb: a tree dtc decompiles without a warning,
# with what the options asked for (CPUs named by MPIDR with PSCI, RAM at
# 2 GiB, the command line and initrd) and the board's fixed devices (GICv3
# and ITS, timer, UART, PL031, debug-exit, the ECAM PCI host), and the
# virtio-iommu's node with --viommu. Runs on the
# x86_64 host too: qemu-aarch64 (binfmt_misc) runs the arm64 binary, and
# --dump-dtb needs no /dev/kvm.
#   dtb-arm64.sh FERRY HELLO-GUEST
set -u
ferry=$1
hello=$2
# shellcheck source=tests/kvm/dtb-lib.sh
. "$(dirname "$0")/dtb-lib.sh"

head -c 100000 /dev/zero >"$tmp/initrd"
dump big --cpus 17 --memory 1G --cmdline "console=ttyS0 x=1" \
	--kernel "$hello" --initrd "$tmp/initrd"
cat "$tmp/big.dts"
gic=/interrupt-controller@2c000000
node big s / compatible = ferry,virt
node big x / interrupt-parent = 1
node big x /cpus/cpu@0 reg = 0
node big x /cpus/cpu@f reg = f
node big x /cpus/cpu@100 reg = 100
node big s /cpus/cpu@100 enable-method = psci
node big s /cpus/cpu@100 compatible = arm,arm-v8
node big x /memory@80000000 reg = 0 80000000 0 40000000
node big s /chosen bootargs = console=ttyS0 x=1
node big s /chosen stdout-path = serial0
# The initrd starts page-aligned below the device tree's last 2 MiB.
node big x /chosen linux,initrd-end = 0 bfdff6a0
node big x /chosen linux,initrd-start = 0 bfde7000
node big s /psci compatible = arm,psci-0.2
node big s /psci method = hvc
node big s $gic compatible = arm,gic-v3
node big x $gic reg = 0 2c000000 0 10000 0 2c100000 0 220000
node big x $gic phandle = 1
node big s $gic/msi-controller@2c020000 compatible = arm,gic-v3-its
node big x $gic/msi-controller@2c020000 reg = 0 2c020000 0 20000
node big x /timer interrupts = 1 d 4 1 e 4 1 b 4 1 a 4
node big s /serial@1000000 compatible = ns16550a
node big x /serial@1000000 reg = 0 1000000 0 8
node big x /serial@1000000 interrupts = 0 1 4
node big s /rtc@1010000 compatible = arm,pl031 arm,primecell
node big x /rtc@1010000 interrupts = 0 2 4
node big s /rtc@1010000 clock-names = apb_pclk
node big x /debug-exit@1020000 reg = 0 1020000 0 4
node big s /pci@30000000 compatible = pci-host-ecam-generic
node big x /pci@30000000 reg = 0 30000000 0 100000
node big x /pci@30000000 bus-range = 0 0
node big x /pci@30000000 msi-parent = 2
node big x /pci@30000000 ranges = \
	1000000 0 0 0 3eff0000 0 10000 \
	2000000 0 40000000 0 40000000 0 40000000 \
	43000000 40 0 40 0 10 0
node big x /pci@30000000 interrupt-map-mask = f800 0 0 7
node big s /aliases serial0 = /serial@1000000

dump small --memory 64M
node small x /memory@80000000 reg = 0 80000000 0 4000000
node small x $gic reg = 0 2c000000 0 10000 0 2c100000 0 20000
small_pci=$(fdtget -l "$tmp/small.dtb" /pci@30000000 2>&1)
[ -z "$small_pci" ] || bad "without --viommu the PCI host has children: $small_pci"

# --viommu: a virtio-iommu at 00:01.0 under the PCI host, as on x86 (no
# endpoint without --device, so no iommu-map: test_fdt_arm64 has those).
dump viommu --viommu
node viommu s /pci@30000000/iommu@1 compatible = virtio,pci-iommu
node viommu x /pci@30000000/iommu@1 reg = 800 0 0 0 0
node viommu x /pci@30000000/iommu@1 '#iommu-cells' = 1
node viommu x /pci@30000000/iommu@1 phandle = 4
node viommu x /pci@30000000 msi-parent = 2

[ $fail = 0 ] && echo PASS
exit $fail
