/* The .unik artifact: reproducible zstd-compressed writer and a verifying reader. */
#include "image/artifact.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define MAX_KERNEL (1ull << 30)
#define MAX_CONFIG (16ull << 20)
#define MAX_IMGFS  (1ull << 40)

const char *artifact_section_name(uint32_t type)
{
	switch (type) {
	case UNIK_SECTION_KERNEL: return "kernel";
	case UNIK_SECTION_IMGFS: return "imgfs";
	case UNIK_SECTION_CONFIG: return "config";
	default: return "unknown";
	}
}

static int compress_section(struct img_ctx *c, const struct artifact_part *p, int level,
			    struct buf *out, struct unik_artifact_section *s)
{
	size_t bound = ZSTD_compressBound(p->len);
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	int ret = 0;
	if (!cc || buf_reserve(out, bound)) {
		ret = img_failc(c, -ENOMEM, "artifact", "out of memory");
		goto out;
	}
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
	size_t r = ZSTD_compress2(cc, out->p + out->len, bound, p->data, p->len);
	if (ZSTD_isError(r)) {
		ret = img_fail(c, "artifact", "zstd: %s", ZSTD_getErrorName(r));
		goto out;
	}
	s->type = p->type;
	s->compression = UNIK_COMPRESS_ZSTD;
	s->offset = sizeof(struct unik_artifact_header) + out->len;
	s->stored_size = r;
	s->size = p->len;
	sha256(p->data, p->len, s->sha256);
	sha256(out->p + out->len, r, s->stored_sha256);
	out->len += r;
out:
	ZSTD_freeCCtx(cc);
	return ret;
}

int artifact_build(struct img_ctx *c, const struct artifact_part *parts, size_t n, int level,
		   uint8_t **out, size_t *outlen)
{
	struct unik_artifact_header h;
	struct buf body = {0}, all = {0};
	int ret = 0;
	memset(&h, 0, sizeof(h));
	if (n == 0 || n > UNIK_ARTIFACT_MAX_SECTIONS)
		return img_fail(c, "artifact", "bad section count");
	memcpy(h.magic, UNIK_ARTIFACT_MAGIC, 8);
	h.version = UNIK_ARTIFACT_VERSION;
	h.header_size = sizeof(h);
	h.section_count = (uint32_t)n;
	for (size_t i = 0; i < n; i++)
		if ((ret = compress_section(c, &parts[i], level, &body, &h.sections[i])) < 0)
			goto out;
	h.file_size = sizeof(h) + body.len;
	sha256(&h, sizeof(h), h.header_sha256);
	if (buf_put(&all, &h, sizeof(h)) || buf_put(&all, body.p, body.len)) {
		ret = img_failc(c, -ENOMEM, "artifact", "out of memory");
		goto out;
	}
	*out = all.p;
	*outlen = all.len;
	all.p = NULL;
out:
	buf_free(&body);
	buf_free(&all);
	return ret;
}

static int fail(char *err, size_t errlen, int code, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return code;
}

static int check_header(struct artifact *a, uint64_t fsize, char *err, size_t errlen)
{
	struct unik_artifact_header *h = &a->hdr;
	uint8_t want[32], got[32];
	if (memcmp(h->magic, UNIK_ARTIFACT_MAGIC, 8) != 0)
		return fail(err, errlen, -EINVAL, "not a unik artifact (bad magic)");
	if (h->version != UNIK_ARTIFACT_VERSION || h->header_size != sizeof(*h))
		return fail(err, errlen, -EINVAL, "unsupported artifact format version");
	memcpy(want, h->header_sha256, 32);
	memset(h->header_sha256, 0, 32);
	sha256(h, sizeof(*h), got);
	memcpy(h->header_sha256, want, 32);
	if (memcmp(want, got, 32) != 0)
		return fail(err, errlen, -EBADMSG, "corrupt artifact: header checksum mismatch");
	if (h->file_size > fsize)
		return fail(err, errlen, -EBADMSG, "truncated artifact");
	if (h->file_size != fsize)
		return fail(err, errlen, -EBADMSG, "corrupt artifact: trailing bytes after the last section");
	uint64_t off = sizeof(*h);
	uint32_t seen = 0;
	if (h->section_count == 0 || h->section_count > UNIK_ARTIFACT_MAX_SECTIONS)
		return fail(err, errlen, -EBADMSG, "corrupt artifact: bad section count");
	for (uint32_t i = 0; i < h->section_count; i++) {
		struct unik_artifact_section *s = &h->sections[i];
		if (s->type < 1 || s->type > 3 || (seen & (1u << s->type)) || s->offset != off ||
		    s->compression != UNIK_COMPRESS_ZSTD || s->stored_size > fsize - off)
			return fail(err, errlen, -EBADMSG, "corrupt artifact: bad section table");
		uint64_t max = s->type == UNIK_SECTION_KERNEL ? MAX_KERNEL :
			       s->type == UNIK_SECTION_CONFIG ? MAX_CONFIG : MAX_IMGFS;
		if (s->size > max || (s->type == UNIK_SECTION_IMGFS && s->size % 4096))
			return fail(err, errlen, -EBADMSG, "corrupt artifact: implausible section size");
		seen |= 1u << s->type;
		off += s->stored_size;
	}
	if (off != fsize)
		return fail(err, errlen, -EBADMSG, "corrupt artifact: sections do not cover the file");
	if (seen != 0xe)
		return fail(err, errlen, -EBADMSG, "artifact lacks a kernel, imgfs or config section");
	return 0;
}

static int load_section(struct artifact *a, const uint8_t *file, const struct unik_artifact_section *s,
			uint8_t *dst, char *err, size_t errlen)
{
	uint8_t d[32];
	const char *nm = artifact_section_name(s->type);
	sha256(file + s->offset, s->stored_size, d);
	if (memcmp(d, s->stored_sha256, 32) != 0) {
		snprintf(err, errlen, "corrupt artifact: section %s: stored checksum mismatch", nm);
		return -EBADMSG;
	}
	size_t r = ZSTD_decompress(dst, s->size, file + s->offset, s->stored_size);
	if (ZSTD_isError(r) || r != s->size) {
		snprintf(err, errlen, "corrupt artifact: section %s: %s", nm,
			 ZSTD_isError(r) ? ZSTD_getErrorName(r) : "size mismatch");
		return -EBADMSG;
	}
	sha256(dst, s->size, d);
	if (memcmp(d, s->sha256, 32) != 0) {
		snprintf(err, errlen, "corrupt artifact: section %s: content checksum mismatch", nm);
		return -EBADMSG;
	}
	(void)a;
	return 0;
}

/* The decompressed-imgfs cache: one file per image content digest, shared read-only by every VM
   that boots the image (through the page cache) and sparing each run the decompression and the
   hashing of the largest section. $UNIK_CACHE_DIR, else /var/cache/unik for root, else
   ~/.cache/unik; a cache that cannot be used is skipped silently. It holds at most
   $UNIK_CACHE_MAX bytes (default 4 GiB): storing a copy evicts the least recently used others
   (by mtime, which every run that maps a copy refreshes) until the rest fit. A VM running an
   evicted copy keeps its mapping. */
#define CACHE_MAX_DEFAULT (4ull << 30)
#define CACHE_PREFIX "imgfs-"

static const char *cache_dir(char *buf, size_t size)
{
	const char *dir = getenv("UNIK_CACHE_DIR");
	if (dir && *dir)
		return dir;
	const char *home = getenv("HOME");
	if (geteuid() == 0)
		return "/var/cache/unik";
	if (!home || !*home)
		return NULL;
	snprintf(buf, size, "%s/.cache/unik", home);
	return buf;
}

static int cache_path(const uint8_t digest[32], char *out, size_t size, bool create)
{
	char buf[4096];
	const char *dir = cache_dir(buf, sizeof(buf));
	if (!dir)
		return -1;
	if (create) {
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s", dir);
		for (char *p = tmp + 1; *p; p++)
			if (*p == '/') {
				*p = 0;
				mkdir(tmp, 0755);
				*p = '/';
			}
		mkdir(tmp, 0700);
	}
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return snprintf(out, size, "%s/" CACHE_PREFIX "%s", dir, hex) < (int)size ? 0 : -1;
}

/* $UNIK_CACHE_MAX: bytes, or with a K, M or G suffix. */
static uint64_t cache_limit(void)
{
	const char *s = getenv("UNIK_CACHE_MAX");
	if (!s || !*s)
		return CACHE_MAX_DEFAULT;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	int shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
	if (end == s || (shift ? end[1] : *end) || v > (UINT64_MAX >> shift))
		return CACHE_MAX_DEFAULT;
	return (uint64_t)v << shift;
}

struct cache_entry {
	char name[sizeof(CACHE_PREFIX) + 64];
	uint64_t size;
	struct timespec mtime;
};

static int cache_older(const void *a, const void *b)
{
	const struct cache_entry *x = a, *y = b;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	return (x->mtime.tv_nsec > y->mtime.tv_nsec) - (x->mtime.tv_nsec < y->mtime.tv_nsec);
}

/* Evicts the least recently used copies but keep until the cache fits its limit. */
static void cache_evict(const char *keep)
{
	char buf[4096];
	const char *dir = cache_dir(buf, sizeof(buf));
	int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	struct cache_entry *e = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		size_t len = strlen(de->d_name);
		if (len != strlen(CACHE_PREFIX) + 64 || strncmp(de->d_name, CACHE_PREFIX,
								strlen(CACHE_PREFIX)) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;       /* temporary files and anything else are not ours to judge */
		total += (uint64_t)st.st_size;
		if (!strcmp(de->d_name, keep))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct cache_entry *ne = realloc(e, ncap * sizeof(*e));
			if (!ne)
				break;
			e = ne;
			cap = ncap;
		}
		memcpy(e[n].name, de->d_name, len + 1);        /* len is checked above */
		e[n].size = (uint64_t)st.st_size;
		e[n].mtime = st.st_mtim;
		n++;
	}
	uint64_t limit = cache_limit();
	qsort(e, n, sizeof(*e), cache_older);
	for (size_t i = 0; i < n && total > limit; i++)
		if (!unlinkat(dfd, e[i].name, 0))
			total -= e[i].size;
	free(e);
	closedir(d);
}

/* Maps a cached imgfs of the right size, read-only and shared; NULL if there is none. */
static uint8_t *cache_lookup(const struct unik_artifact_section *s)
{
	char path[4200];
	if (cache_path(s->sha256, path, sizeof(path), false))
		return NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	uint8_t *p = NULL;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && (uint64_t)st.st_size == s->size) {
		p = mmap(NULL, s->size, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			p = NULL;
		else
			futimens(fd, NULL);     /* recently used: evicted last */
	}
	close(fd);
	return p;
}

/* Stores a verified imgfs for later runs (temp file, then rename: readers never see half). */
static void cache_store(const struct unik_artifact_section *s, const uint8_t *data)
{
	char path[4200], tmp[4300];
	if (cache_path(s->sha256, path, sizeof(path), true))
		return;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	uint64_t done = 0;
	while (done < s->size) {
		ssize_t n = write(fd, data + done, s->size - done);
		if (n <= 0)
			break;
		done += (uint64_t)n;
	}
	if (close(fd) || done != s->size || rename(tmp, path)) {
		unlink(tmp);
		return;
	}
	cache_evict(strrchr(path, '/') + 1);
}

static int place_sections(struct artifact *a, const uint8_t *file, char *err, size_t errlen)
{
	const struct unik_artifact_section *sec[4] = {0};
	for (uint32_t i = 0; i < a->hdr.section_count; i++)
		sec[a->hdr.sections[i].type] = &a->hdr.sections[i];
	uint64_t ilen = sec[UNIK_SECTION_IMGFS]->size, klen = sec[UNIK_SECTION_KERNEL]->size;
	uint64_t clen = sec[UNIK_SECTION_CONFIG]->size;
	if (a->skip_kernel)
		klen = 0;
	uint64_t kpad = (klen + 4095) & ~4095ull;
	uint8_t *cached = !a->use_cache ? NULL : cache_lookup(sec[UNIK_SECTION_IMGFS]);
	if (cached) {
		a->imgfs_map = cached;
		ilen = 0;               /* the mapping below holds only the kernel and config */
	}
	a->mem_len = ilen + kpad + clen + 1;
	a->mem = mmap(NULL, a->mem_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->mem == MAP_FAILED) {
		a->mem = NULL;
		return fail(err, errlen, -ENOMEM, "out of memory decompressing the artifact");
	}
	a->imgfs = cached ? cached : a->mem;
	a->imgfs_len = sec[UNIK_SECTION_IMGFS]->size;
	a->kernel = klen ? a->mem + ilen : NULL;
	a->kernel_len = klen;
	a->config_json = (const char *)a->mem + ilen + kpad;
	a->config_len = clen;
	int r;
	if ((!cached && (r = load_section(a, file, sec[UNIK_SECTION_IMGFS], a->mem, err, errlen)) < 0) ||
	    (klen && (r = load_section(a, file, sec[UNIK_SECTION_KERNEL], a->mem + ilen, err,
				       errlen)) < 0) ||
	    (r = load_section(a, file, sec[UNIK_SECTION_CONFIG], a->mem + ilen + kpad, err, errlen)) < 0)
		return r;
	if (!cached && a->use_cache)
		cache_store(sec[UNIK_SECTION_IMGFS], a->mem);
	return 0;
}

static int artifact_open_common(const char *path, struct artifact *a, bool use_cache,
				bool with_kernel, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *file = MAP_FAILED;
	int ret, fd = open(path, O_RDONLY | O_CLOEXEC);
	memset(a, 0, sizeof(*a));
	a->use_cache = use_cache;
	a->skip_kernel = !with_kernel;
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ret = fail(err, errlen, -EINVAL, "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size < sizeof(a->hdr)) {
		ret = fail(err, errlen, -EBADMSG, st.st_size >= 8 && pread(fd, a->hdr.magic, 8, 0) == 8 &&
			   memcmp(a->hdr.magic, UNIK_ARTIFACT_MAGIC, 8) == 0 ? "truncated artifact"
			   : "not a unik artifact (too short)");
		goto out;
	}
	file = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (file == MAP_FAILED) {
		ret = fail(err, errlen, -errno, "cannot map the artifact");
		goto out;
	}
	memcpy(&a->hdr, file, sizeof(a->hdr));
	a->file_size = (uint64_t)st.st_size;
	if ((ret = check_header(a, (uint64_t)st.st_size, err, errlen)) < 0 ||
	    (ret = place_sections(a, file, err, errlen)) < 0)
		goto out;
	const char *why;
	struct imgfs fs;
	if (imgfs_open(&fs, a->imgfs, a->imgfs_len, &why) < 0) {
		ret = fail(err, errlen, -EBADMSG, why);
		goto out;
	}
	ret = runcfg_from_json(a->config_json, a->config_len, &a->cfg, err, errlen);
out:
	if (file != MAP_FAILED)
		munmap(file, (size_t)st.st_size);
	close(fd);
	if (ret < 0)
		artifact_close(a);
	return ret;
}

int artifact_open(const char *path, struct artifact *a, char *err, size_t errlen)
{
	return artifact_open_common(path, a, false, true, err, errlen);
}

int artifact_open_cached(const char *path, struct artifact *a, bool with_kernel, char *err,
			 size_t errlen)
{
	return artifact_open_common(path, a, true, with_kernel, err, errlen);
}

void artifact_close(struct artifact *a)
{
	if (a->mem)
		munmap(a->mem, a->mem_len);
	if (a->imgfs_map)
		munmap(a->imgfs_map, a->imgfs_len);
	runcfg_free(&a->cfg);
	memset(a, 0, sizeof(*a));
}
