"""What both processes (the Rasa server with its connectors, and the action server) agree on. Neither imports the
other's package; both import this one. Keep it small: contracts and interfaces, no behaviour of either side."""
