"""Staff retention: Kaplan-Meier, log-rank, Cox, restricted mean survival time and competing
risks (cumulative incidence, cause-specific Cox, Fine-Gray subdistribution hazards)."""
