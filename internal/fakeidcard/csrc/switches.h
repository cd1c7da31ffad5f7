
/* The fake's switches are files beside the library: "nocard" takes the card
   off the reader, "port" holds the reader's port (default 1001). */
#ifndef _WIN32
#define _GNU_SOURCE /* dladdr */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>

/* beside names the file name in the library's own folder. */
static void beside(char *out, size_t n, const char *name) {
	HMODULE h = NULL;
	char path[4096] = ".";
	if (GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
			(LPCSTR)(void *)beside, &h))
		GetModuleFileNameA(h, path, sizeof path);
	char *slash = strrchr(path, '\\');
	if (slash) *slash = 0;
	snprintf(out, n, "%s\\%s", path, name);
}
#else
#include <dlfcn.h>
#include <libgen.h>

/* beside names the file name in the library's own folder. */
static void beside(char *out, size_t n, const char *name) {
	Dl_info info;
	char path[4096] = ".";
	if (dladdr((void *)beside, &info) && info.dli_fname) snprintf(path, sizeof path, "%s", info.dli_fname);
	snprintf(out, n, "%s/%s", dirname(path), name);
}
#endif

static int no_card(void) {
	char p[4200];
	beside(p, sizeof p, "nocard");
	FILE *f = fopen(p, "r");
	if (!f) return 0;
	fclose(f);
	return 1;
}

static int wanted_port(void) {
	char p[4200];
	beside(p, sizeof p, "port");
	FILE *f = fopen(p, "r");
	int port = 1001;
	if (f) { if (fscanf(f, "%d", &port) != 1) port = 1001; fclose(f); }
	return port;
}
