"""Numerical models: gradient flows (solve_ivp) and the recursions they approximate."""
