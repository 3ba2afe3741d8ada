// SPDX-License-Identifier: GPL-2.0
/*
 * pindma: a mediated PCI DMA engine for ferry's lab (Linux 6.1 mdev API).
 * Unlike the kernel's samples it does what a real vendor driver does to
 * guest memory: it pins the pages of a transfer (vfio_pin_pages), copies
 * through VFIO (vfio_dma_rw), and implements .dma_unmap, the notification
 * type1 sends before it unmaps a range with pages pinned in it.
 *
 * BAR0 (4 KiB MMIO, trapped):
 *   0x00 ID        RO  0x50494e44 ("PIND")
 *   0x08 SRC       RW  source IOVA (64 bit)
 *   0x10 DST       RW  destination IOVA (64 bit)
 *   0x18 LEN       RW  bytes, at most PINDMA_MAX_PAGES pages each side
 *   0x1c HOLD_MS   RW  keep the pages pinned this long before copying
 *   0x20 DOORBELL  WO  any write starts a transfer (ignored while busy)
 *   0x24 STATUS    RO  0 idle, 1 busy, 2 done, 3 aborted, 4 error
 *   0x28 ERROR     RO  errno of the last failure
 *   0x2c SLOW_MS   RW  "slow to unpin": a notification waits this long
 *                      before it stops the transfer (it always unpins:
 *                      type1 in 6.1 hits BUG_ON after 10 retries)
 *   0x30 NOW_US    RO  the host's monotonic clock, microseconds (64 bit)
 *   0x38 NOTIFY_US RO  when the last .dma_unmap began (64 bit)
 *   0x40 UNPIN_US  RO  when the last transfer unpinned its pages (64 bit)
 *   0x48 NOTIFICATIONS RO  .dma_unmap calls so far
 *   0x4c PINNED    RO  pages pinned now
 *   0x50 RETURN_US RO  when the last .dma_unmap returned (64 bit)
 * The three times let a guest order its own UNMAP (read NOW_US before and
 * after) against the notification and the unpinning, on one clock.
 *
 * A transfer's end (done, aborted, error) is signalled with an MSI (one
 * vector; config space has the capability, VFIO_DEVICE_SET_IRQS takes
 * its eventfd); STATUS can be polled too. Bus mastering is not looked
 * at, so a transfer can outlive the guest's driver.
 *
 * sysfs, per device: notifications (.dma_unmap calls), hits (those that
 * found a transfer in their range), pinned_now (pages), aborted,
 * completed.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/eventfd.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/workqueue.h>
#include <linux/iommu.h>
#include <linux/vfio.h>
#include <linux/mdev.h>
#include <linux/pci.h>

#define PINDMA_NAME "pindma"
#define PINDMA_ID 0x50494e44
#define PINDMA_BAR_SIZE 0x1000
#define PINDMA_CFG_SIZE 0x100
#define PINDMA_MAX_PAGES 256
#define PINDMA_SHIFT 40 /* region i at i << 40 in the device fd */
#define PINDMA_INDEX(off) ((off) >> PINDMA_SHIFT)
#define PINDMA_OFF(off) ((off) & ((1ULL << PINDMA_SHIFT) - 1))

#define PINDMA_MSI_CAP 0x40

enum { R_ID = 0x00, R_SRC = 0x08, R_DST = 0x10, R_LEN = 0x18,
       R_HOLD = 0x1c, R_DOORBELL = 0x20, R_STATUS = 0x24, R_ERROR = 0x28,
       R_SLOW = 0x2c, R_NOW = 0x30, R_NOTIFY = 0x38, R_UNPIN = 0x40,
       R_NOTIFICATIONS = 0x48, R_PINNED = 0x4c, R_RETURN = 0x50 };
enum { ST_IDLE, ST_BUSY, ST_DONE, ST_ABORTED, ST_ERROR };

struct pindma {
	struct vfio_device vdev;
	u8 cfg[PINDMA_CFG_SIZE];
	struct mutex lock;	/* registers and the transfer's state */
	u64 src, dst;
	u32 len, hold_ms, slow_ms, status, error;
	bool busy, abort;
	wait_queue_head_t wq;	/* the worker's hold, cut short by abort */
	struct completion done;	/* the transfer ended, its pages unpinned */
	struct work_struct work;
	struct page *pages[PINDMA_MAX_PAGES];
	struct eventfd_ctx *trigger; /* the MSI, or NULL */
	u64 notify_us, unpin_us, return_us;
	atomic_t notifications, hits, pinned_now, aborted, completed;
};

static struct pindma_dev {
	struct device dev;
	struct mdev_parent parent;
	struct class *class;
} pindma_dev;

static struct mdev_type pindma_type = {
	.sysfs_name = "1", .pretty_name = "Pinning DMA engine",
};
static struct mdev_type *pindma_types[] = { &pindma_type };
static const struct vfio_device_ops pindma_ops;

static u64 now_us(void)
{
	return div_u64(ktime_get_ns(), 1000);
}

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

static int nr_pages(u64 iova, u32 len)
{
	return (int)(((iova & ~PAGE_MASK) + len + PAGE_SIZE - 1) >> PAGE_SHIFT);
}

static void pin_release(struct pindma *s, u64 iova, int n)
{
	if (n <= 0)
		return;
	vfio_unpin_pages(&s->vdev, iova & PAGE_MASK, n);
	atomic_sub(n, &s->pinned_now);
}

static int pin(struct pindma *s, u64 iova, int n, int prot)
{
	int ret = vfio_pin_pages(&s->vdev, iova & PAGE_MASK, n, prot,
				 s->pages);

	if (ret > 0)
		atomic_add(ret, &s->pinned_now);
	if (ret >= 0 && ret != n) {
		pin_release(s, iova, ret);
		ret = -EFAULT;
	}
	return ret < 0 ? ret : 0;
}

/* The transfer: pin both sides, hold, copy page by page, unpin. */
static void pindma_work(struct work_struct *work)
{
	struct pindma *s = container_of(work, struct pindma, work);
	int ns, nd, ret;
	u64 src, dst, off;
	u32 len, hold;
	void *buf;

	mutex_lock(&s->lock);
	src = s->src, dst = s->dst, len = s->len, hold = s->hold_ms;
	mutex_unlock(&s->lock);
	ns = nr_pages(src, len);
	nd = nr_pages(dst, len);
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	ret = buf ? 0 : -ENOMEM;
	if (!ret && (!len || ns > PINDMA_MAX_PAGES || nd > PINDMA_MAX_PAGES))
		ret = -EINVAL;
	if (!ret)
		ret = pin(s, src, ns, IOMMU_READ);
	if (ret) {
		ns = nd = 0;
		goto out;
	}
	/* Write only: type1 refuses a pin asking more than the mapping
	 * allows (-EPERM), and the device only writes there. (The copy,
	 * vfio_dma_rw(), still needs the mapping readable: type1 checks
	 * IOMMU_READ for writes too.) */
	ret = pin(s, dst, nd, IOMMU_WRITE);
	if (ret) {
		nd = 0;
		goto out;
	}
	wait_event_timeout(s->wq, READ_ONCE(s->abort),
			   msecs_to_jiffies(hold));
	for (off = 0; off < len && !ret && !READ_ONCE(s->abort);
	     off += PAGE_SIZE) {
		size_t n = min_t(u64, PAGE_SIZE, len - off);

		ret = vfio_dma_rw(&s->vdev, src + off, buf, n, false);
		if (!ret)
			ret = vfio_dma_rw(&s->vdev, dst + off, buf, n, true);
	}
out:
	pin_release(s, dst, nd);
	pin_release(s, src, ns);
	kfree(buf);
	mutex_lock(&s->lock);
	s->unpin_us = now_us();
	if (s->abort) {
		s->status = ST_ABORTED;
		atomic_inc(&s->aborted);
	} else if (ret) {
		s->status = ST_ERROR;
		s->error = -ret;
	} else {
		s->status = ST_DONE;
		atomic_inc(&s->completed);
	}
	s->busy = false;
	if (s->trigger)
		eventfd_signal(s->trigger, 1);
	mutex_unlock(&s->lock);
	complete_all(&s->done);
}

/* Stop the transfer (if @all, or if it touches [@iova, +@len)), wait for
 * its pages to be unpinned. Returns whether there was one to stop. */
static bool pindma_stop(struct pindma *s, u64 iova, u64 len, bool all)
{
	bool hit;
	u32 slow;

	mutex_lock(&s->lock);
	hit = s->busy && (all || overlaps(iova, len, s->src, s->len) ||
			  overlaps(iova, len, s->dst, s->len));
	if (hit)
		s->abort = true;
	slow = s->slow_ms;
	mutex_unlock(&s->lock);
	if (!hit)
		return false;
	if (slow && !all)
		msleep(slow);
	wake_up(&s->wq);
	wait_for_completion(&s->done);
	return true;
}

static void pindma_dma_unmap(struct vfio_device *vdev, u64 iova, u64 length)
{
	struct pindma *s = container_of(vdev, struct pindma, vdev);

	WRITE_ONCE(s->notify_us, now_us());
	atomic_inc(&s->notifications);
	if (pindma_stop(s, iova, length, false))
		atomic_inc(&s->hits);
	WRITE_ONCE(s->return_us, now_us());
}

/* The MSI's eventfd: @fd, or none (-1). */
static int pindma_set_trigger(struct pindma *s, int fd)
{
	struct eventfd_ctx *ctx = NULL, *old;

	if (fd >= 0) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	mutex_lock(&s->lock);
	old = s->trigger;
	s->trigger = ctx;
	mutex_unlock(&s->lock);
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

static int pindma_set_irqs(struct pindma *s, unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	s32 fd;
	u8 fire = 1;
	int ret;

	if (copy_from_user(&hdr, (void __user *)arg, minsz))
		return -EFAULT;
	ret = vfio_set_irqs_validate_and_prepare(&hdr,
		hdr.index == VFIO_PCI_MSI_IRQ_INDEX ? 1 : 0,
		VFIO_PCI_NUM_IRQS, &data_size);
	if (ret)
		return ret;
	if (hdr.index != VFIO_PCI_MSI_IRQ_INDEX ||
	    (hdr.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) !=
		    VFIO_IRQ_SET_ACTION_TRIGGER)
		return -EINVAL;
	if (hdr.flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		if (copy_from_user(&fd, (void __user *)(arg + minsz),
				   sizeof(fd)))
			return -EFAULT;
		return pindma_set_trigger(s, fd);
	}
	if (!hdr.count)
		return pindma_set_trigger(s, -1); /* MSI off */
	if ((hdr.flags & VFIO_IRQ_SET_DATA_BOOL) &&
	    copy_from_user(&fire, (void __user *)(arg + minsz), 1))
		return -EFAULT;
	mutex_lock(&s->lock);
	if (fire && s->trigger)
		eventfd_signal(s->trigger, 1); /* a loopback test */
	mutex_unlock(&s->lock);
	return 0;
}

static void pindma_close(struct vfio_device *vdev)
{
	struct pindma *s = container_of(vdev, struct pindma, vdev);

	pindma_stop(s, 0, 0, true);
	flush_work(&s->work);
	pindma_set_trigger(s, -1);
}

static void cfg_init(struct pindma *s)
{
	u8 *c = s->cfg;

	memset(c, 0, sizeof(s->cfg));
	*(__le16 *)&c[PCI_VENDOR_ID] = cpu_to_le16(0x1234);
	*(__le16 *)&c[PCI_DEVICE_ID] = cpu_to_le16(0x9d0a);
	c[PCI_CLASS_REVISION] = 1;
	*(__le16 *)&c[PCI_CLASS_DEVICE] = cpu_to_le16(0x0880);
	*(__le32 *)&c[PCI_BASE_ADDRESS_0] =
		cpu_to_le32(PCI_BASE_ADDRESS_SPACE_MEMORY);
	/* One MSI vector, 32-bit address, no mask bits. */
	*(__le16 *)&c[PCI_STATUS] = cpu_to_le16(PCI_STATUS_CAP_LIST);
	c[PCI_CAPABILITY_LIST] = PINDMA_MSI_CAP;
	c[PINDMA_MSI_CAP + PCI_CAP_LIST_ID] = PCI_CAP_ID_MSI;
	c[PINDMA_MSI_CAP + PCI_CAP_LIST_NEXT] = 0;
}

static void cfg_write(struct pindma *s, u32 off, const u8 *v, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++, off++) {
		if (off == PCI_COMMAND)
			s->cfg[off] = v[i] & (PCI_COMMAND_MEMORY |
					      PCI_COMMAND_MASTER);
		else if (off >= PCI_BASE_ADDRESS_0 &&
			 off < PCI_BASE_ADDRESS_0 + 4)
			/* Sizing: the low 12 bits are the BAR's size. */
			s->cfg[off] = off == PCI_BASE_ADDRESS_0 ? 0 :
				      off == PCI_BASE_ADDRESS_0 + 1 ?
				      v[i] & 0xf0 : v[i];
		else if (off == PCI_INTERRUPT_LINE)
			s->cfg[off] = v[i];
		else if (off == PINDMA_MSI_CAP + PCI_MSI_FLAGS)
			s->cfg[off] = v[i] & PCI_MSI_FLAGS_ENABLE;
		else if (off >= PINDMA_MSI_CAP + PCI_MSI_ADDRESS_LO &&
			 off < PINDMA_MSI_CAP + PCI_MSI_DATA_32 + 2)
			s->cfg[off] = v[i];
	}
}

static u64 reg_read(struct pindma *s, u32 off)
{
	switch (off) {
	case R_ID: return PINDMA_ID;
	case R_SRC: return s->src;
	case R_SRC + 4: return s->src >> 32;
	case R_DST: return s->dst;
	case R_DST + 4: return s->dst >> 32;
	case R_LEN: return s->len;
	case R_HOLD: return s->hold_ms;
	case R_STATUS: return s->status;
	case R_ERROR: return s->error;
	case R_SLOW: return s->slow_ms;
	case R_NOW: return now_us();
	case R_NOW + 4: return now_us() >> 32;
	case R_NOTIFY: return READ_ONCE(s->notify_us);
	case R_NOTIFY + 4: return READ_ONCE(s->notify_us) >> 32;
	case R_UNPIN: return s->unpin_us;
	case R_UNPIN + 4: return s->unpin_us >> 32;
	case R_NOTIFICATIONS: return (u32)atomic_read(&s->notifications);
	case R_PINNED: return (u32)atomic_read(&s->pinned_now);
	case R_RETURN: return READ_ONCE(s->return_us);
	case R_RETURN + 4: return READ_ONCE(s->return_us) >> 32;
	}
	return 0;
}

/* A write of @n bytes (4 or 8 for the IOVAs) at @off. */
static void reg_write(struct pindma *s, u32 off, u64 v, u32 n)
{
	switch (off) {
	case R_SRC:
		s->src = n == 8 ? v : (s->src & ~0xffffffffULL) | (u32)v;
		break;
	case R_SRC + 4: s->src = (s->src & 0xffffffff) | v << 32; break;
	case R_DST:
		s->dst = n == 8 ? v : (s->dst & ~0xffffffffULL) | (u32)v;
		break;
	case R_DST + 4: s->dst = (s->dst & 0xffffffff) | v << 32; break;
	case R_LEN: s->len = (u32)v; break;
	case R_HOLD: s->hold_ms = (u32)v; break;
	case R_SLOW: s->slow_ms = (u32)v; break;
	case R_DOORBELL:
		if (s->busy)
			break;
		s->busy = true;
		s->abort = false;
		s->status = ST_BUSY;
		s->error = 0;
		reinit_completion(&s->done);
		queue_work(system_long_wq, &s->work);
		break;
	}
}

static ssize_t pindma_rw(struct vfio_device *vdev, char __user *ubuf,
			 size_t count, loff_t *ppos, bool write)
{
	struct pindma *s = container_of(vdev, struct pindma, vdev);
	u64 index = PINDMA_INDEX(*ppos), off = PINDMA_OFF(*ppos), v = 0;
	u8 buf[8];

	if (count > sizeof(buf) && index != VFIO_PCI_CONFIG_REGION_INDEX)
		return -EINVAL;
	if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		u8 tmp[PINDMA_CFG_SIZE];

		if (off >= PINDMA_CFG_SIZE || count > PINDMA_CFG_SIZE - off)
			return -EINVAL;
		if (write && copy_from_user(tmp, ubuf, count))
			return -EFAULT;
		mutex_lock(&s->lock);
		if (write)
			cfg_write(s, off, tmp, count);
		else
			memcpy(tmp, &s->cfg[off], count);
		mutex_unlock(&s->lock);
		if (!write && copy_to_user(ubuf, tmp, count))
			return -EFAULT;
		*ppos += count;
		return count;
	}
	if (index != VFIO_PCI_BAR0_REGION_INDEX || off >= PINDMA_BAR_SIZE ||
	    count > PINDMA_BAR_SIZE - off ||
	    (count != 4 && count != 8) || off % count)
		return -EINVAL;
	if (write) {
		if (copy_from_user(buf, ubuf, count))
			return -EFAULT;
		v = count == 8 ? *(u64 *)buf : *(u32 *)buf;
		mutex_lock(&s->lock);
		reg_write(s, off, v, count);
		mutex_unlock(&s->lock);
	} else {
		mutex_lock(&s->lock);
		v = reg_read(s, off);
		if (count == 8)
			v |= reg_read(s, off + 4) << 32;
		mutex_unlock(&s->lock);
		if (count == 8)
			*(u64 *)buf = v;
		else
			*(u32 *)buf = (u32)v;
		if (copy_to_user(ubuf, buf, count))
			return -EFAULT;
	}
	*ppos += count;
	return count;
}

static ssize_t pindma_read(struct vfio_device *vdev, char __user *buf,
			   size_t count, loff_t *ppos)
{
	return pindma_rw(vdev, buf, count, ppos, false);
}

static ssize_t pindma_write(struct vfio_device *vdev, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	return pindma_rw(vdev, (char __user *)buf, count, ppos, true);
}

static long pindma_ioctl(struct vfio_device *vdev, unsigned int cmd,
			 unsigned long arg)
{
	struct pindma *s = container_of(vdev, struct pindma, vdev);
	unsigned long minsz;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info info;

		minsz = offsetofend(struct vfio_device_info, num_irqs);
		if (copy_from_user(&info, (void __user *)arg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
		info.num_regions = VFIO_PCI_NUM_REGIONS;
		info.num_irqs = VFIO_PCI_NUM_IRQS;
		return copy_to_user((void __user *)arg, &info, minsz) ?
			-EFAULT : 0;
	}
	case VFIO_DEVICE_GET_REGION_INFO: {
		struct vfio_region_info info;

		minsz = offsetofend(struct vfio_region_info, offset);
		if (copy_from_user(&info, (void __user *)arg, minsz))
			return -EFAULT;
		if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_REGIONS)
			return -EINVAL;
		info.offset = (u64)info.index << PINDMA_SHIFT;
		info.size = info.index == VFIO_PCI_CONFIG_REGION_INDEX ?
			    PINDMA_CFG_SIZE :
			    info.index == VFIO_PCI_BAR0_REGION_INDEX ?
			    PINDMA_BAR_SIZE : 0;
		info.flags = info.size ? VFIO_REGION_INFO_FLAG_READ |
					 VFIO_REGION_INFO_FLAG_WRITE : 0;
		return copy_to_user((void __user *)arg, &info, minsz) ?
			-EFAULT : 0;
	}
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info info;

		minsz = offsetofend(struct vfio_irq_info, count);
		if (copy_from_user(&info, (void __user *)arg, minsz))
			return -EFAULT;
		if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
			return -EINVAL;
		/* One MSI vector; no INTx (interrupt pin 0), no MSI-X. */
		info.flags = info.index == VFIO_PCI_MSI_IRQ_INDEX ?
			     VFIO_IRQ_INFO_EVENTFD : 0;
		info.count = info.index == VFIO_PCI_MSI_IRQ_INDEX ? 1 : 0;
		return copy_to_user((void __user *)arg, &info, minsz) ?
			-EFAULT : 0;
	}
	case VFIO_DEVICE_SET_IRQS:
		return pindma_set_irqs(s, arg);
	case VFIO_DEVICE_RESET:
		pindma_stop(s, 0, 0, true);
		mutex_lock(&s->lock);
		s->src = s->dst = 0;
		s->len = s->hold_ms = s->slow_ms = s->error = 0;
		s->status = ST_IDLE;
		mutex_unlock(&s->lock);
		return 0;
	}
	return -ENOTTY;
}

static int pindma_init_dev(struct vfio_device *vdev)
{
	struct pindma *s = container_of(vdev, struct pindma, vdev);

	mutex_init(&s->lock);
	init_waitqueue_head(&s->wq);
	init_completion(&s->done);
	complete_all(&s->done); /* no transfer yet */
	INIT_WORK(&s->work, pindma_work);
	cfg_init(s);
	return 0;
}

static void pindma_release_dev(struct vfio_device *vdev)
{
	vfio_free_device(vdev);
}

static const struct vfio_device_ops pindma_ops = {
	.name = "vfio-pindma",
	.init = pindma_init_dev,
	.release = pindma_release_dev,
	.close_device = pindma_close,
	.read = pindma_read,
	.write = pindma_write,
	.ioctl = pindma_ioctl,
	.dma_unmap = pindma_dma_unmap,
};

#define PINDMA_COUNTER(name)						\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	struct pindma *s = dev_get_drvdata(dev);			\
									\
	return sysfs_emit(buf, "%d\n", atomic_read(&s->name));		\
}									\
static DEVICE_ATTR_RO(name)

PINDMA_COUNTER(notifications);
PINDMA_COUNTER(hits);
PINDMA_COUNTER(pinned_now);
PINDMA_COUNTER(aborted);
PINDMA_COUNTER(completed);

static struct attribute *pindma_attrs[] = {
	&dev_attr_notifications.attr, &dev_attr_hits.attr,
	&dev_attr_pinned_now.attr, &dev_attr_aborted.attr,
	&dev_attr_completed.attr, NULL,
};
static const struct attribute_group pindma_group = {
	.name = "pindma", .attrs = pindma_attrs,
};
static const struct attribute_group *pindma_groups[] = { &pindma_group,
							   NULL };

static int pindma_probe(struct mdev_device *mdev)
{
	struct pindma *s;
	int ret;

	s = vfio_alloc_device(pindma, vdev, &mdev->dev, &pindma_ops);
	if (IS_ERR(s))
		return PTR_ERR(s);
	ret = vfio_register_emulated_iommu_dev(&s->vdev);
	if (ret) {
		vfio_put_device(&s->vdev);
		return ret;
	}
	dev_set_drvdata(&mdev->dev, s);
	return 0;
}

static void pindma_remove(struct mdev_device *mdev)
{
	struct pindma *s = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&s->vdev);
	vfio_put_device(&s->vdev);
}

static struct mdev_driver pindma_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.max_instances = 4,
	.driver = {
		.name = PINDMA_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
		.dev_groups = pindma_groups,
	},
	.probe = pindma_probe,
	.remove = pindma_remove,
};

static void pindma_dev_release(struct device *dev)
{
}

static int __init pindma_init(void)
{
	int ret;

	ret = mdev_register_driver(&pindma_driver);
	if (ret)
		return ret;
	pindma_dev.class = class_create(THIS_MODULE, PINDMA_NAME);
	if (IS_ERR(pindma_dev.class)) {
		ret = PTR_ERR(pindma_dev.class);
		goto err_driver;
	}
	pindma_dev.dev.class = pindma_dev.class;
	pindma_dev.dev.release = pindma_dev_release;
	dev_set_name(&pindma_dev.dev, "%s", PINDMA_NAME);
	ret = device_register(&pindma_dev.dev);
	if (ret)
		goto err_class;
	ret = mdev_register_parent(&pindma_dev.parent, &pindma_dev.dev,
				   &pindma_driver, pindma_types,
				   ARRAY_SIZE(pindma_types));
	if (ret)
		goto err_device;
	return 0;

err_device:
	device_unregister(&pindma_dev.dev);
err_class:
	class_destroy(pindma_dev.class);
err_driver:
	mdev_unregister_driver(&pindma_driver);
	return ret;
}

static void __exit pindma_exit(void)
{
	mdev_unregister_parent(&pindma_dev.parent);
	device_unregister(&pindma_dev.dev);
	class_destroy(pindma_dev.class);
	mdev_unregister_driver(&pindma_driver);
}

module_init(pindma_init);
module_exit(pindma_exit);
MODULE_LICENSE("GPL v2");
MODULE_DESCRIPTION("A mediated PCI DMA engine that pins guest pages (ferry's lab)");
