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

/// The quantized first pass of serving, reading a quarter of the memory Float32 rows need.
/// Rows are stored in blocks of 16 interleaved by dimension (codes[(b * dim + d) * 16 + j] is
/// dimension d of row 16 b + j), so that 16 scores accumulate in one vector with no
/// horizontal sums: out[16 b + j] = scales[16 b + j] * sum_d codes[...] * v[d].
void kk_block_gemv_i8(const signed char *codes, const float *scales, long blocks, long dim, const float *v, float *out);

#endif
