"""Training and scoring of the entity recogniser (the runtime model is ``pipeline.nlp.ner``).

``data`` (reading span-level JSONL benchmarks), ``train`` and ``train_neural``
(``python -m tooling train-ner``; PyTorch and gensim: the ``ner-train`` extra),
``clusters`` (building ``clusters.tsv`` from unlabelled text), ``evaluate``
(``python -m tooling evaluate-ner``).
"""
