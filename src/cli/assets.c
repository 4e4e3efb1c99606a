/*
 * assets.c - access to the bytes cmake/embed.cmake linked in, the
 * architecture check of a package, and `ivsvc version --verbose` (see
 * assets.h).
 */
#include "assets.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <yaml.h>
#include <zip.h>

extern const unsigned char ivs_embedded_template[];
extern const unsigned char ivs_embedded_template_end[];

const char *assets_template(size_t *len)
{
	*len = (size_t)(ivs_embedded_template_end - ivs_embedded_template);
	return (const char *)ivs_embedded_template;
}

/* What the build embedded for one architecture (lambda/CMakeLists.txt). */
struct package_asset {
	const char *arch;
	const unsigned char *start, *end;
	const unsigned char *versions;
};

#ifdef IVSVC_HAVE_PACKAGE_X86_64
extern const unsigned char ivs_embedded_package_x86_64[], ivs_embedded_package_x86_64_end[];
extern const unsigned char ivs_embedded_versions_x86_64[];
#endif
#ifdef IVSVC_HAVE_PACKAGE_ARM64
extern const unsigned char ivs_embedded_package_arm64[], ivs_embedded_package_arm64_end[];
extern const unsigned char ivs_embedded_versions_arm64[];
#endif

static const struct package_asset packages[] = {
#ifdef IVSVC_HAVE_PACKAGE_X86_64
	{ ASSETS_ARCH_X86_64, ivs_embedded_package_x86_64, ivs_embedded_package_x86_64_end,
	  ivs_embedded_versions_x86_64 },
#endif
#ifdef IVSVC_HAVE_PACKAGE_ARM64
	{ ASSETS_ARCH_ARM64, ivs_embedded_package_arm64, ivs_embedded_package_arm64_end,
	  ivs_embedded_versions_arm64 },
#endif
	{ NULL, NULL, NULL, NULL },
};

static const struct package_asset *find_package(const char *arch)
{
	if (!arch)
		arch = ASSETS_ARCH_X86_64;
	for (const struct package_asset *p = packages; p->arch; p++)
		if (strcmp(p->arch, arch) == 0 && p->end > p->start)
			return p;
	return NULL;
}

const unsigned char *assets_package(const char *arch, size_t *len)
{
	const struct package_asset *p = find_package(arch);
	*len = p ? (size_t)(p->end - p->start) : 0;
	return p ? p->start : NULL;
}

int assets_package_get(const char *arch, const unsigned char **data, size_t *len,
		       struct ivs_error *err)
{
	*data = assets_package(arch, len);
	if (*data)
		return 0;
	if (arch && strcmp(arch, ASSETS_ARCH_X86_64) != 0)
		return ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "NoPackage",
					  "this ivsvc was built without the %s package (the cross "
					  "toolchain was missing: run scripts/deps.d/arm64.sh and "
					  "rebuild with -DIVSVC_ARM64=ON), so architecture: %s "
					  "cannot be deployed; pass --handler-zip FILE built for %s",
					  arch, arch, arch);
	return ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "NoPackage",
				  "this ivsvc was built without the handler package: pass "
				  "--handler-zip FILE (a zip with `bootstrap` at its root), "
				  "or build ivsvc with the lambda/ directory present");
}

const char *assets_package_versions(const char *arch)
{
	const struct package_asset *p = find_package(arch);
	return p ? (const char *)p->versions : NULL;
}

/* The Lambda architecture of an ELF header's machine; NULL: neither. */
static const char *elf_arch(const unsigned char *h, size_t n)
{
	if (n < sizeof(Elf64_Ehdr) || memcmp(h, ELFMAG, SELFMAG) != 0 ||
	    h[EI_CLASS] != ELFCLASS64 || h[EI_DATA] != ELFDATA2LSB)
		return NULL;
	unsigned machine = h[offsetof(Elf64_Ehdr, e_machine)] |
			   (unsigned)h[offsetof(Elf64_Ehdr, e_machine) + 1] << 8;
	if (machine == EM_X86_64)
		return ASSETS_ARCH_X86_64;
	return machine == EM_AARCH64 ? ASSETS_ARCH_ARM64 : NULL;
}

/* Reads the first bytes of zip's bootstrap into h; returns how many, -1 when
 * it cannot be read. */
static zip_int64_t read_bootstrap_header(const unsigned char *zip, size_t len,
					 unsigned char *h, size_t n)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(zip, len, 0, &ze);
	zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
	zip_int64_t got = -1;
	if (!za) {
		if (src)
			zip_source_free(src);
	} else {
		zip_file_t *f = zip_fopen(za, "bootstrap", 0);
		if (f) {
			got = zip_fread(f, h, n);
			zip_fclose(f);
		}
		zip_discard(za); /* frees src too */
	}
	zip_error_fini(&ze);
	return got;
}

int assets_check_arch(const unsigned char *zip, size_t len, const char *source,
		      const char *arch, struct ivs_error *err)
{
	unsigned char h[sizeof(Elf64_Ehdr)];
	zip_int64_t n = read_bootstrap_header(zip, len, h, sizeof(h));
	const char *got = n > 0 ? elf_arch(h, (size_t)n) : NULL;
	if (!arch)
		arch = ASSETS_ARCH_X86_64;
	/* A script (provided.al2023 has a shell) or another format: which
	 * instruction set it needs cannot be told, so it is not refused. */
	if (!got || strcmp(got, arch) == 0)
		return 0;
	return ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "WrongArchitecture",
				  "%s is built for %s but the function is configured for %s "
				  "(architecture: in ivsvc.yaml): set architecture: %s, or use a "
				  "package built for %s", source, got, arch, got, arch);
}

/* Each line of text, indented. */
static void print_indented(FILE *out, const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");
		fprintf(out, "  %.*s\n", (int)n, text);
		text += n + (text[n] == '\n');
	}
}

void assets_print_versions(FILE *out)
{
	/* libxml2 says its version as one number: 20914 is 2.9.14. */
	long xml = strtol(xmlParserVersion, NULL, 10);
	fprintf(out, "libraries of this ivsvc (the system's):\n");
	fprintf(out, "  %s\n", curl_version());
	fprintf(out, "  openssl %s\n", OpenSSL_version(OPENSSL_VERSION));
	fprintf(out, "  libxml2 %ld.%ld.%ld\n", xml / 10000, xml / 100 % 100, xml % 100);
	fprintf(out, "  libyaml %s\n", yaml_get_version_string());
	fprintf(out, "  cjson %s\n", cJSON_Version());
	fprintf(out, "  libzip %s\n", zip_libzip_version());
	static const char *const archs[] = { ASSETS_ARCH_X86_64, ASSETS_ARCH_ARM64 };
	for (size_t i = 0; i < sizeof(archs) / sizeof(archs[0]); i++) {
		size_t len = 0;
		const char *v = assets_package_versions(archs[i]);
		if (!assets_package(archs[i], &len) || !v) {
			fprintf(out, "package %s: not in this build\n", archs[i]);
			continue;
		}
		fprintf(out, "package %s (%zu bytes; what its bootstrap --version says):\n",
			archs[i], len);
		print_indented(out, v);
	}
}
