#ifndef CFUZZERDRIVER_H
#define CFUZZERDRIVER_H
#include <stddef.h>
#include <stdint.h>
// libFuzzer's driver (compiler-rt), linked in by -sanitize=fuzzer; declared here so DXFuzz's entry point can start
// it. Only the fuzz build (scripts/fuzz) calls it.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
#endif
