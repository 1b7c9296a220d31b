"""排查 (SPEC §13): leads (线索), sweeps (排查活动) and their reports — the data only. Changes go
through workflows.services, pages live in web/, endpoints in api/."""
