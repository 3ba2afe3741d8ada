// SPDX-License-Identifier: MIT
/* The kernel and initrd: read, identified, and placed in guest RAM. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../log.h"
#include "machine.h"

extern const unsigned char ferry_demo_guest[];
extern const size_t ferry_demo_guest_size;

#define MAX_IMAGE_SIZE (1ULL << 32)

/* Read all of @path; logs one sentence on failure. 0 or -errno. */
static int read_file(const char *what, const char *path, uint8_t **buf,
		     size_t *size)
{
	struct stat st;
	size_t done = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		err("cannot open %s '%s': %s", what, path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		err("cannot read %s '%s': %s", what, path, strerror(-ret));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		err("%s '%s' is not a regular file", what, path);
		ret = -EINVAL;
		goto err_close;
	}
	if (st.st_size == 0 || (uint64_t)st.st_size > MAX_IMAGE_SIZE) {
		err("%s '%s' is %s", what, path,
		    st.st_size ? "larger than 4 GiB" : "empty");
		ret = -EINVAL;
		goto err_close;
	}
	*size = (size_t)st.st_size;
	*buf = malloc(*size);
	if (!*buf) {
		ret = -ENOMEM;
		err("out of memory reading %s '%s'", what, path);
		goto err_close;
	}
	while (done < *size) {
		ssize_t n = read(fd, *buf + done, *size - done);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			err("cannot read %s '%s': %s", what, path,
			    strerror(-ret));
			free(*buf);
			*buf = NULL;
			goto err_close;
		}
		done += (size_t)n;
	}
	close(fd);
	return 0;

err_close:
	close(fd);
	return ret;
}

int images_load(struct machine *m)
{
	const struct run_opts *o = m->opts;
	struct boot_image *img = &m->img;
	int ret;

	img->cmdline = o->cmdline;
	if (!o->kernel) {
		img->kernel = ferry_demo_guest;
		img->kernel_size = ferry_demo_guest_size;
		img->kernel_name = "(built-in)";
	} else {
		ret = read_file("kernel", o->kernel, &m->kernel_buf,
				&img->kernel_size);
		if (ret)
			return ret;
		img->kernel = m->kernel_buf;
		img->kernel_name = o->kernel;
	}
	img->format = loader_detect(img->kernel, img->kernel_size);
	if (img->format == KERNEL_UNKNOWN) {
		err("kernel '%s' is neither an ELF64 executable nor a Linux "
		    "bzImage or arm64 Image", img->kernel_name);
		return -ENOEXEC;
	}
	if (o->initrd) {
		ret = read_file("initrd", o->initrd, &m->initrd_buf,
				&img->initrd_size);
		if (ret)
			return ret;
		img->initrd = m->initrd_buf;
	}
	return 0;
}

/* As high as the board allows, page aligned, inside RAM. */
int images_plan_initrd(struct machine *m)
{
	struct boot_image *img = &m->img;
	uint64_t limit = board_initrd_limit(img, &m->vm.mem), gpa;

	if (!img->initrd_size)
		return 0;
	if (img->initrd_size > limit) {
		err("initrd '%s' (%zu MiB) does not fit in guest RAM; give "
		    "more --memory", m->opts->initrd, img->initrd_size >> 20);
		return -ENOMEM;
	}
	gpa = (limit - img->initrd_size) & ~0xfffULL;
	if (gpa < MiB || !mem_contains(&m->vm.mem, gpa, img->initrd_size)) {
		err("initrd '%s' does not fit in guest RAM; give more --memory",
		    m->opts->initrd);
		return -ENOMEM;
	}
	img->initrd_gpa = gpa;
	return 0;
}

int images_copy_initrd(struct machine *m)
{
	const struct boot_image *img = &m->img;
	void *dst;

	if (!img->initrd_size)
		return 0;
	dst = mem_gpa_to_hva(&m->vm.mem, img->initrd_gpa, img->initrd_size);
	if (!dst) {
		err("initrd '%s' does not fit in guest RAM; give more --memory",
		    m->opts->initrd);
		return -ENOMEM;
	}
	memcpy(dst, img->initrd, img->initrd_size);
	return 0;
}

/*
 * $XDG_CACHE_HOME/ferry/kernels, else ~/.cache/ferry/kernels (the XDG
 * base directory rules); NULL (no cache) if neither can be named.
 */
static const char *cache_dir(struct machine *m)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(m->cache_dir, sizeof(m->cache_dir),
			     "%s/ferry/kernels", xdg);
	else if (home && home[0] == '/')
		n = snprintf(m->cache_dir, sizeof(m->cache_dir),
			     "%s/.cache/ferry/kernels", home);
	else
		return NULL;
	return n > 0 && (size_t)n < sizeof(m->cache_dir) ? m->cache_dir : NULL;
}

int images_unpack(struct machine *m)
{
	if (m->opts->kernel_cache != KERNEL_CACHE_OFF) {
		m->img.cache_dir = cache_dir(m);
		m->img.cache_explicit = m->opts->kernel_cache == KERNEL_CACHE_ON;
		if (!m->img.cache_dir && m->img.cache_explicit)
			warn("no cache directory (set XDG_CACHE_HOME or HOME); "
			     "--kernel-cache is ignored");
	}
	return board_unpack_kernel(&m->img, &m->vm.mem);
}

void images_free(struct machine *m)
{
	board_free_kernel(&m->img);
	free(m->kernel_buf);
	free(m->initrd_buf);
	m->kernel_buf = m->initrd_buf = NULL;
}
