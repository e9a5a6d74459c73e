#ifndef CITYBRAIN_CZEROMQ_SHIM_H
#define CITYBRAIN_CZEROMQ_SHIM_H
#include <zmq.h>
#include <errno.h>

/// `errno` is a macro on glibc; Swift cannot read it directly in every context.
static inline int czmq_errno(void) { return zmq_errno(); }
#endif
