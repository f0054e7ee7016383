"""Rambachan & Roth (2023) sensitivity bounds (R ``HonestDiD``): smoothness (FLCI) and
relative magnitudes (conditional least-favourable hybrid), with breakdown values."""
