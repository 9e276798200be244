"""Tests that need a CUDA GPU. Every module here marks itself with ``needs_cuda`` so that
it skips, cleanly and by name, on a machine without one; `benchmarks/gpu_check.sh` runs them."""
