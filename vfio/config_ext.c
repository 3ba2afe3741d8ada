// SPDX-License-Identifier: MIT
/*
 * The PCIe extended config space (0x100 up to 4 KiB) a guest sees of a
 * VFIO device: the device's extended capabilities, walked once with a
 * bound and a loop guard, re-linked into a virtual chain that shows only
 * what a guest driver may read and ferry need not emulate (AER, the
 * serial number, vendor-specific ones), all read-only. Everything else is
 * hidden: PASID, ATS and PRI (the guest has no IOMMU that could use
 * them), SR-IOV and ARI (no virtual functions), resizable BARs (the PCI
 * layer owns BAR sizes), power and link control, and what ferry does not
 * know. Hidden bytes read as zero; every write in extended space is
 * dropped (and counted if it hits a hidden capability).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "vfio_priv.h"

#define EXT_START PCI_CFG_SPACE_SIZE	  /* 0x100 */
#define EXT_END PCI_CFG_SPACE_EXP_SIZE	  /* 0x1000 */
#define EXT_HDR(id, ver, next) \
	((uint32_t)(id) | (uint32_t)(ver) << 16 | (uint32_t)(next) << 20)

static const struct {
	uint16_t id;
	const char *name;
	int shown;
} ext_ids[] = {
	{ PCI_EXT_CAP_ID_ERR, "AER", 1 },
	{ PCI_EXT_CAP_ID_DSN, "DSN", 1 },
	{ PCI_EXT_CAP_ID_VNDR, "VSEC", 1 },
	{ PCI_EXT_CAP_ID_DVSEC, "DVSEC", 1 },
	{ PCI_EXT_CAP_ID_VC, "VC", 0 },
	{ PCI_EXT_CAP_ID_PWR, "power-budget", 0 },
	{ PCI_EXT_CAP_ID_ACS, "ACS", 0 },
	{ PCI_EXT_CAP_ID_ARI, "ARI", 0 },
	{ PCI_EXT_CAP_ID_ATS, "ATS", 0 },
	{ PCI_EXT_CAP_ID_SRIOV, "SR-IOV", 0 },
	{ PCI_EXT_CAP_ID_PRI, "PRI", 0 },
	{ PCI_EXT_CAP_ID_REBAR, "resizable-BAR", 0 },
	{ PCI_EXT_CAP_ID_LTR, "LTR", 0 },
	{ PCI_EXT_CAP_ID_SECPCI, "secondary-PCIe", 0 },
	{ PCI_EXT_CAP_ID_PASID, "PASID", 0 },
	{ PCI_EXT_CAP_ID_L1SS, "L1-PM-substates", 0 },
	{ PCI_EXT_CAP_ID_PTM, "PTM", 0 },
};

static int ext_index(uint16_t id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ext_ids); i++)
		if (ext_ids[i].id == id)
			return (int)i;
	return -1;
}

const char *vfio_ext_cap_name(uint16_t id)
{
	int i = ext_index(id);

	return i < 0 ? "unknown" : ext_ids[i].name;
}

int vfio_ext_cap_shown(uint16_t id)
{
	int i = ext_index(id);

	return i >= 0 && ext_ids[i].shown;
}

/* Say at -v what the guest sees of each capability, in chain order. */
static void ext_describe(struct vfio_pci_dev *d)
{
	char line[512];
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < d->ext.nr && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s@0x%03x %s",
				      i ? ", " : "",
				      vfio_ext_cap_name(d->ext.caps[i].id),
				      d->ext.caps[i].off,
				      d->ext.caps[i].shown ? "read-only"
							   : "hidden");
	if (d->ext.nr)
		vfio_dev_info(d, "extended capabilities: %s", line);
}

int vfio_ext_init(struct vfio_pci_dev *d)
{
	uint64_t size = d->regions[VFIO_PCI_CONFIG_REGION_INDEX].size;
	struct vfio_ext *e = &d->ext;
	uint8_t *buf, seen[(EXT_END - EXT_START) / 4] = { 0 };
	unsigned int off, i, j, last = 0;
	int ret;

	memset(e, 0, sizeof(*e));
	/* Only a PCI Express function has extended config space. */
	if (!d->pcie_off || size < EXT_END)
		return 0;
	e->size = EXT_END;
	buf = malloc(EXT_END);
	if (!buf)
		return -ENOMEM;
	ret = vfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, 0, buf, EXT_END);
	if (ret) {
		vfio_dev_info(d, "cannot read extended config space (%s); it "
			      "reads as empty", strerror(-ret));
		free(buf);
		return 0;
	}
	/*
	 * Each header inside config space, dword-aligned, never visited
	 * before (a loop ends the walk), at most VFIO_EXT_MAX of them.
	 */
	for (off = EXT_START; off >= EXT_START && off + 4 <= EXT_END &&
			      !seen[(off - EXT_START) / 4];
	     off = (get_le32(&buf[off]) >> 20) & 0xffc) {
		uint32_t h = get_le32(&buf[off]);

		if (h == 0 || h == 0xffffffffu)
			break; /* no (more) capabilities */
		seen[(off - EXT_START) / 4] = 1;
		if (e->nr == VFIO_EXT_MAX) {
			vfio_dev_info(d, "more than %d extended capabilities; "
				      "the rest are hidden", VFIO_EXT_MAX);
			break;
		}
		e->caps[e->nr].off = (uint16_t)off;
		e->caps[e->nr].id = (uint16_t)(h & 0xffff);
		e->caps[e->nr].ver = (uint8_t)((h >> 16) & 0xf);
		e->caps[e->nr].shown = vfio_ext_cap_shown(e->caps[e->nr].id);
		e->nr++;
	}
	free(buf);
	/* Each capability ends where the next one (by address) starts. */
	for (i = 0; i < e->nr; i++) {
		e->caps[i].end = EXT_END;
		for (j = 0; j < e->nr; j++)
			if (e->caps[j].off > e->caps[i].off &&
			    e->caps[j].off < e->caps[i].end)
				e->caps[i].end = e->caps[j].off;
	}
	/* The virtual chain: shown ones in the device's order. */
	for (i = 0; i < e->nr; i++) {
		if (!e->caps[i].shown) {
			e->nr_hidden++;
			continue;
		}
		e->nr_shown++;
		if (last)
			e->caps[last - 1].next = e->caps[i].off;
		else
			e->first = e->caps[i].off;
		last = i + 1;
	}
	ext_describe(d);
	return 0;
}

/* The capability holding @reg, or NULL. */
static const struct vfio_ext_cap *ext_cap_at(const struct vfio_ext *e,
					     uint32_t reg)
{
	unsigned int i;

	for (i = 0; i < e->nr; i++)
		if (reg >= e->caps[i].off && reg < e->caps[i].end)
			return &e->caps[i];
	return NULL;
}

/*
 * The byte the guest sees at @reg (>= 0x100) given the device's @real.
 * The chain must start at 0x100: if the capability there is hidden, a
 * null header (ID 0, version 0) links to the first shown one, as the
 * PCIe spec allows and Linux walks.
 */
static uint8_t ext_byte(const struct vfio_ext *e, uint32_t reg, uint8_t real)
{
	const struct vfio_ext_cap *c = ext_cap_at(e, reg);
	unsigned int o;

	if (!e->first)
		return 0;
	if (reg < EXT_START + 4 && (!c || !c->shown))
		return (uint8_t)(EXT_HDR(0, 0, e->first) >> ((reg - EXT_START) * 8));
	if (!c || !c->shown)
		return 0;
	o = reg - c->off;
	if (o < 4)
		return (uint8_t)(EXT_HDR(c->id, c->ver, c->next) >> (o * 8));
	return real;
}

void vfio_ext_read(struct vfio_pci_dev *d, uint32_t off, void *data,
		   uint32_t len)
{
	uint8_t *b = data;
	uint32_t i;

	if (!d->ext.size || off >= d->ext.size || len > d->ext.size - off ||
	    !d->ext.first) {
		memset(data, 0, len);
		return;
	}
	vfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, off, data, len);
	for (i = 0; i < len; i++)
		b[i] = ext_byte(&d->ext, off + i, b[i]);
}

void vfio_ext_write(struct vfio_pci_dev *d, uint32_t off, uint32_t len)
{
	const struct vfio_ext_cap *c = ext_cap_at(&d->ext, off);

	(void)len;
	/* All read-only: the guest gets nothing to change here. */
	if (c && !c->shown)
		d->stats.hidden_cap_writes++;
}
