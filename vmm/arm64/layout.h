/* SPDX-License-Identifier: MIT */
/* The arm64 machine's guest-physical memory map and interrupt numbers. */
#ifndef FERRY_ARM64_LAYOUT_H
#define FERRY_ARM64_LAYOUT_H

#include "../util.h"

/*
 * Below 2 GiB: devices, the GIC and the PCI windows; RAM from 2 GiB; the
 * 64-bit PCI window at 256 GiB. [0x08000000, 0x08100000) stays empty: it
 * is where Linux puts the MSI window of an SMMU on the host, the one IOVA
 * range type1 reserves there (guest RAM must avoid it; docs/arm64.md).
 */
#define ARM64_UART_GPA 0x01000000ULL	  /* 16550A, byte registers */
#define ARM64_UART_SIZE 0x1000ULL
#define ARM64_RTC_GPA 0x01010000ULL	  /* PL031 */
#define ARM64_RTC_SIZE 0x1000ULL
#define ARM64_DEBUG_EXIT_GPA 0x01020000ULL /* 4 bytes, the x86 contract */
#define ARM64_DEBUG_EXIT_SIZE 4ULL

/* GICv3: distributor, ITS, one 128 KiB redistributor per vCPU. */
#define ARM64_GICD_GPA 0x2c000000ULL
#define ARM64_GICD_SIZE 0x10000ULL
#define ARM64_GITS_GPA 0x2c020000ULL
#define ARM64_GITS_SIZE 0x20000ULL
/* The ITS's second 64 KiB frame: GITS_TRANSLATER, where MSIs are written. */
#define ARM64_GITS_TRANSLATER_GPA (ARM64_GITS_GPA + 0x10000ULL)
#define ARM64_GITS_TRANSLATER_SIZE 0x10000ULL
#define ARM64_GICR_GPA 0x2c100000ULL
#define ARM64_GICR_STRIDE 0x20000ULL
#define ARM64_MAX_CPUS 255U

/* PCI: ECAM (bus 0), the I/O window, the 32-bit and 64-bit BAR windows. */
#define ARM64_PCI_ECAM_GPA 0x30000000ULL
#define ARM64_PCI_ECAM_SIZE 0x100000ULL
#define ARM64_PCI_IO_GPA 0x3eff0000ULL	/* I/O ports 0-0xffff, as MMIO */
#define ARM64_PCI_IO_SIZE 0x10000ULL
#define ARM64_PCI_IO_BASE 0xc000ULL	/* where I/O BARs go, in ports */
#define ARM64_PCI_IO_BARS 0x4000ULL
#define ARM64_PCI_MEM32_GPA 0x40000000ULL
#define ARM64_PCI_MEM32_SIZE 0x40000000ULL
#define ARM64_PCI_MEM64_GPA (256 * GiB)
#define ARM64_PCI_MEM64_SIZE (64 * GiB)

#define ARM64_RAM_GPA 0x80000000ULL
#define ARM64_RAM_MAX (ARM64_PCI_MEM64_GPA - ARM64_RAM_GPA)

/*
 * The device tree sits in the last 2 MiB of RAM (Linux: at most 2 MiB,
 * 8-byte aligned); the initrd goes just below it.
 */
#define ARM64_FDT_MAX (2 * MiB)

/*
 * Shared peripheral interrupts: SPI n is INTID 32 + n and GSI n in KVM's
 * routing table. The GIC has 96 SPIs (KVM: 128 interrupts in all).
 */
#define ARM64_NR_IRQS 128U
#define ARM64_NR_SPIS (ARM64_NR_IRQS - 32U)
#define ARM64_UART_SPI 1
#define ARM64_RTC_SPI 2
#define ARM64_PCI_INTX_SPI 4 /* SPIs 4-7 carry PCI INTA-INTD, swizzled */
#define ARM64_PCI_INTX_PINS 4

/* The architected timer's private interrupts (PPI n is INTID 16 + n). */
#define ARM64_TIMER_PPI_SEC 13
#define ARM64_TIMER_PPI_PHYS 14
#define ARM64_TIMER_PPI_VIRT 11
#define ARM64_TIMER_PPI_HYP 10

#endif
