// SPDX-License-Identifier: MIT
/*
 * Interrupts for test guests: an IDT, the local APIC, and waiting. The
 * guest runs with interrupts off except inside irq_wait(), so nothing is
 * ever interrupted inside Debian's libfdt.a (built with a red zone).
 */
#include "../guest.h"

#define LAPIC 0xfee00000ULL
#define LAPIC_ID 0x20
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, attr;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

struct frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

extern const uint8_t isr_table[];
void isr_dispatch(struct frame *f);

static struct idt_entry idt[256] __attribute__((aligned(16)));
static volatile unsigned int irq_count[256];
static void (*handlers[256])(void);

void isr_dispatch(struct frame *f)
{
	if (f->vector < 32) {
		printf_("guest: exception %lu (error 0x%lx) at rip 0x%lx on "
			"APIC %u\n", (unsigned long)f->vector,
			(unsigned long)f->error, (unsigned long)f->rip,
			lapic_id());
		debug_exit(0x7e);
	}
	/* A level-triggered source must be quiet before the EOI. */
	if (handlers[f->vector])
		handlers[f->vector]();
	irq_count[f->vector]++;
	mmio_write32(LAPIC + LAPIC_EOI, 0);
}

void irq_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uintptr_t)idt };
	unsigned int v;
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (v = 0; v < 256; v++) {
		uint64_t a = (uintptr_t)&isr_table[v * 16];

		idt[v] = (struct idt_entry){
			.off_lo = (uint16_t)a, .sel = cs, .attr = 0x8e,
			.off_mid = (uint16_t)(a >> 16),
			.off_hi = (uint32_t)(a >> 32),
		};
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));
	/* Software-enable the LAPIC, spurious vector 0xff. */
	mmio_write32(LAPIC + LAPIC_SVR, 0x1ff);
}

#define IOAPIC 0xfec00000ULL
#define IOAPIC_REDTBL 0x10
#define REDIR_LEVEL (1u << 15)

static void ioapic_write(unsigned int reg, uint32_t v)
{
	mmio_write32(IOAPIC, reg);
	mmio_write32(IOAPIC + 0x10, v);
}

void ioapic_route(unsigned int pin, unsigned int vector, int level)
{
	/* Fixed delivery, physical destination: this CPU, active high. */
	ioapic_write(IOAPIC_REDTBL + 2 * pin + 1, lapic_id() << 24);
	ioapic_write(IOAPIC_REDTBL + 2 * pin,
		     (vector & 0xff) | (level ? REDIR_LEVEL : 0));
}

unsigned int lapic_id(void)
{
	return mmio_read32(LAPIC + LAPIC_ID) >> 24;
}

void irq_handler(unsigned int vector, void (*fn)(void))
{
	handlers[vector & 0xff] = fn;
}

unsigned int irq_seen(unsigned int vector)
{
	return irq_count[vector & 0xff];
}

int irq_wait(unsigned int vector, unsigned int count, unsigned long spins)
{
	/*
	 * No hlt: nothing arms a timer, so a lost interrupt would halt us
	 * for good. Open an interrupt window on each turn instead, so
	 * @spins bounds the wait (sti takes effect after the next
	 * instruction). No pause either: under nested virtualisation it can
	 * exit to the hypervisor and make the bound very long.
	 */
	while (irq_count[vector & 0xff] < count && spins--)
		__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	return irq_count[vector & 0xff] >= count;
}
