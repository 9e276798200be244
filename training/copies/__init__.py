"""Is a model copying its training text?

- copy_index.py: an index of a corpus's tokens for finding verbatim spans
- copy_check.py: the longest copied spans of a generated text, with file and line
- copy_summary.py: how much a model copies, measured on a few fresh samples
- sample_check.py: after a run, the one line that says its samples copy the corpus
"""
