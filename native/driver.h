// The GEMM driver: ISA selection, blocking, packing and threading over the kernel tables.
#pragma once
#include "gemm.h"

namespace tg {

template <class T>
void gemm(const GemmCall<T>& g);

// Picks the kernels of an ISA ("avx512", "avx2", "vec128") for the products that start from now
// on (one running elsewhere keeps its own); false if the name is unknown or this CPU cannot run it.
bool set_isa(const char* name);
const char* isa_name();
void set_threads(int n);
int get_threads();
// Products that have taken the sparse path (a zero-skipping product for a mostly-zero op(A)) since
// the addon loaded.
double sparse_products();

}  // namespace tg
