#include "kernel.h"
/* i32 map with restrict pointers: out[i] = in[i] * k + c. */
NOINLINE void scale_i32(int32_t *restrict out, const int32_t *restrict in, int32_t k, int32_t c, int32_t n) {
    for (int32_t i = 0; i < n; i++) out[i] = in[i] * k + c;
}
#define KERNEL_RUN (scale_i32(c32, a32, 7, 3, n), (uint32_t)c32[n / 3])
#include "driver.h"
