"""``python -m graphdiff``: the same command line as ``graphdiff``."""

from graphdiff.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
