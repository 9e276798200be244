"""Side-by-side measurements. Run ``python -m benchmarks`` (not part of the tests).

Every ``python -m benchmarks.<name>`` imports this package before its own module, which
imports torch: the process settings the application makes before torch loads (its short
OpenMP spin above all) are made here, or a benchmark run alone would measure another
program than the one people run. With torch's default spin, 32 samples as one batch
measured 5.7-7.1× their single runs against 8.6× as the application runs them.
"""

from training.runtime.cpu_runtime import configure_cpu_runtime

configure_cpu_runtime()
