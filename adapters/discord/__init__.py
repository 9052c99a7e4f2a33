"""The coach on Discord (discord.py 2)."""
