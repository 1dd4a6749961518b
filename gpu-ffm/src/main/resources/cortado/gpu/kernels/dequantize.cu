// Frozen weights W [rows, cols] in their stored formats, decoded to fp32 (the products then run on cuBLAS):
//   format 0, 4-bit (bitsandbytes NF4/FP4): W[f] = code[nibble(f)] * scale[f / block], two nibbles per byte, the first
//             element in the high nibble;
//   format 1, int8: W[f] = codes[f] * scale[f / block] (signed bytes; block = cols is row-wise);
//   format 2, bf16: the top 16 bits of a float32;   format 3, IEEE f16.
// ids null decodes every row into out [rows, cols]; otherwise rows ids[0 .. nRows) into out [nRows, cols].
#include "common.cuh"

__device__ __forceinline__ float f16_to_f32(unsigned short h) {
    unsigned int sign = ((unsigned int) h & 0x8000u) << 16, exp = ((unsigned int) h >> 10) & 0x1fu,
                 man = (unsigned int) h & 0x3ffu, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { // subnormal: shift the mantissa up to its leading 1
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while ((man & 0x400u) == 0);
            bits = sign | ((unsigned int) (127 - 15 - e) << 23) | ((man & 0x3ffu) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);   // inf, NaN (payload kept)
    } else {
        bits = sign | ((exp + 112u) << 23) | (man << 13);
    }
    return __uint_as_float(bits);
}

extern "C" __global__ void dequantize(int format, const unsigned char* data, const float* scale, const float* code,
                                      i64 block, i64 cols, const int* ids, i64 nRows, float* out) {
    for (i64 e = global_index(); e < nRows * cols; e += grid_width()) {
        i64 r = e / cols, c = e % cols;
        i64 f = (ids ? (i64) ids[r] : r) * cols + c;
        float w;
        if (format == 0) {
            unsigned char b = data[f >> 1];
            w = code[(f & 1) ? (b & 0xf) : (b >> 4)] * scale[f / block];
        } else if (format == 1) {
            w = (float) (signed char) data[f] * scale[f / block];
        } else {
            unsigned short h = ((const unsigned short*) data)[f];
            w = format == 2 ? __uint_as_float((unsigned int) h << 16) : f16_to_f32(h);
        }
        out[e] = w;
    }
}
