// The CUDA driver API and NVRTC, resolved with dlopen/dlsym: declares the few types
// and entry points Sluice uses (no cuda.h), so the build needs no CUDA toolkit.
#include "sluice_cuda.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef int nvrtcResult;
typedef struct _nvrtcProgram *nvrtcProgram;

enum { CUDA_SUCCESS = 0, CU_STREAM_NON_BLOCKING = 1 };
enum { CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76 };

static const char kernel_source[] = {
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wc23-extensions"
#embed "kernels/normalize.cu"
#pragma clang diagnostic pop
    , 0};

/// Values per chunk of the pipelined copies (8 MiB; a multiple of SLUICE_CUDA_TILE).
#define CHUNK ((size_t)1 << 20)
#define THREADS 256
#define STREAMS 2

/// The driver and NVRTC entry points, resolved by dlsym.
typedef struct {
    CUresult (*cuInit)(unsigned);
    CUresult (*cuDeviceGetCount)(int *);
    CUresult (*cuDeviceGet)(CUdevice *, int);
    CUresult (*cuDeviceGetName)(char *, int, CUdevice);
    CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
    CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
    CUresult (*cuDevicePrimaryCtxRelease)(CUdevice);
    CUresult (*cuCtxSetCurrent)(CUcontext);
    CUresult (*cuGetErrorName)(CUresult, const char **);
    CUresult (*cuGetErrorString)(CUresult, const char **);
    CUresult (*cuModuleLoadData)(CUmodule *, const void *);
    CUresult (*cuModuleUnload)(CUmodule);
    CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
    CUresult (*cuStreamCreate)(CUstream *, unsigned);
    CUresult (*cuStreamDestroy)(CUstream);
    CUresult (*cuStreamSynchronize)(CUstream);
    CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
    CUresult (*cuMemFree)(CUdeviceptr);
    CUresult (*cuMemAllocHost)(void **, size_t);
    CUresult (*cuMemFreeHost)(void *);
    CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
    CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
    CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
    CUresult (*cuMemcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
    CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream,
                               void **, void **);
    nvrtcResult (*nvrtcCreateProgram)(nvrtcProgram *, const char *, const char *, int, const char *const *,
                                      const char *const *);
    nvrtcResult (*nvrtcCompileProgram)(nvrtcProgram, int, const char *const *);
    nvrtcResult (*nvrtcGetProgramLogSize)(nvrtcProgram, size_t *);
    nvrtcResult (*nvrtcGetProgramLog)(nvrtcProgram, char *);
    nvrtcResult (*nvrtcGetPTXSize)(nvrtcProgram, size_t *);
    nvrtcResult (*nvrtcGetPTX)(nvrtcProgram, char *);
    nvrtcResult (*nvrtcDestroyProgram)(nvrtcProgram *);
    const char *(*nvrtcGetErrorString)(nvrtcResult);
} api_t;

/// A device buffer that grows to the largest request.
typedef struct {
    CUdeviceptr pointer;
    size_t bytes;
} buffer_t;

struct sluice_cuda {
    api_t api;
    void *libcuda, *libnvrtc;
    CUdevice device;
    CUcontext context;
    CUmodule module;
    CUfunction tile_moments, category_sums, transform;
    CUstream streams[STREAMS];
    double *pinned[STREAMS];
    buffer_t values, out, categories, tiles, parameters, partials;
    char name[256];
    char error[1024];
};

const char *sluice_cuda_kernel_source(void) { return kernel_source; }
const char *sluice_cuda_error(const sluice_cuda *cuda) { return cuda->error; }
const char *sluice_cuda_name(const sluice_cuda *cuda) { return cuda->name; }

static int fail(sluice_cuda *cuda, int code, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(cuda->error, sizeof cuda->error, format, arguments);
    va_end(arguments);
    return code;
}

/// Errors after which the context cannot be used again (CUDA's "sticky" errors).
static int is_sticky(CUresult result) {
    switch (result) {
    case 214: /* ECC_UNCORRECTABLE */
    case 700: /* ILLEGAL_ADDRESS */
    case 702: /* LAUNCH_TIMEOUT */
    case 710: /* ASSERT */
    case 714: /* HARDWARE_STACK_ERROR */
    case 715: /* ILLEGAL_INSTRUCTION */
    case 716: /* MISALIGNED_ADDRESS */
    case 717: /* INVALID_ADDRESS_SPACE */
    case 718: /* INVALID_PC */
    case 719: /* LAUNCH_FAILED */
        return 1;
    default:
        return 0;
    }
}

/// Records a failed driver call as "call: NAME (code): description".
static int cuda_fail(sluice_cuda *cuda, const char *call, CUresult result) {
    const char *name = "?", *text = "?";
    if (cuda->api.cuGetErrorName) cuda->api.cuGetErrorName(result, &name);
    if (cuda->api.cuGetErrorString) cuda->api.cuGetErrorString(result, &text);
    return fail(cuda, is_sticky(result) ? SLUICE_CUDA_FATAL : SLUICE_CUDA_FAILED, "%s: %s (%d): %s", call, name, result, text);
}

#define CHECK(call)                                                                                                    \
    do {                                                                                                               \
        CUresult result_ = (call);                                                                                     \
        if (result_ != CUDA_SUCCESS) return cuda_fail(cuda, #call, result_);                                           \
    } while (0)

static void *open_first(const char *const *names, char *tried, size_t capacity) {
    tried[0] = 0;
    for (; *names; names++) {
        void *handle = dlopen(*names, RTLD_NOW | RTLD_LOCAL);
        if (handle) return handle;
        size_t used = strlen(tried);
        snprintf(tried + used, capacity - used, "%s%s", used ? "; " : "", dlerror());
    }
    return NULL;
}

/// Resolves `name`, or `name_v2` first when `versioned`.
static int resolve(sluice_cuda *cuda, void *library, void **slot, const char *name, int versioned) {
    char symbol[96];
    if (versioned) {
        snprintf(symbol, sizeof symbol, "%s_v2", name);
        if ((*slot = dlsym(library, symbol))) return SLUICE_CUDA_OK;
    }
    if ((*slot = dlsym(library, name))) return SLUICE_CUDA_OK;
    return fail(cuda, SLUICE_CUDA_UNAVAILABLE, "%s not found in the CUDA libraries: %s", name, dlerror());
}

#define RESOLVE(library, function, versioned)                                                                          \
    do {                                                                                                               \
        int code_ = resolve(cuda, library, (void **)&cuda->api.function, #function, versioned);                        \
        if (code_) return code_;                                                                                       \
    } while (0)

static int load_libraries(sluice_cuda *cuda) {
    static const char *const driver[] = {"libcuda.so.1", "libcuda.so", NULL};
    static const char *const nvrtc[] = {"libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2",
                                        "libnvrtc.so.11.1", "libnvrtc.so.11.0", NULL};
    char tried[768];
    if (!(cuda->libcuda = open_first(driver, tried, sizeof tried)))
        return fail(cuda, SLUICE_CUDA_UNAVAILABLE, "libcuda.so.1 not found: %s", tried);
    if (!(cuda->libnvrtc = open_first(nvrtc, tried, sizeof tried)))
        return fail(cuda, SLUICE_CUDA_UNAVAILABLE, "libnvrtc.so not found: %s", tried);
    void *d = cuda->libcuda, *r = cuda->libnvrtc;
    RESOLVE(d, cuGetErrorName, 0);
    RESOLVE(d, cuGetErrorString, 0);
    RESOLVE(d, cuInit, 0);
    RESOLVE(d, cuDeviceGetCount, 0);
    RESOLVE(d, cuDeviceGet, 0);
    RESOLVE(d, cuDeviceGetName, 0);
    RESOLVE(d, cuDeviceGetAttribute, 0);
    RESOLVE(d, cuDevicePrimaryCtxRetain, 0);
    RESOLVE(d, cuDevicePrimaryCtxRelease, 1);
    RESOLVE(d, cuCtxSetCurrent, 0);
    RESOLVE(d, cuModuleLoadData, 0);
    RESOLVE(d, cuModuleUnload, 0);
    RESOLVE(d, cuModuleGetFunction, 0);
    RESOLVE(d, cuStreamCreate, 0);
    RESOLVE(d, cuStreamDestroy, 1);
    RESOLVE(d, cuStreamSynchronize, 0);
    RESOLVE(d, cuMemAlloc, 1);
    RESOLVE(d, cuMemFree, 1);
    RESOLVE(d, cuMemAllocHost, 1);
    RESOLVE(d, cuMemFreeHost, 0);
    RESOLVE(d, cuMemcpyHtoD, 1);
    RESOLVE(d, cuMemcpyDtoH, 1);
    RESOLVE(d, cuMemcpyHtoDAsync, 1);
    RESOLVE(d, cuMemcpyDtoHAsync, 1);
    RESOLVE(d, cuLaunchKernel, 0);
    RESOLVE(r, nvrtcCreateProgram, 0);
    RESOLVE(r, nvrtcCompileProgram, 0);
    RESOLVE(r, nvrtcGetProgramLogSize, 0);
    RESOLVE(r, nvrtcGetProgramLog, 0);
    RESOLVE(r, nvrtcGetPTXSize, 0);
    RESOLVE(r, nvrtcGetPTX, 0);
    RESOLVE(r, nvrtcDestroyProgram, 0);
    RESOLVE(r, nvrtcGetErrorString, 0);
    return SLUICE_CUDA_OK;
}

/// Compiles kernels/normalize.cu for the device's compute capability and loads it.
static int compile_kernels(sluice_cuda *cuda, int major, int minor) {
    api_t *api = &cuda->api;
    char architecture[64];
    snprintf(architecture, sizeof architecture, "--gpu-architecture=compute_%d%d", major, minor);
    const char *options[] = {architecture, "--std=c++14"};
    nvrtcProgram program;
    nvrtcResult result = api->nvrtcCreateProgram(&program, kernel_source, "normalize.cu", 0, NULL, NULL);
    if (result) return fail(cuda, SLUICE_CUDA_FAILED, "nvrtcCreateProgram: %s", api->nvrtcGetErrorString(result));
    result = api->nvrtcCompileProgram(program, 2, options);
    if (result) {
        size_t size = 0;
        api->nvrtcGetProgramLogSize(program, &size);
        char *log = malloc(size + 1);
        if (log) {
            log[0] = 0;
            api->nvrtcGetProgramLog(program, log);
        }
        fail(cuda, SLUICE_CUDA_FAILED, "nvrtcCompileProgram (%s): %s: %s", architecture, api->nvrtcGetErrorString(result),
             log ? log : "");
        free(log);
        api->nvrtcDestroyProgram(&program);
        return SLUICE_CUDA_FAILED;
    }
    size_t size = 0;
    api->nvrtcGetPTXSize(program, &size);
    char *ptx = malloc(size);
    if (!ptx) {
        api->nvrtcDestroyProgram(&program);
        return fail(cuda, SLUICE_CUDA_FAILED, "out of host memory for the PTX");
    }
    api->nvrtcGetPTX(program, ptx);
    api->nvrtcDestroyProgram(&program);
    CUresult loaded = api->cuModuleLoadData(&cuda->module, ptx);
    free(ptx);
    if (loaded != CUDA_SUCCESS) return cuda_fail(cuda, "cuModuleLoadData", loaded);
    CHECK(api->cuModuleGetFunction(&cuda->tile_moments, cuda->module, "tile_moments"));
    CHECK(api->cuModuleGetFunction(&cuda->category_sums, cuda->module, "category_sums"));
    CHECK(api->cuModuleGetFunction(&cuda->transform, cuda->module, "transform"));
    return SLUICE_CUDA_OK;
}

static int start(sluice_cuda *cuda, int ordinal) {
    int code = load_libraries(cuda);
    if (code) return code;
    api_t *api = &cuda->api;
    CUresult result = api->cuInit(0);
    if (result != CUDA_SUCCESS) {
        cuda_fail(cuda, "cuInit", result);
        return SLUICE_CUDA_UNAVAILABLE;  // e.g. CUDA_ERROR_NO_DEVICE, a driver without its kernel module
    }
    int count = 0;
    CHECK(api->cuDeviceGetCount(&count));
    if (ordinal >= count) return fail(cuda, SLUICE_CUDA_UNAVAILABLE, "no CUDA device %d (%d found)", ordinal, count);
    CHECK(api->cuDeviceGet(&cuda->device, ordinal));
    CHECK(api->cuDeviceGetName(cuda->name, sizeof cuda->name, cuda->device));
    int major = 0, minor = 0;
    CHECK(api->cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, cuda->device));
    CHECK(api->cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, cuda->device));
    if (major < 6)  // float64 atomicAdd needs 6.0
        return fail(cuda, SLUICE_CUDA_UNAVAILABLE, "%s has compute capability %d.%d; Sluice needs 6.0", cuda->name, major, minor);
    CHECK(api->cuDevicePrimaryCtxRetain(&cuda->context, cuda->device));
    CHECK(api->cuCtxSetCurrent(cuda->context));
    if ((code = compile_kernels(cuda, major, minor))) return code;
    for (int s = 0; s < STREAMS; s++) {
        CHECK(api->cuStreamCreate(&cuda->streams[s], CU_STREAM_NON_BLOCKING));
        CHECK(api->cuMemAllocHost((void **)&cuda->pinned[s], CHUNK * sizeof(double)));
    }
    return SLUICE_CUDA_OK;
}

int sluice_cuda_open(int ordinal, sluice_cuda **out, char *message, size_t capacity) {
    *out = NULL;
    sluice_cuda *cuda = calloc(1, sizeof *cuda);
    if (!cuda) {
        snprintf(message, capacity, "out of host memory");
        return SLUICE_CUDA_FAILED;
    }
    int code = start(cuda, ordinal);
    if (code) {
        snprintf(message, capacity, "%s", cuda->error);
        sluice_cuda_close(cuda);
        return code;
    }
    *out = cuda;
    return SLUICE_CUDA_OK;
}

static void release(sluice_cuda *cuda, buffer_t *buffer) {
    if (buffer->pointer) cuda->api.cuMemFree(buffer->pointer);
    buffer->pointer = 0;
    buffer->bytes = 0;
}

void sluice_cuda_close(sluice_cuda *cuda) {
    if (!cuda) return;
    if (cuda->context) {
        api_t *api = &cuda->api;
        api->cuCtxSetCurrent(cuda->context);
        buffer_t *buffers[] = {&cuda->values, &cuda->out, &cuda->categories, &cuda->tiles, &cuda->parameters, &cuda->partials};
        for (size_t b = 0; b < sizeof buffers / sizeof *buffers; b++) release(cuda, buffers[b]);
        for (int s = 0; s < STREAMS; s++) {
            if (cuda->pinned[s]) api->cuMemFreeHost(cuda->pinned[s]);
            if (cuda->streams[s]) api->cuStreamDestroy(cuda->streams[s]);
        }
        if (cuda->module) api->cuModuleUnload(cuda->module);
        api->cuDevicePrimaryCtxRelease(cuda->device);
    }
    if (cuda->libnvrtc) dlclose(cuda->libnvrtc);
    if (cuda->libcuda) dlclose(cuda->libcuda);
    free(cuda);
}

/// Makes `buffer` hold at least `bytes`.
static int reserve(sluice_cuda *cuda, buffer_t *buffer, size_t bytes) {
    if (buffer->bytes >= bytes) return SLUICE_CUDA_OK;
    release(cuda, buffer);
    CHECK(cuda->api.cuMemAlloc(&buffer->pointer, bytes));
    buffer->bytes = bytes;
    return SLUICE_CUDA_OK;
}

#define RESERVE(buffer, bytes)                                                                                         \
    do {                                                                                                               \
        int code_ = reserve(cuda, buffer, bytes);                                                                      \
        if (code_) return code_;                                                                                       \
    } while (0)

static unsigned blocks_for(size_t count) {
    size_t blocks = (count + THREADS - 1) / THREADS;
    return (unsigned)(blocks < 4096 ? (blocks ? blocks : 1) : 4096);
}

static int synchronize(sluice_cuda *cuda) {
    for (int s = 0; s < STREAMS; s++) CHECK(cuda->api.cuStreamSynchronize(cuda->streams[s]));
    return SLUICE_CUDA_OK;
}

int sluice_cuda_moments(sluice_cuda *cuda, const double *values, size_t count, double pivot, sluice_moments *tiles) {
    api_t *api = &cuda->api;
    CHECK(api->cuCtxSetCurrent(cuda->context));
    size_t tile_count = (count + SLUICE_CUDA_TILE - 1) / SLUICE_CUDA_TILE;
    if (values) RESERVE(&cuda->values, count * sizeof(double));
    RESERVE(&cuda->tiles, tile_count * sizeof(sluice_moments));
    for (size_t start = 0, chunk = 0; start < count; start += CHUNK, chunk++) {
        CUstream stream = cuda->streams[chunk % STREAMS];
        unsigned long long length = count - start < CHUNK ? count - start : CHUNK;
        CUdeviceptr x = cuda->values.pointer + start * sizeof(double);
        CUdeviceptr out = cuda->tiles.pointer + start / SLUICE_CUDA_TILE * sizeof(sluice_moments);
        if (values) {
            // The stream's pinned buffer is free once its previous copy is done.
            double *pinned = cuda->pinned[chunk % STREAMS];
            CHECK(api->cuStreamSynchronize(stream));
            memcpy(pinned, values + start, length * sizeof(double));
            CHECK(api->cuMemcpyHtoDAsync(x, pinned, length * sizeof(double), stream));
        }
        void *arguments[] = {&x, &length, &pivot, &out};
        unsigned blocks = (unsigned)((length + SLUICE_CUDA_TILE - 1) / SLUICE_CUDA_TILE);
        CHECK(api->cuLaunchKernel(cuda->tile_moments, blocks, 1, 1, SLUICE_CUDA_TILE / 8, 1, 1, 0, stream, arguments, NULL));
    }
    int code = synchronize(cuda);
    if (code) return code;
    CHECK(api->cuMemcpyDtoH(tiles, cuda->tiles.pointer, tile_count * sizeof(sluice_moments)));
    return SLUICE_CUDA_OK;
}

int sluice_cuda_load_categories(sluice_cuda *cuda, const uint32_t *category, size_t count) {
    CHECK(cuda->api.cuCtxSetCurrent(cuda->context));
    RESERVE(&cuda->categories, count * sizeof(uint32_t));
    CHECK(cuda->api.cuMemcpyHtoD(cuda->categories.pointer, category, count * sizeof(uint32_t)));
    return SLUICE_CUDA_OK;
}

/// Copies the parameter arrays (each `count` doubles) to the device, one after another.
static int load_parameters(sluice_cuda *cuda, const double *const *arrays, int arrays_count, size_t count) {
    RESERVE(&cuda->parameters, (size_t)arrays_count * count * sizeof(double));
    for (int a = 0; a < arrays_count; a++)
        if (arrays[a])
            CHECK(cuda->api.cuMemcpyHtoD(cuda->parameters.pointer + a * count * sizeof(double), arrays[a],
                                         count * sizeof(double)));
    return SLUICE_CUDA_OK;
}

int sluice_cuda_category_sums(sluice_cuda *cuda, size_t count, uint32_t categories, double scale, const double *shift,
                              const double *mean, double *sums) {
    api_t *api = &cuda->api;
    if (categories == 0 || categories > SLUICE_CUDA_MAX_CATEGORIES)
        return fail(cuda, SLUICE_CUDA_FAILED, "%u categories; the GPU kernel takes 1 to %d", categories,
                    SLUICE_CUDA_MAX_CATEGORIES);
    CHECK(api->cuCtxSetCurrent(cuda->context));
    const double *arrays[] = {shift, mean};
    int code = load_parameters(cuda, arrays, 2, categories);
    if (code) return code;
    unsigned blocks = blocks_for(count);
    size_t per_block = 3 * (size_t)categories;
    RESERVE(&cuda->partials, blocks * per_block * sizeof(double));
    CUdeviceptr x = cuda->values.pointer, category = cuda->categories.pointer, partials = cuda->partials.pointer;
    CUdeviceptr shift_d = cuda->parameters.pointer, mean_d = mean ? shift_d + categories * sizeof(double) : 0;
    unsigned long long n = count;
    void *arguments[] = {&x, &category, &n, &scale, &shift_d, &mean_d, &categories, &partials};
    CHECK(api->cuLaunchKernel(cuda->category_sums, blocks, 1, 1, THREADS, 1, 1, (unsigned)(per_block * sizeof(double)),
                              cuda->streams[0], arguments, NULL));
    CHECK(api->cuStreamSynchronize(cuda->streams[0]));
    double *host = malloc(blocks * per_block * sizeof(double));
    if (!host) return fail(cuda, SLUICE_CUDA_FAILED, "out of host memory for %u partial sums", blocks);
    CUresult copied = api->cuMemcpyDtoH(host, partials, blocks * per_block * sizeof(double));
    if (copied != CUDA_SUCCESS) {
        free(host);
        return cuda_fail(cuda, "cuMemcpyDtoH", copied);
    }
    memset(sums, 0, per_block * sizeof(double));
    for (unsigned b = 0; b < blocks; b++)
        for (size_t s = 0; s < per_block; s++) sums[s] += host[b * per_block + s];
    free(host);
    return SLUICE_CUDA_OK;
}

int sluice_cuda_transform(sluice_cuda *cuda, size_t count, double scale, uint32_t parameters, const double *shift,
                          const double *offset, const double *divisor, int per_category, double *out) {
    api_t *api = &cuda->api;
    CHECK(api->cuCtxSetCurrent(cuda->context));
    const double *arrays[] = {shift, offset, divisor};
    int code = load_parameters(cuda, arrays, 3, parameters);
    if (code) return code;
    RESERVE(&cuda->out, count * sizeof(double));
    CUdeviceptr shift_d = cuda->parameters.pointer, offset_d = shift_d + parameters * sizeof(double),
                divisor_d = offset_d + parameters * sizeof(double);
    size_t chunks = (count + CHUNK - 1) / CHUNK;
    // Chunk k is computed and copied back on stream k % 2; its pinned buffer is emptied
    // into `out` when the stream comes round again, so the copies overlap the kernels.
    for (size_t chunk = 0; chunk < chunks + STREAMS; chunk++) {
        CUstream stream = cuda->streams[chunk % STREAMS];
        if (out && chunk >= STREAMS) {
            size_t done = (chunk - STREAMS) * CHUNK, length = count - done < CHUNK ? count - done : CHUNK;
            CHECK(api->cuStreamSynchronize(stream));
            memcpy(out + done, cuda->pinned[chunk % STREAMS], length * sizeof(double));
        }
        if (chunk >= chunks) continue;
        size_t start = chunk * CHUNK;
        unsigned long long length = count - start < CHUNK ? count - start : CHUNK;
        CUdeviceptr x = cuda->values.pointer + start * sizeof(double), y = cuda->out.pointer + start * sizeof(double);
        CUdeviceptr category = per_category ? cuda->categories.pointer + start * sizeof(uint32_t) : 0;
        void *arguments[] = {&x, &category, &length, &scale, &shift_d, &offset_d, &divisor_d, &y};
        CHECK(api->cuLaunchKernel(cuda->transform, blocks_for(length), 1, 1, THREADS, 1, 1, 0, stream, arguments, NULL));
        if (out) CHECK(api->cuMemcpyDtoHAsync(cuda->pinned[chunk % STREAMS], y, length * sizeof(double), stream));
    }
    return synchronize(cuda);
}
