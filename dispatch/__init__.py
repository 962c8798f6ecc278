"""The rules of ticket life, the service that wires the parts, and the CLI."""
