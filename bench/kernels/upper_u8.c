#include "kernel.h"
/* In-place branch-free ASCII uppercase (stream_read_loop_u8's map):
   buf[i] -= 32 where 'a' <= buf[i] <= 'z'. */
NOINLINE void upper_u8(uint8_t *buf, int32_t n) {
    for (int32_t i = 0; i < n; i++) {
        uint8_t x = buf[i];
        buf[i] = x - (((uint8_t)(x - 'a') < 26) << 5);
    }
}
#define KERNEL_RUN (upper_u8(a8, n), (uint32_t)a8[n / 2])
#include "driver.h"
