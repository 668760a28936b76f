#include "kernel.h"
/* i32 multiply-add reduction (meld_trampoline's shape): sum of a[i] * b[i]. */
NOINLINE int32_t dot_i32(const int32_t *a, const int32_t *b, int32_t n) {
    uint32_t s = 0;
    for (int32_t i = 0; i < n; i++) s += (uint32_t)a[i] * (uint32_t)b[i];
    return (int32_t)s;
}
#define KERNEL_RUN ((uint32_t)dot_i32(opaque(a32), b32, n))
#include "driver.h"
