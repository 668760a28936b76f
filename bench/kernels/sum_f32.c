#include "kernel.h"
/* f32 sum in source order: must not vectorize without reassociation
   (clang -O3 keeps it scalar too without -ffast-math). */
NOINLINE float sum_f32(const float *a, int32_t n) {
    float s = 0.0f;
    for (int32_t i = 0; i < n; i++) s += a[i];
    return s;
}
#define KERNEL_RUN ((uint32_t)(int32_t)sum_f32(opaque(af), n))
#include "driver.h"
