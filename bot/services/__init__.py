"""Domain operations as plain async functions: no Telegram, the clock passed in."""
