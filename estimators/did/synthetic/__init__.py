"""Synthetic difference-in-differences and synthetic control for pilots with few units.

``SyntheticDid`` (Arkhangelsky et al. 2021; staggered starts and covariates as Stata ``sdid``)
with placebo, bootstrap and jackknife standard errors, and ``SyntheticControl`` (Abadie,
Diamond & Hainmueller 2010) with in-space placebos and the post/pre RMSPE permutation test.
Modules: ``frank_wolfe`` (the weight solver), ``block`` (one block design), ``cohorts``
(staggered starts, covariate projection), ``inference``, ``panel`` (input checks),
``estimator``/``result``, ``simplex`` (exact simplex least squares), ``control``/
``control_result``; synthetic control on predictors as R ``Synth``: ``predictors``
(``Predictor``), ``nested`` (the search over predictor weights), ``ipop`` (kernlab's
interior-point solver) and ``r_optim`` (R ``optim``'s Nelder-Mead and BFGS).
"""
