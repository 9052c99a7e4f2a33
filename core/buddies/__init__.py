"""Study buddies: two learners at about the same week and pace, who see each other's day."""
