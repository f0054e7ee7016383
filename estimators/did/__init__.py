"""Difference-in-differences: the 2x2 comparison, two-way fixed effects, event studies, Sun &
Abraham, Callaway & Sant'Anna, the Goodman-Bacon decomposition, the wild cluster bootstrap,
HonestDiD sensitivity bounds and the Poisson difference-in-differences on leaving."""
