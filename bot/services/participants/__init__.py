"""Use cases of participants: enrollment, intake, logging, nudges, surveys, their data."""
