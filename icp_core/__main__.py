"""`python -m icp_core ...` is the same as the `icp` command."""

import sys

from icp_core.cli import main

if __name__ == "__main__":
    sys.exit(main())
