#!/usr/bin/env python3
"""Builds a host-memory stand-in for the CUDA driver, runtime and cuBLAS (libcuda.so.1, libcudart.so.13,
libcublas.so.13, all one library), so the CUDA backend's whole Java path runs without a GPU: device pointers are
host pointers, copies are memcpy, cuBLAS SGEMM is a plain column-major loop (fake_api.cpp), and cuLaunchKernel runs
the host build of the same kernel sources (each .cu compiled as C++20 with shim.h: a grid's blocks one after another on
256 std::threads, __syncthreads a barrier, warp shuffles emulated). NVRTC stays real (the kernels are still compiled
for sm_90, and the module image is then ignored). With it the conformance suite runs on CudaBackend:

  python3 tools/gpu/fake_cuda/build.py          # writes gpu-ffm/target/fake-cuda/libs
  mvn -B -q -pl gpu-ffm -am test -Dtest=CudaBackendConformanceTest -Dsurefire.failIfNoSpecifiedTests=false \\
      -Dcortado.cuda.libs=$PWD/gpu-ffm/target/fake-cuda/libs -Dcortado.cuda.python=PYTHON_WITH_NVRTC_WHEEL

This checks the Java side (launch arguments, geometry, GEMM mapping, transfers, fallbacks) and the kernels' logic;
it says nothing about many-block timing, real warps, the real cuBLAS, the driver or speed. Needs g++ 11+ (C++20).
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
KERNELS = os.path.join(ROOT, "gpu-ffm", "src", "main", "resources", "cortado", "gpu", "kernels")
OUT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "gpu-ffm", "target", "fake-cuda")
ENTRY = re.compile(r'extern "C" __global__ void (\w+)\s*\(([^)]*)\)')


def gxx(*args):
    subprocess.run(["g++", "-std=c++20", "-O2", "-ffp-contract=off", "-fPIC", *args], check=True)


def main():
    os.makedirs(os.path.join(OUT, "libs"), exist_ok=True)
    objects, kernels = [], []
    for file in sorted(os.listdir(KERNELS)):
        if not file.endswith(".cu"):
            continue
        src = open(os.path.join(KERNELS, file)).read().replace("extern __shared__ float smem[];", "float* smem = g_smem;")
        launchers = []
        for m in ENTRY.finditer(src):  # launch_NAME(void** params, grid, block, shared): cuLaunchKernel's view
            name, params = m.group(1), [p.strip() for p in m.group(2).split(",") if p.strip()]
            types = [re.sub(r"\s*\b\w+\s*$", "", p) for p in params]
            call = ", ".join(f"*({t}*) p[{i}]" for i, t in enumerate(types))
            launchers.append(f'extern "C" void launch_{name}(void** p, unsigned grid, unsigned block, unsigned) '
                             f'{{ if (block != BLOCK) abort(); run_grid(grid, [&] {{ {name}({call}); }}); }}')
            kernels.append(name)
        cpp = os.path.join(OUT, file[:-3] + ".cpp")
        with open(cpp, "w") as f:
            f.write('#include "shim.h"\n#include <cstdlib>\n' + src + "\n" + "\n".join(launchers) + "\n")
        obj = cpp[:-4] + ".o"
        gxx("-c", "-I", KERNELS, "-I", HERE, "-o", obj, cpp)
        objects.append(obj)
    registry = os.path.join(OUT, "registry.cpp")
    with open(registry, "w") as f:
        f.write("typedef void (*Launcher)(void**, unsigned, unsigned, unsigned);\n"
                "struct Entry { const char* name; Launcher fn; };\n")
        f.writelines(f'extern "C" void launch_{k}(void**, unsigned, unsigned, unsigned);\n' for k in kernels)
        f.write("Entry FAKE_KERNELS[] = {" + ", ".join(f'{{"{k}", launch_{k}}}' for k in kernels)
                + ", {nullptr, nullptr}};\n")
    lib = os.path.join(OUT, "libfakecuda.so")
    gxx("-shared", "-pthread", "-o", lib, os.path.join(HERE, "fake_api.cpp"), registry, *objects)
    for name in ("libcuda.so.1", "libcudart.so.13", "libcublas.so.13"):
        link = os.path.join(OUT, "libs", name)
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(lib, link)
    print(f"fake CUDA with {len(kernels)} kernels in {os.path.join(OUT, 'libs')}")


if __name__ == "__main__":
    main()
