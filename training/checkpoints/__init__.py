"""A run's files on disk.

- checkpoint.py: one safetensors file per model, with the run's metadata in its header
- checkpoint_io.py: written atomically beside the previous file, checksummed when read
- weight_shapes.py: weights that do not fit their settings, named in one phrase
- tensor_file.py: the safetensors format written tensor by tensor, with no copy in memory
- run_meta.py: RunMeta, the typed metadata every checkpoint carries
- run_lock.py: one process trains into a run folder at a time
- run_history.py: every run in a folder of runs, as plain values for the Runs tab
- export_onnx.py: a model as ONNX, to run without PyTorch
- output_files.py: files a person asked for, written whole or not at all
"""
