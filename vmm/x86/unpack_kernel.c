// SPDX-License-Identifier: MIT
/* A bzImage's compressed kernel, decompressed on the host (or cached). */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../kcache.h"
#include "../log.h"
#include "../unpack.h"
#include "board_x86.h"
#include "bzimage.h"

/* Linux's x86 payload is an ELF vmlinux (with relocations appended):
 * far smaller than this, whatever a header claims. */
#define UNPACK_MAX (1ULL << 30)

int x86_unpack_payload(const uint8_t *kernel, size_t size, uint64_t max_out,
		       const char *cache_dir, const struct guest_mem *ram,
		       struct x86_unpacked *out, char *why, size_t whylen)
{
	const struct unpack_format *fmt;
	struct x86_ram_sink sink;
	struct kcache_key key;
	const uint8_t *payload;
	struct bzimage_hdr h;
	const char *other;
	unsigned int flags;
	uint64_t out_len;
	uint8_t *buf;
	int ret;

	memset(out, 0, sizeof(*out));
	/* A header that does not parse is board_check_boot()'s to report. */
	if (bzimage_parse(kernel, size, &h, why, whylen) || h.payload_len < 8)
		return 0;
	payload = kernel + h.payload_off;
	fmt = unpack_detect(payload, h.payload_len);
	if (!fmt) {
		other = unpack_unsupported(payload, h.payload_len);
		return why_set(why, whylen, 0, "its payload is %s, which this "
			       "build cannot decompress", other ? other :
			       "in an unknown format");
	}
	/* Linux appends the decompressed size, 32 bits little-endian. */
	out_len = get_le32(payload + h.payload_len - 4);
	if (out_len < sizeof(Elf64_Ehdr) || out_len > MIN(max_out, UNPACK_MAX))
		return why_set(why, whylen, -EINVAL, "its %s payload says it "
			       "decompresses to %llu bytes, which cannot be a "
			       "kernel in %llu MiB of RAM", fmt->name,
			       (unsigned long long)out_len,
			       (unsigned long long)(max_out >> 20));
	out->format = fmt->name;
	if (cache_dir) {
		kcache_key(&key, payload, h.payload_len, (size_t)out_len);
		ret = kcache_map(cache_dir, &key, &out->buf);
		if (ret == 0) {
			out->size = (size_t)out_len;
			out->cached = 1;
			return 1;
		}
		if (ret != -ENOENT) {
			out->cache_err = ret;
			out->cache_op = "use";
			cache_dir = NULL;
		}
	}
	/*
	 * Integrity: the bzImage's own CRC-32 over its 8 MiB, if it holds,
	 * instead of the xz stream's over the 60 MiB it decodes to. If not
	 * (an image changed after its build), the stream's check decides.
	 */
	out->crc_ok = bzimage_crc_ok(kernel, size);
	flags = out->crc_ok ? UNPACK_INPUT_VERIFIED : 0;
	/* Room for the whole image; the pages under the segments that go
	 * to guest RAM are never touched. */
	buf = mmap(NULL, (size_t)out_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED)
		return why_set(why, whylen, -ENOMEM, "out of memory for its "
			       "%llu MiB decompressed",
			       (unsigned long long)(out_len >> 20));
	x86_ram_sink_init(&sink, ram, buf, (size_t)out_len);
	ret = unpack_to(fmt, payload, h.payload_len, &sink.sink,
			(size_t)out_len, flags, why, whylen);
	if (ret) {
		munmap(buf, (size_t)out_len);
		if (!out->crc_ok) {
			char was[256];

			snprintf(was, sizeof(was), "%s", why);
			why_set(why, whylen, ret, "its CRC-32 does not match "
				"its bytes, and %s", was);
		}
		return ret;
	}
	out->in_ram = x86_ram_sink_finish(&sink);
	out->buf = buf;
	out->size = (size_t)out_len;
	if (cache_dir) {
		/* From where the decode put it: guest RAM is untouched yet. */
		struct iovec iov[X86_RAM_SINK_IOV];
		unsigned int n = x86_ram_sink_iov(&sink, iov);

		ret = kcache_storev(cache_dir, &key, iov, n, KCACHE_MAX_BYTES);
		if (ret) {
			out->cache_err = ret;
			out->cache_op = "fill";
		}
	}
	return 1;
}

/*
 * Why the kernel cache was passed by: a warning when the user asked for
 * it (--kernel-cache), a debug line when it is just the default (a
 * read-only or shared home must not make every boot noisy).
 */
static void cache_trouble(const struct boot_image *img,
			  const struct x86_unpacked *u)
{
	char msg[512];

	if (u->cache_err == -EPERM)
		snprintf(msg, sizeof(msg), "the kernel cache '%s' is not used: "
			 "another user can write to it (it must be yours and "
			 "writable by you alone)", img->cache_dir);
	else if (u->cache_err == -EFBIG)
		snprintf(msg, sizeof(msg), "kernel '%s' is not cached: "
			 "decompressed it is %zu MiB, more than the cache's "
			 "%llu MiB", img->kernel_name, u->size >> 20,
			 (unsigned long long)(KCACHE_MAX_BYTES >> 20));
	else
		snprintf(msg, sizeof(msg), "cannot %s the kernel cache in "
			 "'%s': %s", u->cache_op, img->cache_dir,
			 strerror(-u->cache_err));
	if (img->cache_explicit)
		warn("%s", msg);
	else
		dbg("%s", msg);
}

int board_unpack_kernel(struct boot_image *img, const struct guest_mem *mem)
{
	struct x86_unpacked u;
	char why[256] = "";
	int ret;

	if (img->format != KERNEL_BZIMAGE)
		return 0;
	ret = x86_unpack_payload(img->kernel, img->kernel_size, mem->size,
				 img->cache_dir, mem, &u, why, sizeof(why));
	if (ret < 0) {
		err("cannot boot kernel '%s': %s", img->kernel_name, why);
		return ret;
	}
	if (ret == 1 && u.cache_err)
		cache_trouble(img, &u);
	if (ret == 1 && !u.cached && !u.crc_ok)
		info("kernel '%s': its CRC-32 does not match its bytes; the %s "
		     "stream's own check vouches for it", img->kernel_name,
		     u.format);
	if (ret == 0) {
		if (why[0])
			info("kernel '%s': %s; it decompresses itself",
			     img->kernel_name, why);
		return 0;
	}
	if (loader_detect(u.buf, u.size) != KERNEL_ELF64) {
		/* Not Linux's x86 layout: leave it to its own decompressor. */
		info("kernel '%s': its decompressed payload is not an ELF "
		     "kernel; it decompresses itself", img->kernel_name);
		x86_unpacked_free(&u);
		return 0;
	}
	img->unpacked = u.buf;
	img->unpacked_size = u.size;
	img->unpacked_in_ram = u.in_ram;
	img->unpacked_cached = u.cached;
	dbg("kernel '%s': %s payload, %zu bytes decompressed%s%s",
	    img->kernel_name, u.format, u.size, u.cached ? " (cached)" :
	    u.crc_ok ? ", the image's CRC-32 verified" : "",
	    u.in_ram ? ", its segments straight into guest RAM" : "");
	return 0;
}

void x86_unpacked_free(struct x86_unpacked *u)
{
	if (u->cached)
		kcache_unmap(u->buf, u->size);
	else if (u->buf)
		munmap((void *)u->buf, u->size);
	memset(u, 0, sizeof(*u));
}

void board_free_kernel(struct boot_image *img)
{
	struct x86_unpacked u = {
		.buf = img->unpacked, .size = img->unpacked_size,
		.cached = img->unpacked_cached,
	};

	x86_unpacked_free(&u);
	img->unpacked = NULL;
	img->unpacked_size = 0;
}
