/* A stand-in for bcryptprimitives.dll, which Wine 8.0 (Debian bookworm) lacks: Rust's standard
 * library (1.78 and later) takes its random bytes from ProcessPrng there. This forwards to
 * RtlGenRandom (advapi32's SystemFunction036), which Wine has. Built and installed into the
 * Wine prefix by scripts/wine-setup.sh; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
