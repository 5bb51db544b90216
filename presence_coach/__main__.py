import sys

from presence_coach.cli import main

sys.exit(main())
