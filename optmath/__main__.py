import sys

from optmath.cli import main

sys.exit(main())
