"""``python -m entropycodec`` runs the command line."""

from entropycodec.cli.main import main

if __name__ == "__main__":
    main()
