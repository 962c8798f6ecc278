"""The top floor: what starts, in what order (service), when each sweep runs (schedule), the command line, logging."""
