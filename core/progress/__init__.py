"""Progress: figures and pictures of how far a learner has come."""
