#include "kernel.h"
/* i32 signed max reduction. */
NOINLINE int32_t max_i32(const int32_t *a, int32_t n) {
    int32_t m = INT32_MIN;
    for (int32_t i = 0; i < n; i++) m = a[i] > m ? a[i] : m;
    return m;
}
#define KERNEL_RUN ((uint32_t)max_i32(opaque(a32), n))
#include "driver.h"
