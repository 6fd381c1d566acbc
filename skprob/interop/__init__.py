"""Bridges to other probabilistic-modelling libraries.

- :mod:`skprob.interop.skpro`: skprob estimators as skpro probabilistic
  regressors, and skprob distributions as skpro distributions (needs
  ``pip install "skprob[skpro]"``).

Scores from ``scoringrules`` are used by :mod:`skprob.metrics` directly, and
saving goes through skops.io and safetensors in :mod:`skprob.persistence`.
"""
