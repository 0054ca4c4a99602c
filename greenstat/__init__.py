"""greenstat: a warehouse of China's green low-carbon statistics and policy targets."""

__version__ = "0.1.0"
