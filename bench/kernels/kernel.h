/* What a kernel file needs before its kernel: the integer types and the
   attributes. The driver (driver.h) is included after the kernel. */
#include <stdint.h>

#define CAP 4096
#define EXPORT(name) __attribute__((export_name(name)))
#define NOINLINE __attribute__((noinline, visibility("default")))

/* `p` through a volatile slot: a pure kernel called with it cannot be
   hoisted out of the driver's repetitions. */
static inline void *opaque(void *p) {
    void *volatile q = p;
    return q;
}
