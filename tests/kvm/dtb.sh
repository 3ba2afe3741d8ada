#!/bin/sh
# SPDX-License-Identifier: MIT
# ferry run --dump-dtb writes a tree that dtc decompiles without a warning
# and that says exactly what the options asked for: the CPUs, the RAM
# below and above the MMIO hole, the command line, and the fixed devices
# (IOAPIC, ISA ports, PCI host with its windows, the 64-bit one above RAM
# on a 1 GiB boundary). fdtget reads single properties.
#   dtb.sh FERRY
set -u
ferry=$1
# shellcheck source=tests/kvm/dtb-lib.sh
. "$(dirname "$0")/dtb-lib.sh"

dump big --cpus 2 --memory 4G --cmdline x=1
cat "$tmp/big.dts"
want big -l / = chosen memory@0 memory@100000000 cpus \
	interrupt-controller@fec00000 pci@e0000000 aliases isa
want big -l /cpus = cpu@0 cpu@1
node big x /cpus/cpu@0 reg = 0
node big x /cpus/cpu@1 reg = 1
node big s /cpus/cpu@1 device_type = cpu
node big s /chosen bootargs = x=1
node big s /chosen stdout-path = serial0
# 4 GiB: 3 GiB at 0, the last 1 GiB at 4 GiB (reg = <addr64 size64>).
node big x /memory@0 reg = 0 0 0 c0000000
node big s /memory@0 device_type = memory
node big x /memory@100000000 reg = 1 0 0 40000000
node big s /memory@100000000 device_type = memory
node big s /interrupt-controller@fec00000 compatible = intel,ce4100-ioapic
node big x /interrupt-controller@fec00000 reg = 0 fec00000 0 1000
node big x /interrupt-controller@fec00000 interrupt-controller =
node big x /interrupt-controller@fec00000 '#interrupt-cells' = 2
node big x /interrupt-controller@fec00000 phandle = 1
node big s /isa/serial@i3f8 compatible = ns16550a
node big x /isa/serial@i3f8 reg = 1 3f8 8
node big x /isa/serial@i3f8 interrupts = 4 0
node big x /isa/serial@i3f8 interrupt-parent = 1
node big x /isa/debug-exit@if4 reg = 1 f4 4
node big s /isa/keyboard-controller@i60 compatible = intel,8042
node big x /isa/keyboard-controller@i60 reg = 1 60 5
node big x /isa/rtc@i70 reg = 1 70 2
node big s /pci@e0000000 compatible = pci-host-ecam-generic
node big x /pci@e0000000 reg = 0 e0000000 0 100000
node big x /pci@e0000000 bus-range = 0 0
# I/O [0xc000, 0x10000), 32-bit [3 GiB, 3.5 GiB), 64-bit prefetchable
# 64 GiB from 5 GiB: RAM ends at 5 GiB.
node big x /pci@e0000000 ranges = \
	1000000 0 c000 0 c000 0 4000 \
	2000000 0 c0000000 0 c0000000 0 20000000 \
	43000000 1 40000000 1 40000000 10 0

# 3.5 GiB: 512 MiB above 4 GiB; the 64-bit window rounds up to 5 GiB.
dump mid --memory 3584M
want mid -l /cpus = cpu@0
node mid s /chosen bootargs =
node mid x /memory@0 reg = 0 0 0 c0000000
node mid x /memory@100000000 reg = 1 0 0 20000000
node mid x /pci@e0000000 ranges = \
	1000000 0 c000 0 c000 0 4000 \
	2000000 0 c0000000 0 c0000000 0 20000000 \
	43000000 1 40000000 1 40000000 10 0

# 2 GiB: no RAM above 4 GiB, and the 64-bit window starts at 4 GiB.
dump small --memory 2G --cpus 3
want small -l / = chosen memory@0 cpus interrupt-controller@fec00000 \
	pci@e0000000 aliases isa
want small -l /cpus = cpu@0 cpu@1 cpu@2
node small x /memory@0 reg = 0 0 0 80000000
node small x /pci@e0000000 ranges = \
	1000000 0 c000 0 c000 0 4000 \
	2000000 0 c0000000 0 c0000000 0 20000000 \
	43000000 1 0 1 0 10 0

# --viommu: a virtio-iommu at 00:01.0 under the PCI host (no endpoint
# without --device, so no iommu-map).
dump viommu --viommu
want viommu -l /pci@e0000000 = iommu@1
node viommu s /pci@e0000000/iommu@1 compatible = virtio,pci-iommu
node viommu x /pci@e0000000/iommu@1 reg = 800 0 0 0 0
node viommu x /pci@e0000000/iommu@1 '#iommu-cells' = 1
node viommu x /pci@e0000000/iommu@1 phandle = 2
want viommu -l /pci@e0000000/iommu@1 =

[ $fail = 0 ] && echo PASS
exit $fail
