#ifndef KINDRED_KERNELS_H
#define KINDRED_KERNELS_H

/// Dense float kernels for Learning's inner loops (ALS, BPR, scoring). Each is compiled for
/// several instruction sets and the best one the CPU supports is chosen when the program
/// loads, as BLAS libraries do: Swift alone can only target the baseline (SSE2, no FMA).

/// Sum of a[i] * b[i].
float kk_dot(const float *a, const float *b, long n);

/// y[i] += alpha * x[i].
void kk_axpy(float alpha, const float *x, float *y, long n);

/// out[r] = dot(rows[r], v) for `count` rows of `dim` floats.
void kk_gemv(const float *rows, long count, long dim, const float *v, float *out);



/// A few conjugate-gradient steps on one row's implicit-ALS least-squares problem
/// (YtY + reg I + Yt (C - I) Y) x = Yt C p, starting from x. `yty` already includes reg I;
/// `columns`/`confidence` are the row's nonzeros (count entries); r, p, ap are scratch.
void kk_cg_row(float *x, const float *y, const float *yty, const int *columns, const float *confidence, long count,
               long f, long steps, float *r, float *p, float *ap);

/// The quantized first pass of serving, reading a quarter of the memory Float32 rows need, in
/// integer arithmetic. Rows are stored in blocks of 16, and within a block in groups of 4
/// dimensions: codes[((b * groups + g) * 16 + j) * 4 + t] is dimension 4 g + t of row 16 b + j.
/// `query` holds the query's int8 codes plus 128 (0...255); `sums[r]` is the sum of row r's
/// codes. out[r] = scales[r] * query_scale * (sum_d query[d] * code[r][d] - 128 * sums[r]),
/// which is scales[r] * query_scale * (the integer dot product of the two codes).
/// Uses AVX-512 VNNI (64 multiply-adds per instruction) where the CPU has it.
void kk_block_dot_i8(const signed char *codes, const float *scales, const int *sums, long blocks, long groups,
                     const unsigned char *query, float query_scale, float *out);

/// The same without VNNI; bit-identical results. Public so that tests can compare the two.
void kk_block_dot_i8_portable(const signed char *codes, const float *scales, const int *sums, long blocks, long groups,
                              const unsigned char *query, float query_scale, float *out);

/// 1 when `kk_block_dot_i8` runs on AVX-512 VNNI.
int kk_has_vnni(void);

#endif
