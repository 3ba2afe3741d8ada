/* SPDX-License-Identifier: MIT */
/*
 * QEMU's "edu" teaching device (docs/specs/edu.rst in QEMU): the PCI IDs,
 * BAR0's registers and their bits, as the lab's edu guests use them.
 */
#ifndef GUEST_EDU_H
#define GUEST_EDU_H

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_ID_VALUE 0x010000ed /* what EDU_ID reads: version 1.0 */

/* BAR0 registers (byte offsets). */
#define EDU_ID 0x00
#define EDU_LIVENESS 0x04	/* reads back the bitwise NOT of what was written */
#define EDU_FACTORIAL 0x08
#define EDU_STATUS 0x20
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_ACK 0x64
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_BUF 0x40000	/* the device's own buffer, as a DMA address */

#define STATUS_IRQ_FACT 0x80	/* EDU_STATUS: raise an interrupt when done */
#define DMA_START 1		/* EDU_DMA_CMD bits */
#define DMA_TO_RAM 2
#define DMA_IRQ 4
#define IRQ_FACT 0x001		/* EDU_IRQ_STATUS bits */
#define IRQ_DMA 0x100

#endif
