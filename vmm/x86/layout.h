/* SPDX-License-Identifier: MIT */
/* The x86 machine's guest-physical memory map. */
#ifndef FERRY_X86_LAYOUT_H
#define FERRY_X86_LAYOUT_H

#include "../util.h"

/* Boot data written by ferry, all below 1 MiB. */
#define X86_GDT_GPA 0x1000ULL
#define X86_PML4_GPA 0x2000ULL
#define X86_PDPT_GPA 0x3000ULL
#define X86_PD_GPA 0x4000ULL /* four pages: 4 GiB of 2 MiB pages */
#define X86_FDT_GPA 0x10000ULL
#define X86_FDT_MAX 0x10000ULL
#define X86_ZERO_PAGE_GPA 0x20000ULL /* Linux boot_params */
#define X86_CMDLINE_GPA 0x21000ULL
#define X86_CMDLINE_MAX 0x1000ULL
#define X86_EBDA_GPA 0x9fc00ULL /* reserved in the e820 map */
/* ACPI tables, the RSDP first: Linux scans [0xe0000, 1 MiB) for it. */
#define X86_ACPI_GPA 0xe0000ULL /* reserved in the e820 map up to 1 MiB */
#define X86_ACPI_MAX 0x10000ULL
#define X86_BIOS_GPA 0xf0000ULL /* reserved; Linux scans it for MP tables */
#define X86_MPTABLE_GPA X86_BIOS_GPA
#define X86_MPTABLE_MAX 0x10000ULL
#define X86_BOOT_DATA_END 0x100000ULL /* ELF guests load above this */

/* RAM below 4 GiB stops here; [3 GiB, 4 GiB) holds MMIO. */
#define X86_MMIO_HOLE_GPA (3 * GiB)
#define X86_HIGH_RAM_GPA (4 * GiB)

/* PCI: 32-bit BAR window, ECAM (bus 0 only), I/O ports for I/O BARs. */
#define X86_PCI_MEM32_GPA 0xc0000000ULL
#define X86_PCI_MEM32_SIZE 0x20000000ULL
#define X86_PCI_ECAM_GPA 0xe0000000ULL
#define X86_PCI_ECAM_SIZE 0x100000ULL
#define X86_PCI_IO_BASE 0xc000ULL
#define X86_PCI_IO_SIZE 0x4000ULL
#define X86_PCI_MEM64_SIZE (64 * GiB) /* above RAM, 1 GiB aligned */
#define X86_PCI_INTX_PIN 16 /* IOAPIC pins 16-23 carry PCI INTx */
#define X86_PCI_INTX_PINS 8

/* ISA devices: I/O ports and IOAPIC pins. */
#define X86_I8042_PORT 0x60	  /* data; command/status at 0x64 */
#define X86_RTC_PORT 0x70	  /* index and data, 0x70-0x71 */
#define X86_DEBUG_EXIT_PORT 0xf4  /* as QEMU's isa-debug-exit */
#define X86_COM1_PORT 0x3f8
#define X86_COM1_IRQ 4
/* ACPI PM1 event (4 bytes) and control (2) registers, and the SCI. */
#define X86_ACPI_PM_PORT 0x600
#define X86_ACPI_SCI_IRQ 9

/* Architectural and KVM-private addresses inside the MMIO hole. */
#define X86_IOAPIC_GPA 0xfec00000ULL
#define X86_LAPIC_GPA 0xfee00000ULL
#define X86_KVM_IDENT_MAP_GPA 0xfffbc000ULL
#define X86_KVM_TSS_GPA 0xfffbd000ULL

#endif
