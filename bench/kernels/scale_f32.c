#include "kernel.h"
/* f32 map with restrict pointers: out[i] = in[i] * k (element-wise, no
   reassociation). */
NOINLINE void scale_f32(float *restrict out, const float *restrict in, float k, int32_t n) {
    for (int32_t i = 0; i < n; i++) out[i] = in[i] * k;
}
#define KERNEL_RUN (scale_f32(cf, af, 1.5f, n), (uint32_t)cf[n / 2])
#include "driver.h"
