// SPDX-License-Identifier: MIT
/* A cache of decompressed kernels, keyed by the compressed bytes' SHA-256. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "kcache.h"

#define SUFFIX ".vmlinux"
/* A store's temporary file is "IMAGE.PID.tmp"; one this old was left by
 * a store that was killed. */
#define STALE_TMP_SECONDS 3600

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
	n = snprintf(path, len, "%s/%s" SUFFIX, dir, hex);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Only this user may have written it: owned by us, writable by no one
 * else. Another user's file could be a kernel of their choosing. */
static int ours(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* @dir is a directory only this user can change. 0, -EPERM or -errno. */
static int dir_ours(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return ours(&st) ? 0 : -EPERM;
}

int kcache_map(const char *dir, const struct kcache_key *key,
	       const uint8_t **buf)
{
	char path[PATH_MAX];
	struct stat st;
	void *p;
	int fd, ret;

	ret = path_of(path, sizeof(path), dir, key);
	if (!ret)
		ret = dir_ours(dir);
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ELOOP ? -EPERM : -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!ours(&st)) {
		ret = -EPERM;
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
	/* Used now: the last to go when the cache is trimmed (best effort:
	 * a read-only cache still serves). */
	(void)futimens(fd, NULL);
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

int kcache_storev(const char *dir, const struct kcache_key *key,
		  const struct iovec *iov, unsigned int n, uint64_t max)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	uint64_t total = 0;
	unsigned int i;
	int fd, ret;

	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (total != key->out_len)
		return -EINVAL;
	if (key->out_len > max)
		return -EFBIG;
	ret = path_of(path, sizeof(path), dir, key);
	if (!ret)
		ret = make_dirs(dir);
	if (!ret)
		ret = dir_ours(dir);
	if (ret)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t done = 0;

		while (done < iov[i].iov_len) {
			ssize_t w = write(fd, p + done, iov[i].iov_len - done);

			if (w <= 0) {
				ret = w < 0 ? -errno : -EIO;
				goto err_unlink;
			}
			done += (size_t)w;
		}
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
	/* Stored. A trim that fails leaves the cache larger, not wrong;
	 * the next store trims again. */
	(void)kcache_trim(dir, max, key);
	return 0;

err_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return ret;
}

int kcache_store(const char *dir, const struct kcache_key *key,
		 const void *buf, uint64_t max)
{
	struct iovec iov = { (void *)buf, key->out_len };

	return kcache_storev(dir, key, &iov, 1, max);
}

struct entry {
	char name[2 * SHA256_LEN + sizeof(SUFFIX)];
	uint64_t size;
	struct timespec used;
};

static int older_first(const void *a, const void *b)
{
	const struct timespec *x = &((const struct entry *)a)->used;
	const struct timespec *y = &((const struct entry *)b)->used;

	if (x->tv_sec != y->tv_sec)
		return x->tv_sec < y->tv_sec ? -1 : 1;
	return (x->tv_nsec > y->tv_nsec) - (x->tv_nsec < y->tv_nsec);
}

/* How long @name's leading run of lowercase hex digits is. */
static size_t hex_run(const char *name)
{
	size_t i = 0;

	while ((name[i] >= '0' && name[i] <= '9') ||
	       (name[i] >= 'a' && name[i] <= 'f'))
		i++;
	return i;
}

/* HEX.vmlinux: an image. Nothing else in the directory is counted or
 * removed, but what image_tmp() names. */
static int image_name(const char *name)
{
	return hex_run(name) == 2 * SHA256_LEN &&
	       strcmp(name + 2 * SHA256_LEN, SUFFIX) == 0;
}

/* HEX.vmlinux.PID.tmp: a store's temporary file. */
static int image_tmp(const char *name)
{
	const char *p = name + 2 * SHA256_LEN + strlen(SUFFIX);
	size_t len = strlen(name);

	return hex_run(name) == 2 * SHA256_LEN &&
	       strncmp(name + 2 * SHA256_LEN, SUFFIX ".", sizeof(SUFFIX)) == 0 &&
	       len > 4 && strcmp(name + len - 4, ".tmp") == 0 &&
	       p + 1 < name + len - 4;
}

int kcache_trim(const char *dir, uint64_t max, const struct kcache_key *keep)
{
	char keep_path[PATH_MAX], *keep_name = NULL;
	struct entry *e = NULL, *grown;
	size_t n = 0, cap = 0, i;
	uint64_t total = 0;
	struct dirent *d;
	struct stat st;
	int ret, fd, removed = 0;
	time_t now = time(NULL);
	DIR *dp;

	ret = dir_ours(dir);
	if (ret)
		return ret;
	if (keep) {
		ret = path_of(keep_path, sizeof(keep_path), dir, keep);
		if (ret)
			return ret;
		keep_name = strrchr(keep_path, '/') + 1;
	}
	dp = opendir(dir);
	if (!dp)
		return -errno;
	fd = dirfd(dp);
	while ((d = readdir(dp))) {
		int img = image_name(d->d_name);

		if (!img && !image_tmp(d->d_name))
			continue;
		if (fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (!img) {
			if (now - st.st_mtim.tv_sec > STALE_TMP_SECONDS)
				(void)unlinkat(fd, d->d_name, 0);
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(e, cap * sizeof(*e));
			if (!grown) {
				ret = -ENOMEM;
				goto out;
			}
			e = grown;
		}
		memcpy(e[n].name, d->d_name, sizeof(e[n].name));
		e[n].size = (uint64_t)st.st_size;
		e[n].used = st.st_mtim;
		total += e[n].size;
		n++;
	}
	if (n)
		qsort(e, n, sizeof(*e), older_first);
	for (i = 0; i < n && total > max; i++) {
		if (keep_name && strcmp(e[i].name, keep_name) == 0)
			continue;
		if (unlinkat(fd, e[i].name, 0) == 0 || errno == ENOENT) {
			total -= e[i].size;
			removed++;
		}
	}
	ret = removed;
out:
	free(e);
	closedir(dp);
	return ret;
}
