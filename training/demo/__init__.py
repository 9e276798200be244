"""The embedded demo, and the one tiny model tests and the self-test train.

- assets.py: where the shipped files are, from a source tree or a frozen bundle
- demo_corpus.py: the demo corpus, the notes' example at scale
- build_demo.py: rebuild the demo corpus and its two models (``python -m training.demo.build_demo``)
- tiny.py: the one tiny model: seconds-long stand-ins for the shipped demo
"""
