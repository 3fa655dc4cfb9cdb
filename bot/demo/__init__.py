"""`lotgenoot demo`: a whole simulated study against the built-in Telegram sandbox."""

from bot.demo.options import DemoOptions, Effects
from bot.demo.run import run_demo
from bot.demo.summary import DemoResult

__all__ = ["DemoOptions", "DemoResult", "Effects", "run_demo"]
