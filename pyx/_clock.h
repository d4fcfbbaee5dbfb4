/* A monotonic clock in nanoseconds for the kernels that time their own work (0 where there is none). */
#ifndef COLORCORE_CLOCK_H
#define COLORCORE_CLOCK_H
#if defined(__unix__) || defined(__APPLE__)
#include <time.h>
static long long colorcore_now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}
#else
static long long colorcore_now_ns(void) { return 0; }
#endif
#endif
