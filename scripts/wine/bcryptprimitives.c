/*
 * A test aid for Wine 8, never shipped: Go 1.24 and later programs call
 * ProcessPrng from bcryptprimitives.dll at start-up, which Windows 10 and
 * later have and Wine 8 lacks. scripts/wine-test.sh builds this stand-in
 * with mingw-w64 into its throwaway Wine prefix; it fills the buffer from
 * RtlGenRandom (advapi32's SystemFunction036), which Wine has.
 */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!RtlGenRandom(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
