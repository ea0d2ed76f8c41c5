#ifndef SLUICE_CUDA_H
#define SLUICE_CUDA_H

#include <stddef.h>
#include <stdint.h>

/// Sluice's CUDA backend: the driver API and NVRTC loaded with dlopen at run time,
/// so nothing of CUDA is needed to build, and a machine without a GPU gets a reason
/// instead of a crash. One `sluice_cuda` is one device's primary context, its
/// streams, buffers and compiled kernels; use it from one thread only.
///
/// Every function returns a `SLUICE_CUDA_*` code; the message of the last failure is
/// `sluice_cuda_error`.

/// The values of one tile of the statistics pass (kernels/normalize.cu `Moments`):
/// count, the power of two the tile was scaled by, the scaled pivot, the mean of
/// value·scale − shift, the sum of squared deviations from it, minimum and maximum.
typedef struct {
    double count, scale, shift, mean, m2, min, max;
} sluice_moments;

enum {
    SLUICE_CUDA_OK = 0,
    /// No usable GPU: no driver library, no device, or one too old.
    SLUICE_CUDA_UNAVAILABLE = 1,
    /// A CUDA call failed; the context is still usable.
    SLUICE_CUDA_FAILED = 2,
    /// A CUDA call failed and left the context unusable (a sticky error).
    SLUICE_CUDA_FATAL = 3,
};

/// Values per tile of `sluice_cuda_moments`.
#define SLUICE_CUDA_TILE 2048
/// The most categories `sluice_cuda_category_sums` takes (its sums live in shared memory).
#define SLUICE_CUDA_MAX_CATEGORIES 1024

typedef struct sluice_cuda sluice_cuda;

/// Opens device `ordinal`: loads libcuda.so.1 and NVRTC, compiles the kernels for the
/// device. On failure `*out` is NULL and `message` says why.
int sluice_cuda_open(int ordinal, sluice_cuda **out, char *message, size_t capacity);
void sluice_cuda_close(sluice_cuda *cuda);
/// The message of the last failure.
const char *sluice_cuda_error(const sluice_cuda *cuda);
/// The device's name, e.g. "NVIDIA H100 80GB HBM3".
const char *sluice_cuda_name(const sluice_cuda *cuda);
/// The kernel source this library compiles (kernels/normalize.cu).
const char *sluice_cuda_kernel_source(void);

/// Copies `count` values to the device in chunks on two streams, each chunk's tile
/// moments computed while the next one is copied; `tiles` receives
/// ceil(count / SLUICE_CUDA_TILE) entries. `values == NULL` reuses the values already
/// on the device (device-resident).
int sluice_cuda_moments(sluice_cuda *cuda, const double *values, size_t count, double pivot, sluice_moments *tiles);
/// Copies `count` category indices (each below `categories`) to the device.
int sluice_cuda_load_categories(sluice_cuda *cuda, const uint32_t *category, size_t count);
/// Per category c, into sums[c], sums[categories + c], sums[2·categories + c]: count,
/// Σd, Σd² of d = value·scale − shift[c] − (mean ? mean[c] : 0), over the values and
/// categories on the device.
int sluice_cuda_category_sums(sluice_cuda *cuda, size_t count, uint32_t categories, double scale, const double *shift,
                              const double *mean, double *sums);
/// out = ((value·scale − shift[c]) − offset[c]) / divisor[c] (0 where the divisor is 0),
/// c the record's category when `per_category`, else 0; `parameters` entries in each
/// array. Computed in chunks, each copied back while the next is computed; `out ==
/// NULL` leaves the result on the device (device-resident).
int sluice_cuda_transform(sluice_cuda *cuda, size_t count, double scale, uint32_t parameters, const double *shift,
                          const double *offset, const double *divisor, int per_category, double *out);

#endif
