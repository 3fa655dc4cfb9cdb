"""Shipped questionnaires, one TOML file per instrument (`experiments.protocol.questionnaires`)."""
