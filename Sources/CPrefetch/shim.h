#ifndef CITYBRAIN_CPREFETCH_SHIM_H
#define CITYBRAIN_CPREFETCH_SHIM_H
// A cache prefetch hint, which Swift has no spelling for. The engine asks for memory it will
// read a few events later (a key's hash index slot), so that the miss overlaps other work.

/// Asks the CPU to bring the cache line holding `address` in for reading. A hint only: it never
/// faults, and does nothing for an address that is not mapped.
static inline __attribute__((always_inline)) void citybrain_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}
#endif
