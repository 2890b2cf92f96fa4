// The int8 inference entries' registration (quant.cc), kept apart from quant.h so the ISA files
// need no N-API headers.
#pragma once
#include <napi.h>

namespace tg::q8 {
void register_exports(Napi::Env env, Napi::Object exports);
}
