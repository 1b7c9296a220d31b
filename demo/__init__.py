"""Demo data for `make run` and the tests: the regions, committees and users of SPEC §10 and
cases walked through the real services (`manage.py seed_demo`)."""
