#ifndef CITYBRAIN_CZLIB_SHIM_H
#define CITYBRAIN_CZLIB_SHIM_H
#include <zlib.h>
#endif
