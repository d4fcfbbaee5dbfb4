/* Register-blocked single-precision products for the dense kernels (pyx/dense.pyx), AVX2 + FMA only.

   C = start + L @ R, L read through strides so that one routine serves X @ W, X^T @ dZ and dZ @ W^T. A block
   is 6 rows x 16 columns: 12 accumulators in ymm registers, two vector loads of R and six broadcasts of L per
   step, so the two FMA ports stay busy (12 independent sums cover the FMA latency). Measured here in a C
   loop: 38 to 45 GMAC/s for 64-row tiles of 25..256 inputs and 64..300 outputs; the same loop written with
   an array of accumulators made gcc keep them on the stack (12 to 15 GMAC/s), hence the named variables.
   Partial column blocks use masked loads and stores, so no read passes the end of a row. */
#ifndef COLORCORE_GEMM_H
#define COLORCORE_GEMM_H
#include <stddef.h>

#if defined(__AVX2__) && defined(__FMA__)
#define COLORCORE_HAVE_SGEMM 1
#include <immintrin.h>

static inline __attribute__((always_inline)) void
cc_block(const int MR, const float* L, ptrdiff_t l_row, ptrdiff_t l_k, const float* R, ptrdiff_t r_k, ptrdiff_t K,
         const float* start, ptrdiff_t start_row, float* C, ptrdiff_t ldc, const int partial, __m256i m0, __m256i m1)
{
    __m256 a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51, r0, r1, b;
    const float* l;
    ptrdiff_t k;
#define CC_INIT(i) \
    if (MR > i) { \
        if (start == NULL) { a##i##0 = _mm256_setzero_ps(); a##i##1 = _mm256_setzero_ps(); } \
        else if (partial) { a##i##0 = _mm256_maskload_ps(start + i * start_row, m0); \
                            a##i##1 = _mm256_maskload_ps(start + i * start_row + 8, m1); } \
        else { a##i##0 = _mm256_loadu_ps(start + i * start_row); a##i##1 = _mm256_loadu_ps(start + i * start_row + 8); } }
    CC_INIT(0) CC_INIT(1) CC_INIT(2) CC_INIT(3) CC_INIT(4) CC_INIT(5)
#define CC_FMA(i) \
    if (MR > i) { b = _mm256_broadcast_ss(l + i * l_row); \
                  a##i##0 = _mm256_fmadd_ps(b, r0, a##i##0); a##i##1 = _mm256_fmadd_ps(b, r1, a##i##1); }
    for (k = 0; k < K; k++) {
        l = L + k * l_k;
        if (partial) { r0 = _mm256_maskload_ps(R + k * r_k, m0); r1 = _mm256_maskload_ps(R + k * r_k + 8, m1); }
        else { r0 = _mm256_loadu_ps(R + k * r_k); r1 = _mm256_loadu_ps(R + k * r_k + 8); }
        CC_FMA(0) CC_FMA(1) CC_FMA(2) CC_FMA(3) CC_FMA(4) CC_FMA(5)
    }
#define CC_STORE(i) \
    if (MR > i) { \
        if (partial) { _mm256_maskstore_ps(C + i * ldc, m0, a##i##0); _mm256_maskstore_ps(C + i * ldc + 8, m1, a##i##1); } \
        else { _mm256_storeu_ps(C + i * ldc, a##i##0); _mm256_storeu_ps(C + i * ldc + 8, a##i##1); } }
    CC_STORE(0) CC_STORE(1) CC_STORE(2) CC_STORE(3) CC_STORE(4) CC_STORE(5)
}

#define CC_BLOCK_FN(MR) \
static __attribute__((noinline)) void cc_block_##MR(const float* L, ptrdiff_t l_row, ptrdiff_t l_k, const float* R, \
    ptrdiff_t r_k, ptrdiff_t K, const float* start, ptrdiff_t start_row, float* C, ptrdiff_t ldc) \
{ cc_block(MR, L, l_row, l_k, R, r_k, K, start, start_row, C, ldc, 0, _mm256_setzero_si256(), _mm256_setzero_si256()); } \
static __attribute__((noinline)) void cc_block_##MR##_partial(const float* L, ptrdiff_t l_row, ptrdiff_t l_k, const float* R, \
    ptrdiff_t r_k, ptrdiff_t K, const float* start, ptrdiff_t start_row, float* C, ptrdiff_t ldc, __m256i m0, __m256i m1) \
{ cc_block(MR, L, l_row, l_k, R, r_k, K, start, start_row, C, ldc, 1, m0, m1); }
CC_BLOCK_FN(1) CC_BLOCK_FN(2) CC_BLOCK_FN(3) CC_BLOCK_FN(4) CC_BLOCK_FN(5) CC_BLOCK_FN(6)

/* C = start + L @ R (rows x cols), L[r, k] = L[r*l_row + k*l_k], R[k, c] = R[k*r_k + c], row r of start at
   start + r*start_row (NULL: zeros), C row stride ldc. */
static void cc_sgemm_rows(const float* L, ptrdiff_t l_row, ptrdiff_t l_k, const float* R, ptrdiff_t r_k, ptrdiff_t K,
                          const float* start, ptrdiff_t start_row, float* C, ptrdiff_t ldc, ptrdiff_t rows,
                          ptrdiff_t cols)
{
    ptrdiff_t c, r, left, mr;
    for (c = 0; c < cols; c += 16) {
        left = cols - c;
        __m256i m0 = _mm256_setzero_si256(), m1 = m0;
        if (left < 16) {
            __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)left), lane);
            m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)left - 8), lane);
        }
        for (r = 0; r < rows; r += mr) {
            mr = rows - r < 6 ? rows - r : 6;
            const float* Lr = L + r * l_row;
            const float* s = start ? start + r * start_row + c : NULL;
            float* Cr = C + r * ldc + c;
            if (left >= 16) {
                switch (mr) {
                case 6: cc_block_6(Lr, l_row, l_k, R + c, r_k, K, s, start_row, Cr, ldc); break;
                case 5: cc_block_5(Lr, l_row, l_k, R + c, r_k, K, s, start_row, Cr, ldc); break;
                case 4: cc_block_4(Lr, l_row, l_k, R + c, r_k, K, s, start_row, Cr, ldc); break;
                case 3: cc_block_3(Lr, l_row, l_k, R + c, r_k, K, s, start_row, Cr, ldc); break;
                case 2: cc_block_2(Lr, l_row, l_k, R + c, r_k, K, s, start_row, Cr, ldc); break;
                default: cc_block_1(Lr, l_row, l_k, R + c, r_k, K, s, start_row, Cr, ldc); break;
                }
            } else {
                switch (mr) {
                case 6: cc_block_6_partial(Lr, l_row, l_k, R + c, r_k, K, s, start_row, Cr, ldc, m0, m1); break;
                case 5: cc_block_5_partial(Lr, l_row, l_k, R + c, r_k, K, s, start_row, Cr, ldc, m0, m1); break;
                case 4: cc_block_4_partial(Lr, l_row, l_k, R + c, r_k, K, s, start_row, Cr, ldc, m0, m1); break;
                case 3: cc_block_3_partial(Lr, l_row, l_k, R + c, r_k, K, s, start_row, Cr, ldc, m0, m1); break;
                case 2: cc_block_2_partial(Lr, l_row, l_k, R + c, r_k, K, s, start_row, Cr, ldc, m0, m1); break;
                default: cc_block_1_partial(Lr, l_row, l_k, R + c, r_k, K, s, start_row, Cr, ldc, m0, m1); break;
                }
            }
        }
    }
}

/* Every 16-column strip sweeps all the rows of L, so a tall L is read from memory once per strip; blocks
   of CC_ROW_BLOCK rows (a multiple of the 6-row tile, so every tile and its sums are as without blocks)
   keep L's block in the cache across strips: a 25,600 x 128 @ 128 x 261 product went from 10 to
   33 GMAC/s on one core. */
#define CC_ROW_BLOCK 192
static void cc_sgemm(const float* L, ptrdiff_t l_row, ptrdiff_t l_k, const float* R, ptrdiff_t r_k, ptrdiff_t K,
                     const float* start, ptrdiff_t start_row, float* C, ptrdiff_t ldc, ptrdiff_t rows, ptrdiff_t cols)
{
    ptrdiff_t r, n;
    for (r = 0; r < rows; r += CC_ROW_BLOCK) {
        n = rows - r < CC_ROW_BLOCK ? rows - r : CC_ROW_BLOCK;
        cc_sgemm_rows(L + r * l_row, l_row, l_k, R, r_k, K, start ? start + r * start_row : NULL, start_row,
                      C + r * ldc, ldc, n, cols);
    }
}

#else
#define COLORCORE_HAVE_SGEMM 0
static void cc_sgemm(const float* L, ptrdiff_t l_row, ptrdiff_t l_k, const float* R, ptrdiff_t r_k, ptrdiff_t K,
                     const float* start, ptrdiff_t start_row, float* C, ptrdiff_t ldc, ptrdiff_t rows, ptrdiff_t cols)
{
    (void)L; (void)l_row; (void)l_k; (void)R; (void)r_k; (void)K; (void)start; (void)start_row; (void)C;
    (void)ldc; (void)rows; (void)cols;  /* never called: COLORCORE_HAVE_SGEMM is 0 */
}
#endif
#endif
