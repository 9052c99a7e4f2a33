"""Study groups: a chat learning one track together."""
