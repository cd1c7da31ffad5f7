/*
 * bcryptprimitives.c: a test-only bcryptprimitives.dll for Wine 8, which
 * lacks it. Go's runtime (1.24 and later) loads ProcessPrng from it at start,
 * so without it every Go program dies at once under Wine. This DLL
 * implements ProcessPrng with RtlGenRandom (advapi32's SystemFunction036),
 * which Wine has. It is copied into the test's Wine prefix by
 * scripts/wine/prefix.sh and never ships.
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll \
 *       bcryptprimitives.c -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
	while (size > 0) {
		ULONG n = size > 0x40000000 ? 0x40000000 : (ULONG)size;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		size -= n;
	}
	return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)inst; (void)reason; (void)reserved;
	return TRUE;
}
