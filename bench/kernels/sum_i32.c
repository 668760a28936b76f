#include "kernel.h"
/* i32 wrapping sum reduction. */
NOINLINE int32_t sum_i32(const int32_t *a, int32_t n) {
    uint32_t s = 0;
    for (int32_t i = 0; i < n; i++) s += (uint32_t)a[i];
    return (int32_t)s;
}
#define KERNEL_RUN ((uint32_t)sum_i32(opaque(a32), n))
#include "driver.h"
