/* Shared driver of the stream kernels: three 4096-element buffers of each
   element type, filled from a 32-bit LCG by `init(seed)`, a FNV-1a checksum
   of the output buffer, and the `run(n, reps)` export that runs the kernel
   `reps` times over `n` elements and returns a checksum. Each kernel file
   includes kernel.h first and defines KERNEL_RUN (the body of one
   repetition, a 32-bit value folded into the checksum) before including
   this header last. */

static uint32_t lcg_state;
static uint32_t lcg(void) {
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state >> 8;
}

uint8_t a8[CAP + 16], b8[CAP + 16], c8[CAP + 16];
int16_t a16[CAP + 16], b16[CAP + 16], c16[CAP + 16];
int32_t a32[CAP + 16], b32[CAP + 16], c32[CAP + 16];
float af[CAP + 16], bf[CAP + 16], cf[CAP + 16];

EXPORT("init") void init(uint32_t seed) {
    lcg_state = seed;
    for (int i = 0; i < CAP + 16; i++) {
        uint32_t x = lcg();
        a8[i] = (uint8_t)x; b8[i] = (uint8_t)(x >> 8); c8[i] = 0;
        a16[i] = (int16_t)x; b16[i] = (int16_t)(x >> 4); c16[i] = 0;
        a32[i] = (int32_t)(x * 2654435761u); b32[i] = (int32_t)x; c32[i] = 0;
        af[i] = (float)(int32_t)(x & 0xffff) * 0.001f; bf[i] = (float)(x >> 12); cf[i] = 0.0f;
    }
}

static uint32_t fnv(const void *p, uint32_t bytes) {
    const volatile uint8_t *q = (const volatile uint8_t *)p;
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < bytes; i++) h = (h ^ q[i]) * 16777619u;
    return h;
}

/* FNV-1a over every buffer: what a kernel wrote, wherever it wrote it. */
EXPORT("checksum") uint32_t checksum(void) {
    uint32_t h = fnv(c8, sizeof c8) ^ fnv(c16, sizeof c16) * 3u;
    h ^= fnv(c32, sizeof c32) * 5u ^ fnv(cf, sizeof cf) * 7u;
    return h ^ fnv(a8, sizeof a8) * 11u ^ fnv(a32, sizeof a32) * 13u;
}

EXPORT("run") uint32_t run(int32_t n, int32_t reps) {
    if (n < 0 || n > CAP) return 0;
    uint32_t acc = 0;
    for (int32_t r = 0; r < reps; r++) {
        uint32_t x = KERNEL_RUN;
        acc = acc * 31u + x;
    }
    return acc;
}
