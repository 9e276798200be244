"""Side-by-side measurements. Run ``python -m benchmarks`` (not part of the tests)."""
