"""The coach on the web as a client: roadmaps downloaded from links."""
