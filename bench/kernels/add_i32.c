#include "kernel.h"
/* i32 element-wise add, pointers that may overlap: out[i] = a[i] + b[i]. */
NOINLINE void add_i32(int32_t *out, const int32_t *a, const int32_t *b, int32_t n) {
    for (int32_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}
#define KERNEL_RUN (add_i32(c32, a32, b32, n), (uint32_t)c32[n / 2])
#include "driver.h"
