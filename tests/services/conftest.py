"""The services suite's fixtures (tests/services/seaweed.py)."""

from tests.services.seaweed import own_seaweedfs, s3_private, seaweedfs  # noqa: F401
