"""Database access: models, the engine, one transaction helper and migrations."""
