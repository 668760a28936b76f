#include "kernel.h"
/* In-place prefix sum: a loop-carried dependence through memory
   (a[i] reads the a[i-1] just written); must not vectorize. */
NOINLINE void prefix_i32(int32_t *a, int32_t n) {
    for (int32_t i = 1; i < n; i++) a[i] += a[i - 1];
}
#define KERNEL_RUN (prefix_i32(a32, n), n > 0 ? (uint32_t)a32[n - 1] : 0u)
#include "driver.h"
