"""Platform updates taken in: recorded before they are acknowledged, then handled a chat at a time."""
