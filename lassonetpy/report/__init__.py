"""Reading results: printed tables, path and CV plots, glmnet's measures and CV statistics.

Nothing here trains a model; ``measures`` and ``cv_stats`` need numpy only.
"""
