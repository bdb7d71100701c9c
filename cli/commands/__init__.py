"""One module per command group, registered explicitly in ``cli.main``."""
