/* SPDX-License-Identifier: MIT */
/*
 * A fake VFIO device and a fake KVM for unit tests and fuzzing of vfio/.
 * The test binary links with -Wl,--wrap=ioctl: VFIO and KVM ioctls on the
 * fake's descriptors are answered here, everything else goes to the real
 * ioctl. A device is a memfd holding its regions (config space, BARs), so
 * pread/pwrite/mmap by ferry hit real memory. The fake keeps the state a
 * leak would show in: VFIO's interrupt index and its eventfds (refusing
 * MSI while MSI-X is on, as the kernel does), KVM's irqfds, MSI routes and
 * memory slots. Eventfds are ferry's own: fake_count_fds() counts them.
 * It is also an iommufd (/dev/iommu: one IOAS, its mappings, the hardware
 * info) and KVM's VFIO pseudo-device, so the iommufd backend can be
 * driven through a device's cdev (fake_dev_cdev()).
 */
#ifndef FERRY_FAKE_VFIO_H
#define FERRY_FAKE_VFIO_H

#include <stdint.h>
#include "../../devices/pci.h"
#include "../../vfio/vfio_priv.h"
#include "dma.h"
#include "vm.h"

#define FAKE_MAX_AREAS 16
#define FAKE_MAX_DEVS 4
#define FAKE_MAX_VECTORS 2048 /* MSI-X allows no more */
#define FAKE_MAX_IRQFDS 8192
#define FAKE_MAX_SLOTS 64
#define FAKE_REGION_SHIFT 24 /* region i lives at i << 24 in the memfd */

/* What a test describes before fake_dev_add(). */
struct fake_dev {
	uint8_t cfg[4096]; /* config space at reset (caps where wanted) */
	struct {
		uint64_t size;
		int mmap;	/* VFIO_REGION_INFO_FLAG_MMAP */
		unsigned int nr_areas; /* sparse mmap areas, 0: all of it */
		struct {
			uint64_t off, size;
		} areas[FAKE_MAX_AREAS];
	} region[VFIO_PCI_NUM_REGIONS];
	int no_reset; /* no VFIO_DEVICE_FLAGS_RESET */

	/* The fake's side, valid after fake_dev_add(). */
	int memfd;
	uint64_t ino;
	char name[32];
	int irq_type; /* VFIO's: -1 none, else the active IRQ index */
	unsigned int irq_count;
	int32_t irq_fds[FAKE_MAX_VECTORS];
	int intx_masked;
	int32_t intx_unmask_fd;
	unsigned int msi_max, msix_max, intx_max; /* GET_IRQ_INFO counts */
	unsigned int resets, set_irqs, set_irqs_refused;
	struct vfio_pci_dev *vdev; /* ferry's device */

	/* Reached through its cdev (fake_dev_cdev()): the kernel's rules. */
	int cdev;
	int group_busy;	    /* a legacy user has its group: BIND -> EBUSY */
	int group_owned;    /* another owns its group's DMA: BIND -> EPERM */
	int bound;	    /* VFIO_DEVICE_BIND_IOMMUFD done (and not closed) */
	int kvm_at_bind;    /* KVM knew the device file when it was bound */
	int attached;	    /* VFIO_DEVICE_ATTACH_IOMMUFD_PT */
	uint32_t pt_id;
	char cdev_path[128];
};

/* KVM as the fake sees it. */
struct fake_kvm {
	unsigned int routing_calls;   /* KVM_SET_GSI_ROUTING */
	uint64_t entries_copied;      /* their entries, summed */
	unsigned int msi_routes;      /* MSI entries in the table KVM has */
	struct {
		uint32_t gsi;
		uint64_t addr;
		uint32_t data;
		uint32_t devid;	      /* with KVM_MSI_VALID_DEVID */
	} msi[4096];
	int msi_devid;		      /* KVM_CAP_MSI_DEVID: routes need one (ITS) */
	unsigned int irqfds;	      /* attached */
	struct {
		int fd, gsi, resample_fd;
	} irqfd[FAKE_MAX_IRQFDS];
	unsigned int bad_deassigns;   /* deassign of an irqfd not attached */
	unsigned int slots;	      /* memory slots above RAM in use */
	uint64_t slot_size[FAKE_MAX_SLOTS + 512];
	unsigned int slot_calls;
	int fail_routing;	      /* refuse KVM_SET_GSI_ROUTING (-ENOMEM) */
	unsigned int ioeventfds;      /* KVM_IOEVENTFD assigned */
	struct {
		uint64_t addr;
		uint32_t len;
		int fd, pio;
	} ioeventfd[64];
	int fail_ioeventfd;	      /* refuse KVM_IOEVENTFD (-ENOSPC) */
	uint8_t irq_level[64];	      /* KVM_IRQ_LINE, per pin */
	unsigned int irq_line_calls;
	unsigned int real_routing_calls; /* ... passed on to a real KVM */
};

/* iommufd as the fake sees it. */
struct fake_iommufd {
	uint32_t ioas;		      /* the live IOAS, 0: none */
	unsigned int ioas_allocs, ioas_destroys;
	unsigned int nr_ranges;	      /* usable IOVA ranges of the IOAS */
	struct vfio_iova_range ranges[64];
	unsigned int maps;	      /* live mappings */
	struct fake_ioas_map {
		uint64_t iova, len, vaddr;
		uint32_t flags;	      /* IOMMU_IOAS_MAP_* */
	} map[16];
	unsigned int map_calls, unmap_calls; /* IOAS_MAP / IOAS_UNMAP, ever */
	unsigned int unfixed_maps;    /* IOAS_MAP without FIXED_IOVA */
	int fail_map;		      /* errno IOAS_MAP fails with, 0: none */
	int fail_unmap;		      /* errno IOAS_UNMAP fails with */
	uint64_t alignment;	      /* IOVA_RANGES' out_iova_alignment; 0: 4 KiB */
	uint8_t pasid_log2;	      /* GET_HW_INFO's answer */
	int snoop;		      /* VT-d ECAP.SC */
	uint32_t next_devid;
};

/* KVM's VFIO pseudo-device: the files it holds. */
struct fake_kvm_vfio {
	unsigned int creates;
	unsigned int nr;
	uint64_t ino[16];
};

extern struct fake_iommufd fake_iommufd;

/* The live IOAS mapping holding @iova, or NULL. */
const struct fake_ioas_map *fake_ioas_at(uint64_t iova);
extern struct fake_kvm_vfio fake_kvm_vfio;

/* The IOMMU container as the fake sees it. */
struct fake_container {
	int report_ranges;	      /* 0: no IOVA range capability */
	unsigned int nr_ranges;
	struct vfio_iova_range ranges[64];
	unsigned int maps;	      /* live DMA mappings */
	unsigned int map_calls;	      /* VFIO_IOMMU_MAP_DMA, ever */
	/* The live ones, as type1v2 keeps them (whole mappings only). */
	struct fake_dma {
		int fd;		      /* the container fd it came through */
		uint64_t iova, size, vaddr;
		uint32_t flags;
	} dma[256];
};

extern struct fake_kvm fake_kvm;

/* The live DMA mapping holding @iova in container fd @fd, or NULL. */
const struct fake_dma *fake_dma_at(int fd, uint64_t iova);
extern struct fake_container fake_container;

/* A VM, PCI bus and VFIO context around fake devices. */
struct fake_env {
	struct vm vm;
	struct pci_bus pci;
	struct dma_domain *ram; /* identity domain of vm.mem (empty) */
	struct vfio *vfio;
	int vm_fd, group_fd, container_fd; /* the fake's; dup to use */
	int iommufd_fd;
	char dir[64];	      /* scratch: cdev files and sysfs directories */
};

/*
 * Set up @e: a struct vm whose fds are the fake KVM (buses, routing, no
 * vCPUs), bus 0 with the x86 windows, an empty struct vfio. 0 or -errno.
 */
int fake_env_init(struct fake_env *e);

/*
 * The same with a vIOMMU in charge: no identity domain, and each device
 * fake_dev_add() brings up gets a type1 backend of its own on a
 * descriptor of the fake container.
 */
int fake_env_init_viommu(struct fake_env *e);

/* vfio_destroy() and everything fake_env_init() made. */
void fake_env_destroy(struct fake_env *e);

/*
 * A plain device in @f: vendor/device IDs, a status register with the
 * capability list bit, a config region of 4096 bytes, INTA.
 */
void fake_dev_init(struct fake_dev *f);

/*
 * BAR @bar of @f: @size bytes of memory (@mmap: whole-region mmap), its
 * register type bits in config space. 64-bit BARs take two slots.
 */
void fake_dev_bar(struct fake_dev *f, int bar, uint64_t size, int mmap,
		  int is64);

/* Put a capability @id at @off at the end of @f's chain. */
void fake_dev_cap(struct fake_dev *f, uint8_t off, uint8_t id);

/* An MSI capability at @off with @ctrl (MMC, 64-bit, per-vector mask). */
void fake_dev_msi(struct fake_dev *f, uint8_t off, uint16_t ctrl);

/* An MSI-X capability at @off: @nr vectors, table and PBA in @bar. */
void fake_dev_msix(struct fake_dev *f, uint8_t off, unsigned int nr, int bar,
		   uint32_t table_off, uint32_t pba_off);

/*
 * Bring @f up through vfio_dev_setup() as device @name of @e (its own
 * group). 0 or the -errno of vfio_dev_setup() (then f->vdev is NULL).
 */
int fake_dev_add(struct fake_env *e, struct fake_dev *f, const char *name);

/*
 * Make @f reachable through its VFIO cdev, as device @name: a file
 * "vfio@n" in @e->dir/dev (holding its regions as the memfd would) and a
 * sysfs directory @e->dir/sys/@name with vfio-dev/vfio@n. @spec names it
 * (iommu=iommufd). The device refuses I/O until it is bound, as the
 * kernel's cdev does. Attach it with the iommufd backend's ops. 0 or
 * -errno.
 */
int fake_dev_cdev(struct fake_env *e, struct fake_dev *f, const char *name,
		  int n, struct vfio_spec *spec);

/* Descriptors of this process open on @f's device file (its cdev). */
int fake_dev_open_fds(const struct fake_dev *f);

/* Drop @f from the fake (after vfio_destroy()); closes its memfd. */
void fake_dev_forget(struct fake_dev *f);

/* Open descriptors of this process. */
int fake_count_fds(void);

/*
 * Only the kinds ferry and the fake open here (eventfds, memfds): for
 * processes where others come and go (libFuzzer's symbolizer pipes).
 */
int fake_count_our_fds(void);

/* MSI route of KVM's table for @gsi: 1 and the message, or 0. */
int fake_kvm_route(uint32_t gsi, uint64_t *addr, uint32_t *data);

/* The eventfd KVM signals for an @len-byte MMIO write at @gpa, or -1. */
int fake_kvm_ioeventfd(uint64_t gpa, uint32_t len);

/* Is an irqfd attached for @fd? Its GSI, or -1. */
int fake_kvm_irqfd_gsi(int fd);

/* Guest config access to @f's slot (through pci_cfg_read/write). */
uint32_t fake_cfg_read(struct fake_env *e, struct fake_dev *f, uint32_t off,
		       uint32_t len);
void fake_cfg_write(struct fake_env *e, struct fake_dev *f, uint32_t off,
		    uint32_t val, uint32_t len);

/* Guest MMIO access at @gpa (the MMIO bus: BAR traps, ECAM). */
uint64_t fake_mmio_read(struct fake_env *e, uint64_t gpa, uint32_t len);
void fake_mmio_write(struct fake_env *e, uint64_t gpa, uint64_t val,
		     uint32_t len);

/* The device's own config byte at @off (what reached the hardware). */
uint8_t fake_dev_cfg_byte(struct fake_dev *f, uint32_t off);

#endif
