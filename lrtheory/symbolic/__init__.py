"""SymPy toolbox shared by the claims: exact identity checks, linear stability, Lyapunov
equations, maps and their cycles."""
