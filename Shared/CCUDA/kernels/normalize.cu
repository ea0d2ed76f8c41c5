// Sluice's normalize kernels, compiled at run time by NVRTC (Shared/CCUDA/loader.c
// embeds this file). Everything is float64 and follows the CPU path
// (Shared/SluiceNormalize): a tile of 2048 values is multiplied by a power of two,
// shifted by the pivot and reduced in two passes over registers; the host merges
// the tiles with Chan's formula. No CUDA headers: NVRTC compiles this alone.

#define TILE 2048
#define THREADS 256
#define PER_THREAD (TILE / THREADS)
#define POSITIVE_INFINITY __longlong_as_double(0x7ff0000000000000LL)

/// One tile's moments; the layout of sluice_moments in sluice_cuda.h.
struct Moments {
    double count, scale, shift, mean, m2, min, max;
};

enum Reduction { SUM, MIN, MAX };

__device__ double combine(double a, double b, Reduction op) {
    return op == SUM ? a + b : op == MIN ? fmin(a, b) : fmax(a, b);
}

/// Reduces `value` over the block (blockDim.x a multiple of 32); every thread gets the result.
__device__ double blockReduce(double value, Reduction op, double *shared) {
    for (int offset = 16; offset > 0; offset >>= 1)
        value = combine(value, __shfl_down_sync(0xffffffffu, value, offset), op);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) shared[warp] = value;
    __syncthreads();
    if (warp == 0) {
        value = lane < (int)(blockDim.x >> 5) ? shared[lane] : (op == SUM ? 0.0 : op == MIN ? POSITIVE_INFINITY : -POSITIVE_INFINITY);
        for (int offset = 16; offset > 0; offset >>= 1)
            value = combine(value, __shfl_down_sync(0xffffffffu, value, offset), op);
        if (lane == 0) shared[0] = value;
    }
    __syncthreads();
    double result = shared[0];
    __syncthreads();  // `shared` is reused by the next call
    return result;
}

/// 2^k with magnitude · 2^k in [0.5, 1), k at most 1023; 1 for 0 (as Scale.swift).
__device__ double scaleFor(double magnitude) {
    if (magnitude == 0) return 1;
    int k = -ilogb(magnitude) - 1;
    return ldexp(1.0, k > 1023 ? 1023 : k);
}

/// The moments of each tile of `x` (blockIdx.x is the tile), relative to `pivot`.
extern "C" __global__ void tile_moments(const double *x, unsigned long long n, double pivot, Moments *tiles) {
    __shared__ double shared[32];
    unsigned long long base = (unsigned long long)blockIdx.x * TILE;
    double count = (double)(n - base < TILE ? n - base : TILE);
    double v[PER_THREAD];
    double low = POSITIVE_INFINITY, high = -POSITIVE_INFINITY;
#pragma unroll
    for (int k = 0; k < PER_THREAD; k++) {
        unsigned long long i = base + k * THREADS + threadIdx.x;
        v[k] = i < n ? x[i] : 0.0;
        if (i < n) { low = fmin(low, v[k]); high = fmax(high, v[k]); }
    }
    low = blockReduce(low, MIN, shared);
    high = blockReduce(high, MAX, shared);
    double scale = scaleFor(fmax(fmax(fabs(low), fabs(high)), fabs(pivot)));
    double shift = pivot * scale;

    double sum = 0;
#pragma unroll
    for (int k = 0; k < PER_THREAD; k++)
        if (base + k * THREADS + threadIdx.x < n) sum += v[k] * scale - shift;
    double mean = blockReduce(sum, SUM, shared) / count;

    // Corrected two-pass: Σe/n removes the rounding left in the mean.
    double e1 = 0, e2 = 0;
#pragma unroll
    for (int k = 0; k < PER_THREAD; k++) {
        if (base + k * THREADS + threadIdx.x < n) {
            double e = (v[k] * scale - shift) - mean;
            e1 += e;
            e2 += e * e;
        }
    }
    e1 = blockReduce(e1, SUM, shared);
    e2 = blockReduce(e2, SUM, shared);
    if (threadIdx.x == 0) {
        Moments m;
        m.count = count;
        m.scale = scale;
        m.shift = shift;
        m.mean = mean + e1 / count;
        m.m2 = fmax(0.0, e2 - e1 * e1 / count);
        m.min = low;
        m.max = high;
        tiles[blockIdx.x] = m;
    }
}

/// Per category c: count, Σd and Σd² of d = x·scale − shift[c] (− mean[c] when mean is
/// given), accumulated in shared memory (3 · categories doubles) and written per block
/// to partials[blockIdx.x · 3 · categories …]; the host adds the blocks.
extern "C" __global__ void category_sums(const double *x, const unsigned *category, unsigned long long n, double scale,
                                         const double *shift, const double *mean, unsigned categories, double *partials) {
    extern __shared__ double sums[];
    for (unsigned c = threadIdx.x; c < 3 * categories; c += blockDim.x) sums[c] = 0;
    __syncthreads();
    for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (unsigned long long)gridDim.x * blockDim.x) {
        unsigned c = category[i];
        double d = x[i] * scale - shift[c];
        if (mean) d -= mean[c];
        atomicAdd(&sums[c], 1.0);
        atomicAdd(&sums[categories + c], d);
        atomicAdd(&sums[2 * categories + c], d * d);
    }
    __syncthreads();
    for (unsigned c = threadIdx.x; c < 3 * categories; c += blockDim.x)
        partials[(unsigned long long)blockIdx.x * 3 * categories + c] = sums[c];
}

/// out = ((x·scale − shift) − offset) / divisor with the parameters of the record's
/// category (of parameter 0 when category is null); 0 where the divisor is 0.
extern "C" __global__ void transform(const double *x, const unsigned *category, unsigned long long n, double scale,
                                     const double *shift, const double *offset, const double *divisor, double *out) {
    for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (unsigned long long)gridDim.x * blockDim.x) {
        unsigned c = category ? category[i] : 0;
        double d = divisor[c];
        out[i] = d == 0 ? 0.0 : ((x[i] * scale - shift[c]) - offset[c]) / d;
    }
}
