#include "KindredKernels.h"

// On x86-64 Linux, each kernel is cloned for AVX-512, AVX2+FMA and the baseline; the dynamic
// loader picks one per CPU. Elsewhere the plain loop is compiled for the target as usual.
#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define KK_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KK_CLONES
#endif

static inline float kk_dot_inline(const float *a, const float *b, long n) {
#pragma clang fp reassociate(on) contract(fast)
    float sum = 0;
#pragma clang loop vectorize(enable) interleave(enable)
    for (long i = 0; i < n; i++) sum += a[i] * b[i];
    return sum;
}

static inline void kk_axpy_inline(float alpha, const float *x, float *y, long n) {
#pragma clang fp contract(fast)
#pragma clang loop vectorize(enable)
    for (long i = 0; i < n; i++) y[i] += alpha * x[i];
}

KK_CLONES
float kk_dot(const float *a, const float *b, long n) { return kk_dot_inline(a, b, n); }

KK_CLONES
void kk_axpy(float alpha, const float *x, float *y, long n) { kk_axpy_inline(alpha, x, y, n); }

KK_CLONES
void kk_gemv(const float *rows, long count, long dim, const float *v, float *out) {
    for (long r = 0; r < count; r++) out[r] = kk_dot_inline(rows + r * dim, v, dim);
}

KK_CLONES
void kk_cg_row(float *x, const float *y, const float *yty, const int *columns, const float *confidence, long count,
               long f, long steps, float *r, float *p, float *ap) {
    // r = b - A x
    for (long d = 0; d < f; d++) r[d] = -kk_dot_inline(yty + d * f, x, f);
    for (long k = 0; k < count; k++) {
        const float *yi = y + (long)columns[k] * f;
        float c = confidence[k];
        kk_axpy_inline(c - (c - 1) * kk_dot_inline(yi, x, f), yi, r, f);
    }
    for (long d = 0; d < f; d++) p[d] = r[d];
    float rs_old = kk_dot_inline(r, r, f);
    if (rs_old < 1e-20f) return;
    for (long step = 0; step < steps; step++) {
        for (long d = 0; d < f; d++) ap[d] = kk_dot_inline(yty + d * f, p, f);
        for (long k = 0; k < count; k++) {
            const float *yi = y + (long)columns[k] * f;
            kk_axpy_inline((confidence[k] - 1) * kk_dot_inline(yi, p, f), yi, ap, f);
        }
        float alpha = rs_old / kk_dot_inline(p, ap, f);
        kk_axpy_inline(alpha, p, x, f);
        kk_axpy_inline(-alpha, ap, r, f);
        float rs_new = kk_dot_inline(r, r, f);
        if (rs_new < 1e-20f) break;
        float beta = rs_new / rs_old;
        for (long d = 0; d < f; d++) p[d] = r[d] + beta * p[d];
        rs_old = rs_new;
    }
}

KK_CLONES
void kk_block_gemv_i8(const signed char *codes, const float *scales, long blocks, long dim, const float *v, float *out) {
#pragma clang fp contract(fast)
    for (long b = 0; b < blocks; b++) {
        float acc[16] = {0};
        const signed char *base = codes + b * dim * 16;
        for (long d = 0; d < dim; d++) {
            const float vd = v[d];
            const signed char *c = base + d * 16;
#pragma clang loop vectorize(enable)
            for (int j = 0; j < 16; j++) acc[j] += (float)c[j] * vd;
        }
#pragma clang loop vectorize(enable)
        for (int j = 0; j < 16; j++) out[b * 16 + j] = acc[j] * scales[b * 16 + j];
    }
}
