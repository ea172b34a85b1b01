"""`python -m kstate` runs the `kstate` command."""
import sys

from kstate.cli import main

sys.exit(main())
