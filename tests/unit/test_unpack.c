// SPDX-License-Identifier: MIT
/* Host-side decompression: formats, bounds, bombs, SHA-256, the cache, payloads. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <time.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <asm/bootparam.h>
#include "crc32.h"
#include "kcache.h"
#include "mem.h"
#include "sha256.h"
#include "unpack.h"
#include "x86/board_x86.h"
#include "x86/bzimage.h"
#include "x86/pvh.h"
#include "pvh_elf.h"
#include "test.h"

#define GUARD 64

static int digest_is(const char *msg, size_t len, const char *hex)
{
	uint8_t d[SHA256_LEN];
	char got[2 * SHA256_LEN + 1];
	unsigned int i;

	sha256(msg, len, d);
	for (i = 0; i < SHA256_LEN; i++)
		snprintf(got + 2 * i, 3, "%02x", d[i]);
	return strcmp(got, hex) == 0;
}

static void test_sha256(void)
{
	static char million[1000000];

	CHECK_MSG(digest_is("", 0, "e3b0c44298fc1c149afbf4c8996fb924"
				   "27ae41e4649b934ca495991b7852b855"),
		  "SHA-256 of nothing (FIPS 180-4 example)");
	CHECK_MSG(digest_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223"
				      "b00361a396177a9cb410ff61f20015ad"),
		  "SHA-256 of abc");
	CHECK_MSG(digest_is("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
			    56, "248d6a61d20638b8e5c026930c3e6039"
				"a33ce45964ff2167f6ecedd419db06c1"),
		  "SHA-256 of the 56-byte message (padding in a second block)");
	memset(million, 'a', sizeof(million));
	CHECK_MSG(digest_is(million, sizeof(million),
			    "cdc76e5c9914fb9281a1c7e284d73e67"
			    "f1809a48a497200e046d39ccc7112cd0"),
		  "SHA-256 of a million a's");
}

/* Data that compresses, but not to nothing. */
static void fill(uint8_t *p, size_t n)
{
	uint32_t x = 12345;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		p[i] = (uint8_t)((x >> 16) % 7 + 'a');
	}
}

/* xz of @in, with Linux's 4-byte size trailer; *@len its length. */
static uint8_t *xz(const uint8_t *in, size_t n, size_t *len, uint32_t trailer)
{
	size_t cap = n + n / 2 + 4096, pos = 0;
	uint8_t *out = malloc(cap + 4);

	if (!out || lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, n,
					    out, &pos, cap) != LZMA_OK)
		abort();
	memcpy(out + pos, &trailer, 4);
	*len = pos + 4;
	return out;
}

static uint8_t *gz(const uint8_t *in, size_t n, size_t *len, uint32_t trailer)
{
	z_stream s;
	uint8_t *out = malloc(n + 4096);

	memset(&s, 0, sizeof(s));
	if (!out || deflateInit2(&s, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	s.next_in = (Bytef *)in;
	s.avail_in = (uInt)n;
	s.next_out = out;
	s.avail_out = (uInt)(n + 4096);
	if (deflate(&s, Z_FINISH) != Z_STREAM_END)
		abort();
	*len = s.total_out + 4;
	memcpy(out + s.total_out, &trailer, 4);
	deflateEnd(&s);
	return out;
}

static int guard_ok(const uint8_t *p)
{
	unsigned int i;

	for (i = 0; i < GUARD; i++)
		if (p[i] != 0xa5)
			return 0;
	return 1;
}

/* Sinks over one buffer: in 4 KiB pieces, or misbehaving. */
static uint8_t *piecewise(void *ctx, size_t off, size_t *len)
{
	*len = *len < 4096 ? *len : 4096;
	return (uint8_t *)ctx + off;
}

static uint8_t *too_much(void *ctx, size_t off, size_t *len)
{
	*len += 1; /* more than is left */
	return (uint8_t *)ctx + off;
}

static uint8_t *none(void *ctx, size_t off, size_t *len)
{
	(void)ctx;
	(void)off;
	(void)len;
	return NULL;
}

static void test_format(const char *name,
			uint8_t *(*enc)(const uint8_t *, size_t, size_t *,
					uint32_t))
{
	size_t n = 300000, clen;
	uint8_t *data = malloc(n), *c, *out = malloc(n + GUARD);
	const struct unpack_format *f;
	char why[200] = "", what[96];
	uint8_t *zeros = calloc(1, 16 * MiB);

	fill(data, n);
	c = enc(data, n, &clen, (uint32_t)n);
	f = unpack_detect(c, clen);
	snprintf(what, sizeof(what), "%s: detected by its magic", name);
	CHECK_MSG(f && strcmp(f->name, name) == 0, what);
	memset(out + n, 0xa5, GUARD);
	snprintf(what, sizeof(what), "%s: decodes to exactly the bytes", name);
	CHECK_MSG(unpack(f, c, clen, out, n, 0, why, sizeof(why)) == 0 &&
			  memcmp(out, data, n) == 0 && guard_ok(out + n),
		  what);
	memset(out + n - 1, 0xa5, GUARD);
	snprintf(what, sizeof(what), "%s: one byte less room is refused "
		 "without writing past it", name);
	CHECK_MSG(unpack(f, c, clen, out, n - 1, 0, why, sizeof(why)) == -E2BIG &&
			  guard_ok(out + n - 1) && strstr(why, "refused"),
		  what);
	snprintf(what, sizeof(what), "%s: a stream shorter than said is "
		 "refused", name);
	CHECK_MSG(unpack(f, c, clen, out, n + 10, 0, why, sizeof(why)) ==
				  -EINVAL && strstr(why, "holds 300000 bytes"),
		  what);
	snprintf(what, sizeof(what), "%s: a stream missing its last bytes is "
		 "refused", name);
	CHECK_MSG(unpack(f, c, clen - 4 - 6, out, n, 0, why, sizeof(why)) ==
			  -EINVAL, what);
	snprintf(what, sizeof(what), "%s: a stream cut in half is refused",
		 name);
	CHECK_MSG(unpack(f, c, clen / 2, out, n, 0, why, sizeof(why)) == -EINVAL,
		  what);
	{
		const struct unpack_sink pieces = { piecewise, out },
					  over = { too_much, out },
					  null = { none, out };

		memset(out, 0, n);
		snprintf(what, sizeof(what), "%s: a sink that gives 4 KiB at "
			 "a time gets exactly the bytes", name);
		CHECK_MSG(unpack_to(f, c, clen, &pieces, n, 0, why,
				    sizeof(why)) == 0 &&
				  memcmp(out, data, n) == 0,
			  what);
		memset(out, 0xa5, n);
		snprintf(what, sizeof(what), "%s: a sink that gives more room "
			 "than is left, or none: refused, nothing written",
			 name);
		CHECK_MSG(unpack_to(f, c, clen, &over, n, 0, why,
				    sizeof(why)) == -EINVAL &&
				  strstr(why, "no room") && guard_ok(out) &&
				  unpack_to(f, c, clen, &null, n, 0, why,
					    sizeof(why)) == -EINVAL &&
				  guard_ok(out),
			  what);
	}
	c[clen / 2] ^= 0x55;
	snprintf(what, sizeof(what), "%s: a corrupt stream is refused", name);
	CHECK_MSG(unpack(f, c, clen, out, n, 0, why, sizeof(why)) < 0, what);
	free(c);

	/* A bomb: 16 MiB of zeros in a few KiB, claiming 64 KiB. */
	c = enc(zeros, 16 * MiB, &clen, 65536);
	memset(out + 65536, 0xa5, GUARD);
	snprintf(what, sizeof(what), "%s: a bomb (16 MiB in %zu bytes) stops "
		 "at the 64 KiB bound", name, clen);
	CHECK_MSG(clen < 64 * 1024 &&
			  unpack(f, c, clen, out, 65536, 0, why, sizeof(why)) ==
				  -E2BIG && guard_ok(out + 65536),
		  what);
	free(c);
	free(zeros);
	free(data);
	free(out);
}

static void test_crc32(void)
{
	static uint8_t buf[100003];
	unsigned int i;
	int same = 1;

	CHECK_MSG(crc32_ieee(0, "123456789", 9) == 0xcbf43926,
		  "CRC-32 of 123456789 (the check value of the catalogue)");
	CHECK_MSG(crc32_ieee(0, "", 0) == 0, "CRC-32 of nothing");
	fill(buf, sizeof(buf));
	/* Every alignment and tail length against zlib's, and in pieces. */
	for (i = 0; i < 16; i++)
		same &= crc32_ieee(0, buf + i, sizeof(buf) - 2 * i) ==
			(uint32_t)crc32_z(0, buf + i, sizeof(buf) - 2 * i);
	CHECK_MSG(same, "CRC-32 agrees with zlib's at every alignment");
	CHECK_MSG(crc32_ieee(crc32_ieee(0, buf, 777), buf + 777, sizeof(buf) - 777) ==
			  crc32_ieee(0, buf, sizeof(buf)),
		  "CRC-32 continues across pieces");
}

/* An xz stream's CRC-32 check field (of @data/@n) in @c/@clen, or NULL. */
static uint8_t *xz_check_field(uint8_t *c, size_t clen, const uint8_t *data,
			       size_t n)
{
	uint32_t want = crc32_ieee(0, data, n);
	size_t i;

	for (i = clen - 4; i-- > clen / 2;)
		if (memcmp(c + i, &want, 4) == 0)
			return c + i;
	return NULL;
}

/* UNPACK_INPUT_VERIFIED skips xz's check over the output, nothing else. */
static void test_xz_check(void)
{
	size_t n = 200000, clen;
	uint8_t *data = malloc(n), *out = malloc(n), *c, *check;
	char why[200] = "";

	fill(data, n);
	c = xz(data, n, &clen, (uint32_t)n);
	check = xz_check_field(c, clen, data, n);
	CHECK_MSG(check != NULL, "the xz stream carries the CRC-32 of its "
		  "output");
	if (check)
		check[0] ^= 1;
	CHECK_MSG(unpack(&unpack_xz, c, clen, out, n, 0, why, sizeof(why)) ==
			  -EINVAL && strstr(why, "corrupt"),
		  "xz: a wrong check is refused when the input is not "
		  "verified");
	CHECK_MSG(unpack(&unpack_xz, c, clen, out, n, UNPACK_INPUT_VERIFIED,
			 why, sizeof(why)) == 0 && memcmp(out, data, n) == 0,
		  "xz: with the input verified the check is skipped");
	c[clen / 3] ^= 0x55;
	CHECK_MSG(unpack(&unpack_xz, c, clen, out, n, UNPACK_INPUT_VERIFIED,
			 why, sizeof(why)) < 0 ||
			  memcmp(out, data, n) != 0,
		  "xz: verified or not, corrupt data never decodes to the "
		  "original");
	free(c);
	free(data);
	free(out);
}

static void test_detect(void)
{
	static const uint8_t bz2[] = { 'B', 'Z', 'h', '9' };
	static const uint8_t lz4[] = { 0x02, 0x21, 0x4c, 0x18, 0 };
	static const uint8_t junk[] = { 1, 2, 3, 4 };
	char why[200] = "";

	CHECK(unpack_detect(bz2, sizeof(bz2)) == NULL);
	CHECK_MSG(strcmp(unpack_unsupported(bz2, sizeof(bz2)), "bzip2") == 0 &&
			  strcmp(unpack_unsupported(lz4, sizeof(lz4)), "lz4") ==
				  0,
		  "formats this build cannot read are named");
	CHECK(unpack_unsupported(junk, sizeof(junk)) == NULL);
	CHECK_MSG(unpack(&unpack_xz, junk, sizeof(junk), why, 1, 0, why,
			 sizeof(why)) == -EINVAL,
		  "data without the format's magic is refused");
}

static void test_cache(void)
{
	char dir[] = "/tmp/ferry-test-kcache-XXXXXX", sub[256];
	static uint8_t img[100000];
	struct kcache_key key, other;
	const uint8_t *got = NULL;

	fill(img, sizeof(img));
	CHECK(mkdtemp(dir) != NULL);
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	kcache_key(&key, "payload", 7, sizeof(img));
	CHECK_MSG(kcache_map(sub, &key, &got) == -ENOENT, "a miss");
	CHECK_MSG(kcache_store(sub, &key, img, KCACHE_MAX_BYTES) == 0,
		  "stored, parents made");
	CHECK_MSG(kcache_map(sub, &key, &got) == 0 &&
			  memcmp(got, img, sizeof(img)) == 0,
		  "a hit maps the same bytes");
	kcache_unmap(got, key.out_len);
	kcache_key(&other, "payloaD", 7, sizeof(img));
	CHECK_MSG(kcache_map(sub, &other, &got) == -ENOENT,
		  "other content, other key: a miss");
	other = key;
	other.out_len++;
	CHECK_MSG(kcache_map(sub, &other, &got) == -ENOENT,
		  "a cached file of another size is not used");
	CHECK_MSG(system(NULL) && (snprintf(sub, sizeof(sub), "rm -rf %s",
					    dir),
				   system(sub) == 0),
		  "cleaned up");
}

/* Set @path's modification time (what the cache's LRU orders by). */
/* DIR/HEX.vmlinux: where the cache keeps @key's image. */
static void image_path(char *path, size_t len, const char *dir,
		       const struct kcache_key *key)
{
	char hex[2 * SHA256_LEN + 1];
	unsigned int i;

	for (i = 0; i < SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key->digest[i]);
	snprintf(path, len, "%s/%s.vmlinux", dir, hex);
}

static void age(const char *dir, const struct kcache_key *key, time_t when)
{
	struct timespec t[2] = { { when, 0 }, { when, 0 } };
	char path[512];

	image_path(path, sizeof(path), dir, key);
	CHECK(utimensat(AT_FDCWD, path, t, 0) == 0);
}

static int count_files(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	if (!dp)
		return -1;
	while ((d = readdir(dp)))
		n += d->d_name[0] != '.';
	closedir(dp);
	return n;
}

/* The bound: least recently used images go first, the new one never;
 * stale temporary files go; nothing else in the directory is touched. */
static void test_cache_trim(void)
{
	char dir[] = "/tmp/ferry-test-ktrim-XXXXXX", path[512];
	static uint8_t img[4096];
	struct kcache_key k[4];
	const uint8_t *got;
	time_t now = time(NULL);
	struct timespec old[2] = { { now - 7200, 0 }, { now - 7200, 0 } };
	int i, fd;

	fill(img, sizeof(img));
	CHECK(mkdtemp(dir) != NULL);
	for (i = 0; i < 4; i++) {
		char p[2] = { (char)('a' + i), 0 };

		kcache_key(&k[i], p, 1, sizeof(img));
	}
	/* Three fit in 3 images' bytes; ages: 0 oldest, then 1, then 2. */
	for (i = 0; i < 3; i++) {
		CHECK(kcache_store(dir, &k[i], img, 3 * sizeof(img)) == 0);
		age(dir, &k[i], now - 1000 + i);
	}
	CHECK_MSG(count_files(dir) == 3, "three images within the bound");
	/* Using 0 makes it the most recent: 1 is now the oldest. */
	CHECK(kcache_map(dir, &k[0], &got) == 0);
	kcache_unmap(got, sizeof(img));
	/* Someone else's file, and a killed store's: old and fresh. */
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0 && write(fd, img, sizeof(img)) > 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/%064x.vmlinux.123.tmp", dir, 0);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK(utimensat(AT_FDCWD, path, old, 0) == 0);
	snprintf(path, sizeof(path), "%s/%064x.vmlinux.124.tmp", dir, 1);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK_MSG(kcache_store(dir, &k[3], img, 3 * sizeof(img)) == 0,
		  "a fourth stored");
	CHECK_MSG(kcache_map(dir, &k[1], &got) == -ENOENT,
		  "the least recently used image went");
	for (i = 0; i < 3; i++) {
		static const int stay[] = { 0, 2, 3 };

		CHECK_MSG(kcache_map(dir, &k[stay[i]], &got) == 0,
			  "a more recently used image stays");
		kcache_unmap(got, sizeof(img));
	}
	CHECK_MSG(count_files(dir) == 5, "3 images, notes.txt and the "
		  "fresh temporary file are left; the stale one went");
	CHECK_MSG(kcache_trim(dir, 0, &k[3]) == 2 && count_files(dir) == 3,
		  "a bound of 0 keeps only the image asked for");
	CHECK_MSG(kcache_store(dir, &k[0], img, sizeof(img) - 1) == -EFBIG,
		  "an image larger than the bound is not stored");
	/* Writable by others: not used, not filled, not trimmed. */
	CHECK(chmod(dir, 0777) == 0);
	CHECK_MSG(kcache_map(dir, &k[3], &got) == -EPERM,
		  "a cache directory others can write is not used");
	CHECK_MSG(kcache_store(dir, &k[0], img, 3 * sizeof(img)) == -EPERM,
		  "nor filled");
	CHECK_MSG(kcache_trim(dir, 0, NULL) == -EPERM, "nor trimmed");
	CHECK(chmod(dir, 0700) == 0);
	image_path(path, sizeof(path), dir, &k[3]);
	CHECK(chmod(path, 0622) == 0);
	CHECK_MSG(kcache_map(dir, &k[3], &got) == -EPERM,
		  "an image others can write is not booted");
	CHECK(chmod(path, 0600) == 0);
	CHECK(unlink(path) == 0 && symlink("/etc/hostname", path) == 0);
	CHECK_MSG(kcache_map(dir, &k[3], &got) == -EPERM,
		  "an image that is a symbolic link is not followed");
	CHECK_MSG(system(NULL) && (snprintf(path, sizeof(path), "rm -rf %s",
					    dir),
				   system(path) == 0),
		  "cleaned up");
}

/* A bzImage whose payload is @payload/@len (setup: 2 sectors). */
static uint8_t *bzimage(const uint8_t *payload, size_t len, size_t *size)
{
	size_t setup = 3 * 512, off = 0x100;
	uint8_t *b = calloc(1, setup + off + len);
	struct setup_header *h = (struct setup_header *)(b + 0x1f1);

	h->setup_sects = 2;
	h->boot_flag = 0xaa55;
	b[0x201] = 0x66;
	h->header = 0x53726448;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->xloadflags = XLF_KERNEL_64;
	h->pref_address = 0x1000000;
	h->init_size = 0x400000;
	h->payload_offset = (uint32_t)off;
	h->payload_length = (uint32_t)len;
	memcpy(b + setup + off, payload, len);
	*size = setup + off + len;
	return b;
}

/* Linux's build: the CRC-32 register over the file, appended. */
static uint8_t *with_crc(uint8_t *b, size_t *size)
{
	uint32_t crc = ~crc32_ieee(0, b, *size);

	b = realloc(b, *size + 4);
	memcpy(b + *size, &crc, 4);
	*size += 4;
	return b;
}

/* sbsign's: a PE32+ header saying where the certificate table is, and
 * the table appended (the header's bytes are covered by the CRC, so
 * they are written before with_crc()). */
#define PE_AT 0x80
static void pe_header(uint8_t *b, uint32_t cert_off, uint32_t cert_len)
{
	uint32_t pe = PE_AT, nr = 16;
	uint16_t magic = 0x20b;

	memcpy(b + 0x3c, &pe, 4);
	memcpy(b + PE_AT, "PE\0\0", 4);
	memcpy(b + PE_AT + 24, &magic, 2);
	memcpy(b + PE_AT + 24 + 108, &nr, 4);
	memcpy(b + PE_AT + 24 + 112 + 8 * 4, &cert_off, 4);
	memcpy(b + PE_AT + 24 + 112 + 8 * 4 + 4, &cert_len, 4);
}

/* The CRC-32 decides whether the xz check is needed; signed images too. */
static void test_image_crc(const uint8_t *c, size_t clen,
			   const struct kelf *k)
{
	struct x86_unpacked u;
	size_t size;
	uint8_t *b;
	char why[300] = "";

	b = with_crc(bzimage(c, clen, &size), &size);
	CHECK_MSG(bzimage_crc_ok(b, size), "a bzImage's CRC-32 is found good");
	CHECK_MSG(x86_unpack_payload(b, size, 64 * MiB, NULL, NULL, &u, why,
				     sizeof(why)) == 1 && u.crc_ok &&
			  memcmp(u.buf, k, sizeof(*k)) == 0,
		  "CRC-32 good: decoded without the stream's check");
	x86_unpacked_free(&u);
	b[size - 1] ^= 0x80;
	CHECK_MSG(!bzimage_crc_ok(b, size), "a wrong CRC-32 is seen");
	CHECK_MSG(x86_unpack_payload(b, size, 64 * MiB, NULL, NULL, &u, why,
				     sizeof(why)) == 1 && !u.crc_ok &&
			  memcmp(u.buf, k, sizeof(*k)) == 0,
		  "CRC-32 wrong, payload whole: the stream's check vouches");
	x86_unpacked_free(&u);
	b[size - 1] ^= 0x80;
	b[size - 4 - 20] ^= 0x01; /* in the xz index or footer */
	CHECK_MSG(x86_unpack_payload(b, size, 64 * MiB, NULL, NULL, &u, why,
				     sizeof(why)) == -EINVAL &&
			  strstr(why, "its CRC-32 does not match its bytes, "
				      "and the xz payload is corrupt"),
		  "payload corrupt: refused, saying both");
	free(b);

	/* Signed: the table follows the CRC and is not covered by it. */
	b = bzimage(c, clen, &size);
	pe_header(b, (uint32_t)size + 4, 1000);
	b = with_crc(b, &size);
	b = realloc(b, size + 1000);
	memset(b + size, 0x5a, 1000);
	size += 1000;
	CHECK_MSG(bzimage_crc_ok(b, size), "a signed bzImage: the CRC-32 "
		  "before its certificate table is found good");
	pe_header(b, (uint32_t)(size - 1000), 999);
	CHECK_MSG(!bzimage_crc_ok(b, size), "a certificate table that does "
		  "not end at the file's end is not believed");
	pe_header(b, 0xffffffff, 0xffffffff);
	CHECK_MSG(!bzimage_crc_ok(b, size), "nor one past the end");
	free(b);
	CHECK_MSG(!bzimage_crc_ok("abc", 3), "three bytes have no CRC-32");
}

#define RAM_SIZE (32 * MiB)

/* @k's load segment starts @off bytes into the file, from the notes on
 * (so a note lies inside it) or at its text. */
static void kelf_covering(struct kelf *k, int notes)
{
	kelf_make(k, KELF_ENTRY, 8);
	if (notes) {
		k->ph[1].p_offset = offsetof(struct kelf, notes);
		k->ph[1].p_filesz = sizeof(k->notes) + sizeof(k->text);
	}
}

/* @k, xz-packed in a bzImage with its CRC, decoded with @mem (fresh
 * contents 0xee at the kernel) into @u. Its return value. */
static int unpack_cached(struct guest_mem *mem, const struct kelf *k,
			 const char *cache, struct x86_unpacked *u, char *why,
			 size_t whylen)
{
	size_t clen, size;
	uint8_t *c = xz((const uint8_t *)k, sizeof(*k), &clen, sizeof(*k));
	uint8_t *b = with_crc(bzimage(c, clen, &size), &size);
	int ret;

	memset(mem->base + KELF_PADDR, 0xee, 0x4000);
	ret = x86_unpack_payload(b, size, RAM_SIZE, cache, mem, u, why, whylen);
	free(b);
	free(c);
	return ret;
}

static int unpack_into(struct guest_mem *mem, const struct kelf *k,
		       struct x86_unpacked *u, char *why, size_t whylen)
{
	return unpack_cached(mem, k, NULL, u, why, whylen);
}

/* With the kernel cache: decoded into RAM all the same, and the cache
 * gets the whole image, its segments read back from RAM. */
static void test_ram_cached(void)
{
	char dir[] = "/tmp/ferry-test-kram-XXXXXX", rm[64];
	struct guest_mem mem;
	struct x86_unpacked u;
	struct kelf k;
	char why[256] = "";

	CHECK(mkdtemp(dir) != NULL);
	CHECK(mem_create(&mem, RAM_SIZE, MEM_ANON) == 0 &&
	      mem_add_region(&mem, 0, RAM_SIZE) == 0);
	kelf_covering(&k, 1);
	CHECK_MSG(unpack_cached(&mem, &k, dir, &u, why, sizeof(why)) == 1 &&
			  u.in_ram && !u.cached && u.cache_err == 0,
		  "a cache miss decodes into guest RAM and stores");
	x86_unpacked_free(&u);
	memset(mem.base + KELF_PADDR, 0x55, 0x4000); /* the guest ran */
	CHECK_MSG(unpack_cached(&mem, &k, dir, &u, why, sizeof(why)) == 1 &&
			  u.cached && u.size == sizeof(k) &&
			  memcmp(u.buf, &k, sizeof(k)) == 0,
		  "the cached image is the whole vmlinux, byte for byte");
	x86_unpacked_free(&u);
	kelf_covering(&k, 0);
	k.ph[1].p_paddr = RAM_SIZE - 0x1000;
	CHECK_MSG(unpack_cached(&mem, &k, dir, &u, why, sizeof(why)) == 1 &&
			  !u.in_ram && !u.cached && u.cache_err == 0,
		  "a flat decode stores");
	x86_unpacked_free(&u);
	CHECK_MSG(unpack_cached(&mem, &k, dir, &u, why, sizeof(why)) == 1 &&
			  u.cached && memcmp(u.buf, &k, sizeof(k)) == 0,
		  "and its image is whole too");
	x86_unpacked_free(&u);
	mem_destroy(&mem);
	snprintf(rm, sizeof(rm), "rm -rf %s", dir);
	CHECK(system(rm) == 0);
}

static int all(const uint8_t *p, uint8_t v, size_t n)
{
	while (n--)
		if (*p++ != v)
			return 0;
	return 1;
}

/* The vmlinux's segments decoded straight into guest RAM. */
static void test_ram(void)
{
	static const uint8_t zero[sizeof(((struct kelf *)0)->text)];
	struct boot_image img = { .format = KERNEL_BZIMAGE };
	struct x86_linux_plan p;
	struct guest_mem mem;
	struct x86_unpacked u;
	const uint8_t *ram;
	uint32_t entry = 0;
	struct kelf k;
	char why[256] = "";

	CHECK(mem_create(&mem, RAM_SIZE, MEM_ANON) == 0 &&
	      mem_add_region(&mem, 0, RAM_SIZE) == 0);
	ram = mem.base + KELF_PADDR;

	kelf_covering(&k, 1);
	CHECK_MSG(unpack_into(&mem, &k, &u, why, sizeof(why)) == 1 &&
			  u.in_ram,
		  "a vmlinux is decoded into guest RAM");
	CHECK_MSG(memcmp(ram, k.notes, sizeof(k.notes)) == 0 &&
			  memcmp(ram + sizeof(k.notes), k.text,
				 sizeof(k.text)) == 0,
		  "its segment is at its physical address");
	CHECK_MSG(all(ram + sizeof(k.notes) + sizeof(k.text), 0,
		      0x2000 - sizeof(k.notes) - sizeof(k.text)) &&
			  all(ram + 0x2000, 0xee, 0x2000),
		  "its .bss is zero, and RAM after it untouched");
	CHECK_MSG(memcmp(u.buf, &k, offsetof(struct kelf, notes)) == 0 &&
			  memcmp(u.buf + offsetof(struct kelf, text), zero,
				 sizeof(zero)) == 0,
		  "the flat image has the headers, not the segment's bytes");
	CHECK_MSG(pvh_find_entry(u.buf, u.size, &entry, why, sizeof(why)) ==
				  1 && entry == KELF_ENTRY,
		  "notes inside the segment are copied back to the flat image");
	img.unpacked = u.buf;
	img.unpacked_size = u.size;
	img.unpacked_in_ram = u.in_ram;
	CHECK_MSG(x86_linux_plan(&img, &p, why, sizeof(why)) == 1 &&
			  p.how == X86_LINUX_PVH &&
			  x86_linux_check(&img, &mem, &p, why, sizeof(why)) == 0,
		  "and it boots through PVH, checked as ever");
	x86_unpacked_free(&u);

	/* Hostile or unusual layouts: all of it flat, RAM untouched. */
	kelf_covering(&k, 0);
	k.ph[1].p_paddr = RAM_SIZE - 0x1000;
	CHECK_MSG(unpack_into(&mem, &k, &u, why, sizeof(why)) == 1 &&
			  !u.in_ram && all(ram, 0xee, 0x4000) &&
			  memcmp(u.buf, &k, sizeof(k)) == 0,
		  "a segment past the end of RAM: flat, nothing in RAM");
	x86_unpacked_free(&u);
	kelf_covering(&k, 0);
	k.ph[1].p_offset = 0;
	k.ph[1].p_filesz = sizeof(k);
	CHECK_MSG(unpack_into(&mem, &k, &u, why, sizeof(why)) == 1 &&
			  !u.in_ram && all(ram, 0xee, 0x4000) &&
			  memcmp(u.buf, &k, sizeof(k)) == 0,
		  "a segment holding the headers: flat");
	x86_unpacked_free(&u);
	kelf_covering(&k, 0);
	k.ph[1].p_paddr = 0x1000; /* ferry's boot data */
	CHECK_MSG(unpack_into(&mem, &k, &u, why, sizeof(why)) == 1 &&
			  !u.in_ram && all(mem.base + 0x1000, 0, 0x1000),
		  "a segment over the boot data: flat");
	x86_unpacked_free(&u);
	kelf_covering(&k, 0);
	k.eh.e_phoff = 70000;
	CHECK_MSG(unpack_into(&mem, &k, &u, why, sizeof(why)) == 1 &&
			  !u.in_ram && memcmp(u.buf, &k, sizeof(k)) == 0,
		  "headers past where they are looked for: flat");
	x86_unpacked_free(&u);
	kelf_covering(&k, 0);
	k.ph[0] = k.ph[1];
	k.ph[0].p_paddr += 0x100000;
	k.ph[0].p_offset += 8; /* the file's bytes overlap */
	k.ph[0].p_filesz -= 8;
	CHECK_MSG(unpack_into(&mem, &k, &u, why, sizeof(why)) == 1 &&
			  !u.in_ram && all(ram, 0xee, 0x4000),
		  "segments sharing file bytes: flat");
	x86_unpacked_free(&u);
	mem_destroy(&mem);
}

static void test_payload(void)
{
	struct x86_unpacked u;
	struct kelf k;
	size_t clen, size;
	uint8_t *c, *b;
	char why[200] = "";

	kelf_make(&k, KELF_ENTRY, 8);
	c = xz((const uint8_t *)&k, sizeof(k), &clen, sizeof(k));
	test_image_crc(c, clen, &k);
	b = bzimage(c, clen, &size);
	CHECK_MSG(x86_unpack_payload(b, size, 64 * MiB, NULL, NULL, &u, why,
				     sizeof(why)) == 1 &&
			  u.size == sizeof(k) && strcmp(u.format, "xz") == 0 &&
			  memcmp(u.buf, &k, sizeof(k)) == 0,
		  "a bzImage's xz payload decompresses to its vmlinux");
	x86_unpacked_free(&u);
	CHECK_MSG(x86_unpack_payload(b, size, sizeof(k) - 1, NULL, NULL, &u, why,
				     sizeof(why)) == -EINVAL &&
			  strstr(why, "cannot be a kernel"),
		  "a payload claiming more than guest RAM is refused before "
		  "decoding");
	b[size - 10] ^= 0xff;
	CHECK_MSG(x86_unpack_payload(b, size, 64 * MiB, NULL, NULL, &u, why,
				     sizeof(why)) == -EINVAL,
		  "a corrupt payload is refused");
	free(b);
	c[0] = 'B', c[1] = 'Z', c[2] = 'h';
	b = bzimage(c, clen, &size);
	CHECK_MSG(x86_unpack_payload(b, size, 64 * MiB, NULL, NULL, &u, why,
				     sizeof(why)) == 0 && strstr(why, "bzip2"),
		  "a bzip2 payload is left to the kernel's own decompressor");
	free(b);
	free(c);
	c = gz((const uint8_t *)&k, sizeof(k), &clen, sizeof(k));
	b = bzimage(c, clen, &size);
	CHECK_MSG(x86_unpack_payload(b, size, 64 * MiB, NULL, NULL, &u, why,
				     sizeof(why)) == 1 &&
			  strcmp(u.format, "gzip") == 0 &&
			  memcmp(u.buf, &k, sizeof(k)) == 0,
		  "a gzip payload decompresses too");
	x86_unpacked_free(&u);
	((struct setup_header *)(b + 0x1f1))->payload_length += 1;
	CHECK_MSG(x86_unpack_payload(b, size, 64 * MiB, NULL, NULL, &u, why,
				     sizeof(why)) == 0,
		  "a payload running past the file: the header is refused "
		  "later, by board_check_boot");
	free(b);
	free(c);
}

int main(void)
{
	test_sha256();
	test_format("xz", xz);
	test_format("gzip", gz);
	test_crc32();
	test_xz_check();
	test_detect();
	test_cache();
	test_cache_trim();
	test_ram_cached();
	test_payload();
	test_ram();
	return test_done();
}
