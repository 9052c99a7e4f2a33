"""Quizzes: the question bank and spaced review."""
