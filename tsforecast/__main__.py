import sys

from tsforecast.cli import main

sys.exit(main())
