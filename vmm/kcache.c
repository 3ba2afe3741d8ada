// SPDX-License-Identifier: MIT
/* A cache of decompressed kernels, keyed by the compressed bytes' SHA-256. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kcache.h"

void kcache_key(struct kcache_key *key, const void *in, size_t in_len,
		size_t out_len)
{
	sha256(in, in_len, key->digest);
	key->out_len = out_len;
}

/* DIR/HEX, the file of @key. 0 or -ENAMETOOLONG. */
static int path_of(char *path, size_t len, const char *dir,
		   const struct kcache_key *key)
{
	char hex[2 * SHA256_LEN + 1];
	unsigned int i;
	int n;

	for (i = 0; i < SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key->digest[i]);
	n = snprintf(path, len, "%s/%s.vmlinux", dir, hex);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int kcache_map(const char *dir, const struct kcache_key *key,
	       const uint8_t **buf)
{
	char path[PATH_MAX];
	struct stat st;
	void *p;
	int fd, ret;

	ret = path_of(path, sizeof(path), dir, key);
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size != key->out_len) {
		ret = -ENOENT;
		goto out;
	}
	p = mmap(NULL, key->out_len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	*buf = p;
	ret = 0;
out:
	close(fd);
	return ret;
}

void kcache_unmap(const uint8_t *buf, size_t len)
{
	if (buf)
		munmap((void *)buf, len);
}

/* mkdir -p @dir, mode 0700. 0 or -errno. */
static int make_dirs(const char *dir)
{
	char p[PATH_MAX];
	size_t i, len = strlen(dir);

	if (len == 0 || len >= sizeof(p))
		return -ENAMETOOLONG;
	memcpy(p, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -errno;
		p[i] = i < len ? '/' : '\0';
	}
	return 0;
}

int kcache_store(const char *dir, const struct kcache_key *key,
		 const void *buf)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	const uint8_t *p = buf;
	size_t done = 0;
	int fd, ret;

	ret = path_of(path, sizeof(path), dir, key);
	if (!ret)
		ret = make_dirs(dir);
	if (ret)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (done < key->out_len) {
		ssize_t n = write(fd, p + done, key->out_len - done);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			goto err_unlink;
		}
		done += (size_t)n;
	}
	if (close(fd) < 0) {
		ret = -errno;
		fd = -1;
		goto err_unlink;
	}
	if (rename(tmp, path) < 0) {
		ret = -errno;
		unlink(tmp);
		return ret;
	}
	return 0;

err_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return ret;
}
