"""Chat channels for CloudButler: Rasa InputChannel/OutputChannel pairs, one package per platform."""
