"""Skills about the account's EC2 servers: controlling them (``control``: start, stop, reboot, resize), and beside it
what their load will be and which size fits."""
