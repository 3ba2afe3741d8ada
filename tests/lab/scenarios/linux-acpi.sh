# SPDX-License-Identifier: MIT
# ACPI for Linux guests (docs/acpi.md). Debian's cloud kernel (no
# X86_MPPARSE: without ACPI it sees one CPU) sees every vCPU from the
# MADT, takes every table without a complaint, powers off through S5 and
# resets through the FADT's reset register; the generic kernel still boots
# from the MP table with acpi=off. (linux-boot boots the generic kernel
# with ACPI, the default, on 1 and 2 vCPUs.)
# A Linux boot here takes 30-70 s of L1 time, more when the machine is
# busy: 200 s a boot, four boots.
# lab-timeout: 840
. "$LAB_REPO/tests/lab/lib.sh"
CHECK_TIMEOUT=200
args="--initrd $LAB_L2_INITRD --memory 256M -v"
cmd="console=ttyS0 panic=-1"
tables='FERRY-L2-ACPI tables=APIC,DSDT,FACP,FACS,MCFG complaints=0([^0-9]|$)'

check_each "cloud kernel, 2 vCPUs, ACPI, poweroff (S5)" 0 "FERRY-L2-INIT cpus=2 online=0-1 
$tables
^ferry: info: guest powered off \(ACPI S5\)$" \
	$FERRY run --kernel "$LAB_CLOUD_KERNEL" $args --cpus 2 \
	--cmdline "$cmd lab.exit=poweroff"
check_each "cloud kernel, 4 vCPUs, ACPI, reboot (FADT reset register)" 0 "FERRY-L2-INIT cpus=4 online=0-3 
$tables
^ferry: info: guest reset the machine through port 0xcf9$" \
	$FERRY run --kernel "$LAB_CLOUD_KERNEL" $args --cpus 4 \
	--cmdline "$cmd lab.exit=reboot"
check_each "cloud kernel, 2 vCPUs, acpi=off: one CPU (no MP table parser)" 0 "FERRY-L2-INIT cpus=1 online=0 
FERRY-L2-ACPI tables=none " \
	$FERRY run --kernel "$LAB_CLOUD_KERNEL" $args --cpus 2 \
	--cmdline "$cmd acpi=off reboot=k lab.exit=reboot"
check_each "generic kernel, 2 vCPUs, acpi=off (MP table)" 1 "FERRY-L2-INIT cpus=2 online=0-1 
FERRY-L2-ACPI tables=none " \
	$FERRY run --kernel "$LAB_KERNEL" $args --cpus 2 \
	--cmdline "$cmd acpi=off lab.exit=port"
finish
