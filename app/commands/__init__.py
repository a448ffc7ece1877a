"""Subcommands of `synesthesia`; each module exposes ``register(subparsers)``."""
