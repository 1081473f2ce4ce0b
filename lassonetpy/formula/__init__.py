"""The formula layer: formulaic designs, term groups, input preparation, new data.

``design`` never imports torch; ``inputs`` turns a user's arguments into the arrays and
settings that :func:`lassonetpy.engine.fit_path` takes.
"""
