"""Shipped questionnaires, one TOML file per instrument, loaded by `experiments.protocol.questionnaires`."""
