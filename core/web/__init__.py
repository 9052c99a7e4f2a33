"""The web view: a learner's roadmap on a page, opened from chat with a one-time link."""
