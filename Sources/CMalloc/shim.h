#ifndef CITYBRAIN_CMALLOC_SHIM_H
#define CITYBRAIN_CMALLOC_SHIM_H
// glibc's allocator controls and statistics (mallinfo2, malloc_trim, mallopt), which Swift's
// Glibc module does not export.
#include <malloc.h>
#endif
