// Checks Sluice's CUDA backend (Shared/CCUDA) without Swift: z-score and min-max of
// values near 1e9 on the GPU against a long double two-pass on the CPU.
// Prints "no GPU: <reason>" and exits 0 where there is no GPU; exits 1 on a mismatch
// or a CUDA failure. Built and run by infra/gpu-check.sh.
#include "sluice_cuda.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { COUNT = 3000001 };
static const double TOLERANCE = 1e-12;

/// Chan's formula, as Shared/SluiceNormalize/Moments.swift merges tiles.
static void merge(sluice_moments *a, const sluice_moments *b) {
    if (a->count == 0) { *a = *b; return; }
    sluice_moments other = *b;
    if (other.scale < a->scale) {
        double f = other.scale / a->scale;
        a->shift *= f; a->mean *= f; a->m2 *= f * f; a->scale = other.scale;
    } else if (a->scale < other.scale) {
        double f = a->scale / other.scale;
        other.shift *= f; other.mean *= f; other.m2 *= f * f; other.scale = a->scale;
    }
    double other_mean = other.mean + (other.shift - a->shift), total = a->count + other.count;
    double delta = other_mean - a->mean;
    a->mean += delta * (other.count / total);
    a->m2 += other.m2 + delta * delta * (a->count * (other.count / total));
    a->count = total;
    a->min = fmin(a->min, other.min);
    a->max = fmax(a->max, other.max);
}

static double worst(const double *actual, const long double *expected) {
    double error = 0;
    for (size_t i = 0; i < COUNT; i++) {
        double e = (double)fabsl((long double)actual[i] - expected[i]) / fmax(1.0, (double)fabsl(expected[i]));
        if (e > error) error = e;
    }
    return error;
}

int main(void) {
    char reason[1024];
    sluice_cuda *cuda;
    int code = sluice_cuda_open(0, &cuda, reason, sizeof reason);
    if (code == SLUICE_CUDA_UNAVAILABLE) {
        printf("no GPU: %s\n", reason);
        return 0;
    }
    if (code) {
        printf("FAILED to open the GPU: %s\n", reason);
        return 1;
    }
    printf("device: %s\n", sluice_cuda_name(cuda));

    double *values = malloc(COUNT * sizeof(double)), *out = malloc(COUNT * sizeof(double));
    long double *expected = malloc(COUNT * sizeof(long double));
    size_t tile_count = (COUNT + SLUICE_CUDA_TILE - 1) / SLUICE_CUDA_TILE;
    sluice_moments *tiles = malloc(tile_count * sizeof(sluice_moments));
    unsigned long long state = 1;
    for (size_t i = 0; i < COUNT; i++) {  // SplitMix64
        unsigned long long z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        values[i] = 1e9 + (double)((z ^ (z >> 31)) >> 11) * 0x1p-53;
    }
    // The reference: a two-pass over the offsets from 1e9 (exact) in long double.
    long double mean = 0, variance = 0, low = INFINITY, high = -INFINITY;
    for (size_t i = 0; i < COUNT; i++) mean += (long double)(values[i] - 1e9);
    mean /= COUNT;
    for (size_t i = 0; i < COUNT; i++) {
        long double d = (long double)(values[i] - 1e9) - mean;
        variance += d * d;
        low = fminl(low, values[i] - 1e9);
        high = fmaxl(high, values[i] - 1e9);
    }
    long double std = sqrtl(variance / COUNT);

    int failed = 0;
    if ((code = sluice_cuda_moments(cuda, values, COUNT, values[0], tiles))) goto cuda_failed;
    sluice_moments whole = {0};
    for (size_t t = 0; t < tile_count; t++) merge(&whole, &tiles[t]);
    double scaled_std = sqrt(whole.m2 / whole.count);
    double gpu_mean = (whole.shift + whole.mean) / whole.scale, gpu_std = scaled_std / whole.scale;
    double mean_error = fabs(gpu_mean - (double)(1e9L + mean)) / 1e9, std_error = fabs(gpu_std - (double)std) / (double)std;
    printf("statistics: mean %.17g (relative error %.2e), std %.17g (relative error %.2e)\n", gpu_mean, mean_error, gpu_std, std_error);
    failed |= mean_error > TOLERANCE || std_error > TOLERANCE || whole.min != (double)(1e9L + low) || whole.max != (double)(1e9L + high);

    double shift = whole.shift, offset = whole.mean;
    if ((code = sluice_cuda_transform(cuda, COUNT, whole.scale, 1, &shift, &offset, &scaled_std, 0, out))) goto cuda_failed;
    for (size_t i = 0; i < COUNT; i++) expected[i] = ((long double)(values[i] - 1e9) - mean) / std;
    double z_error = worst(out, expected);
    printf("z-score:  worst relative error %.2e over %d values\n", z_error, COUNT);
    failed |= z_error > TOLERANCE;

    double min_shift = whole.min * whole.scale, zero = 0, range = whole.max * whole.scale - min_shift;
    if ((code = sluice_cuda_transform(cuda, COUNT, whole.scale, 1, &min_shift, &zero, &range, 0, out))) goto cuda_failed;
    for (size_t i = 0; i < COUNT; i++) expected[i] = ((long double)(values[i] - 1e9) - low) / (high - low);
    double minmax_error = worst(out, expected);
    printf("min-max:  worst relative error %.2e\n", minmax_error);
    failed |= minmax_error > TOLERANCE;

    sluice_cuda_close(cuda);
    printf(failed ? "FAILED: beyond %g\n" : "ok: within %g\n", TOLERANCE);
    return failed;

cuda_failed:
    printf("FAILED: %s\n", sluice_cuda_error(cuda));
    sluice_cuda_close(cuda);
    return 1;
}
