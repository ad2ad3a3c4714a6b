"""Where digits come from: IDX files, Keras npz, the verified download, TensorFlow/Keras, the
embedded subset, and the order in which they are tried (:mod:`.datasets`).

May import: the core's shared leaves (errors, jobs) and :mod:`.files.containers` for untrusted
containers. Never generation, analysis, output, Qt, ui or commands.
"""
