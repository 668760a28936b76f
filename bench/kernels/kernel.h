/* What a kernel file needs before its kernel: the integer types and the
   attributes. The driver (driver.h) is included after the kernel. */
#include <stdint.h>

#define CAP 4096
#define EXPORT(name) __attribute__((export_name(name)))
#define NOINLINE __attribute__((noinline))
