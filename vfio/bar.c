// SPDX-License-Identifier: MIT
/*
 * BARs of a VFIO device in the guest. vfio_bar_map() is the only place
 * that adds or removes their KVM memory slots and bus traps: a BAR that
 * decodes has a trap region covering all of it (for what is not mmapped:
 * the MSI-X table and PBA pages, non-sparse parts, I/O BARs, the ROM)
 * and one memory slot per mmapped piece, which KVM serves without exits.
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

static void clear_slots(struct vfio_pci_dev *d, struct vfio_bar *b)
{
	struct vm *vm = d->vfio->vm;

	while (b->nr_slots) {
		int slot = b->slots[--b->nr_slots];

		if (vm_clear_slot(vm, (unsigned int)slot))
			vfio_dev_warn_rl(d, "cannot remove memory slot %d",
					 slot);
		vm_slot_free(vm, slot);
	}
}

static int add_slot(struct vfio_pci_dev *d, struct vfio_bar *b, uint64_t gpa,
		    uint64_t len, void *hva)
{
	struct vm *vm = d->vfio->vm;
	int slot, ret;

	if (b->nr_slots == VFIO_MAX_AREAS)
		return -ENOSPC;
	slot = vm_slot_alloc(vm);
	if (slot < 0)
		return slot;
	ret = vm_set_slot(vm, (unsigned int)slot, gpa, len, hva);
	if (ret) {
		vm_slot_free(vm, slot);
		return ret;
	}
	b->slots[b->nr_slots++] = slot;
	return 0;
}

/*
 * Map the mmapped areas of BAR @i at @gpa, around the MSI-X holes. All or
 * nothing: on any failure every slot of this BAR goes and the BAR is
 * served by its trap alone.
 */
static int map_areas(struct vfio_pci_dev *d, struct vfio_bar *b, int i,
		     uint64_t gpa)
{
	const struct vfio_region *r = &d->regions[i];
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
		/* [base, end) minus the holes, piece by piece. */
		for (h = 0; h < nh && !ret; h++) {
			if (hole[h][1] <= cur || hole[h][0] >= end)
				continue;
			if (hole[h][0] > cur)
				ret = add_slot(d, b, gpa + cur, hole[h][0] - cur,
					       hva + (cur - base));
			cur = MAX(cur, hole[h][1]);
		}
		if (!ret && cur < end)
			ret = add_slot(d, b, gpa + cur, end - cur,
				       hva + (cur - base));
	}
	if (ret) {
		vfio_dev_warn_rl(d, "BAR%d: a memory slot failed (%s); the "
				 "whole BAR is trapped instead", i,
				 strerror(-ret));
		clear_slots(d, b);
	}
	return 0;
}

static int overlaps_ram(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < vm->mem.nr; i++)
		if (ranges_overlap(gpa, len, vm->mem.regions[i].gpa,
				   vm->mem.regions[i].len))
			return 1;
	return 0;
}

int vfio_bar_map(struct pci_dev *pdev, int i, uint64_t addr, int on)
{
	struct vfio_pci_dev *d = container_of(pdev, struct vfio_pci_dev, pci);
	struct vfio_bar *b = &d->bars[i];
	struct vm *vm = d->vfio->vm;
	const struct pci_bar *pb = &pdev->bars[i];
	struct bus *bus = pb->type == PCI_BAR_IO ? &vm->pio : &vm->mmio;
	int ret;

	if (!on) {
		clear_slots(d, b);
		if (b->trap_on && bus_remove(bus, b->gpa, &b->trap))
			vfio_dev_warn_rl(d, "BAR%d trap was not registered", i);
		b->trap_on = 0;
		d->stats.bar_unmaps++;
		return 0;
	}
	if (pb->type != PCI_BAR_IO && overlaps_ram(vm, addr, pb->size))
		return -EEXIST; /* never shadow guest RAM */
	ret = bus_add(bus, addr, pb->size, &b->trap);
	if (ret)
		return ret;
	b->trap_on = 1;
	b->gpa = addr;
	d->stats.bar_maps++;
	if (pb->type != PCI_BAR_IO && i != PCI_ROM_BAR)
		map_areas(d, b, i, addr);
	return 0;
}

static int in_msix_table(const struct vfio_pci_dev *d, int i, uint64_t off,
			 uint32_t len)
{
	return d->msix.off && d->msix.table_bar == i &&
	       off >= d->msix.table_off &&
	       off + len <= d->msix.table_off + d->msix.nr * 16ULL;
}

static void trap_read(struct bus_dev *bd, uint64_t off, void *data,
		      uint32_t len)
{
	struct vfio_bar *b = container_of(bd, struct vfio_bar, trap);
	struct vfio_pci_dev *d = b->dev;

	d->stats.trapped_reads++;
	if (in_msix_table(d, b->index, off, len)) {
		vfio_msix_table_read(d, off - d->msix.table_off, data, len);
		return;
	}
	vfio_region_read(d, (unsigned int)b->index, off, data, len);
}

static void trap_write(struct bus_dev *bd, uint64_t off, const void *data,
		       uint32_t len)
{
	struct vfio_bar *b = container_of(bd, struct vfio_bar, trap);
	struct vfio_pci_dev *d = b->dev;

	d->stats.trapped_writes++;
	if (b->index == PCI_ROM_BAR)
		return; /* read-only */
	if (in_msix_table(d, b->index, off, len)) {
		vfio_msix_table_write(d, off - d->msix.table_off, data, len);
		return;
	}
	if (vfio_region_write(d, (unsigned int)b->index, off, data, len))
		vfio_dev_warn_rl(d, "BAR%d: write of %u bytes at 0x%llx "
				 "dropped", b->index, len,
				 (unsigned long long)off);
}

static const struct bus_ops trap_ops = {
	.read = trap_read,
	.write = trap_write,
};

int vfio_bars_init(struct vfio_pci_dev *d)
{
	int i;

	for (i = 0; i <= PCI_ROM_BAR; i++) {
		d->bars[i].trap = (struct bus_dev){ &trap_ops, d->name };
		d->bars[i].dev = d;
		d->bars[i].index = i;
	}
	return 0;
}

void vfio_bars_release(struct vfio_pci_dev *d)
{
	int i;

	for (i = 0; i <= PCI_ROM_BAR; i++)
		if (d->bars[i].trap_on || d->bars[i].nr_slots)
			vfio_bar_map(&d->pci, i, d->bars[i].gpa, 0);
}
