"""The ``entropycodec`` command line (click). Subcommands live one per module."""
