"""`lotgenoot demo`: a whole simulated study against the built-in Telegram sandbox."""

from bot.demo.options import DemoOptions, Effects
from bot.demo.run import DemoResult, run_demo

__all__ = ["DemoOptions", "DemoResult", "Effects", "run_demo"]
