"""Right-sizing: the versioned EC2 instance catalogue and the engine that matches CPU demand against it."""
