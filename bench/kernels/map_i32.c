#include "kernel.h"
/* stream_map_i32's map, may-alias: out[i] = (x * k) ^ (x >> 3), unsigned. */
NOINLINE void map_i32(uint32_t *out, const uint32_t *in, uint32_t k, int32_t n) {
    for (int32_t i = 0; i < n; i++) {
        uint32_t x = in[i];
        out[i] = (x * k) ^ (x >> 3);
    }
}
#define KERNEL_RUN (map_i32((uint32_t *)c32, (const uint32_t *)a32, 0x9e3779b1u, n), (uint32_t)c32[n / 2])
#include "driver.h"
