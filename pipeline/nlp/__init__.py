"""Natural-language processing of one document: segmentation (``segment``),
named-entity recognition (``ner``), entity typing, relations, numbers and facts,
and resolution across documents.
"""
