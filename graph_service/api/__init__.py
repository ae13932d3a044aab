"""The REST API and the investigator page: ``create_app`` in :mod:`.app`; docs/api.md."""
