"""Compiled (numba) kernels: small, array-in/array-out, each with a pure-Python oracle in tests."""
