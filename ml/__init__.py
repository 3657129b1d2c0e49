"""Digit recognition, framework-free: preprocessing, data, model, training, evaluation, inference.

Nothing in this package imports Django, and nothing reads the environment but the command line
(ml/__main__.py) and ml/data_dirs.py, the one place that says where the data sets are: every
other function takes its paths and settings from the caller. TensorFlow is imported only inside the functions that train or export.
"""
