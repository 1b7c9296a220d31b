"""Operations (SPEC §16): `manage.py backup` and `manage.py restore` — a database dump and every
stored file in one .tar.gz with a manifest of SHA-256s; the logic is in `ops/backup.py`."""
