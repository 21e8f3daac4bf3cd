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

// Integer first pass: 16 rows per block, the codes of 4 consecutive dimensions of one row side
// by side (codes[((b * groups + g) * 16 + j) * 4 + t] is dimension 4 g + t of row 16 b + j), so
// that one 64-byte load holds 4 dimensions of all 16 rows: the operand layout of AVX-512 VNNI's
// unsigned-by-signed dot product. The query arrives as unsigned bytes (its signed code + 128);
// subtracting 128 * (the row's code sum) removes the offset, leaving the exact integer dot
// product, which both implementations compute identically.
static void kk_block_dot_i8_portable_impl(const signed char *codes, const float *scales, const int *sums, long blocks,
                                          long groups, const unsigned char *query, float query_scale, float *out) {
    for (long b = 0; b < blocks; b++) {
        int acc[16] = {0};
        const signed char *base = codes + b * groups * 64;
        for (long g = 0; g < groups; g++) {
            const signed char *c = base + g * 64;
            const unsigned char *q = query + g * 4;
#pragma clang loop vectorize(enable)
            for (int j = 0; j < 16; j++)
                acc[j] += q[0] * c[j * 4] + q[1] * c[j * 4 + 1] + q[2] * c[j * 4 + 2] + q[3] * c[j * 4 + 3];
        }
        for (int j = 0; j < 16; j++)
            out[b * 16 + j] = (float)(acc[j] - 128 * sums[b * 16 + j]) * (scales[b * 16 + j] * query_scale);
    }
}

KK_CLONES
void kk_block_dot_i8_portable(const signed char *codes, const float *scales, const int *sums, long blocks, long groups,
                              const unsigned char *query, float query_scale, float *out) {
    kk_block_dot_i8_portable_impl(codes, scales, sums, blocks, groups, query, query_scale, out);
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

// Removes the query's +128 offset (128 * the row's code sum) and scales the 16 sums to floats.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static inline void
kk_store_block_vnni(__m512i acc, const int *sums, const float *scales, __m512 query_scale, float *out) {
    acc = _mm512_sub_epi32(acc, _mm512_slli_epi32(_mm512_loadu_si512((const void *)sums), 7));
    _mm512_storeu_ps(out, _mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_mul_ps(_mm512_loadu_ps(scales), query_scale)));
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void
kk_block_dot_i8_vnni(const signed char *codes, const float *scales, const int *sums, long blocks, long groups,
                     const unsigned char *query, float query_scale, float *out) {
    const __m512 qs = _mm512_set1_ps(query_scale);
    for (long b = 0; b < blocks; b++) {
        __m512i acc = _mm512_setzero_si512();
        const signed char *base = codes + b * groups * 64;
        for (long g = 0; g < groups; g++) {
            int q4;
            __builtin_memcpy(&q4, query + g * 4, 4);
            acc = _mm512_dpbusd_epi32(acc, _mm512_set1_epi32(q4), _mm512_loadu_si512((const void *)(base + g * 64)));
        }
        kk_store_block_vnni(acc, sums + b * 16, scales + b * 16, qs, out + b * 16);
    }
}

int kk_has_vnni(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") ? 1 : 0;
    }
    return known;
}

void kk_block_dot_i8(const signed char *codes, const float *scales, const int *sums, long blocks, long groups,
                     const unsigned char *query, float query_scale, float *out) {
    if (kk_has_vnni())
        kk_block_dot_i8_vnni(codes, scales, sums, blocks, groups, query, query_scale, out);
    else
        kk_block_dot_i8_portable(codes, scales, sums, blocks, groups, query, query_scale, out);
}
#else
int kk_has_vnni(void) { return 0; }

void kk_block_dot_i8(const signed char *codes, const float *scales, const int *sums, long blocks, long groups,
                     const unsigned char *query, float query_scale, float *out) {
    kk_block_dot_i8_portable(codes, scales, sums, blocks, groups, query, query_scale, out);
}
#endif

// k-means. No contraction into fused multiply-adds and no reassociation: every clone adds the
// same squares in the same order, so that the choice of instruction set never changes a cluster.
#pragma clang fp contract(off)

static inline double kk_squared_distance(const double *a, const double *b, long d) {
    double sum = 0;
    for (long c = 0; c < d; c++) {
        double delta = a[c] - b[c];
        sum += delta * delta;
    }
    return sum;
}

// Squared distances of one point to the 8 transposed centres starting at `block`.
static inline void kk_block_distances(const double *p, const double *centres_t, long d, long lanes, long block,
                                      double *out) {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (long c = 0; c < d; c++) {
        const double x = p[c];
        const double *row = centres_t + c * lanes + block;
#pragma clang loop vectorize(enable)
        for (int j = 0; j < 8; j++) {
            double delta = x - row[j];
            acc[j] += delta * delta;
        }
    }
    for (int j = 0; j < 8; j++) out[block + j] = acc[j];
}

KK_CLONES
void kk_kmeans_assign(const double *points, long n, long d, const double *centres, const double *centres_t, long k,
                      long lanes, const double *half, long *labels, double *upper, double *lower, int first,
                      double *distances) {
    double scratch[lanes];
    for (long i = 0; i < n; i++) {
        const double *p = points + i * d;
        if (!first) {
            const double own = half[labels[i]], other = lower[i];
            const double bound = own > other ? own : other;
            if (upper[i] < bound) continue;
            upper[i] = __builtin_sqrt(kk_squared_distance(p, centres + labels[i] * d, d));
            if (upper[i] < bound) continue;
        }
        for (long block = 0; block < lanes; block += 8) kk_block_distances(p, centres_t, d, lanes, block, scratch);
        long best = 0;
        double best_distance = __builtin_inf(), second = __builtin_inf();
        // Without branches: which centre wins is close to a coin toss for points near a boundary.
        for (long j = 0; j < k; j++) {
            const double dist = scratch[j];
            const int nearer = dist < best_distance;
            const double runner_up = dist < second ? dist : second;
            second = nearer ? best_distance : runner_up;
            best = nearer ? j : best;
            best_distance = nearer ? dist : best_distance;
        }
        labels[i] = best;
        upper[i] = __builtin_sqrt(best_distance);
        lower[i] = __builtin_sqrt(second);
        if (distances) distances[i] = best_distance;
    }
}

KK_CLONES
void kk_kmeans_sums(const double *points, long n, long d, const long *labels, double *sums, long *counts) {
    for (long i = 0; i < n; i++) {
        double *into = sums + labels[i] * d;
        const double *p = points + i * d;
        counts[labels[i]] += 1;
        for (long c = 0; c < d; c++) into[c] += p[c];
    }
}

KK_CLONES
void kk_kmeans_move_bounds(long n, const long *labels, double *upper, double *lower, const double *moves, long largest,
                           double largest_move, double second_move) {
    for (long i = 0; i < n; i++) {
        upper[i] += moves[labels[i]];
        lower[i] -= labels[i] == largest ? second_move : largest_move;
    }
}

KK_CLONES
void kk_kmeans_seed_trials(const double *points, long n, long d, const double *candidates_t, long trials, long lanes,
                           const double *closest, double *out, double *potentials) {
    double scratch[lanes];
    for (long t = 0; t < trials; t++) potentials[t] = 0;
    for (long i = 0; i < n; i++) {
        const double *p = points + i * d;
        for (long block = 0; block < lanes; block += 8) kk_block_distances(p, candidates_t, d, lanes, block, scratch);
        for (long t = 0; t < trials; t++) {
            const double dist = scratch[t] < closest[i] ? scratch[t] : closest[i];
            out[t * n + i] = dist;
            potentials[t] += dist;
        }
    }
}

/// The tower of a two-layer NeuMF (first layer 2 w wide, second w) for one item, with w a
/// compile-time constant after inlining, so that the activations and accumulators stay in
/// registers: the general loop below keeps them in memory, a store and a load per input, which
/// made it twice as slow (docs/benchmarks.md).
static inline __attribute__((always_inline)) float kk_ncf_two_layer_tower(const float *restrict person_first,
                                                                         const float *restrict half,
                                                                         const float *restrict tail, const long w) {
    float h[64];
    float acc[32];
    for (long u = 0; u < 2 * w; u++) {
        const float pre = person_first[u] + half[u];
        h[u] = pre > 0 ? pre : 0;
    }
    const float *bias = tail + 2 * w * w;
    for (long o = 0; o < w; o++) acc[o] = bias[o];
    for (long j = 0; j < 2 * w; j++) {
        const float x = h[j];
        const float *column = tail + j * w;
        for (long o = 0; o < w; o++) acc[o] += x * column[o];
    }
    const float *output = bias + w;
    float sum = 0;
    for (long o = 0; o < w; o++) sum += (acc[o] > 0 ? acc[o] : 0) * output[o];
    return sum;
}

static inline __attribute__((always_inline)) void kk_ncf_two_layer_logits(long first_item, long count,
                                                                         const float *item_first, const float *person_first,
                                                                         const float *item_rows, long row_length,
                                                                         const float *gmf_query, const float *tail, float out_bias,
                                                                         float *out, const long w) {
    for (long n = 0; n < count; n++) {
        const long item = first_item + n;
        out[n] = out_bias + kk_dot_inline(gmf_query, item_rows + item * row_length, w) +
                 kk_ncf_two_layer_tower(person_first, item_first + item * 2 * w, tail, w);
    }
}

KK_CLONES
void kk_ncf_logits(long first_item, long count, const float *item_first, const float *person_first, long first_width,
                   const float *item_rows, long row_length, const float *gmf_query, long factors, const float *tail,
                   const long *widths, long layers, float out_bias, float *scratch, float *out) {
#pragma clang fp reassociate(on) contract(fast)
    // Two layers (widths 2 factors and factors, as every two-layer shape is) of 8, 16 or 32
    // factors, the default among them, take the register-resident path; any other shape the
    // general loop.
    if (layers == 2 && widths[1] == factors && first_width == 2 * factors) {
        switch (factors) {
        case 8:
            kk_ncf_two_layer_logits(first_item, count, item_first, person_first, item_rows, row_length, gmf_query, tail,
                                    out_bias, out, 8);
            return;
        case 16:
            kk_ncf_two_layer_logits(first_item, count, item_first, person_first, item_rows, row_length, gmf_query, tail,
                                    out_bias, out, 16);
            return;
        case 32:
            kk_ncf_two_layer_logits(first_item, count, item_first, person_first, item_rows, row_length, gmf_query, tail,
                                    out_bias, out, 32);
            return;
        default:
            break;
        }
    }
    float *current = scratch;
    float *next = scratch + first_width;
    for (long n = 0; n < count; n++) {
        long item = first_item + n;
        const float *half = item_first + item * first_width;
        for (long u = 0; u < first_width; u++) {
            float pre = person_first[u] + half[u];
            current[u] = pre > 0 ? pre : 0;
        }
        const float *layer = tail;
        float *in = current;
        float *outs = next;
        for (long l = 1; l < layers; l++) {
            long inputs = widths[l - 1];
            long width = widths[l];
            const float *bias = layer + inputs * width;
            for (long o = 0; o < width; o++) outs[o] = bias[o];
            for (long j = 0; j < inputs; j++) {
                float x = in[j];
                if (x == 0) continue;
                const float *column = layer + j * width;
#pragma clang loop vectorize(enable)
                for (long o = 0; o < width; o++) outs[o] += x * column[o];
            }
            for (long o = 0; o < width; o++) outs[o] = outs[o] > 0 ? outs[o] : 0;
            layer = bias + width;
            float *swap = in;
            in = outs;
            outs = swap;
        }
        out[n] = out_bias + kk_dot_inline(gmf_query, item_rows + item * row_length, factors) + kk_dot_inline(layer, in, factors);
    }
}
