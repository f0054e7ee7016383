"""Power, minimum detectable effect and sample size for planning the next phase of a pilot.

``analytic`` holds closed forms (two-sample means as Stata ``power twomeans``, cluster
randomised means as ``power twomeans, cluster``, McKenzie's several-rounds variances, the design
effect), ``survival`` the events needed for a hazard ratio (Schoenfeld, Freedman, as Stata
``power logrank``), ``components`` the variance components of a pilot's own panel and
``simulation`` power by resampling whole teams' series for the estimator actually used.
"""
