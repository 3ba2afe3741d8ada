// SPDX-License-Identifier: MIT
/*
 * BARs of a VFIO device in the guest. The PCI layer decides where a BAR
 * decodes and traps every access to it (devices/pci_bar.c); here a
 * trapped access goes to the device (pread/pwrite, or the emulated MSI-X
 * table), and the fast path: vfio_bar_map() arms a decoding BAR, whose
 * mmapped pieces (around the MSI-X table and PBA pages) become KVM
 * memory slots lazily, at the first trapped access (barmap.c), after
 * which KVM serves them without exits. I/O BARs, the ROM and what cannot
 * be mmapped stay trapped.
 */
#include <errno.h>
#include "../vmm/vm.h"
#include "vfio_priv.h"

#define PAGE 4096ULL

/* MSI-X table or PBA pages inside BAR @bar, as [start, end) offsets. */
static unsigned int msix_holes(const struct vfio_pci_dev *d, int bar,
			       uint64_t hole[2][2])
{
	unsigned int n = 0;

	if (!d->msix.off)
		return 0;
	if (d->msix.table_bar == bar) {
		hole[n][0] = d->msix.table_off & ~(PAGE - 1);
		hole[n][1] = ALIGN_UP(d->msix.table_off + d->msix.nr * 16ULL,
				      PAGE);
		n++;
	}
	if (d->msix.pba_bar == bar) {
		hole[n][0] = d->msix.pba_off & ~(PAGE - 1);
		hole[n][1] = ALIGN_UP(d->msix.pba_off +
					      ALIGN_UP(d->msix.nr, 64) / 8,
				      PAGE);
		n++;
	}
	return n;
}

/* barmap ops: a piece of a BAR becomes a KVM memory slot. */
static int slot_install(void *ctx, uint64_t gpa, uint64_t len, void *hva)
{
	struct vfio_pci_dev *d = ctx;
	struct vm *vm = d->vfio->vm;
	int slot, ret;

	slot = vm_slot_alloc(vm);
	if (slot < 0)
		return slot;
	ret = vm_set_slot(vm, (unsigned int)slot, gpa, len, hva);
	if (ret) {
		vm_slot_free(vm, slot);
		return ret;
	}
	return slot;
}

static void slot_remove(void *ctx, int slot)
{
	struct vfio_pci_dev *d = ctx;

	if (vm_clear_slot(d->vfio->vm, (unsigned int)slot))
		vfio_dev_warn_rl(d, "cannot remove memory slot %d", slot);
	vm_slot_free(d->vfio->vm, slot);
}

static void guest_pause(void *ctx)
{
	vm_pause(((struct vfio_pci_dev *)ctx)->vfio->vm);
}

static void guest_resume(void *ctx)
{
	vm_resume(((struct vfio_pci_dev *)ctx)->vfio->vm);
}

static const struct barmap_ops slot_ops = {
	.install = slot_install,
	.remove = slot_remove,
	.pause = guest_pause,
	.resume = guest_resume,
};

/*
 * The pieces of BAR @i that may become memory slots: its mmapped areas
 * minus the pages holding the MSI-X table and PBA (always trapped).
 */
static int add_pieces(struct vfio_pci_dev *d, int i)
{
	const struct vfio_region *r = &d->regions[i];
	struct barmap *bm = &d->bars[i].map;
	uint64_t hole[2][2];
	unsigned int a, h, nh = msix_holes(d, i, hole);
	int ret = 0;

	if (nh == 2 && hole[1][0] < hole[0][0]) { /* sort by start */
		uint64_t t0 = hole[0][0], t1 = hole[0][1];

		hole[0][0] = hole[1][0];
		hole[0][1] = hole[1][1];
		hole[1][0] = t0;
		hole[1][1] = t1;
	}
	for (a = 0; a < r->nr_areas && !ret; a++) {
		uint64_t base = r->areas[a].off, end = base + r->areas[a].size;
		uint8_t *hva = r->areas[a].hva;
		uint64_t cur = base;

		if (!hva || (base | end) & (PAGE - 1))
			continue;
		for (h = 0; h < nh && !ret; h++) {
			if (hole[h][1] <= cur || hole[h][0] >= end)
				continue;
			if (hole[h][0] > cur)
				ret = barmap_add_piece(bm, cur, hole[h][0] - cur,
						       hva + (cur - base));
			cur = MAX(cur, hole[h][1]);
		}
		if (!ret && cur < end)
			ret = barmap_add_piece(bm, cur, end - cur,
					       hva + (cur - base));
	}
	return ret;
}

void vfio_bar_map(struct pci_dev *pdev, int i, uint64_t gpa, int on)
{
	struct vfio_pci_dev *d = container_of(pdev, struct vfio_pci_dev, pci);
	struct vfio_bar *b = &d->bars[i];

	if (!on) {
		/* Slots go before the trap: no access may find neither. */
		if (b->mappable)
			barmap_off(&b->map);
		d->stats.decode_off++;
		return;
	}
	d->stats.decode_on++;
	/* Lazy: the first access traps, and barmap_fault() maps it. */
	if (b->mappable)
		barmap_arm(&b->map, gpa);
}

static int in_msix_table(const struct vfio_pci_dev *d, int i, uint64_t off,
			 uint32_t len)
{
	return d->msix.off && d->msix.table_bar == i &&
	       off >= d->msix.table_off &&
	       off + len <= d->msix.table_off + d->msix.nr * 16ULL;
}

void vfio_bar_read(struct pci_dev *pdev, int i, uint64_t off, void *data,
		   uint32_t len)
{
	struct vfio_pci_dev *d = container_of(pdev, struct vfio_pci_dev, pci);
	struct vfio_bar *b = &d->bars[i];

	d->stats.trapped_reads++;
	if (b->mappable)
		barmap_fault(&b->map);
	if (in_msix_table(d, i, off, len)) {
		vfio_msix_table_read(d, off - d->msix.table_off, data, len);
		return;
	}
	vfio_region_read(d, (unsigned int)i, off, data, len);
}

void vfio_bar_write(struct pci_dev *pdev, int i, uint64_t off,
		    const void *data, uint32_t len)
{
	struct vfio_pci_dev *d = container_of(pdev, struct vfio_pci_dev, pci);
	struct vfio_bar *b = &d->bars[i];

	d->stats.trapped_writes++;
	if (i == PCI_ROM_BAR)
		return; /* read-only */
	if (b->mappable)
		barmap_fault(&b->map);
	if (in_msix_table(d, i, off, len)) {
		vfio_msix_table_write(d, off - d->msix.table_off, data, len);
		return;
	}
	if (vfio_region_write(d, (unsigned int)i, off, data, len))
		vfio_dev_warn_rl(d, "BAR%d: write of %u bytes at 0x%llx "
				 "dropped", i, len, (unsigned long long)off);
}

int vfio_bars_init(struct vfio_pci_dev *d)
{
	int i, ret;

	for (i = 0; i <= PCI_ROM_BAR; i++) {
		struct vfio_bar *b = &d->bars[i];

		if (i == PCI_ROM_BAR || d->pci.bars[i].type == PCI_BAR_IO ||
		    !d->pci.bars[i].size)
			continue;
		ret = barmap_init(&b->map, &slot_ops, d);
		if (ret)
			return ret;
		b->mappable = 1;
		ret = add_pieces(d, i);
		if (ret == -ENOSPC) {
			/* Slower, not broken: every access traps. */
			vfio_dev_info(d, "BAR%d has more than %d mmap pieces; it "
				      "is trapped", i, BARMAP_MAX_PIECES);
			barmap_clear_pieces(&b->map);
		} else if (ret) {
			vfio_dev_err(d, "BAR%d: %s", i, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void vfio_bars_revoke(struct vfio_pci_dev *d)
{
	int i;

	for (i = 0; i <= PCI_ROM_BAR; i++)
		if (d->bars[i].mappable)
			barmap_revoke(&d->bars[i].map);
}

void vfio_bars_release(struct vfio_pci_dev *d)
{
	int i;

	/* pci_remove_device() has stopped every BAR decoding (the map too). */
	for (i = 0; i <= PCI_ROM_BAR; i++) {
		struct vfio_bar *b = &d->bars[i];

		if (b->mappable)
			barmap_destroy(&b->map);
		b->mappable = 0;
	}
}
