"""Lotgenoot: peer-support interventions on work and income over Telegram, run as a trial."""

__version__ = "0.1.0"
