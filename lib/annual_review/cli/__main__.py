"""``python -m annual_review.cli``."""

import sys

from annual_review.cli.main import main

sys.exit(main())
