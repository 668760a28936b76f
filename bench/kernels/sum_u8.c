#include "kernel.h"
/* u8 sum widened into i32. */
NOINLINE uint32_t sum_u8(const uint8_t *a, int32_t n) {
    uint32_t s = 0;
    for (int32_t i = 0; i < n; i++) s += a[i];
    return s;
}
#define KERNEL_RUN (sum_u8(opaque(a8), n))
#include "driver.h"
