"""Digit recognition, framework-free: preprocessing, data, model, training, evaluation, inference.

Nothing in this package imports Django or reads the environment: callers pass every path and
setting explicitly. TensorFlow is imported only inside the functions that train or export.
"""
