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

/// NeuMF logits of items first_item ..< first_item + count for one person, written to out[0 ..< count]:
/// h = relu(person_first + item_first[item]) (first_width floats per item: the item's half of the
/// first layer with its bias); for each further layer, h = relu(W h + b); then
/// out = out_bias + dot(gmf_query, item_rows[item][0 ..< factors]) + dot(w_out, h).
/// `tail` packs, per further layer, its weights transposed (inputs x width, so that each input
/// adds a column) then its bias, and last the output weights on the final layer (`factors`).
/// widths[0 ..< layers] are the layer widths; scratch holds 2 x first_width floats.
void kk_ncf_logits(long first_item, long count, const float *item_first, const float *person_first, long first_width,
                   const float *item_rows, long row_length, const float *gmf_query, long factors, const float *tail,
                   const long *widths, long layers, float out_bias, float *scratch, float *out);



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

/// k-means (in doubles, as scikit-learn clusters float64 data). Every kernel adds the squares of
/// a distance in column order with no fused multiply-add, so each instruction set gives the same
/// bits as Swift's plain loop; lanes of 8 centres side by side make the work vector-wide.
/// `centres_t` is the centres transposed: column c of centre j at centres_t[c * lanes + j], with
/// `lanes` a multiple of 8 (padding centres are never chosen: only the first k are compared).

/// One assignment pass of Lloyd's algorithm with Hamerly's bounds. With `first` set every point
/// is measured against every centre; otherwise a point is skipped while upper[i] stays below
/// max(half[labels[i]], lower[i]), its upper bound tightened to the exact distance first.
/// A measured point gets its nearest centre (the lowest index on a tie) in labels[i], that
/// distance in upper[i], the second nearest in lower[i] and, when `distances` is not null, the
/// squared distance in distances[i].
void kk_kmeans_assign(const double *points, long n, long d, const double *centres, const double *centres_t, long k,
                      long lanes, const double *half, long *labels, double *upper, double *lower, int first,
                      double *distances);

/// sums[labels[i] * d + c] += points[i * d + c] and counts[labels[i]] += 1, in row order.
void kk_kmeans_sums(const double *points, long n, long d, const long *labels, double *sums, long *counts);

/// The bounds follow the centres' moves: upper[i] += moves[labels[i]]; lower[i] -= the largest
/// move of another centre (second_move for points of centre `largest`, largest_move otherwise).
void kk_kmeans_move_bounds(long n, const long *labels, double *upper, double *lower, const double *moves, long largest,
                           double largest_move, double second_move);

/// k-means++'s trial pass: for candidate t (rows candidates[t], transposed into candidates_t
/// like centres_t with `lanes` >= trials), out[t * n + i] = min(closest[i], squared distance of
/// point i to it), and potentials[t] (zeroed here) = the sum of those over i in row order.
void kk_kmeans_seed_trials(const double *points, long n, long d, const double *candidates_t, long trials, long lanes,
                           const double *closest, double *out, double *potentials);

#endif
