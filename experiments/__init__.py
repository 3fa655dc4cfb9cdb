"""Research modules: protocol, randomization, audit log, questionnaires and power; no Telegram."""
