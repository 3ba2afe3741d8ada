// SPDX-License-Identifier: MIT
/*
 * viommu-pin: the lab's pinning mediated device (pindma, PCI 1234:9d0a,
 * tests/lab/mdev-pin/pindma.c) behind ferry's virtio-iommu (--viommu):
 * the DMA-unmap notification end to end. The guest UNMAPs an IOVA while
 * a transfer through it holds its pages pinned; type1 notifies the
 * vendor driver, which stops the transfer and unpins, and only then does
 * the UNMAP complete. pindma's clock registers order the guest's UNMAP
 * against the notification and the unpinning on one clock (the host's).
 *
 * lab.mode= (the kernel command line):
 *   unmap     (default) a copy completed with an MSI; UNMAP latency
 *             without and with a transfer in flight; one UNMAP with a
 *             vendor driver slow to unpin (lab.slow= ms, 100): notified
 *             once, the transfer stopped, nothing pinned, and all that
 *             before the UNMAP completed; a canary in the old page is
 *             never overwritten; a new DMA to the IOVA fails.
 *   teardown  start a transfer holding its pages, say PINDMA-INFLIGHT,
 *             exit lab.linger= ms later (3000): ferry's teardown must
 *             stop it.
 *   term      the same, then wait to be stopped (SIGTERM from outside).
 *   two       two pindma devices in one domain, both reading one IOVA:
 *             UNMAP it with one slow to unpin (300 ms, under ferry's 1 s
 *             bound): both notified once, at the same time, the UNMAP
 *             waits for the slow one; then slower than the bound (2.5 s):
 *             the UNMAP fails (DEVERR) at the bound, the fast one is done,
 *             and a retry once the slow one has finished succeeds without
 *             notifying it again.
 * Needs --memory 512M (buffers at fixed addresses below 256 MiB).
 */
#include <string.h>
#include "lib/guest.h"
#include "lib/virtio.h"

/* pindma's BAR0 */
#define R_ID 0x00
#define R_SRC 0x08
#define R_DST 0x10
#define R_LEN 0x18
#define R_HOLD 0x1c
#define R_DOORBELL 0x20
#define R_STATUS 0x24
#define R_ERROR 0x28
#define R_SLOW 0x2c
#define R_NOW 0x30
#define R_NOTIFY 0x38
#define R_UNPIN 0x40
#define R_NOTIFICATIONS 0x48
#define R_PINNED 0x4c
#define R_RETURN 0x50
#define ST_BUSY 1
#define ST_DONE 2
#define ST_ABORTED 3
#define ST_ERROR 4
#define PINDMA_ID 0x50494e44

#define DOMAIN 1
#define PAGES 4
#define LEN (PAGES * 4096)
#define GPA_SRC 0x08000000ULL
#define GPA_DST 0x08100000ULL
#define GPA_DST2 0x08200000ULL
#define GPA_PROBE 0x08300000ULL
#define IOVA_SRC 0x10000000ULL
#define IOVA_X 0x20000000ULL
#define IOVA_Y 0x30000000ULL
#define IOVA_P 0x40000000ULL
#define HOLD_MS 1500
#define ROUNDS_MAX 50

struct pdev {
	int slot, ep;
	uint64_t bar;
	unsigned int vector;
};

static struct vdev vd;
static struct pdev dev[2];

static uint32_t rd(const struct pdev *p, unsigned int off)
{
	return mmio_read32(p->bar + off);
}

static void wr(const struct pdev *p, unsigned int off, uint32_t v)
{
	mmio_write32(p->bar + off, v);
}

static uint64_t rd64(const struct pdev *p, unsigned int off)
{
	uint32_t hi, lo;

	do {
		hi = rd(p, off + 4);
		lo = rd(p, off);
	} while (hi != rd(p, off + 4));
	return (uint64_t)hi << 32 | lo;
}

/* The host's clock, through the first device (microseconds). */
static uint64_t now_us(void)
{
	return rd64(&dev[0], R_NOW);
}

/*
 * Each look at the host's clock or a register is an exit to ferry and a
 * read of the mdev's region in L1: under the nested lab's load, polling
 * them back to back keeps L1 so busy that pindma's worker and ferry's
 * threads starve (seen: a transfer not pinned within 3 s, an UNMAP of
 * 12 s). Waits look once per POLL_US and spin on the cycle counter
 * (no exit) in between; cycles per microsecond are measured once.
 */
#define POLL_US 500
static uint64_t cycles_per_us;

static void calibrate(void)
{
	uint64_t c0 = cycles(), t0 = now_us(), t1;

	while ((t1 = now_us()) < t0 + 20000)
		;
	cycles_per_us = (cycles() - c0) / (t1 - t0);
	if (cycles_per_us == 0)
		cycles_per_us = 1;
}

/* About POLL_US without an exit. */
static void pace(void)
{
	uint64_t end = cycles() + POLL_US * cycles_per_us;

	while (cycles() < end)
		cpu_relax();
}

/* Until the host's clock reads @end (microseconds). */
static void wait_until(uint64_t end)
{
	while (now_us() < end)
		pace();
}

static void delay_ms(unsigned int ms)
{
	wait_until(now_us() + ms * 1000ULL);
}

static int msi_enable(const struct pdev *p)
{
	unsigned int slot = (unsigned int)p->slot;
	unsigned int cap = pci_find_cap(slot, 0x05);
	uint16_t ctrl;

	if (!cap)
		return 0;
	ctrl = pci_cfg_read16(slot, cap + 2);
	pci_cfg_write32(slot, cap + 4, 0xfee00000u | lapic_id() << 12);
	if (ctrl & 0x80) {
		pci_cfg_write32(slot, cap + 8, 0);
		pci_cfg_write16(slot, cap + 12, (uint16_t)p->vector);
	} else {
		pci_cfg_write16(slot, cap + 8, (uint16_t)p->vector);
	}
	pci_cfg_write16(slot, cap + 2, (ctrl & ~0x70) | 1);
	return (pci_cfg_read16(slot, cap + 2) & 1) == 1;
}

/*
 * @p's MSIs so far, once any still pending in the local APIC has been
 * taken (interrupts are only on inside irq_wait(): earlier transfers'
 * MSIs may wait there, coalesced, and must not count for the next one).
 */
static unsigned int msi_base(const struct pdev *p)
{
	irq_wait(p->vector, ~0u, 200);
	return irq_seen(p->vector);
}

/* Wait for @p's MSI number @count, at most @ms: 1 if it came. */
static int msi_wait(const struct pdev *p, unsigned int count, unsigned int ms)
{
	uint64_t end = now_us() + ms * 1000ULL;

	while (!irq_wait(p->vector, count, 2000))
		if (now_us() > end)
			return 0;
	return 1;
}

static void start(const struct pdev *p, uint64_t src, uint64_t dst,
		  uint32_t hold_ms, uint32_t slow_ms)
{
	wr(p, R_SRC, (uint32_t)src);
	wr(p, R_SRC + 4, (uint32_t)(src >> 32));
	wr(p, R_DST, (uint32_t)dst);
	wr(p, R_DST + 4, (uint32_t)(dst >> 32));
	wr(p, R_LEN, LEN);
	wr(p, R_HOLD, hold_ms);
	wr(p, R_SLOW, slow_ms);
	wr(p, R_DOORBELL, 1);
}

/*
 * Wait until @p's transfer holds both sides pinned: at most 20 s (it
 * takes milliseconds, but L1 can stall for seconds under L0's load).
 */
static int running(const struct pdev *p)
{
	uint64_t end = now_us() + 20000000;
	uint32_t st = 0;

	while (now_us() < end) {
		st = rd(p, R_STATUS);
		if (st == ST_BUSY && rd(p, R_PINNED) >= 2 * PAGES)
			return 1;
		if (st != ST_BUSY)
			break;
		pace();
	}
	printf_("pindma at slot %d: no transfer running: status %u, error "
		"%u, %u pages pinned\n", p->slot, st, rd(p, R_ERROR),
		rd(p, R_PINNED));
	return 0;
}

static int all(const volatile uint8_t *b, uint8_t v, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		if (b[i] != v)
			return 0;
	return 1;
}

static void fill(uint64_t gpa, uint8_t v)
{
	memset((void *)(uintptr_t)gpa, v, LEN);
}

static void pattern(uint64_t gpa)
{
	uint8_t *b = (uint8_t *)(uintptr_t)gpa;
	unsigned int i;

	for (i = 0; i < LEN; i++)
		b[i] = (uint8_t)(i * 13 + 5);
}

static uint64_t median(uint64_t *v, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

static int map(uint64_t iova, uint64_t gpa, uint32_t flags)
{
	return viommu_map(&vd, DOMAIN, iova, iova + LEN - 1, gpa, flags);
}

static int unmap(uint64_t iova)
{
	return viommu_unmap(&vd, DOMAIN, iova, iova + LEN - 1);
}

/* Find the pindma devices and the virtio-iommu; attach and map. */
static unsigned int setup(unsigned int want)
{
	int vslot = viommu_fdt_slot();
	unsigned int n = 0, slot, i;

	for (slot = 0; slot < 32 && n < want; slot++)
		if (pci_cfg_read32(slot, 0) == (0x9d0aU << 16 | 0x1234))
			dev[n++].slot = (int)slot;
	report(n == want && vslot > 0, "%u pindma device(s), virtio-iommu at "
				       "slot %d", n, vslot);
	if (n != want || vslot <= 0)
		report_summary();
	report(viommu_open(&vd, (unsigned int)vslot) == 0,
	       "virtio-iommu ready");
	/* An UNMAP may take seconds (a slow vendor driver, ferry's bound). */
	vd.spins = 4000000000UL;
	for (i = 0; i < n; i++) {
		struct pdev *p = &dev[i];
		unsigned int s = (unsigned int)p->slot;

		p->ep = viommu_fdt_endpoint(s);
		p->bar = pci_cfg_read32(s, 0x10) & ~0xfULL;
		p->vector = 0x41 + i;
		pci_cfg_write16(s, 0x04, pci_cfg_read16(s, 0x04) | 0x6);
		report(rd(p, R_ID) == PINDMA_ID && p->ep == p->slot << 3,
		       "pindma %u at slot %d, endpoint 0x%x", i, p->slot, p->ep);
		report(msi_enable(p), "pindma %u: MSI enabled", i);
		report(viommu_attach(&vd, DOMAIN, (uint32_t)p->ep) ==
			       VIOMMU_S_OK,
		       "pindma %u: ATTACH to domain %u", i, DOMAIN);
	}
	calibrate();
	/*
	 * Destinations read/write: type1's vfio_dma_rw() refuses a mapping
	 * without IOMMU_READ even to write it (-EPERM, Linux 6.1), so a
	 * vendor driver copying with it cannot use a write-only mapping.
	 */
	report(map(IOVA_SRC, GPA_SRC, VIOMMU_MAP_R) == VIOMMU_S_OK &&
		       map(IOVA_X, GPA_DST, VIOMMU_MAP_R | VIOMMU_MAP_W) ==
			       VIOMMU_S_OK,
	       "MAP IOVA 0x%llx (read), 0x%llx (read/write)", IOVA_SRC,
	       IOVA_X);
	return n;
}

static uint64_t t_idle[ROUNDS_MAX], t_busy[ROUNDS_MAX];

/* UNMAP cost with nothing pinned and with a transfer in flight. */
static void latency(const struct pdev *p, unsigned int rounds)
{
	unsigned int i, bad = 0;
	uint64_t t;

	for (i = 0; i < rounds; i++) {
		bad += viommu_map(&vd, DOMAIN, IOVA_P, IOVA_P + LEN - 1,
				  GPA_PROBE, VIOMMU_MAP_R) != VIOMMU_S_OK;
		t = now_us();
		bad += unmap(IOVA_P) != VIOMMU_S_OK;
		t_idle[i] = now_us() - t;
		start(p, IOVA_SRC, IOVA_X, 60000, 0);
		bad += !running(p);
		t = now_us();
		bad += unmap(IOVA_X) != VIOMMU_S_OK;
		t_busy[i] = now_us() - t;
		bad += rd(p, R_STATUS) != ST_ABORTED || rd(p, R_PINNED) != 0;
		bad += map(IOVA_X, GPA_DST, VIOMMU_MAP_R | VIOMMU_MAP_W) !=
		       VIOMMU_S_OK;
	}
	report(!bad, "%u rounds: UNMAP of an idle mapping, and of one a "
		     "transfer holds (stopped, unpinned each time)", rounds);
	printf_("PINDMA-LATENCY rounds=%u idle-us=%lu inflight-us=%lu\n",
		rounds, (unsigned long)median(t_idle, rounds),
		(unsigned long)median(t_busy, rounds));
}

static void mode_unmap(void)
{
	unsigned long slow = bootarg_ulong("lab.slow", 100);
	unsigned long rounds = bootarg_ulong("lab.rounds", 10);
	const struct pdev *p = &dev[0];
	uint64_t t0, t1, tn, tu, tr, began;
	unsigned int msis, n0, n1, st, pinned;
	int ok;

	setup(1);
	/* A copy, completed with an MSI. */
	pattern(GPA_SRC);
	fill(GPA_DST, 0);
	msis = msi_base(p);
	start(p, IOVA_SRC, IOVA_X, 0, 0);
	report(msi_wait(p, msis + 1, 3000), "the copy completed with an MSI");
	report(rd(p, R_STATUS) == ST_DONE &&
		       !memcmp((void *)(uintptr_t)GPA_SRC,
			       (void *)(uintptr_t)GPA_DST, LEN),
	       "status DONE, the destination holds the source (status %u, "
	       "error %u)", rd(p, R_STATUS), rd(p, R_ERROR));

	latency(p, rounds > ROUNDS_MAX ? ROUNDS_MAX : (unsigned int)rounds);

	/* The notification, with a vendor driver slow to unpin. */
	fill(GPA_DST, 0);
	n0 = rd(p, R_NOTIFICATIONS);
	msis = msi_base(p);
	began = now_us();
	start(p, IOVA_SRC, IOVA_X, HOLD_MS, (uint32_t)slow);
	report(running(p), "a transfer into IOVA 0x%llx holds %u pages", IOVA_X,
	       rd(p, R_PINNED));
	t0 = now_us();
	ok = unmap(IOVA_X) == VIOMMU_S_OK;
	t1 = now_us();
	/* Read at once: what the device is doing as the UNMAP completes. */
	st = rd(p, R_STATUS);
	pinned = rd(p, R_PINNED);
	n1 = rd(p, R_NOTIFICATIONS);
	tn = rd64(p, R_NOTIFY);
	tu = rd64(p, R_UNPIN);
	tr = rd64(p, R_RETURN);
	report(ok, "UNMAP IOVA 0x%llx with the transfer in flight", IOVA_X);
	report(n1 == n0 + 1, "the device was notified once (%u)", n1 - n0);
	report(st == ST_ABORTED, "its transfer stopped (status %u)", st);
	report(pinned == 0, "no page stays pinned");
	printf_("PINDMA-ORDER unmap-sent=0 notified=+%ld unpinned=+%ld "
		"notify-returned=+%ld unmap-completed=+%ld (us, host clock)\n",
		(long)(tn - t0), (long)(tu - t0), (long)(tr - t0),
		(long)(t1 - t0));
	report(t0 <= tn && tn <= tu && tu <= tr && tr <= t1,
	       "UNMAP sent <= notified <= unpinned <= notification returned "
	       "<= UNMAP completed");
	report(t1 - t0 >= slow * 1000,
	       "the UNMAP waited for the slow vendor driver (%lu us >= %lu ms)",
	       (unsigned long)(t1 - t0), slow);
	report(msi_wait(p, msis + 1, 3000), "the stopped transfer's MSI came");
	/* The old page is the guest's again: nothing may write it now. */
	fill(GPA_DST, 0xc5);
	wait_until(began + (HOLD_MS + 500) * 1000ULL);
	report(all((const volatile uint8_t *)(uintptr_t)GPA_DST, 0xc5, LEN) &&
		       rd(p, R_STATUS) == ST_ABORTED,
	       "the canary in the old page is intact %u ms after the transfer "
	       "would have written it", 500);
	msis = msi_base(p);
	start(p, IOVA_SRC, IOVA_X, 0, 0);
	report(msi_wait(p, msis + 1, 3000) && rd(p, R_STATUS) == ST_ERROR &&
		       all((const volatile uint8_t *)(uintptr_t)GPA_DST, 0xc5,
			   LEN),
	       "a new DMA to the unmapped IOVA fails (error %u), the page is "
	       "untouched", rd(p, R_ERROR));
	report_summary();
}

/* A transfer holding its pages, then exit or wait. */
static void mode_inflight(int wait)
{
	const struct pdev *p = &dev[0];

	setup(1);
	pattern(GPA_SRC);
	start(p, IOVA_SRC, IOVA_X, 60000, 0);
	report(running(p), "a transfer holds %u pages", rd(p, R_PINNED));
	printf_("PINDMA-INFLIGHT pinned=%u notifications=%u\n",
		rd(p, R_PINNED), rd(p, R_NOTIFICATIONS));
	if (!wait) {
		/* Long enough to be seen holding them from outside. */
		delay_ms((unsigned int)bootarg_ulong("lab.linger", 3000));
		report_summary();
	}
	halt_forever();
}

static void mode_two(void)
{
	const unsigned int slow_in = 300, slow_out = 2500;
	struct pdev *a = &dev[0], *b = &dev[1];
	unsigned int na, nb, i, st;
	uint64_t t0, t1;
	int ret;

	setup(2);
	report(map(IOVA_Y, GPA_DST2, VIOMMU_MAP_R | VIOMMU_MAP_W) ==
		       VIOMMU_S_OK,
	       "MAP IOVA 0x%llx (read/write)", IOVA_Y);
	pattern(GPA_SRC);

	/* Slow, within ferry's bound: the UNMAP waits for it. */
	na = rd(a, R_NOTIFICATIONS);
	nb = rd(b, R_NOTIFICATIONS);
	start(a, IOVA_SRC, IOVA_X, 60000, slow_in);
	start(b, IOVA_SRC, IOVA_Y, 60000, 0);
	report(running(a) && running(b), "both read IOVA 0x%llx, pages held",
	       IOVA_SRC);
	t0 = now_us();
	ret = unmap(IOVA_SRC);
	t1 = now_us();
	report(ret == VIOMMU_S_OK, "UNMAP IOVA 0x%llx", IOVA_SRC);
	report(rd(a, R_NOTIFICATIONS) == na + 1 &&
		       rd(b, R_NOTIFICATIONS) == nb + 1,
	       "each device was notified once");
	report(rd(a, R_STATUS) == ST_ABORTED && rd(b, R_STATUS) == ST_ABORTED &&
		       rd(a, R_PINNED) == 0 && rd(b, R_PINNED) == 0,
	       "both stopped, nothing pinned");
	report(t1 - t0 >= slow_in * 1000ULL && t1 - t0 < 1000000,
	       "the UNMAP waited for the slow one: %lu us (>= %u ms, under "
	       "ferry's 1 s bound)", (unsigned long)(t1 - t0), slow_in);
	report(rd64(b, R_NOTIFY) < rd64(a, R_RETURN),
	       "the fast one was notified while the slow one was still busy "
	       "(ferry unmapped both at once)");
	printf_("PINDMA-TWO within-bound unmap-us=%lu a-returned=+%ld "
		"b-returned=+%ld\n", (unsigned long)(t1 - t0),
		(long)(rd64(a, R_RETURN) - t0), (long)(rd64(b, R_RETURN) - t0));

	/* Slower than the bound: refused at the bound, retried later. */
	report(map(IOVA_SRC, GPA_SRC, VIOMMU_MAP_R) == VIOMMU_S_OK,
	       "MAP IOVA 0x%llx again", IOVA_SRC);
	na = rd(a, R_NOTIFICATIONS);
	nb = rd(b, R_NOTIFICATIONS);
	start(a, IOVA_SRC, IOVA_X, 60000, slow_out);
	start(b, IOVA_SRC, IOVA_Y, 60000, 0);
	report(running(a) && running(b), "both hold their pages again");
	t0 = now_us();
	ret = unmap(IOVA_SRC);
	t1 = now_us();
	report(ret == VIOMMU_S_DEVERR, "UNMAP with one slower than the bound: "
				       "DEVERR (%d)", ret);
	report(t1 - t0 >= 1000000 && t1 - t0 < slow_out * 1000ULL,
	       "after ferry's bound, not the driver's: %lu us",
	       (unsigned long)(t1 - t0));
	report(rd(b, R_STATUS) == ST_ABORTED && rd(b, R_PINNED) == 0 &&
		       rd(b, R_NOTIFICATIONS) == nb + 1,
	       "the fast one was notified once and is done");
	report(rd(a, R_PINNED) > 0,
	       "the slow one still held its pages when ferry said so");
	for (i = 0; i < 60; i++) {
		delay_ms(100);
		ret = unmap(IOVA_SRC);
		if (ret != VIOMMU_S_DEVERR)
			break;
	}
	t1 = now_us();
	report(ret == VIOMMU_S_OK && t1 - t0 >= slow_out * 1000ULL,
	       "a retry succeeds once the slow one has finished (%lu ms, "
	       "%u retries)", (unsigned long)((t1 - t0) / 1000), i + 1);
	st = rd(a, R_STATUS);
	report(st == ST_ABORTED && rd(a, R_PINNED) == 0 &&
		       rd(a, R_NOTIFICATIONS) == na + 1,
	       "the slow one was notified once, stopped, unpinned (status %u)",
	       st);
	report_summary();
}

static int is(const char *mode, const char *name)
{
	return mode && !strncmp(mode, name, strlen(name) + 1);
}

int main(void)
{
	char buf[16];
	const char *mode = bootarg_str("lab.mode", buf, sizeof(buf));

	if (is(mode, "teardown"))
		mode_inflight(0);
	else if (is(mode, "term"))
		mode_inflight(1);
	else if (is(mode, "two"))
		mode_two();
	mode_unmap();
	return 0;
}
