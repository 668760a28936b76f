#include "kernel.h"
/* u8 map with restrict pointers: out[i] = in[i] ^ key. */
NOINLINE void xor_u8(uint8_t *restrict out, const uint8_t *restrict in, uint8_t key, int32_t n) {
    for (int32_t i = 0; i < n; i++) out[i] = in[i] ^ key;
}
#define KERNEL_RUN (xor_u8(c8, a8, 0x5a, n), (uint32_t)c8[n / 2])
#include "driver.h"
