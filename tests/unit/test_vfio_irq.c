// SPDX-License-Identifier: MIT
/*
 * vfio/irq.c against a fake device and a fake KVM: INTx, MSI and MSI-X
 * switches leave eventfds, irqfds and KVM routes where they were.
 */
#include <stdlib.h>
#include <unistd.h>
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
static int base_fds; /* before any environment */

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

/* The mode the enable bits ask for, fully set up and nothing else. */
static int in_mode(int msi, int msix)
{
	if (msix)
		return dev.irq_type == VFIO_PCI_MSIX_IRQ_INDEX &&
		       dev.irq_count == MSIX_NR && fake_kvm.irqfds == MSIX_NR &&
		       fake_kvm.msi_routes == MSIX_NR;
	if (msi)
		return dev.irq_type == VFIO_PCI_MSI_IRQ_INDEX &&
		       dev.irq_count == 4 && fake_kvm.irqfds == 4 &&
		       fake_kvm.msi_routes == 4;
	return dev.irq_type == VFIO_PCI_INTX_IRQ_INDEX &&
	       fake_kvm.irqfds == 1 && fake_kvm.msi_routes == 0;
}

/*
 * Every order of MSI and MSI-X enable/disable of up to @max_len toggles
 * that ends with both off (the guest may set MSI enable while MSI-X is
 * on: the device then uses MSI-X). After each toggle the mode is the one
 * the enable bits ask for, VFIO never refused a call, and at the end the
 * fds, irqfds and routes are back to the baseline. Returns the number of
 * sequences that went wrong.
 */
static int every_switch_order(const struct baseline *b, unsigned int max_len)
{
	unsigned int len, seq, k;
	int bad = 0;

	for (len = 2; len <= max_len; len += 2)
		for (seq = 0; seq < 1u << len; seq++) {
			int msi = 0, msix = 0, ok = 1;

			if (__builtin_popcount(seq) % 2)
				continue; /* does not end with both off */
			for (k = 0; k < len; k++) {
				if (seq >> k & 1) {
					msix = !msix;
					if (msix)
						msix_on(MSIX_NR);
					else
						msix_ctrl(0);
				} else {
					msi = !msi;
					msi_msg(APIC_MSG, 0x30);
					msi_ctrl(0x0180 | 2 << 4 |
						 (msi ? MSI_ENABLE : 0));
				}
				ok &= in_mode(msi, msix);
			}
			ok &= dev.set_irqs_refused == 0 && at_baseline(b);
			if (!ok && !bad)
				printf("# first bad order: %u toggles, 0x%x\n",
				       len, seq);
			bad += !ok;
			dev.set_irqs_refused = 0;
		}
	return bad;
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

/* A fresh environment and device; returns its baseline. */
static struct baseline start(void)
{
	make_device();
	if (fake_env_init(&env) || fake_dev_add(&env, &dev, "0000:01:00.0")) {
		printf("Bail out! the fake device does not come up\n");
		exit(1);
	}
	table_gpa = fake_cfg_read(&env, &dev, 0x18, 4) & ~0xfULL;
	return baseline();
}

/* Tear down; everything KVM was given must be gone. */
static void finish(const char *what)
{
	int fds;

	fake_env_destroy(&env);
	fds = fake_count_fds();
	if (!CHECK_MSG(fake_kvm.irqfds == 0 && fake_kvm.slots == 0 &&
		       fake_kvm.bad_deassigns == 0 && fds == base_fds,
		       what))
		printf("# irqfds %u slots %u bad deassigns %u fds %d/%d\n",
		       fake_kvm.irqfds, fake_kvm.slots, fake_kvm.bad_deassigns,
		       fds, base_fds);
}

static void basic_switches(void)
{
	struct baseline b = start();
	uint64_t addr;
	uint32_t data;
	int gsi;

	CHECK_MSG(dev.irq_type == VFIO_PCI_INTX_IRQ_INDEX &&
		  fake_kvm.irqfds == 1,
		  "INTx is on after bring-up, with its resampling irqfd");

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
	finish("teardown detaches every irqfd and memory slot, closes "
	       "every fd");
}

/*
 * Finding 1 of issue 12: MSI enabled while MSI-X is on leaked the
 * vectors, their eventfds, irqfds and routes, 64 per loop.
 */
static void msi_under_msix(void)
{
	struct baseline b = start();
	int i;

	for (i = 0; i < 10; i++) {
		msix_on(MSIX_NR);
		msi_ctrl(0x0180 | 2 << 4 | MSI_ENABLE);
		CHECK_MSG(in_mode(1, 1) || i, "MSI enable under MSI-X: the "
			  "device stays in MSI-X");
		msix_ctrl(0);
		CHECK_MSG(in_mode(1, 0) || i, "MSI-X off with MSI enabled: "
			  "MSI takes over");
		msi_ctrl(0x0180);
	}
	CHECK_MSG(at_baseline(&b), "10 loops of MSI-X on, MSI on, MSI-X off, "
		  "MSI off: nothing leaked");
	CHECK_MSG(dev.set_irqs_refused == 0,
		  "and VFIO was never asked for MSI while MSI-X was on");
	finish("teardown after the loops is clean");

	b = start();
	CHECK_MSG(every_switch_order(&b, 6) == 0,
		  "every INTx/MSI/MSI-X switch order of up to 6 toggles ends "
		  "at the baseline, each step in the mode its bits ask for");
	finish("teardown after every order is clean");
}

/*
 * Finding 4: a vector masked, rewritten and unmasked (Linux does this to
 * move an interrupt) delivers the new message; the same for the function
 * mask.
 */
static void mask_rewrite_unmask(void)
{
	uint64_t addr;
	uint32_t data;
	int gsi;

	start();
	msix_on(8);
	gsi = fake_kvm_irqfd_gsi(dev.irq_fds[3]);
	msix_mask(3, 1);
	msix_entry(3, APIC_MSG | 2 << 12, 0x77, 1);
	msix_mask(3, 0);
	CHECK_MSG(fake_kvm_irqfd_gsi(dev.irq_fds[3]) == gsi &&
		  fake_kvm_route((uint32_t)gsi, &addr, &data) &&
		  addr == (APIC_MSG | 2 << 12) && data == 0x77,
		  "mask, rewrite, unmask: KVM routes the new message");
	gsi = fake_kvm_irqfd_gsi(dev.irq_fds[4]);
	msix_ctrl(MSIX_ENABLE | MSIX_MASKALL);
	msix_entry(4, APIC_MSG | 3 << 12, 0x78, 0);
	msix_ctrl(MSIX_ENABLE);
	CHECK_MSG(fake_kvm_route((uint32_t)gsi, &addr, &data) &&
		  addr == (APIC_MSG | 3 << 12) && data == 0x78,
		  "function mask, rewrite, unmask: the same");
	finish("teardown with MSI-X on is clean");
}

/*
 * Finding 8: the routing changes of one guest action are one
 * KVM_SET_GSI_ROUTING, not one per vector.
 */
static void batched_routes(void)
{
	struct baseline b = start();
	unsigned int calls, i;

	msix_ctrl(MSIX_ENABLE | MSIX_MASKALL);
	for (i = 0; i < MSIX_NR; i++)
		msix_entry(i, APIC_MSG, 0x40 + i, 0);
	calls = fake_kvm.routing_calls;
	msix_ctrl(MSIX_ENABLE);
	CHECK_MSG(fake_kvm.routing_calls == calls + 1 &&
		  fake_kvm.msi_routes == MSIX_NR,
		  "unmasking the function with 64 vectors programmed is one "
		  "routing update");
	calls = fake_kvm.routing_calls;
	msix_ctrl(MSIX_ENABLE | MSIX_MASKALL);
	msix_ctrl(MSIX_ENABLE);
	CHECK_MSG(fake_kvm.routing_calls == calls,
		  "masking and unmasking it again needs none");
	calls = fake_kvm.routing_calls;
	msix_ctrl(0);
	CHECK_MSG(fake_kvm.routing_calls == calls + 1 && at_baseline(&b),
		  "MSI-X off with 64 routes is one routing update");
	finish("teardown is clean");
}

/* KVM refusing the routing table: nothing attached, retried later. */
static void routing_refused(void)
{
	struct baseline b = start();
	uint64_t addr;
	uint32_t data;
	int gsi;

	msix_on(2);
	fake_kvm.fail_routing = 1;
	msix_entry(5, APIC_MSG, 0x55, 0);
	CHECK_MSG(fake_kvm_irqfd_gsi(dev.irq_fds[5]) < 0 &&
		  fake_kvm.msi_routes == 2,
		  "a route KVM refused gets no irqfd");
	fake_kvm.fail_routing = 0;
	msix_entry(5, APIC_MSG, 0x55, 0);
	gsi = fake_kvm_irqfd_gsi(dev.irq_fds[5]);
	CHECK_MSG(gsi >= 0 && fake_kvm_route((uint32_t)gsi, &addr, &data) &&
		  data == 0x55 && fake_kvm.msi_routes == 3,
		  "the next write of the entry gets it, no stale route left");
	msix_ctrl(0);
	CHECK(at_baseline(&b));
	finish("teardown is clean");
}

/*
 * Finding 10: multiple-message MSI puts the vector number in the low bits
 * of the data, and the per-vector mask and pending bits are emulated.
 */
static void msi_vectors_and_masks(void)
{
	struct baseline b = start();
	uint64_t addr, one = 1;
	uint32_t data;
	int gsi;

	msi_msg(APIC_MSG, 0x31);
	msi_ctrl(0x0180 | 2 << 4 | MSI_ENABLE);
	gsi = fake_kvm_irqfd_gsi(dev.irq_fds[2]);
	CHECK_MSG(gsi >= 0 && fake_kvm_route((uint32_t)gsi, &addr, &data) &&
		  data == 0x32,
		  "MSI vector 2 of 4 with data 0x31 sends 0x32");
	fake_cfg_write(&env, &dev, MSI_OFF + 0x10, 0xffffffff, 4);
	CHECK_MSG(fake_cfg_read(&env, &dev, MSI_OFF + 0x10, 4) == 0xf,
		  "MSI mask bits: one per vector the device can have");
	CHECK_MSG(fake_kvm.irqfds == 0, "all four masked: no irqfd");
	fake_cfg_write(&env, &dev, MSI_OFF + 0x10, 0x2, 4);
	CHECK_MSG(fake_kvm.irqfds == 3 &&
		  fake_kvm_irqfd_gsi(dev.irq_fds[1]) < 0,
		  "vector 1 masked, the others attached");
	CHECK(fake_cfg_read(&env, &dev, MSI_OFF + 0x14, 4) == 0);
	CHECK(write(dev.irq_fds[1], &one, 8) == 8);
	CHECK_MSG(fake_cfg_read(&env, &dev, MSI_OFF + 0x14, 4) == 0x2,
		  "a masked vector the device signalled is pending");
	fake_cfg_write(&env, &dev, MSI_OFF + 0x0c, 0x40, 2);
	gsi = fake_kvm_irqfd_gsi(dev.irq_fds[0]);
	CHECK_MSG(fake_kvm_route((uint32_t)gsi, &addr, &data) && data == 0x40,
		  "new MSI data reaches the live vectors");
	fake_cfg_write(&env, &dev, MSI_OFF + 0x10, 0, 4);
	gsi = fake_kvm_irqfd_gsi(dev.irq_fds[1]);
	CHECK_MSG(gsi >= 0 && fake_kvm_route((uint32_t)gsi, &addr, &data) &&
		  data == 0x41 &&
		  fake_cfg_read(&env, &dev, MSI_OFF + 0x14, 4) == 0,
		  "unmasked: vector 1 delivers the data written while masked");
	msi_ctrl(0x0180);
	CHECK(at_baseline(&b));
	finish("teardown is clean");
}

/*
 * With an ITS (arm64) KVM wants the requester ID in each MSI route; the
 * device is in the guest's slot S: bus 0, devfn S << 3. Without one
 * (x86) no route carries a device ID (the fake refuses either mistake).
 */
static void msi_devid(void)
{
	struct baseline b;
	uint64_t addr;
	uint32_t data;
	unsigned int i, ok = 1;
	int gsi;

	fake_kvm.msi_devid = 1;
	b = start();
	msi_msg(APIC_MSG, 0x40);
	msi_ctrl(0x0180 | 2 << 4 | MSI_ENABLE);
	gsi = fake_kvm_irqfd_gsi(dev.irq_fds[0]);
	CHECK_MSG(gsi >= 0 && fake_kvm_route((uint32_t)gsi, &addr, &data),
		  "ITS: KVM took MSI routes with a device ID");
	for (i = 0; i < fake_kvm.msi_routes; i++)
		ok &= fake_kvm.msi[i].devid == (uint32_t)dev.vdev->pci.slot << 3;
	CHECK_MSG(ok && fake_kvm.msi_routes == 4,
		  "every vector's route carries the requester ID (slot << 3)");
	msi_ctrl(0x0180);
	CHECK(at_baseline(&b));
	finish("ITS: teardown is clean");
	fake_kvm.msi_devid = 0;
}

int main(void)
{
	log_max_level = LOG_ERR;
	base_fds = fake_count_fds();
	basic_switches();
	msi_under_msix();
	mask_rewrite_unmask();
	batched_routes();
	routing_refused();
	msi_vectors_and_masks();
	msi_devid();
	return test_done();
}
