"""Shared inference: variance estimators (iid, HC1, CR1), t/normal/F distributions, fixed-effect
absorption and least squares."""
