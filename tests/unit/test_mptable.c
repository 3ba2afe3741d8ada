// SPDX-License-Identifier: MIT
/* MP tables: checksums, entry counts, CPUs, IOAPIC and IRQ routing. */
#include <errno.h>
#include "x86/layout.h"
#include "x86/mptable.h"
#include "test.h"

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static uint8_t buf[65536];

int main(void)
{
	const uint32_t gpa = 0xf0000;
	const uint8_t *mpc = buf + 16;
	uint16_t len, count;
	uint32_t physptr, lapic;
	int n, cpus = 0, bsp = 0, ioapic_id = -1, isa_irqs = 0, lint = 0;
	const uint8_t *p;
	uint16_t i;

	static const struct mptable_pci_irq pci[] = { { 3, 1, 19 },
						      { 4, 1, 20 } };
	int pci_irqs = 0;

	n = mptable_write(buf, sizeof(buf), gpa, 4, pci, 2);
	CHECK(n > 0);
	CHECK(memcmp(buf, "_MP_", 4) == 0 && sum(buf, 16) == 0);
	memcpy(&physptr, buf + 4, 4);
	CHECK_MSG(physptr == gpa + 16, "floating pointer points at the table");
	CHECK(memcmp(mpc, "PCMP", 4) == 0);
	memcpy(&len, mpc + 4, 2);
	memcpy(&count, mpc + 34, 2);
	memcpy(&lapic, mpc + 36, 4);
	CHECK_MSG(sum(mpc, len) == 0, "configuration table checksum");
	CHECK(16 + len == n);
	CHECK(lapic == X86_LAPIC_GPA);

	p = mpc + 44;
	for (i = 0; i < count; i++) {
		switch (p[0]) {
		case 0:
			CHECK(p[1] == cpus);
			cpus++;
			bsp += (p[3] & 2) != 0;
			p += 20;
			break;
		case 2:
			ioapic_id = p[1];
			p += 8;
			break;
		case 3:
			if (p[4] == 1) /* ISA bus: IRQ n -> pin n */
				isa_irqs += p[5] == p[7];
			else if (p[4] == 0 && p[5] == (3 << 2) && p[7] == 19 &&
				 p[2] == 0x0d)
				pci_irqs++; /* slot 3 INTA, level high */
			else if (p[4] == 0 && p[5] == (4 << 2) && p[7] == 20)
				pci_irqs++;
			p += 8;
			break;
		case 4:
			lint++;
			p += 8;
			break;
		default:
			p += 8;
		}
	}
	CHECK_MSG(p == mpc + len, "entries fill the table exactly");
	CHECK(cpus == 4 && bsp == 1);
	CHECK_MSG(ioapic_id == 4, "IOAPIC ID follows the CPUs' APIC IDs");
	CHECK(isa_irqs == 16 && lint == 2);
	CHECK_MSG(pci_irqs == 2, "PCI INTx routes: device/pin to IOAPIC pin");

	CHECK(mptable_write(buf, 100, gpa, 4, NULL, 0) == -E2BIG);
	CHECK(mptable_write(buf, sizeof(buf), gpa, 0, NULL, 0) == -E2BIG);
	CHECK_MSG(mptable_write(buf, sizeof(buf), gpa, 254, pci, 2) > 0,
		  "254 vCPUs fit in the 64 KiB BIOS area");
	return test_done();
}
