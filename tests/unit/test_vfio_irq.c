// SPDX-License-Identifier: MIT
/*
 * vfio/irq.c against a fake device and a fake KVM: INTx, MSI and MSI-X
 * switches leave eventfds, irqfds and KVM routes where they were.
 */
#include <poll.h>
#include "fake_vfio.h"
#include "test.h"

#define MSI_OFF 0x50
#define MSIX_OFF 0x70
#define MSIX_NR 64
#define MSI_ENABLE 0x0001
#define MSIX_ENABLE 0x8000
#define MSIX_MASKALL 0x4000
#define APIC_MSG 0xfee00000u

static struct fake_env env;
static struct fake_dev dev;
static uint64_t table_gpa;

struct baseline {
	int fds;
	unsigned int irqfds;
};

static void msi_ctrl(uint16_t ctrl)
{
	fake_cfg_write(&env, &dev, MSI_OFF + 2, ctrl, 2);
}

static void msix_ctrl(uint16_t ctrl)
{
	fake_cfg_write(&env, &dev, MSIX_OFF + 2, ctrl, 2);
}

/* The MSI message: 64-bit address, data at 0x0c (64-bit layout). */
static void msi_msg(uint32_t addr, uint16_t data)
{
	fake_cfg_write(&env, &dev, MSI_OFF + 4, addr, 4);
	fake_cfg_write(&env, &dev, MSI_OFF + 8, 0, 4);
	fake_cfg_write(&env, &dev, MSI_OFF + 0x0c, data, 2);
}

static void msix_entry(unsigned int i, uint32_t addr, uint32_t data,
		       int masked)
{
	uint64_t e = table_gpa + i * 16ULL;

	fake_mmio_write(&env, e, addr, 4);
	fake_mmio_write(&env, e + 4, 0, 4);
	fake_mmio_write(&env, e + 8, data, 4);
	fake_mmio_write(&env, e + 12, masked ? 1 : 0, 4);
}

static void msix_mask(unsigned int i, int masked)
{
	fake_mmio_write(&env, table_gpa + i * 16ULL + 12, masked ? 1 : 0, 4);
}

/* Enable MSI-X as Linux does: function-masked, program, unmask all. */
static void msix_on(unsigned int live)
{
	unsigned int i;

	msix_ctrl(MSIX_ENABLE | MSIX_MASKALL);
	for (i = 0; i < live; i++)
		msix_entry(i, APIC_MSG | (i % 4) << 12, 0x40 + i, 0);
	msix_ctrl(MSIX_ENABLE);
}

static struct baseline baseline(void)
{
	struct baseline b = { fake_count_fds(), fake_kvm.irqfds };

	return b;
}

/* INTx is back and nothing else of the interrupt setup is left. */
static int at_baseline(const struct baseline *b)
{
	return fake_count_fds() == b->fds && fake_kvm.irqfds == b->irqfds &&
	       fake_kvm.msi_routes == 0 &&
	       dev.irq_type == VFIO_PCI_INTX_IRQ_INDEX &&
	       dev.vdev->nr_vec == 0 && !dev.intx_masked;
}

static void make_device(void)
{
	fake_dev_init(&dev);
	fake_dev_bar(&dev, 0, 0x10000, 1, 0);
	fake_dev_bar(&dev, 2, 0x4000, 1, 0);
	fake_dev_cap(&dev, 0x40, 0x01);			/* PM: hidden */
	fake_dev_msi(&dev, MSI_OFF, 0x0180 | 2 << 1);	/* 4 vectors */
	fake_dev_msix(&dev, MSIX_OFF, MSIX_NR, 2, 0, 0x2000);
	fake_dev_cap(&dev, 0x80, 0x10);			/* PCI Express */
	dev.cfg[0x82] = 2;
}

int main(void)
{
	struct baseline b;
	uint64_t addr;
	uint32_t data;
	int gsi;

	log_max_level = LOG_ERR;
	CHECK(fake_env_init(&env) == 0);
	make_device();
	CHECK_MSG(fake_dev_add(&env, &dev, "0000:01:00.0") == 0,
		  "the fake device comes up");
	table_gpa = fake_cfg_read(&env, &dev, 0x18, 4) & ~0xfULL;
	CHECK_MSG(dev.irq_type == VFIO_PCI_INTX_IRQ_INDEX &&
		  fake_kvm.irqfds == 1,
		  "INTx is on after bring-up, with its resampling irqfd");
	b = baseline();

	/* INTx -> MSI -> INTx. */
	msi_msg(APIC_MSG, 0x30);
	msi_ctrl(0x0180 | 2 << 1 | 2 << 4 | MSI_ENABLE);
	CHECK_MSG(dev.irq_type == VFIO_PCI_MSI_IRQ_INDEX &&
		  dev.irq_count == 4 && fake_kvm.msi_routes == 4 &&
		  fake_kvm.irqfds == 4,
		  "MSI with 4 vectors: 4 routes and 4 irqfds, INTx gone");
	msi_ctrl(0x0180);
	CHECK_MSG(at_baseline(&b), "MSI off: back to INTx and baseline");

	/* INTx -> MSI-X -> INTx. */
	msix_on(MSIX_NR);
	CHECK_MSG(dev.irq_type == VFIO_PCI_MSIX_IRQ_INDEX &&
		  dev.irq_count == MSIX_NR &&
		  fake_kvm.msi_routes == MSIX_NR && fake_kvm.irqfds == MSIX_NR,
		  "MSI-X with 64 live vectors: 64 routes and irqfds");
	gsi = fake_kvm_irqfd_gsi(dev.irq_fds[5]);
	CHECK_MSG(gsi >= 24 && fake_kvm_route((uint32_t)gsi, &addr, &data) &&
		  addr == (APIC_MSG | 1 << 12) && data == 0x45,
		  "vector 5's eventfd injects its own message");
	msix_mask(5, 1);
	CHECK_MSG(fake_kvm_irqfd_gsi(dev.irq_fds[5]) < 0 &&
		  fake_kvm.irqfds == MSIX_NR - 1,
		  "masking a vector detaches its irqfd");
	msix_mask(5, 0);
	CHECK_MSG(fake_kvm_irqfd_gsi(dev.irq_fds[5]) == gsi,
		  "unmasking attaches it again");
	msix_ctrl(MSIX_ENABLE | MSIX_MASKALL);
	CHECK_MSG(fake_kvm.irqfds == 0, "the function mask detaches all");
	msix_ctrl(MSIX_ENABLE);
	CHECK(fake_kvm.irqfds == MSIX_NR);
	msix_ctrl(0);
	CHECK_MSG(at_baseline(&b), "MSI-X off: back to INTx and baseline");

	/* MSI -> off -> MSI-X -> off, a driver reloading. */
	msi_ctrl(0x0180 | MSI_ENABLE);
	msi_ctrl(0x0180);
	msix_on(8);
	msix_ctrl(0);
	CHECK_MSG(at_baseline(&b), "MSI then MSI-X, each turned off");

	fake_env_destroy(&env);
	CHECK_MSG(fake_kvm.irqfds == 0 && fake_kvm.slots == 0 &&
		  fake_kvm.msi_routes == 0,
		  "teardown detaches every irqfd and memory slot");
	return test_done();
}
