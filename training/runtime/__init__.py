"""How the process runs: settings made before torch loads, and torchrun.

- cpu_runtime.py: allocator and OpenMP settings applied once at start-up, before torch loads
- thread_priority.py: a lower CPU priority for the training thread, so the window stays responsive
- distributed.py: data-parallel training under torchrun, one process per GPU or CPU share
"""
