"""Committees' registers (台账) in and out: import of past cases from .xlsx/.csv through the
services, and the .xlsx export of the case list."""
