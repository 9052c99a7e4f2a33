"""Learning a track: tracks, pace, the week plan, streaks and the day loop."""
