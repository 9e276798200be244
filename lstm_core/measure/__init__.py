"""Measurements that explain the models: long-range recall, gradient flow, gate usage and
the sequential bottleneck. Each returns plain dataclasses; none of them trains."""
